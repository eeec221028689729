//! Change detection on real git repositories: every edge case of the plan-stage issue.

use rstest::rstest;
use serde_json::Value;

use crate::support::fixture::{add_project, monorepo};
use crate::support::git_repo::{GitRepo, run_git};
use crate::support::monoarch::{Monoarch, Run};

fn plan_json(run: Run) -> Value {
    serde_json::from_str(&run.success().stdout).expect("plan JSON")
}

/// The JSON plan of what changed since `main`.
fn plan_since_main(repo: &GitRepo) -> Value {
    plan_json(
        Monoarch::new(repo.path())
            .args(["plan", "--format", "json", "--base", "main"])
            .run(),
    )
}

fn names(plan: &Value, key: &str) -> Vec<String> {
    plan[key]
        .as_array()
        .expect("array")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect()
}

/// Each case changes the fixture on a branch, then plans with `--base main`.
#[rstest]
#[case::config_only(|r: &GitRepo| { r.write("projects/beta/build-config.yaml", "additional_tags: [latest, stable]\n"); }, &["beta"], &[])]
#[case::ignored_file_only(|r: &GitRepo| { r.write("projects/beta/NOTES.md", "notes\n"); }, &[], &[])]
#[case::file_outside_projects(|r: &GitRepo| { r.write("docs/guide.txt", "x\n"); }, &[], &[])]
#[case::source_file(|r: &GitRepo| { r.write("projects/gamma/hello.txt", "changed\n"); }, &["gamma"], &[])]
#[case::deleted_project(|r: &GitRepo| { r.remove("projects/beta"); }, &[], &["beta"])]
#[case::renamed_project(|r: &GitRepo| { r.git(&["mv", "projects/beta", "projects/delta"]); }, &["delta"], &["beta"])]
#[case::global_trigger(|r: &GitRepo| { r.write("hack/build.sh", "#!/bin/sh\n"); }, &["alpha", "beta", "gamma"], &[])]
#[case::new_project(|r: &GitRepo| { add_project(r, "epsilon"); }, &["epsilon"], &[])]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn selects_changed_projects(
    #[case] change: fn(&GitRepo),
    #[case] selected: &[&str],
    #[case] removed: &[&str],
) {
    let repo = monorepo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    change(&repo);
    repo.commit("change");
    let plan = plan_since_main(&repo);
    assert_eq!(names(&plan, "projects"), selected);
    assert_eq!(names(&plan, "removed"), removed);
    assert_eq!(plan["selection"]["mode"], "changes");
    assert_eq!(
        plan["selection"]["base"].as_str(),
        Some(repo.git(&["rev-parse", "main"]).as_str())
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn nothing_changed_gives_an_empty_valid_matrix() {
    let repo = monorepo();
    let run = Monoarch::new(repo.path())
        .args(["matrix", "--format", "github", "--base", "HEAD"])
        .run()
        .success();
    assert_eq!(run.stdout.trim(), r#"{"include":[]}"#);
    let output = repo.join("gh-output");
    Monoarch::new(repo.path())
        .args(["matrix", "--format", "github", "--base", "HEAD"])
        .env("GITHUB_OUTPUT", &output)
        .run()
        .success();
    let written = std::fs::read_to_string(output).expect("GITHUB_OUTPUT written");
    assert!(written.contains("has_jobs=false\n"), "{written}");
    assert!(written.contains("matrix={\"include\":[]}\n"), "{written}");
}

fn github_push_env(repo: &GitRepo, before: &str) -> Monoarch {
    let event = repo.join(".event.json");
    std::fs::write(&event, format!("{{\"before\": \"{before}\"}}")).expect("event file");
    Monoarch::new(repo.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn github_push_compares_with_before() {
    let repo = monorepo();
    let before = repo.head();
    repo.write("projects/alpha/hello.txt", "new\n");
    repo.commit("alpha");
    let plan = plan_json(
        github_push_env(&repo, &before)
            .args(["plan", "--format", "json"])
            .run(),
    );
    assert_eq!(names(&plan, "projects"), ["alpha"]);
    assert_eq!(plan["selection"]["trigger"], "push");
    assert_eq!(plan["selection"]["base"].as_str(), Some(before.as_str()));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn new_branch_null_before_falls_back_to_merge_base_with_main() {
    let repo = monorepo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("projects/gamma/hello.txt", "new\n");
    repo.commit("gamma");
    let plan = plan_json(
        github_push_env(&repo, &"0".repeat(40))
            .args(["plan", "--format", "json"])
            .run(),
    );
    assert_eq!(names(&plan, "projects"), ["gamma"]);
    let reason = plan["selection"]["reason"].as_str().expect("reason");
    assert!(
        reason.contains("all zeros") && reason.contains("main"),
        "{reason}"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn new_branch_without_default_branch_builds_everything() {
    let repo = monorepo();
    repo.git(&["branch", "-m", "main", "feature"]);
    let plan = plan_json(
        github_push_env(&repo, &"0".repeat(40))
            .args(["plan", "--format", "json"])
            .run(),
    );
    assert_eq!(names(&plan, "projects"), ["alpha", "beta", "gamma"]);
    assert_eq!(plan["selection"]["mode"], "all");
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn force_push_compares_with_the_common_ancestor() {
    let repo = monorepo();
    let common = repo.head();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("projects/alpha/hello.txt", "old attempt\n");
    let discarded = repo.commit("discarded");
    repo.git(&["reset", "-q", "--hard", &common]);
    repo.write("projects/beta/hello.txt", "new attempt\n");
    repo.commit("rewritten");
    let plan = plan_json(
        github_push_env(&repo, &discarded)
            .args(["plan", "--format", "json"])
            .run(),
    );
    assert_eq!(
        names(&plan, "projects"),
        ["beta"],
        "alpha's change was discarded by the force push"
    );
    assert_eq!(plan["selection"]["base"].as_str(), Some(common.as_str()));
    assert!(
        plan["selection"]["reason"]
            .as_str()
            .expect("reason")
            .contains("force push")
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn github_pull_request_uses_merge_base_with_base_branch() {
    let repo = monorepo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("projects/beta/hello.txt", "pr\n");
    repo.commit("pr change");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("projects/alpha/hello.txt", "main moved on\n");
    repo.commit("main change");
    repo.git(&["checkout", "-q", "feature"]);
    let event = repo.join(".event.json");
    std::fs::write(&event, "{\"pull_request\": {\"number\": 1}}").expect("event file");
    let plan = plan_json(
        Monoarch::new(repo.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_BASE_REF", "main")
            .args(["plan", "--format", "json"])
            .run(),
    );
    assert_eq!(
        names(&plan, "projects"),
        ["beta"],
        "main's own change is not the PR's"
    );
    assert_eq!(plan["selection"]["trigger"], "pull_request");
}

#[rstest]
#[case::push("push", "CI_COMMIT_BEFORE_SHA", "push")]
#[case::merge_request(
    "merge_request_event",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    "merge_request"
)]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn gitlab_bases(#[case] source: &str, #[case] variable: &str, #[case] trigger: &str) {
    let repo = monorepo();
    let base = repo.head();
    repo.write("projects/gamma/hello.txt", "x\n");
    repo.commit("gamma");
    let plan = plan_json(
        Monoarch::new(repo.path())
            .env("GITLAB_CI", "true")
            .env("CI_PIPELINE_SOURCE", source)
            .env(variable, &base)
            .args(["plan", "--format", "json"])
            .run(),
    );
    assert_eq!(names(&plan, "projects"), ["gamma"]);
    assert_eq!(plan["selection"]["trigger"], trigger);
    assert!(
        plan["selection"]["reason"]
            .as_str()
            .expect("reason")
            .contains(variable)
    );
}

#[rstest]
#[case::github(&[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", "schedule")], "schedule")]
#[case::gitlab(&[("GITLAB_CI", "true"), ("CI_PIPELINE_SOURCE", "schedule")], "schedule")]
#[case::github_manual(&[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", "workflow_dispatch")], "manual")]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn scheduled_runs_build_the_weekly_list(#[case] env: &[(&str, &str)], #[case] trigger: &str) {
    let repo = monorepo();
    let mut cmd = Monoarch::new(repo.path()).args(["plan", "--format", "json"]);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    let plan = plan_json(cmd.run());
    assert_eq!(names(&plan, "projects"), ["alpha", "gamma"]);
    assert_eq!(plan["selection"]["mode"], "schedule");
    assert_eq!(plan["selection"]["trigger"], trigger);
    assert_eq!(
        plan["projects"][1]["reasons"][0]["files"][0],
        "rebuild-weekly.txt:3: ga*"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn schedule_line_matching_no_project_is_an_error_naming_the_line() {
    let repo = monorepo();
    repo.write("rebuild-weekly.txt", "alpha\n\n# gone\nbetta\n");
    repo.commit("typo");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--schedule"])
        .run()
        .expect_code(3);
    assert_eq!(
        run.stderr,
        "error: rebuild-weekly.txt:4:1: `betta` matches no project; did you mean `beta`?\n"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn all_and_named_selection() {
    let repo = monorepo();
    let all = plan_json(
        Monoarch::new(repo.path())
            .args(["plan", "--format", "json", "--all"])
            .run(),
    );
    assert_eq!(names(&all, "projects"), ["alpha", "beta", "gamma"]);
    let named = plan_json(
        Monoarch::new(repo.path())
            .args(["plan", "--format", "json", "--projects", "beta,gam*"])
            .run(),
    );
    assert_eq!(names(&named, "projects"), ["beta", "gamma"]);
    let run = Monoarch::new(repo.path())
        .args(["plan", "--projects", "zeta"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr.contains("`zeta` matches no project"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn shallow_clone_without_base_fails_with_fetch_hint() {
    let origin = monorepo();
    let base = origin.head();
    origin.write("projects/alpha/hello.txt", "x\n");
    origin.commit("alpha");
    let clone_dir = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", origin.path().display());
    run_git(
        clone_dir.path(),
        &["clone", "-q", "--depth", "1", &url, "clone"],
    );
    let clone = clone_dir.path().join("clone");
    let run = Monoarch::new(&clone)
        .args(["plan", "--base", &base])
        .run()
        .expect_code(5);
    assert!(run.stderr.contains("shallow"), "{}", run.stderr);
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
    let event = clone.join("event.json");
    std::fs::write(&event, format!("{{\"before\": \"{base}\"}}")).expect("event");
    Monoarch::new(&clone)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["plan"])
        .run()
        .expect_code(5);
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn unknown_base_is_a_git_error() {
    let repo = monorepo();
    let run = Monoarch::new(repo.path())
        .args(["plan", "--base", "no-such-branch"])
        .run()
        .expect_code(4);
    assert_eq!(
        run.stderr,
        "error: base `no-such-branch` is not a commit in this clone; check the name, or fetch it (`git fetch origin no-such-branch`)\n"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn local_run_on_main_previews_the_last_commit() {
    let repo = monorepo();
    repo.write("projects/beta/hello.txt", "x\n");
    repo.commit("beta");
    let plan = plan_json(
        Monoarch::new(repo.path())
            .args(["plan", "--format", "json"])
            .run(),
    );
    assert_eq!(names(&plan, "projects"), ["beta"]);
    assert_eq!(plan["selection"]["trigger"], "local");
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn deepen_fetches_the_missing_history_over_the_network() {
    let daemon = crate::support::git_daemon::GitDaemon::start();
    let origin = monorepo();
    let base = origin.head();
    origin.write("projects/beta/hello.txt", "x\n");
    origin.commit("beta");
    let url = daemon.publish(&origin, "mono");
    let clone_dir = tempfile::tempdir().expect("temp dir");
    run_git(
        clone_dir.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "main", &url, "clone",
        ],
    );
    let clone = clone_dir.path().join("clone");
    Monoarch::new(&clone)
        .args(["plan", "--base", &base])
        .run()
        .expect_code(5);
    let plan = plan_json(
        Monoarch::new(&clone)
            .args(["plan", "--format", "json", "--deepen", "--base", &base])
            .run(),
    );
    assert_eq!(names(&plan, "projects"), ["beta"]);
    assert!(
        !clone.join(".git/shallow").exists(),
        "the clone is complete after --deepen"
    );
}

/// A change to many projects reads their configs while git still compares the
/// trees: the plan is the one the projects named one by one give, a folder
/// changed only in ignored files is not read into it (its broken config is
/// no error), and a deleted folder is removed.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_change_to_many_projects_plans_as_naming_them_does() {
    let repo = monorepo();
    let many: Vec<String> = (0..24).map(|i| format!("svc-{i:02}")).collect();
    for (i, name) in many.iter().enumerate() {
        add_project(&repo, name);
        repo.write(
            &format!("projects/{name}/build-config.yaml"),
            &format!("additional_tags: [v{i}]\nbuild_args:\n  - N={i}\n"),
        );
    }
    repo.write("projects/svc-05/build-config.yaml", "additional_tags: [\n");
    repo.commit("24 projects, one broken");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let mut changed = Vec::new();
    for name in &many {
        match name.as_str() {
            "svc-05" | "svc-06" => {
                repo.write(&format!("projects/{name}/NOTES.md"), "notes\n");
            }
            "svc-07" => {
                repo.remove(&format!("projects/{name}"));
            }
            _ => {
                repo.write(&format!("projects/{name}/hello.txt"), "changed\n");
                changed.push(name.as_str());
            }
        }
    }
    repo.commit("change most of them");
    let plan = plan_since_main(&repo);
    assert_eq!(names(&plan, "projects"), changed);
    assert_eq!(names(&plan, "removed"), ["svc-07"]);
    let named = plan_json(
        Monoarch::new(repo.path())
            .args(["plan", "--format", "json", "--projects", &changed.join(",")])
            .run(),
    );
    let without_why = |plan: &Value| -> Vec<Value> {
        let mut projects = plan["projects"].as_array().expect("projects").clone();
        for p in &mut projects {
            p.as_object_mut().expect("project").remove("reasons");
        }
        projects
    };
    assert_eq!(without_why(&plan), without_why(&named));
    // The broken config is read when its project is changed for real.
    repo.write("projects/svc-05/hello.txt", "changed\n");
    repo.commit("change the broken one");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--base", "main"])
        .run()
        .expect_code(3);
    assert!(
        run.stderr
            .starts_with("error: projects/svc-05/build-config.yaml:"),
        "{}",
        run.stderr
    );
}
