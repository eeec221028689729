//! Never select nothing because the base is unknown (issue 8, item 1): every
//! way a CI push can leave monoarch without a usable base, on real clones
//! whose `origin/main` is the pushed commit, as in a CI checkout. An unknown
//! base on the default branch selects every project, saying why; an event
//! or sha that cannot be what the CI system sends is an error (exit 3).

use std::path::{Path, PathBuf};

use rstest::rstest;
use serde_json::Value;
use tempfile::TempDir;

use crate::support::fixture::monorepo;
use crate::support::git_repo::{GitRepo, run_git};
use crate::support::monoarch::{Monoarch, Run};

const ZEROS: &str = "0000000000000000000000000000000000000000";

/// A fresh clone of `origin` (all branches fetched, `origin/main` set), as
/// `actions/checkout` with `fetch-depth: 0` or a GitLab runner makes it.
fn clone_of(origin: &GitRepo) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", origin.path().display());
    run_git(dir.path(), &["clone", "-q", &url, "clone"]);
    let clone = dir.path().join("clone");
    (dir, clone)
}

fn github_push(dir: &Path, event: &str) -> Monoarch {
    let file = dir.join("event.json");
    std::fs::write(&file, event).expect("event file");
    Monoarch::new(dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_EVENT_PATH", &file)
}

fn plan(run: Monoarch) -> Value {
    plan_with(run, &[])
}

fn plan_with(run: Monoarch, args: &[&str]) -> Value {
    let run = run
        .args(["plan", "--format", "json"])
        .args(args)
        .run()
        .success();
    serde_json::from_str(&run.stdout).expect("plan JSON")
}

fn names(plan: &Value) -> Vec<&str> {
    plan["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect()
}

fn reason(plan: &Value) -> &str {
    plan["selection"]["reason"].as_str().expect("reason")
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_first_push_of_a_new_repository_builds_its_projects() {
    let origin = monorepo();
    let (_dir, clone) = clone_of(&origin);
    let plan = plan(github_push(&clone, &format!("{{\"before\": \"{ZEROS}\"}}")));
    assert_eq!(names(&plan), ["alpha", "beta", "gamma"]);
    assert_eq!(plan["selection"]["mode"], "all");
    assert_eq!(plan["selection"]["trigger"], "push");
    assert_eq!(
        reason(&plan),
        "GitHub push event: `before` of the event is all zeros (the first push of a repository, branch or tag); HEAD is on origin/main, so there is no earlier commit to compare with: every project"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_force_push_to_main_whose_before_is_gone_builds_every_project() {
    let origin = monorepo();
    let first = origin.head();
    origin.write("projects/alpha/hello.txt", "discarded\n");
    let discarded = origin.commit("discarded by the force push");
    origin.git(&["reset", "-q", "--hard", &first]);
    origin.write("projects/beta/hello.txt", "rewritten\n");
    origin.commit("rewritten");
    let (_dir, clone) = clone_of(&origin);
    let lacks = std::process::Command::new("git")
        .current_dir(&clone)
        .args(["cat-file", "-e", &format!("{discarded}^{{commit}}")])
        .status()
        .expect("git cat-file");
    assert!(!lacks.success(), "the clone must lack `before`");
    let plan = plan(github_push(
        &clone,
        &format!("{{\"before\": \"{discarded}\"}}"),
    ));
    assert_eq!(names(&plan), ["alpha", "beta", "gamma"]);
    assert!(
        reason(&plan).contains("is not in the clone (force push?); HEAD is on origin/main")
            && reason(&plan).ends_with("every project"),
        "{}",
        reason(&plan)
    );
}

#[rstest]
#[case::zeros(Some(ZEROS))]
#[case::unset(None)]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_gitlab_push_to_the_default_branch_without_a_base_builds_every_project(
    #[case] before: Option<&str>,
) {
    let origin = monorepo();
    let (_dir, clone) = clone_of(&origin);
    let mut cmd = Monoarch::new(&clone)
        .env("GITLAB_CI", "true")
        .env("CI_PIPELINE_SOURCE", "push")
        .env("CI_COMMIT_BRANCH", "main")
        .env("CI_DEFAULT_BRANCH", "main");
    if let Some(before) = before {
        cmd = cmd.env("CI_COMMIT_BEFORE_SHA", before);
    }
    let plan = plan(cmd);
    assert_eq!(names(&plan), ["alpha", "beta", "gamma"]);
    assert!(
        reason(&plan).ends_with("every project"),
        "{}",
        reason(&plan)
    );
}

/// The other side of the rule: a branch with commits of its own still
/// compares with the default branch, so only its changes are built.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_branch_with_an_unknown_base_builds_only_its_own_changes() {
    let origin = monorepo();
    origin.git(&["checkout", "-q", "-b", "feature"]);
    origin.write("projects/gamma/hello.txt", "feature\n");
    origin.commit("feature");
    origin.git(&["checkout", "-q", "main"]);
    let (_dir, clone) = clone_of(&origin);
    run_git(&clone, &["checkout", "-q", "feature"]);
    let gone = "1234567890abcdef1234567890abcdef12345678";
    let plan = plan(github_push(&clone, &format!("{{\"before\": \"{gone}\"}}")));
    assert_eq!(names(&plan), ["gamma"]);
    assert!(
        reason(&plan).contains("compared with the merge base of HEAD and origin/main"),
        "{}",
        reason(&plan)
    );
}

/// `--before`, for CI systems whose events monoarch does not read (the
/// Tekton template passes its trigger's `before`).
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn before_on_the_command_line_follows_the_same_rule() {
    let origin = monorepo();
    let first = origin.head();
    origin.write("projects/beta/hello.txt", "second\n");
    origin.commit("second");
    let (_dir, clone) = clone_of(&origin);
    for (before, expected) in [
        (ZEROS, vec!["alpha", "beta", "gamma"]),
        ("", vec!["alpha", "beta", "gamma"]),
        (first.as_str(), vec!["beta"]),
    ] {
        let plan = plan_with(Monoarch::new(&clone), &["--before", before]);
        assert_eq!(names(&plan), expected, "--before {before:?}");
        assert_eq!(
            plan["selection"]["trigger"], "local",
            "the run's own trigger"
        );
    }
    let run = Monoarch::new(&clone)
        .args(["plan", "--before", "HEAD~1"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr.contains("`HEAD~1` is not a commit sha"),
        "{}",
        run.stderr
    );
}

/// Exit 3 and one line naming the file or variable and what to do; stdout empty.
fn refused(run: Run, expected: &str) {
    let run = run.expect_code(3);
    assert_eq!(run.stdout, "");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", run.stderr);
    assert!(
        run.stderr.contains(expected),
        "{expected:?} not in {}",
        run.stderr
    );
}

#[rstest]
#[case::missing_file(|d: &Path| d.join("nowhere.json"), "nowhere.json: no such file; GITHUB_EVENT_PATH must name the event file")]
#[case::a_folder(|d: &Path| d.to_path_buf(), "is a folder, not a regular file")]
#[case::dev_zero(|_: &Path| PathBuf::from("/dev/zero"), "/dev/zero: is a device, not a regular file")]
#[case::a_named_pipe(|d: &Path| { let p = d.join("fifo"); std::process::Command::new("mkfifo").arg(&p).status().expect("mkfifo"); p }, "is a named pipe, not a regular file")]
#[case::too_large(|d: &Path| { let p = d.join("huge.json"); std::fs::File::create(&p).and_then(|f| f.set_len(33 << 20)).expect("sparse file"); p }, "is larger than the 32 MiB limit")]
#[case::not_json(|d: &Path| { let p = d.join("e.json"); std::fs::write(&p, "secret-token-123").expect("write"); p }, "is not a GitHub event payload (not valid JSON)")]
#[case::wrong_shape(|d: &Path| { let p = d.join("e.json"); std::fs::write(&p, "{\"before\": 42}").expect("write"); p }, "is not a GitHub event payload (a field has the wrong type)")]
#[case::no_before(|d: &Path| { let p = d.join("e.json"); std::fs::write(&p, "{\"after\": \"x\"}").expect("write"); p }, "before: a push event names the commit before the push")]
#[case::before_no_sha(|d: &Path| { let p = d.join("e.json"); std::fs::write(&p, "{\"before\": \"HEAD\"}").expect("write"); p }, "before: `HEAD` is not a commit sha (40 or 64 hex digits)")]
#[case::before_forging_a_log_line(|d: &Path| { let p = d.join("e.json"); std::fs::write(&p, "{\"before\": \"x\\n::warning::forged\"}").expect("write"); p }, "before: `x\\n::warning::forged` is not a commit sha")]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn an_unreadable_github_event_is_an_error_not_a_fallback(
    #[case] event: fn(&Path) -> PathBuf,
    #[case] expected: &str,
) {
    let repo = monorepo();
    let scratch = tempfile::tempdir().expect("temp dir");
    let path = event(scratch.path());
    let run = Monoarch::new(repo.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &path)
        .args(["plan"])
        .run();
    assert!(!run.stderr.contains("secret-token-123"), "{}", run.stderr);
    refused(run, expected);
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_github_push_without_an_event_file_is_an_error() {
    let repo = monorepo();
    let run = Monoarch::new(repo.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .args(["plan"])
        .run();
    refused(
        run,
        "error: GITHUB_EVENT_PATH: is not set; GITHUB_EVENT_PATH must name the event file GitHub Actions writes; outside Actions, unset GITHUB_ACTIONS or pass --base REF, --all or --projects",
    );
}

#[rstest]
#[case::push_before("push", "CI_COMMIT_BEFORE_SHA", "garbage")]
#[case::push_before_abbreviated("push", "CI_COMMIT_BEFORE_SHA", "abc1234")]
#[case::merge_request_base("merge_request_event", "CI_MERGE_REQUEST_DIFF_BASE_SHA", "main")]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_gitlab_sha_that_is_no_sha_is_an_error(
    #[case] source: &str,
    #[case] variable: &str,
    #[case] value: &str,
) {
    let repo = monorepo();
    let run = Monoarch::new(repo.path())
        .env("GITLAB_CI", "true")
        .env("CI_PIPELINE_SOURCE", source)
        .env(variable, value)
        .args(["plan"])
        .run();
    refused(
        run,
        &format!(
            "error: {variable}: `{value}` is not a commit sha (40 or 64 hex digits); GitLab sets it to a commit sha: unset it, or pass --base REF"
        ),
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_pull_request_base_sha_that_is_no_sha_is_an_error() {
    let repo = monorepo();
    let event = repo.join(".event.json");
    std::fs::write(
        &event,
        "{\"pull_request\": {\"base\": {\"sha\": \"main\"}}}",
    )
    .expect("event");
    let run = Monoarch::new(repo.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["plan"])
        .run();
    refused(run, "pull_request.base.sha: `main` is not a commit sha");
}
