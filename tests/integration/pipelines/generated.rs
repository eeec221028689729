//! What monoarch generates for the fixtures, run the way the templates run it,
//! passes the same validators as the templates.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::fixture;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Monoarch;
use crate::support::validators::{actionlint, check_jsonschema};

fn template(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ci-templates")
        .join(rel);
    fs::read_to_string(path).expect("read template")
}

/// The fixture monorepo with the GitLab example `monoarch.yaml`, and a change
/// to `alpha` and `beta` on top; returns the repo and the commit before it.
fn gitlab_repo() -> (GitRepo, String) {
    let repo = fixture::monorepo();
    repo.write("monoarch.yaml", &template("gitlab/monoarch.yaml"));
    let base = repo.commit("adopt the GitLab template's monoarch.yaml");
    repo.write("projects/alpha/hello.txt", "alpha 2\n");
    repo.write("projects/beta/hello.txt", "beta 2\n");
    repo.commit("change alpha and beta");
    (repo, base)
}

/// The GitLab push environment the plan job sees.
fn gitlab_env(cmd: Monoarch, before: &str) -> Monoarch {
    cmd.env("GITLAB_CI", "true")
        .env("CI_PIPELINE_SOURCE", "push")
        .env("CI_COMMIT_BEFORE_SHA", before)
        .env("CI_DEFAULT_BRANCH", "main")
        .env("CI_COMMIT_BRANCH", "main")
        .env(
            "ECR_REGISTRY",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        )
}

/// Runs the two commands of the template's `monoarch-plan` job; returns the child pipeline.
fn plan_job(repo: &GitRepo, before: &str) -> PathBuf {
    gitlab_env(Monoarch::new(repo.path()), before)
        .args(["plan", "--format", "json", "--output", "plan.json"])
        .run()
        .success();
    gitlab_env(Monoarch::new(repo.path()), before)
        .args(["matrix", "--format", "gitlab", "--plan", "plan.json"])
        .args(["--output", "child-pipeline.yml"])
        .run()
        .success();
    repo.join("child-pipeline.yml")
}

/// Both GitLab examples validate with the variables GitLab gives their jobs, and
/// neither validates without them being named.
#[rstest::rstest]
#[case::ecr("gitlab/monoarch.yaml", &[("ECR_REGISTRY", "123456789012.dkr.ecr.eu-west-1.amazonaws.com")])]
#[case::gitlab_registry(
    "gitlab/monoarch.gitlab-registry.yaml",
    &[("CI_REGISTRY", "registry.gitlab.example"), ("CI_PROJECT_PATH", "group/monorepo")]
)]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn the_gitlab_example_configs_are_valid(#[case] example: &str, #[case] vars: &[(&str, &str)]) {
    let (repo, _) = gitlab_repo();
    repo.write("monoarch.yaml", &template(example));
    let mut cmd = Monoarch::new(repo.path());
    for (k, v) in vars {
        cmd = cmd.env(k, v);
    }
    cmd.args(["validate"]).run().success();
}

