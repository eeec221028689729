//! The CI output formats, snapshotted with the date and sha fixed (fixed commit
//! dates and identity make the fixture's commit sha the same on every run).

use crate::support::fixture::monorepo;
use crate::support::monoarch::Monoarch;

fn changed_fixture() -> crate::support::git_repo::GitRepo {
    let repo = monorepo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("projects/alpha/hello.txt", "changed\n");
    repo.write(
        "projects/beta/build-config.yaml",
        "upstream_repo: https://example.test/beta.git\nupstream_ref: v2.0.0\ndockerfile_path: build/Dockerfile\ntarget: runtime\nbuild_args:\n  - VERSION=2.0.0\n  - name: NPM_TOKEN\n    from_env: CI_NPM_TOKEN\nplatforms: [linux/arm64/v8]\nadditional_tags: [latest, v2.0.0]\n",
    );
    repo.commit("change alpha and beta");
    repo
}

fn output(args: &[&str]) -> String {
    let repo = changed_fixture();
    Monoarch::new(repo.path()).args(args).run().success().stdout
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn github_matrix() {
    insta::assert_snapshot!(output(&["matrix", "--format", "github", "--base", "main"]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn github_matrix_packed() {
    insta::assert_snapshot!(output(&[
        "matrix",
        "--format",
        "github",
        "--base",
        "main",
        "--max-jobs",
        "2"
    ]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn gitlab_pipeline() {
    insta::assert_snapshot!(output(&["matrix", "--format", "gitlab", "--base", "main"]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn gitlab_pipeline_empty() {
    insta::assert_snapshot!(output(&["matrix", "--format", "gitlab", "--base", "HEAD"]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn dirs() {
    insta::assert_snapshot!(output(&["matrix", "--format", "dirs", "--base", "main"]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn plan_json() {
    insta::assert_snapshot!(output(&["plan", "--format", "json", "--base", "main"]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn plan_table() {
    insta::assert_snapshot!(output(&["plan", "--base", "main"]));
}

/// The emitted child pipelines pass GitLab's own CI schema.
#[test]
#[cfg_attr(
    not(all(tool = "check-jsonschema", tool = "git")),
    ignore = "needs check-jsonschema, git: run hack/install-test-deps"
)]
fn gitlab_pipelines_pass_the_gitlab_ci_schema() {
    let repo = changed_fixture();
    for (name, base) in [("full.yml", "main"), ("empty.yml", "HEAD")] {
        let path = repo.join(name);
        Monoarch::new(repo.path())
            .args(["matrix", "--format", "gitlab", "--base", base, "--output"])
            .arg_path(&path)
            .run()
            .success();
        let out = std::process::Command::new("check-jsonschema")
            .args(["--builtin-schema", "vendor.gitlab-ci"])
            .arg(&path)
            .output()
            .expect("run check-jsonschema");
        assert!(
            out.status.success(),
            "{name} fails the GitLab CI schema:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
