//! Error messages are part of the product: each error case's exit code,
//! stdout and stderr together, snapshotted as a person reads them in a CI log.

use crate::support::fixture::monorepo;
use crate::support::monoarch::Monoarch;
use crate::support::plans;

/// `monoarch ARGS` in `dir`, as a snapshot transcript.
fn transcript(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Monoarch::new(dir).args(args);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    cmd.run().transcript(dir)
}

#[test]
fn plan_outside_a_repository() {
    let dir = tempfile::tempdir().expect("temp dir");
    insta::assert_snapshot!(transcript(dir.path(), &["plan", "--all"], &[]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn plan_with_an_unknown_base() {
    let repo = monorepo();
    insta::assert_snapshot!(transcript(repo.path(), &["plan", "--base", "v9.9"], &[]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn plan_naming_a_project_that_does_not_exist() {
    let repo = monorepo();
    insta::assert_snapshot!(transcript(
        repo.path(),
        &["plan", "--projects", "alpah"],
        &[]
    ));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn matrix_for_a_platform_without_a_github_runner() {
    let repo = monorepo();
    repo.write(
        "monoarch.yaml",
        "runners:\n  s390x:\n    gitlab_tags: [s390x]\n",
    );
    repo.write(
        "projects/alpha/build-config.yaml",
        "platforms: [linux/s390x]\n",
    );
    repo.commit("alpha on s390x");
    insta::assert_snapshot!(transcript(
        repo.path(),
        &["matrix", "--format", "github", "--all"],
        &[]
    ));
}

#[test]
fn build_without_a_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    insta::assert_snapshot!(transcript(
        dir.path(),
        &[
            "build",
            "--plan",
            "plan.json",
            "--project",
            "a",
            "--arch",
            "amd64"
        ],
        &[]
    ));
}

#[test]
fn build_of_a_plan_of_another_format_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("plan.json"), r#"{"format_version": 2}"#).expect("write");
    insta::assert_snapshot!(transcript(
        dir.path(),
        &[
            "build",
            "--plan",
            "plan.json",
            "--project",
            "a",
            "--arch",
            "amd64"
        ],
        &[]
    ));
}

#[test]
fn build_of_a_job_the_plan_does_not_have() {
    let dir = tempfile::tempdir().expect("temp dir");
    plans::write(
        dir.path(),
        &plans::plan("r.example", vec![plans::project("app", &["amd64"], &[])]),
    );
    insta::assert_snapshot!(transcript(
        dir.path(),
        &[
            "build",
            "--plan",
            "plan.json",
            "--project",
            "app",
            "--arch",
            "arm64"
        ],
        &[]
    ));
}

#[test]
fn build_with_an_unset_job_variable() {
    let dir = tempfile::tempdir().expect("temp dir");
    plans::write(dir.path(), &plans::plan("r.example", vec![]));
    insta::assert_snapshot!(transcript(
        dir.path(),
        &["build", "--plan", "plan.json", "--job-env", "JOB"],
        &[]
    ));
}

#[test]
fn manifest_with_a_target_that_is_no_layout() {
    let dir = tempfile::tempdir().expect("temp dir");
    plans::write(dir.path(), &plans::plan("r.example", vec![]));
    insta::assert_snapshot!(transcript(
        dir.path(),
        &["manifest", "--plan", "plan.json", "--target", "docker://x"],
        &[]
    ));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn run_of_projects_whose_tags_clash_in_one_layout() {
    let repo = monorepo();
    repo.write("monoarch.yaml", "naming: per-project\n");
    repo.commit("per-project naming");
    // The clash is found before any builder is looked for: no buildah needed.
    insta::assert_snapshot!(transcript(
        repo.path(),
        &["run", "--all", "--layout", "images"],
        &[]
    ));
}

#[test]
fn an_unknown_flag() {
    let dir = tempfile::tempdir().expect("temp dir");
    insta::assert_snapshot!(transcript(dir.path(), &["plan", "--bogus"], &[]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn plan_with_an_event_file_that_is_a_folder() {
    let repo = monorepo();
    let folder = repo.path().display().to_string();
    insta::assert_snapshot!(transcript(
        repo.path(),
        &["plan"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_EVENT_PATH", &folder)
        ]
    ));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn plan_with_a_before_sha_that_is_no_sha() {
    let repo = monorepo();
    insta::assert_snapshot!(transcript(
        repo.path(),
        &["plan"],
        &[
            ("GITLAB_CI", "true"),
            ("CI_PIPELINE_SOURCE", "push"),
            ("CI_COMMIT_BEFORE_SHA", "HEAD~1")
        ]
    ));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn plan_with_a_schedule_file_linked_out_of_the_repository() {
    let repo = monorepo();
    repo.symlink("rebuild-weekly.txt", std::path::Path::new("/etc/passwd"));
    insta::assert_snapshot!(transcript(repo.path(), &["plan", "--schedule"], &[]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn plan_with_a_deeply_nested_glob() {
    let repo = monorepo();
    let glob = format!("{}a{}", "{".repeat(20), "}".repeat(20));
    repo.write("monoarch.yaml", &format!("ignore:\n  - \"{glob}\"\n"));
    insta::assert_snapshot!(transcript(repo.path(), &["plan", "--all"], &[]));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn validate_with_two_projects_publishing_one_tag() {
    let repo = monorepo();
    repo.write(
        "projects/alpha/build-config.yaml",
        "additional_tags: [beta-latest]\n",
    );
    crate::support::fixture::add_project(&repo, "alpha-beta");
    insta::assert_snapshot!(transcript(repo.path(), &["validate"], &[]));
}

#[test]
fn build_of_a_plan_whose_project_name_leaves_the_work_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut project = plans::project("app", &["amd64"], &[]);
    project.name = "../../app".into();
    plans::write(dir.path(), &plans::plan("r.example", vec![project]));
    insta::assert_snapshot!(transcript(
        dir.path(),
        &[
            "build",
            "--plan",
            "plan.json",
            "--project",
            "../../app",
            "--arch",
            "amd64"
        ],
        &[]
    ));
}
