//! Every file under `ci-templates/` passes the real validators, and keeps the
//! wiring the CLI contract relies on.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::validators::{actionlint, check_jsonschema};

fn templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ci-templates")
}

/// Every file under `ci-templates/`, relative to it, `/`-separated, sorted.
fn template_files() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).expect("read ci-templates") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&templates(), &templates(), &mut out);
    out.sort();
    out
}

/// Which validator a template file belongs to; a new file must be given one here.
fn kind(rel: &str) -> &'static str {
    if rel.starts_with("github/workflows/") && rel.ends_with(".yml") {
        "workflow"
    } else if rel.starts_with("github/actions/") && rel.ends_with("/action.yml") {
        "action"
    } else if rel.starts_with("gitlab/") && rel.ends_with("gitlab-ci.yml") {
        "gitlab-ci"
    } else if rel == "gitlab/monoarch.yaml" || rel == "tekton/monoarch.yaml" {
        "monoarch-config"
    } else if rel.starts_with("tekton/") && rel.ends_with(".yaml") {
        // tekton-lint, in pipelines::tekton::lint
        "tekton"
    } else {
        "unknown"
    }
}

fn load(rel: &str) -> Value {
    let text = fs::read_to_string(templates().join(rel)).expect("read template");
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not YAML: {e}"))
}

/// The GitHub templates laid out as an adopting repository has them: `.github/`.
fn github_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for rel in template_files() {
        if let Some(rest) = rel.strip_prefix("github/") {
            let dest = dir.path().join(".github").join(rest);
            fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
            fs::copy(templates().join(&rel), dest).expect("copy template");
        }
    }
    dir
}

#[test]
fn every_template_file_has_a_validator() {
    let files = template_files();
    assert!(files.iter().any(|f| kind(f) == "workflow"), "{files:?}");
    assert!(files.iter().any(|f| kind(f) == "gitlab-ci"), "{files:?}");
    let unknown: Vec<&String> = files.iter().filter(|f| kind(f) == "unknown").collect();
    assert!(
        unknown.is_empty(),
        "no validator for {unknown:?}: add it to `kind`"
    );
}

#[test]
#[cfg_attr(
    not(tool = "actionlint"),
    ignore = "needs actionlint: run hack/install-test-deps"
)]
fn github_templates_pass_actionlint() {
    let checkout = github_checkout();
    let verdict = actionlint(checkout.path());
    assert!(verdict.ok, "actionlint:\n{}", verdict.output);
    assert_eq!(verdict.output.trim(), "", "actionlint printed findings");
}

/// The same run catches a mistake, so the pass above means something: actionlint
/// reads the local action's metadata and the shell of `run:` steps.
#[test]
#[cfg_attr(
    not(tool = "actionlint"),
    ignore = "needs actionlint: run hack/install-test-deps"
)]
fn actionlint_catches_a_broken_workflow() {
    let checkout = github_checkout();
    let workflow = checkout.path().join(".github/workflows/monoarch.yml");
    let text = fs::read_to_string(&workflow).expect("read workflow");
    let broken = text
        .replacen("version: ${{ env.MONOARCH_VERSION }}", "versoin: x", 1)
        .replacen("--job-env JOB", "--job-env $JOB_NAME_UNQUOTED", 1);
    assert_ne!(broken, text, "the template changed; update this test");
    fs::write(&workflow, broken).expect("write workflow");
    let verdict = actionlint(checkout.path());
    assert!(!verdict.ok, "actionlint passed a broken workflow");
    assert!(
        verdict.output.contains("input \"versoin\" is not defined"),
        "{}",
        verdict.output
    );
    assert!(verdict.output.contains("SC2086"), "{}", verdict.output);
}

#[test]
#[cfg_attr(
    not(tool = "check-jsonschema"),
    ignore = "needs check-jsonschema: run hack/install-test-deps"
)]
fn github_templates_pass_the_json_schemas() {
    for (kind_name, schema) in [
        ("workflow", "vendor.github-workflows"),
        ("action", "vendor.github-actions"),
    ] {
        let files: Vec<PathBuf> = template_files()
            .into_iter()
            .filter(|f| kind(f) == kind_name)
            .map(|f| templates().join(f))
            .collect();
        assert!(!files.is_empty(), "no {kind_name} templates");
        let verdict = check_jsonschema(schema, &files);
        assert!(verdict.ok, "{schema}:\n{}", verdict.output);
    }
}

#[test]
#[cfg_attr(
    not(tool = "check-jsonschema"),
    ignore = "needs check-jsonschema: run hack/install-test-deps"
)]
fn gitlab_templates_pass_the_json_schema() {
    let files: Vec<PathBuf> = template_files()
        .into_iter()
        .filter(|f| kind(f) == "gitlab-ci")
        .map(|f| templates().join(f))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    let verdict = check_jsonschema("vendor.gitlab-ci", &files);
    assert!(verdict.ok, "vendor.gitlab-ci:\n{}", verdict.output);
}

