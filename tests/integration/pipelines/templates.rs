//! Every file under `ci-templates/` passes the real validators, and keeps the
//! wiring the CLI contract relies on.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::validators::{actionlint, check_jsonschema, shellcheck, zizmor};

fn templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ci-templates")
}

/// The install script both templates run; the GitHub action expects it beside action.yml.
const INSTALL_SCRIPT: &str = "install-monoarch.sh";

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
    if rel == INSTALL_SCRIPT {
        "shell"
    } else if rel.starts_with("github/workflows/") && rel.ends_with(".yml") {
        "workflow"
    } else if rel.starts_with("github/actions/") && rel.ends_with("/action.yml") {
        "action"
    } else if rel.starts_with("gitlab/templates/") && rel.ends_with(".yml") {
        "gitlab-component"
    } else if rel.starts_with("gitlab/") && rel.ends_with("gitlab-ci.yml") {
        "gitlab-ci"
    } else if matches!(
        rel,
        "gitlab/monoarch.yaml" | "gitlab/monoarch.gitlab-registry.yaml" | "tekton/monoarch.yaml"
    ) {
        "monoarch-config"
    } else if rel.starts_with("tekton/") && rel.ends_with(".yaml") {
        // tekton-lint, in pipelines::tekton::lint
        "tekton"
    } else {
        "unknown"
    }
}

/// A component's two YAML documents: the `spec:` header and the pipeline.
pub fn component_parts(text: &str) -> (String, String) {
    let (spec, body) = text
        .split_once("\n---\n")
        .expect("a component has a `spec:` header, then `---`");
    (format!("{spec}\n"), body.to_string())
}

/// The pipeline part of a template (after a component's `spec:` header).
fn load(rel: &str) -> Value {
    let text = fs::read_to_string(templates().join(rel)).expect("read template");
    let body = match kind(rel) {
        "gitlab-component" => component_parts(&text).1,
        _ => text,
    };
    serde_saphyr::from_str(&body).unwrap_or_else(|e| panic!("{rel} is not YAML: {e}"))
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
    fs::copy(
        templates().join(INSTALL_SCRIPT),
        dir.path()
            .join(".github/actions/setup-monoarch")
            .join(INSTALL_SCRIPT),
    )
    .expect("copy the install script beside the action");
    dir
}

#[test]
fn every_template_file_has_a_validator() {
    let files = template_files();
    assert!(files.iter().any(|f| kind(f) == "workflow"), "{files:?}");
    assert!(files.iter().any(|f| kind(f) == "gitlab-ci"), "{files:?}");
    assert!(
        files.iter().any(|f| kind(f) == "gitlab-component"),
        "{files:?}"
    );
    assert!(files.iter().any(|f| kind(f) == "shell"), "{files:?}");
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
    let mut files: Vec<PathBuf> = template_files()
        .into_iter()
        .filter(|f| kind(f) == "gitlab-ci")
        .map(|f| templates().join(f))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    // The schema reads one YAML document per file: a component's header and its
    // pipeline are checked apart, each against the schema's own rules for it.
    let split = tempfile::tempdir().expect("temp dir");
    for rel in template_files()
        .into_iter()
        .filter(|f| kind(f) == "gitlab-component")
    {
        let (spec, body) =
            component_parts(&fs::read_to_string(templates().join(&rel)).expect("read"));
        let name = rel.replace('/', "_");
        for (part, text) in [("spec", spec), ("body", body)] {
            let path = split.path().join(format!("{part}-{name}"));
            fs::write(&path, text).expect("write part");
            files.push(path);
        }
    }
    let verdict = check_jsonschema("vendor.gitlab-ci", &files);
    assert!(verdict.ok, "vendor.gitlab-ci:\n{}", verdict.output);

    // The same schema refuses a header with an unknown key, so the pass means something.
    let bad = split.path().join("bad-spec.yml");
    fs::write(&bad, "spec:\n  inputz:\n    x:\n      default: y\n").expect("write");
    let verdict = check_jsonschema("vendor.gitlab-ci", &[bad]);
    assert!(!verdict.ok, "the schema passed an unknown spec key");
}

