//! The GitHub template's flow, job by job as separate processes with the
//! template's own command lines: plan -> build per matrix entry (JOB env) -> manifest.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::end_to_end::{assert_absent, assert_published, expected_tags, merged_monorepo};
use crate::support::monoarch::Monoarch;
use crate::support::world::World;

/// What a GitHub runner gives every job of a push to main: the event, the
/// output files, and the workflow's `env:` (REGISTRY).
pub(crate) fn github_job(dir: &Path, event: &Path, host: &str, outputs: &Path) -> Monoarch {
    Monoarch::new(dir)
        .env("CI", "true")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", event)
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_OUTPUT", outputs.join("output"))
        .env("GITHUB_STEP_SUMMARY", outputs.join("summary"))
        .env("REGISTRY", host)
        // The test registry speaks plain HTTP; real registries need no such line.
        .env("MONOARCH_INSECURE_REGISTRIES", host)
}

pub(crate) fn read_outputs(path: &Path) -> Vec<(String, String)> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One entry per job, and (`--max-jobs 2`) packed: one entry per architecture that
/// names a chunk of projects, read back from plan.json by `build --job-env`.
#[rstest::rstest]
#[case::one_entry_each(256, 4)]
#[case::packed(2, 2)]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "skopeo")),
    ignore = "needs buildah, docker-registry, skopeo: run hack/install-test-deps"
)]
fn the_github_template_flow_publishes_the_merged_projects(
    #[case] max_jobs: u16,
    #[case] entries_expected: usize,
) {
    let w = World::new();
    let (registry, buildah) = (w.registry(), w.buildah());
    let (repo, base) = merged_monorepo();
    let host = registry.host();
    let runner = tempfile::tempdir().expect("runner temp dir");
    let event = runner.path().join("event.json");
    fs::write(
        &event,
        format!(r#"{{"before":"{base}","after":"{}"}}"#, repo.head()),
    )
    .expect("write event");

    // Job `plan`: the commands of its `run:` step for a push (no selection flags).
    let plan_out = runner.path().join("plan");
    fs::create_dir_all(&plan_out).expect("mkdir");
    github_job(repo.path(), &event, &host, &plan_out)
        .args([
            "plan",
            "--resolve-refs",
            "--format",
            "json",
            "--output",
            "plan.json",
        ])
        .run()
        .success();
    let preview = github_job(repo.path(), &event, &host, &plan_out)
        .args(["plan"])
        .run()
        .success();
    assert!(
        preview.stdout.contains("alpha") && !preview.stdout.contains("gamma"),
        "{}",
        preview.stdout
    );
    github_job(repo.path(), &event, &host, &plan_out)
        .args(["matrix", "--format", "github", "--plan", "plan.json"])
        .args(["--max-jobs", &max_jobs.to_string()])
        .run()
        .success();
    let outputs = read_outputs(&plan_out.join("output"));
    let get = |k: &str| {
        outputs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("plan job wrote no `{k}` output: {outputs:?}"))
    };
    assert_eq!(get("has_jobs"), "true");
    let matrix: Value = serde_json::from_str(&get("matrix")).expect("matrix is JSON");
    let entries = matrix["include"].as_array().expect("include").clone();
    assert_eq!(entries.len(), entries_expected, "{matrix}");

    // Jobs `build`: one process per matrix entry, each with its own records folder
    // (an artifact per job), the entry passed as `JOB: ${{ toJSON(matrix) }}`.
    let host_arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    for (i, entry) in entries.iter().enumerate() {
        let job_out = runner.path().join(format!("build-{i}"));
        fs::create_dir_all(&job_out).expect("mkdir");
        let records = job_out.join("build-records");
        let mut cmd = github_job(repo.path(), &event, &host, &job_out)
            .env("JOB", serde_json::to_string_pretty(entry).expect("entry"))
            .args(["build", "--plan", "plan.json", "--job-env", "JOB"])
            .args([std::ffi::OsStr::new("--records"), records.as_os_str()]);
        for (k, v) in buildah.env() {
            cmd = cmd.env(k, v);
        }
        if entry["arch"] != host_arch {
            // This machine is one runner for both architectures; the template's
            // runners are native. FROM scratch + COPY executes nothing, so this is exact.
            cmd = cmd.args(["--allow-emulation"]);
        }
        cmd.run().success();
        let written = read_outputs(&job_out.join("output"));
        assert!(
            written
                .iter()
                .any(|(k, v)| k == "digest" && v.starts_with("sha256:")),
            "{written:?}"
        );
    }

    // Job `manifest`: every job's records merged into one folder (merge-multiple).
    let merged = repo.join("build-records");
    fs::create_dir_all(&merged).expect("mkdir");
    for i in 0..entries.len() {
        let dir = runner.path().join(format!("build-{i}/build-records"));
        for file in fs::read_dir(&dir).expect("records of a build job") {
            let file = file.expect("entry").path();
            fs::copy(&file, merged.join(file.file_name().expect("name"))).expect("copy record");
        }
    }
    let manifest_out = runner.path().join("manifest");
    fs::create_dir_all(&manifest_out).expect("mkdir");
    github_job(repo.path(), &event, &host, &manifest_out)
        .args([
            "manifest",
            "--plan",
            "plan.json",
            "--records",
            "build-records",
        ])
        .run()
        .success();
    let summary = fs::read_to_string(manifest_out.join("summary")).expect("step summary");
    assert!(
        summary.contains("alpha") && summary.contains("beta"),
        "{summary}"
    );

    for project in ["alpha", "beta"] {
        assert_published(
            &format!("docker://{host}/images"),
            &expected_tags(&repo, project),
        );
    }
    assert_absent(&format!(
        "docker://{host}/images:{}",
        expected_tags(&repo, "gamma")[0]
    ));
}