/// Every `run:` of a workflow or action, with where it is.
fn run_scripts(doc: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match doc {
        Value::Object(map) => {
            for (key, value) in map {
                let here = format!("{at}.{key}");
                match (key.as_str(), value) {
                    ("run", Value::String(script)) => out.push((here, script.clone())),
                    _ => run_scripts(value, &here, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                run_scripts(item, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Every `uses:` with the line before it (where the tag comment sits).
fn uses_lines(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let value = line.trim().trim_start_matches("- ").strip_prefix("uses:")?;
            let before = if i > 0 { lines[i - 1] } else { "" };
            Some((value.trim().to_string(), before.trim().to_string()))
        })
        .collect()
}

#[test]
fn github_templates_keep_expressions_out_of_shell_and_pin_actions() {
    for rel in template_files() {
        if !matches!(kind(&rel), "workflow" | "action") {
            continue;
        }
        let mut scripts = Vec::new();
        run_scripts(&load(&rel), "", &mut scripts);
        assert!(!scripts.is_empty(), "{rel}: no run steps found");
        for (at, script) in scripts {
            assert!(
                !script.contains("${{"),
                "{rel}{at}: a `${{{{ }}}}` expression inside `run:`; pass it through `env:`"
            );
        }
        let text = fs::read_to_string(templates().join(&rel)).expect("read");
        for (action, before) in uses_lines(&text) {
            if action.starts_with("./") {
                continue;
            }
            let (_, sha) = action.split_once('@').expect("uses has a ref");
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{rel}: `{action}` is not pinned to a full commit sha"
            );
            let name = action.split('@').next().unwrap_or_default();
            assert!(
                before.starts_with(&format!("# {name} v")),
                "{rel}: `{action}` needs a `# {name} vX.Y.Z` comment above it, got `{before}`"
            );
        }
    }
}

#[test]
fn github_workflow_wires_plan_build_manifest() {
    let wf = load("github/workflows/monoarch.yml");
    assert_eq!(
        wf["permissions"],
        serde_json::json!({}),
        "top-level permissions"
    );
    let jobs = wf["jobs"].as_object().expect("jobs");
    for (name, job) in jobs {
        assert!(
            job["permissions"].is_object(),
            "job {name} states its permissions"
        );
        assert_ne!(job["permissions"]["contents"], "write", "job {name}");
    }
    let on = wf["on"].as_object().expect("on: is a map");
    for event in ["push", "pull_request", "schedule", "workflow_dispatch"] {
        assert!(on.contains_key(event), "trigger {event}");
    }
    assert!(wf["on"]["workflow_dispatch"]["inputs"]["projects"].is_object());
    // Pushes must never share a concurrency group: GitHub drops all but one pending run.
    let group = wf["concurrency"]["group"]
        .as_str()
        .expect("concurrency group");
    assert!(group.contains("github.run_id"), "{group}");

    let plan = &jobs["plan"];
    assert_eq!(
        plan["outputs"]["has_jobs"],
        "${{ steps.matrix.outputs.has_jobs }}"
    );
    assert_eq!(
        plan["outputs"]["matrix"],
        "${{ steps.matrix.outputs.matrix }}"
    );
    assert_eq!(plan["steps"][0]["with"]["fetch-depth"], 0);

    let build = &jobs["build"];
    assert_eq!(build["runs-on"], "${{ matrix.runner }}");
    assert_eq!(build["strategy"]["fail-fast"], false);
    assert_eq!(
        build["strategy"]["matrix"],
        "${{ fromJSON(needs.plan.outputs.matrix) }}"
    );
    let if_build = build["if"].as_str().expect("build if");
    assert!(if_build.contains("has_jobs == 'true'") && if_build.contains("pull_request"));
    let step = build["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("monoarch build"))
        })
        .expect("a monoarch build step");
    assert_eq!(step["run"], "monoarch build --plan plan.json --job-env JOB");
    assert_eq!(step["env"]["JOB"], "${{ toJSON(matrix) }}");

    let manifest = &jobs["manifest"];
    let if_manifest = manifest["if"].as_str().expect("manifest if");
    assert!(
        if_manifest.starts_with("always() && needs.plan.outputs.has_jobs == 'true'"),
        "{if_manifest}"
    );
    assert_eq!(manifest["needs"], serde_json::json!(["plan", "build"]));
}

#[test]
fn gitlab_template_wires_the_child_pipeline() {
    let t = load("gitlab/monoarch.gitlab-ci.yml");
    let plan = &t["monoarch-plan"];
    assert_eq!(plan["stage"], "prepare");
    let script = plan["script"].to_string();
    assert!(
        script.contains("monoarch plan \\\"$@\\\" --resolve-refs --format json --output plan.json")
    );
    assert!(
        script.contains(
            "monoarch matrix --format gitlab --plan plan.json --output child-pipeline.yml"
        )
    );
    let artifacts = plan["artifacts"]["paths"].to_string();
    assert!(artifacts.contains("plan.json") && artifacts.contains("child-pipeline.yml"));
    assert_eq!(plan["variables"]["GIT_DEPTH"], "0");
    // The binaries the child jobs run come from one job per architecture, on its runners.
    assert_eq!(
        plan["needs"],
        serde_json::json!(["monoarch-binary:amd64", "monoarch-binary:arm64"])
    );
    for arch in ["amd64", "arm64"] {
        let job = &t[format!("monoarch-binary:{arch}").as_str()];
        let tag = format!("$MONOARCH_TAG_{}", arch.to_uppercase());
        assert_eq!(job["tags"], serde_json::json!([tag]));
        assert_eq!(job["extends"], ".monoarch-binary");
    }

    let trigger = &t["monoarch-build"];
    assert_eq!(
        trigger["trigger"]["include"],
        serde_json::json!([{"artifact": "child-pipeline.yml", "job": "monoarch-plan"}])
    );
    assert_eq!(trigger["trigger"]["strategy"], "depend");
    assert_eq!(
        trigger["variables"]["PARENT_PIPELINE_ID"],
        "$CI_PIPELINE_ID"
    );
    assert_eq!(
        trigger["rules"][0],
        serde_json::json!({"if": "$CI_PIPELINE_SOURCE == \"merge_request_event\"", "when": "never"})
    );
    let plan_rules = t[".monoarch-plan-rules"]["rules"].to_string();
    assert!(plan_rules.contains("$CI_PIPELINE_SOURCE == \\\"schedule\\\""));
}