#[test]
#[cfg_attr(
    not(tool = "zizmor"),
    ignore = "needs zizmor: run hack/install-test-deps"
)]
fn github_templates_pass_zizmor() {
    let checkout = github_checkout();
    let verdict = zizmor(checkout.path());
    let findings: Value = serde_json::from_str(&verdict.output)
        .unwrap_or_else(|e| panic!("zizmor printed no JSON ({e}):\n{}", verdict.output));
    assert_eq!(findings, serde_json::json!([]), "zizmor findings");
    assert!(verdict.ok, "{}", verdict.output);
}

/// zizmor run the same way reports an injection, so the empty list above means something.
#[test]
#[cfg_attr(
    not(tool = "zizmor"),
    ignore = "needs zizmor: run hack/install-test-deps"
)]
fn zizmor_catches_a_template_injection() {
    let checkout = github_checkout();
    let workflow = checkout.path().join(".github/workflows/monoarch.yml");
    let text = fs::read_to_string(&workflow).expect("read workflow");
    let broken = text.replacen(
        "run: monoarch build --plan plan.json --job-env JOB",
        "run: echo \"${{ github.event.head_commit.message }}\"",
        1,
    );
    assert_ne!(broken, text, "the template changed; update this test");
    fs::write(&workflow, broken).expect("write workflow");
    let verdict = zizmor(checkout.path());
    assert!(!verdict.ok, "zizmor passed an injection");
    assert!(
        verdict.output.contains("template-injection"),
        "{}",
        verdict.output
    );
}

#[test]
#[cfg_attr(
    not(tool = "shellcheck"),
    ignore = "needs shellcheck: run hack/install-test-deps"
)]
fn shell_scripts_pass_shellcheck() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = vec![
        templates().join(INSTALL_SCRIPT),
        root.join("hack/package-release"),
        root.join("hack/render-templates"),
    ];
    let verdict = shellcheck(&files);
    assert!(verdict.ok, "shellcheck:\n{}", verdict.output);
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
            // The action of this repository, at the running commit.
            if action.starts_with("./") || action.starts_with("$/") {
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
    assert_eq!(
        jobs.keys().collect::<Vec<_>>(),
        [
            "build",
            "build-level-1",
            "build-level-2",
            "build-level-3",
            "manifest",
            "manifest-level-1",
            "manifest-level-2",
            "manifest-level-3",
            "plan"
        ],
        "no binary job: each job installs its own binary; one build and one manifest job per level"
    );
    for (name, job) in jobs {
        assert!(
            job["permissions"].is_object(),
            "job {name} states its permissions"
        );
        assert_ne!(job["permissions"]["contents"], "write", "job {name}");
        // A hung build must not hold a runner for GitHub's 6 hours.
        let timeout = job["timeout-minutes"].as_u64();
        assert!(
            timeout.is_some_and(|t| (1..=120).contains(&t)),
            "job {name}: timeout-minutes {timeout:?}"
        );
        for step in job["steps"].as_array().expect("steps") {
            let uses = step["uses"].as_str().unwrap_or_default();
            if uses.starts_with("actions/upload-artifact@") {
                assert_eq!(step["with"]["overwrite"], true, "job {name}: {step}");
            }
            if uses.ends_with("/setup-monoarch") {
                assert_eq!(uses, "$/.github/actions/setup-monoarch");
                for input in ["version", "url", "rev", "sha256-x86_64", "sha256-aarch64"] {
                    assert!(step["with"][input].is_string(), "job {name}: {input}");
                }
            }
        }
    }
    assert_eq!(
        jobs["plan"]["permissions"],
        serde_json::json!({"contents": "read", "packages": "read"})
    );
    let on = wf["on"].as_object().expect("on: is a map");
    for event in ["push", "pull_request", "schedule", "workflow_dispatch"] {
        assert!(on.contains_key(event), "trigger {event}");
    }
    assert!(wf["on"]["workflow_dispatch"]["inputs"]["projects"].is_object());
    // Pushes must never share a concurrency group: GitHub keeps one pending run per group.
    let group = wf["concurrency"]["group"]
        .as_str()
        .expect("concurrency group");
    assert!(group.contains("github.run_id"), "{group}");

    let plan = &jobs["plan"];
    assert!(plan.get("needs").is_none(), "the plan waits for nothing");
    assert_eq!(
        plan["outputs"]["has_jobs"],
        "${{ steps.matrix.outputs.has_jobs }}"
    );
    assert_eq!(
        plan["outputs"]["matrix"],
        "${{ steps.matrix.outputs.matrix }}"
    );
    // Projects whose every job is reused still need the manifest job.
    assert_eq!(
        plan["outputs"]["has_projects"],
        "${{ steps.matrix.outputs.has_projects }}"
    );
    assert_eq!(plan["steps"][0]["with"]["fetch-depth"], 0);
    let plan_step = super::step(plan, "id", "matrix");
    assert_eq!(
        plan_step["env"]["MONOARCH_PROJECTS"],
        "${{ inputs.projects }}"
    );

    let build = &jobs["build"];
    assert_eq!(build["needs"], "plan");
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
    assert_eq!(
        step["env"]["MONOARCH_ALLOW_EMULATION"],
        "${{ vars.MONOARCH_ALLOW_EMULATION }}"
    );

    let manifest = &jobs["manifest"];
    let if_manifest = manifest["if"].as_str().expect("manifest if");
    // After failed builds too, but never after a person cancelled the run.
    assert!(
        if_manifest.starts_with("${{ !cancelled() && needs.plan.outputs.has_projects == 'true'"),
        "{if_manifest}"
    );
    assert!(!if_manifest.contains("always()"), "{if_manifest}");
    assert_eq!(manifest["needs"], serde_json::json!(["plan", "build"]));
}