#[test]
#[cfg_attr(
    not(all(tool = "check-jsonschema", tool = "git")),
    ignore = "needs check-jsonschema, git: run hack/install-test-deps"
)]
fn child_pipeline_for_the_gitlab_template_passes_the_schema_and_uses_its_settings() {
    let (repo, before) = gitlab_repo();
    let child = plan_job(&repo, &before);
    let verdict = check_jsonschema("vendor.gitlab-ci", std::slice::from_ref(&child));
    assert!(verdict.ok, "vendor.gitlab-ci:\n{}", verdict.output);

    let text = fs::read_to_string(&child).expect("read child pipeline");
    let doc: Value = serde_saphyr::from_str(&text).expect("child pipeline is YAML");
    let jobs: Vec<&String> = doc
        .as_object()
        .expect("map")
        .keys()
        .filter(|k| k.starts_with("build:") || k.starts_with("manifest:"))
        .collect();
    assert_eq!(
        jobs,
        // serde_json sorts keys; the order in the file is the lead's snapshot's business.
        [
            "build:alpha:amd64",
            "build:alpha:arm64",
            "build:beta:amd64",
            "build:beta:arm64",
            "manifest:alpha",
            "manifest:beta"
        ]
    );
    let arm = &doc["build:beta:arm64"];
    // GitLab expands the runner tag from the variable the parent pipeline passes down.
    assert_eq!(arm["tags"], serde_json::json!(["$MONOARCH_TAG_ARM64"]));
    assert_eq!(
        doc["build:beta:amd64"]["tags"],
        serde_json::json!(["$MONOARCH_TAG_AMD64"])
    );
    assert_eq!(
        arm["image"]["name"],
        "ghcr.io/osscontainertools/kaniko:v1.28.3-debug"
    );
    // The plan, and the binary of the job's own architecture from the parent.
    assert_eq!(
        arm["needs"],
        serde_json::json!([
            {"pipeline": "$PARENT_PIPELINE_ID", "job": "monoarch-plan"},
            {"pipeline": "$PARENT_PIPELINE_ID", "job": "monoarch-binary:arm64"}
        ])
    );
    // Manifest jobs run on the plan job's runners, one at a time per project.
    let manifest = &doc["manifest:beta"];
    assert_eq!(manifest["tags"], serde_json::json!(["$MONOARCH_TAG_AMD64"]));
    assert_eq!(manifest["resource_group"], "monoarch-manifest-beta");
    assert_eq!(arm["artifacts"]["expire_in"], "1 week");
    let before_script = arm["before_script"].to_string();
    assert!(
        before_script.contains(r#"{\"credsStore\":\"ecr-login\"}"#),
        "{before_script}"
    );
    assert!(
        before_script.contains(".monoarch/bin/$(uname -m)"),
        "{before_script}"
    );

    let plan: Value =
        serde_json::from_str(&fs::read_to_string(repo.join("plan.json")).expect("plan.json"))
            .expect("plan is JSON");
    assert_eq!(
        plan["registry"]["host"],
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "check-jsonschema", tool = "git")),
    ignore = "needs check-jsonschema, git: run hack/install-test-deps"
)]
fn child_pipeline_with_nothing_to_build_passes_the_schema() {
    let (repo, _) = gitlab_repo();
    let head = repo.head();
    let child = plan_job(&repo, &head);
    let verdict = check_jsonschema("vendor.gitlab-ci", std::slice::from_ref(&child));
    assert!(verdict.ok, "vendor.gitlab-ci:\n{}", verdict.output);
    let text = fs::read_to_string(&child).expect("read child pipeline");
    assert!(!text.contains("build:"), "{text}");
    // Even the no-op job has runner tags: on tag-only runners it would wait forever.
    let doc: Value = serde_saphyr::from_str(&text).expect("child pipeline is YAML");
    assert_eq!(
        doc["no-changes"]["tags"],
        serde_json::json!(["$MONOARCH_TAG_AMD64"])
    );
}

/// The matrix the plan job emits, pasted in place of `fromJSON(...)`, makes a
/// workflow actionlint accepts: the runner labels, and `matrix.name`,
/// `matrix.runner` used by the build job, exist in every entry.
#[rstest::rstest]
#[case::one_entry_per_job(256)]
#[case::packed(2)]
#[cfg_attr(
    not(all(tool = "actionlint", tool = "git")),
    ignore = "needs actionlint, git: run hack/install-test-deps"
)]
fn github_matrix_in_the_workflow_passes_actionlint(#[case] max_jobs: u16) {
    let repo = fixture::monorepo();
    let base = repo.head();
    repo.write("projects/alpha/hello.txt", "alpha 2\n");
    repo.write("projects/gamma/hello.txt", "gamma 2\n");
    repo.commit("change alpha and gamma");
    let outputs = repo.join("github-output");
    Monoarch::new(repo.path())
        .env("GITHUB_OUTPUT", &outputs)
        .args(["matrix", "--format", "github", "--base", &base])
        .args(["--max-jobs", &max_jobs.to_string()])
        .run()
        .success();
    let written = fs::read_to_string(&outputs).expect("GITHUB_OUTPUT written");
    let matrix = written
        .lines()
        .find_map(|l| l.strip_prefix("matrix="))
        .expect("matrix= line");
    assert!(written.lines().any(|l| l == "has_jobs=true"), "{written}");
    let entries: Value = serde_json::from_str(matrix).expect("matrix is JSON");
    let expected_entries = if max_jobs == 2 { 2 } else { 4 };
    assert_eq!(
        entries["include"].as_array().map(Vec::len),
        Some(expected_entries)
    );

    let workflow = template("github/workflows/monoarch.yml");
    let pasted = workflow.replace("${{ fromJSON(needs.plan.outputs.matrix) }}", matrix);
    assert_ne!(pasted, workflow, "the template changed; update this test");
    let checkout = tempfile::tempdir().expect("temp dir");
    let dot_github = checkout.path().join(".github");
    fs::create_dir_all(dot_github.join("workflows")).expect("mkdir");
    fs::create_dir_all(dot_github.join("actions/setup-monoarch")).expect("mkdir");
    fs::write(dot_github.join("workflows/monoarch.yml"), pasted).expect("write");
    fs::write(
        dot_github.join("actions/setup-monoarch/action.yml"),
        template("github/actions/setup-monoarch/action.yml"),
    )
    .expect("write");
    let verdict = actionlint(checkout.path());
    assert!(verdict.ok, "actionlint:\n{}", verdict.output);
}
