//! CI systems run only the jobs that are built: a reused job gets no GitHub
//! matrix entry, no GitLab build job, no Tekton build task, while its
//! project's manifest job still runs. Snapshots, and the real validators.

use monoarch::contract::{Plan, Reuse, ReuseSettings, Unchanged, write_plan};

use crate::pipelines::tekton::lint::lint_generated;
use crate::support::monoarch::Monoarch;
use crate::support::plans;
use crate::support::validators::check_jsonschema;

/// alpha: amd64 built, arm64 reused; beta: both reused.
fn plan() -> Plan {
    let mut alpha = plans::project("alpha", &["amd64", "arm64"], &["latest"]);
    let mut beta = plans::project("beta", &["amd64", "arm64"], &[]);
    let reuse = |digest: char| Reuse {
        digest: format!("sha256:{}", digest.to_string().repeat(64)),
        media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        size: 500,
        from: "alpha-20261113-0000000".into(),
    };
    alpha.jobs[0].why = Some("built: key changed since alpha-20261113-0000000: base moved".into());
    alpha.jobs[1].reuse = Some(reuse('a'));
    for (job, digest) in beta.jobs.iter_mut().zip(['b', 'c']) {
        job.reuse = Some(reuse(digest));
    }
    // A reused job carries the key it was found by.
    for job in alpha.jobs.iter_mut().chain(beta.jobs.iter_mut()) {
        job.key = Some(format!("sha256:{}", "e".repeat(64)));
    }
    for p in [&mut alpha, &mut beta] {
        p.last_tag = Some(format!("{}-monoarch-last", p.name));
    }
    let mut plan = plans::plan("registry.example", vec![alpha, beta]);
    plan.reuse = Some(ReuseSettings {
        builder: "buildah".into(),
        rebuild: false,
        unchanged: Unchanged::Retag,
    });
    plan
}

fn matrix(dir: &std::path::Path, format: &str, extra: &[&str]) -> String {
    Monoarch::new(dir)
        .args(["matrix", "--format", format, "--plan", "plan.json"])
        .args(extra)
        .env("GITHUB_OUTPUT", dir.join("outputs"))
        .run()
        .success()
        .stdout
}

#[test]
fn github_matrix_lists_only_built_jobs_and_says_projects_remain() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_plan(&dir.path().join("plan.json"), &plan()).expect("write plan");
    let json: serde_json::Value =
        serde_json::from_str(&matrix(dir.path(), "github", &[])).expect("matrix JSON");
    let names: Vec<&str> = json["include"]
        .as_array()
        .expect("include")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, vec!["alpha amd64"]);
    let outputs = std::fs::read_to_string(dir.path().join("outputs")).expect("outputs");
    for line in ["has_jobs=true", "has_projects=true", "job_count=1"] {
        assert!(outputs.lines().any(|l| l == line), "{line}: {outputs}");
    }
}

#[test]
#[cfg_attr(
    not(tool = "check-jsonschema"),
    ignore = "needs check-jsonschema: run hack/install-test-deps"
)]
fn gitlab_child_pipeline_has_no_build_job_for_a_reused_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_plan(&dir.path().join("plan.json"), &plan()).expect("write plan");
    let yaml = matrix(dir.path(), "gitlab", &[]);
    let doc: serde_json::Value = serde_saphyr::from_str(&yaml).expect("YAML");
    let jobs: Vec<&String> = doc.as_object().expect("map").keys().collect();
    assert!(jobs.iter().any(|j| *j == "build:alpha:amd64"));
    assert!(
        !jobs
            .iter()
            .any(|j| *j == "build:alpha:arm64" || j.starts_with("build:beta"))
    );
    assert_eq!(
        doc["manifest:beta"]["needs"].as_array().map(Vec::len),
        Some(1),
        "only the plan: {}",
        doc["manifest:beta"]
    );
    let path = dir.path().join("child.yml");
    std::fs::write(&path, &yaml).expect("write");
    let verdict = check_jsonschema("vendor.gitlab-ci", &[path]);
    assert!(verdict.ok, "{}", verdict.output);
    insta::assert_snapshot!(yaml);
}

#[test]
#[cfg_attr(
    not(tool = "tekton-lint"),
    ignore = "needs tekton-lint: run hack/install-test-deps"
)]
fn tekton_pipelinerun_has_no_build_task_for_a_reused_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_plan(&dir.path().join("plan.json"), &plan()).expect("write plan");
    let yaml = matrix(dir.path(), "tekton", &[]);
    let run: serde_json::Value = serde_saphyr::from_str(&yaml).expect("YAML");
    let tasks = run["spec"]["pipelineSpec"]["tasks"]
        .as_array()
        .expect("tasks");
    let names: Vec<&str> = tasks.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(
        names,
        vec!["build-alpha-amd64", "manifest-alpha", "manifest-beta"]
    );
    assert!(tasks[2].get("runAfter").is_none(), "beta waits for nothing");
    let verdict = lint_generated(&yaml);
    assert!(verdict.ok, "tekton-lint:\n{}", verdict.output);
    insta::assert_snapshot!(yaml);
}