/// Levels 1-3 are level 0's jobs with the level's outputs, records and `needs:`
/// the level before: nothing else may differ (a copy that drifted would build
/// or publish something else), and the plan step asks for as many levels as
/// there are job pairs.
#[test]
fn github_workflow_runs_each_level_after_the_one_before() {
    let wf = load("github/workflows/monoarch.yml");
    let jobs = wf["jobs"].as_object().expect("jobs");
    let levels = jobs.keys().filter(|k| k.starts_with("build")).count();
    assert_eq!(levels, 4);
    let plan_step = super::step(&jobs["plan"], "id", "matrix");
    let script = plan_step["run"].as_str().expect("run");
    assert!(
        script.contains(&format!(
            "monoarch matrix --format github --plan plan.json --levels {levels}\n"
        )),
        "{script}"
    );
    let as_text = |v: &Value| serde_json::to_string(v).expect("json");
    for n in 1..levels {
        let build = as_text(&jobs[&format!("build-level-{n}")]);
        let manifest = as_text(&jobs[&format!("manifest-level-{n}")]);
        let before = if n == 1 {
            "manifest".to_string()
        } else {
            format!("manifest-level-{}", n - 1)
        };
        // Undo the level's own values: what remains must be level 0's job.
        let build_as_0 = build
            .replace(&format!("[\"plan\",\"{before}\"]"), "\"plan\"")
            .replace(&format!("matrix_{n})"), "matrix)")
            .replace(&format!("build-records-{n}-"), "build-records-0-")
            .replace(&format!("build L{n} "), "build ");
        let mut build_0 = jobs["build"].clone();
        build_0["if"] = jobs[&format!("build-level-{n}")]["if"].clone();
        assert_eq!(build_as_0, as_text(&build_0), "build-level-{n}");
        let if_build = jobs[&format!("build-level-{n}")]["if"]
            .as_str()
            .expect("if");
        assert_eq!(
            if_build,
            format!(
                "${{{{ !cancelled() && github.event_name != 'pull_request' && needs.plan.outputs.has_jobs_{n} == 'true' }}}}"
            ),
            "after a failed level too: its dependents skip themselves"
        );
        let manifest_as_0 = manifest
            .replace(&format!("build-level-{n}\"]"), "build\"]")
            .replace(&format!("has_projects_{n} =="), "has_projects ==")
            .replace(&format!("build-records-{n}-*"), "build-records-0-*")
            .replace(&format!("--level {n}\""), "--level 0\"");
        assert_eq!(
            manifest_as_0,
            as_text(&jobs["manifest"]),
            "manifest-level-{n}"
        );
        for output in ["matrix", "has_jobs", "has_projects"] {
            assert_eq!(
                jobs["plan"]["outputs"][format!("{output}_{n}")],
                format!("${{{{ steps.matrix.outputs.{output}_{n} }}}}")
            );
        }
    }
}

