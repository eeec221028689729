//! tekton-lint passes on the templates and on every generated PipelineRun, and finds
//! a broken one (so the passes mean something).

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

use super::{SOURCE_URL, as_pipeline, docs, generate, tekton_repo};
use crate::support::fixture;
use crate::support::tekton::{template_docs, templates_dir};
use crate::support::validators::tekton_lint;

/// The Tekton templates (the example monoarch.yaml is no Tekton resource).
fn template_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(templates_dir())
        .expect("read ci-templates/tekton")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n != "monoarch.yaml"))
        .collect();
    files.sort();
    files
}

/// Writes the generated runs, and each run's pipelineSpec as a Pipeline, beside the Tasks.
pub fn lint_generated(text: &str) -> crate::support::validators::Verdict {
    let dir = tempfile::tempdir().expect("temp dir");
    let runs = docs(text);
    let pipelines: Vec<Value> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| as_pipeline(run, &format!("generated-{i}")))
        .collect();
    let generated = dir.path().join("pipelinerun.yaml");
    fs::write(&generated, text).expect("write");
    let lifted = dir.path().join("pipelines.yaml");
    let yaml: Vec<String> = pipelines
        .iter()
        .map(|p| serde_saphyr::to_string(p).expect("YAML"))
        .collect();
    fs::write(&lifted, yaml.join("---\n")).expect("write");
    let mut files = vec![generated, lifted];
    files.extend(template_files());
    tekton_lint(&files)
}

#[test]
#[cfg_attr(
    not(tool = "tekton-lint"),
    ignore = "needs tekton-lint: run hack/install-test-deps"
)]
fn tekton_templates_pass_tekton_lint() {
    let files = template_files();
    assert!(files.len() >= 6, "{files:?}");
    let verdict = tekton_lint(&files);
    assert!(verdict.ok, "tekton-lint:\n{}", verdict.output);
    assert_eq!(verdict.output.trim(), "", "tekton-lint printed findings");
}

#[test]
#[cfg_attr(
    not(tool = "tekton-lint"),
    ignore = "needs tekton-lint: run hack/install-test-deps"
)]
fn generated_pipelineruns_pass_tekton_lint() {
    let repo = tekton_repo();
    let empty = fixture::monorepo();
    let cases = [
        (
            "one",
            generate(&repo, &["--projects", "alpha", "--source-url", SOURCE_URL]),
        ),
        (
            "many",
            generate(&repo, &["--all", "--source-url", SOURCE_URL]),
        ),
        (
            "packed",
            generate(
                &repo,
                &["--all", "--max-jobs", "2", "--source-url", SOURCE_URL],
            ),
        ),
        ("empty", generate(&empty, &["--base", "HEAD"])),
    ];
    for (name, text) in cases {
        let verdict = lint_generated(&text);
        assert!(
            verdict.ok,
            "{name}: tekton-lint:\n{}\n{text}",
            verdict.output
        );
        assert_eq!(
            verdict.output.trim(),
            "",
            "{name}: tekton-lint printed findings"
        );
    }
}

#[test]
#[cfg_attr(
    not(tool = "tekton-lint"),
    ignore = "needs tekton-lint: run hack/install-test-deps"
)]
fn tekton_lint_catches_a_broken_pipelinerun() {
    let repo = tekton_repo();
    let text = generate(&repo, &["--projects", "alpha", "--source-url", SOURCE_URL]);
    let broken = text
        .replacen("name: project\n", "name: projekt\n", 1)
        .replacen(".results.digest)", ".results.digst)", 1);
    assert_ne!(broken, text, "the output changed; update this test");
    let verdict = lint_generated(&broken);
    assert!(!verdict.ok, "tekton-lint passed a broken run");
    for rule in ["no-extra-param", "no-missing-param", "no-undefined-result"] {
        assert!(verdict.output.contains(rule), "{rule}:\n{}", verdict.output);
    }
}

/// The wiring a cluster relies on and no linter checks: trigger -> plan Pipeline ->
/// plan Task, the weekly run, and the Tasks the generated runs name.
#[test]
fn tekton_templates_wire_trigger_plan_and_weekly_run() {
    let t = template_docs();
    let get = |kind: &str, name: &str| {
        t.get(&(kind.to_string(), name.to_string()))
            .unwrap_or_else(|| panic!("no {kind} {name} in ci-templates/tekton"))
    };
    for task in [
        "monoarch-build",
        "monoarch-manifest",
        "monoarch-verdict",
        "monoarch-plan",
    ] {
        let spec = &get("Task", task)["spec"];
        assert_eq!(get("Task", task)["apiVersion"], "tekton.dev/v1");
        assert!(
            spec["steps"].as_array().is_some_and(|s| !s.is_empty()),
            "{task}"
        );
    }
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|p| p["name"].as_str().expect("name").to_string())
            .collect()
    };
    let pipeline = &get("Pipeline", "monoarch-plan")["spec"];
    let template = &get("TriggerTemplate", "monoarch-plan")["spec"];
    assert_eq!(names(&template["params"]), names(&pipeline["params"]));
    let run = &template["resourcetemplates"][0];
    assert_eq!(run["spec"]["pipelineRef"]["name"], "monoarch-plan");
    assert_eq!(names(&run["spec"]["params"]), names(&pipeline["params"]));
    let binding = &get("TriggerBinding", "monoarch-github-push")["spec"]["params"];
    assert_eq!(binding[2]["value"], "$(body.before)");
    let listener = &get("EventListener", "monoarch")["spec"]["triggers"][0];
    assert_eq!(listener["interceptors"][0]["ref"]["name"], "github");
    assert_eq!(
        listener["interceptors"][1]["params"][0]["value"],
        "body.ref == 'refs/heads/main'"
    );

    let weekly: Value = serde_saphyr::from_str(
        get("ConfigMap", "monoarch-weekly")["data"]["pipelinerun.yaml"]
            .as_str()
            .expect("the weekly PipelineRun"),
    )
    .expect("YAML");
    assert_eq!(weekly["spec"]["pipelineRef"]["name"], "monoarch-plan");
    let selection = weekly["spec"]["params"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "selection"))
        .expect("selection param");
    assert_eq!(selection["value"], "schedule");
    for p in names(&weekly["spec"]["params"]) {
        assert!(names(&pipeline["params"]).contains(&p), "weekly param {p}");
    }
    let cron = &get("CronJob", "monoarch-weekly")["spec"];
    assert_eq!(cron["schedule"], "17 3 * * 1");
    let container = &cron["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["command"][3], "/etc/monoarch/pipelinerun.yaml");
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn the_tekton_example_config_is_valid() {
    let repo = fixture::monorepo();
    let text = fs::read_to_string(templates_dir().join("monoarch.yaml")).expect("example");
    repo.write("monoarch.yaml", &text);
    crate::support::monoarch::Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .success();
    let out = generate(&repo, &["--projects", "alpha"]);
    assert!(out.contains("serviceAccountName: monoarch"), "{out}");
    assert!(out.contains("node-pool: arm64-builders"), "{out}");
    // `source:` doubles as the clone URL when no --source-url is given.
    assert!(
        out.contains("value: https://github.com/your-org/your-monorepo\n"),
        "{out}"
    );
}