/// The plan job of a "Run workflow" on a feature branch: the branch rule makes it a
/// preview (no matrix entry, so no build or manifest job runs), and with no
/// `repository:` in monoarch.yaml the images would go to the GitHub repository's path.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn github_manual_run_on_a_feature_branch_is_a_preview() {
    let repo = crate::support::fixture::monorepo();
    repo.write("monoarch.yaml", "registry: ghcr.io\n");
    repo.commit("default repository");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let runner = tempfile::tempdir().expect("runner temp dir");
    let event = runner.path().join("event.json");
    fs::write(
        &event,
        r#"{"inputs":{"projects":"alpha"},"repository":{"default_branch":"main"}}"#,
    )
    .expect("write event");
    let job = || {
        Monoarch::new(repo.path())
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "workflow_dispatch")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REF", "refs/heads/feature")
            .env("GITHUB_REPOSITORY", "Example-Org/Mono-Repo")
            .env("GITHUB_OUTPUT", runner.path().join("output"))
            .env("MONOARCH_PROJECTS", "alpha")
    };
    job()
        .args(["plan", "--format", "json", "--output", "plan.json"])
        .run()
        .success();
    let plan: Value =
        serde_json::from_str(&fs::read_to_string(repo.join("plan.json")).expect("plan.json"))
            .expect("plan is JSON");
    assert_eq!(plan["publish"]["mode"], "none", "{}", plan["publish"]);
    assert_eq!(plan["projects"][0]["name"], "alpha");
    assert_eq!(plan["projects"][0]["repository"], "example-org/mono-repo");
    let preview = job().args(["plan"]).run().success();
    assert!(
        preview.stdout.contains(
            "publishes: nothing (preview only); branch `feature` is not a publish branch (main)"
        ),
        "{}",
        preview.stdout
    );
    job()
        .args(["matrix", "--format", "github", "--plan", "plan.json"])
        .run()
        .success();
    let outputs = read_outputs(&runner.path().join("output"));
    for name in ["has_jobs", "has_projects"] {
        assert!(
            outputs.contains(&(name.to_string(), "false".to_string())),
            "{name}: {outputs:?}"
        );
    }
    // A build job handed this plan anyway refuses it.
    job()
        .env("JOB", r#"{"arch":"amd64","projects":["alpha"]}"#)
        .args(["build", "--plan", "plan.json", "--job-env", "JOB"])
        .run()
        .expect_code(6);
}