#[test]
fn gitlab_template_wires_the_child_pipeline() {
    let t = load("gitlab/templates/monoarch.yml");
    let plan = &t["monoarch-plan"];
    assert_eq!(plan["stage"], "prepare");
    let script = plan["script"].to_string();
    assert!(script.contains("monoarch plan --resolve-refs --format json --output plan.json"));
    assert!(
        script.contains(
            "monoarch matrix --format gitlab --plan plan.json --output child-pipeline.yml"
        )
    );
    let artifacts = plan["artifacts"]["paths"].to_string();
    assert!(artifacts.contains("plan.json") && artifacts.contains("child-pipeline.yml"));
    assert_eq!(plan["variables"]["GIT_DEPTH"], "0");
    // The plan (and so every merge request preview) waits for the amd64 binary only.
    assert_eq!(plan["needs"], serde_json::json!(["monoarch-binary:amd64"]));
    for arch in ["amd64", "arm64"] {
        let job = &t[format!("monoarch-binary:{arch}").as_str()];
        let tag = format!("$MONOARCH_TAG_{}", arch.to_uppercase());
        assert_eq!(job["tags"], serde_json::json!([tag]));
    }
    assert_eq!(
        t["monoarch-binary:amd64"]["extends"],
        serde_json::json!([".monoarch-binary", ".monoarch-plan-rules"])
    );
    assert_eq!(
        t["monoarch-binary:arm64"]["extends"],
        serde_json::json!([".monoarch-binary", ".monoarch-build-rules"])
    );
    let binary = &t[".monoarch-binary"];
    assert_eq!(binary["script"][0], "sh \"$[[ inputs.install_script ]]\"");
    let key = binary["cache"]["key"].as_str().expect("cache key");
    for part in [
        "$MONOARCH_VERSION",
        "$MONOARCH_REV",
        "$MONOARCH_SHA256_X86_64",
        "$MONOARCH_ARCH",
    ] {
        assert!(key.contains(part), "{key}");
    }
    // Everything a retry needs lives equally long.
    for job in [".monoarch-binary", "monoarch-plan"] {
        assert_eq!(t[job]["artifacts"]["expire_in"], "1 week", "{job}");
    }
    let build_rules = t[".monoarch-build-rules"]["rules"].to_string();
    assert!(
        !build_rules.contains("merge_request_event"),
        "{build_rules}"
    );
    for source in ["push", "schedule", "web", "api", "trigger", "pipeline"] {
        assert!(build_rules.contains(source), "{build_rules}");
    }
    assert!(
        t[".monoarch-plan-rules"]["rules"]
            .to_string()
            .contains("merge_request_event")
    );

    let trigger = &t["monoarch-build"];
    assert_eq!(trigger["extends"], ".monoarch-build-rules");
    assert_eq!(
        trigger["needs"],
        serde_json::json!(["monoarch-plan", "monoarch-binary:arm64"])
    );
    assert_eq!(
        trigger["trigger"]["include"],
        serde_json::json!([{"artifact": "child-pipeline.yml", "job": "monoarch-plan"}])
    );
    assert_eq!(trigger["trigger"]["strategy"], "depend");
    assert_eq!(
        trigger["variables"]["PARENT_PIPELINE_ID"],
        "$CI_PIPELINE_ID"
    );
    // API, trigger and downstream pipelines get a pipeline (and so jobs), like schedules.
    let root = load("gitlab/.gitlab-ci.yml");
    let workflow = root["workflow"]["rules"].to_string();
    for source in ["schedule", "web", "api", "trigger", "pipeline"] {
        assert!(workflow.contains(source), "{workflow}");
    }
    // Every input reaches the jobs.
    let (spec, _) = component_parts(
        &fs::read_to_string(templates().join("gitlab/templates/monoarch.yml")).expect("read"),
    );
    let spec: Value = serde_saphyr::from_str(&spec).expect("spec is YAML");
    let text = fs::read_to_string(templates().join("gitlab/templates/monoarch.yml")).expect("read");
    for input in spec["spec"]["inputs"].as_object().expect("inputs").keys() {
        assert!(
            text.contains(&format!("$[[ inputs.{input} ]]")),
            "input {input} is never used"
        );
    }
}
