//! The generated PipelineRuns for the fixture plans, with the date and sha fixed.

use super::{SOURCE_URL, generate, tekton_repo};
use crate::support::fixture;
use crate::support::monoarch::Monoarch;

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn tekton_one_project() {
    let repo = fixture::monorepo();
    insta::assert_snapshot!(generate(
        &repo,
        &["--projects", "alpha", "--source-url", SOURCE_URL]
    ));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn tekton_many_projects_with_node_settings() {
    let repo = tekton_repo();
    insta::assert_snapshot!(generate(&repo, &["--all", "--source-url", SOURCE_URL]));
}

/// More build tasks than --max-jobs: one PipelineRun per group of whole projects.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn tekton_packed() {
    let repo = tekton_repo();
    insta::assert_snapshot!(generate(
        &repo,
        &["--all", "--max-jobs", "2", "--source-url", SOURCE_URL]
    ));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn tekton_empty() {
    let repo = fixture::monorepo();
    insta::assert_snapshot!(generate(&repo, &["--base", "HEAD"]));
}

/// A project built from its own folder needs the monorepo's URL; without one, say how.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn tekton_without_a_clone_url() {
    let repo = fixture::monorepo();
    let run = Monoarch::new(repo.path())
        .args(["matrix", "--format", "tekton", "--all"])
        .run()
        .expect_code(3);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.stderr);
}

/// Node settings Kubernetes would reject are caught in monoarch.yaml, with line and field.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn tekton_settings_errors() {
    let repo = fixture::monorepo();
    repo.write(
        "monoarch.yaml",
        "runners:\n  arm64:\n    tekton:\n      node_selector: {\"-pool\": \"a b\"}\n      \
         tolerations:\n        - {key: arch, operator: Exists, value: arm64}\n        \
         - {operator: Sometimes, effect: NoRun, tolerationSeconds: 5}\n\
         tekton:\n  registry_secret: Quay_Push\n",
    );
    let run = Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .expect_code(3);
    insta::assert_snapshot!(run.stderr);
}
