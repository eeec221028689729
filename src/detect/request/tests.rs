//! Which request each CI environment and flag set makes.

use super::*;
use crate::ci::Ci;
use rstest::rstest;

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_pairs(pairs.iter().copied())
}

#[rstest]
#[case(&[], Trigger::Local)]
#[case(&[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", "push")], Trigger::Push)]
#[case(&[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", "pull_request")], Trigger::PullRequest)]
#[case(&[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", "schedule")], Trigger::Schedule)]
#[case(&[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", "workflow_dispatch")], Trigger::Manual)]
#[case(&[("GITLAB_CI", "true"), ("CI_PIPELINE_SOURCE", "push")], Trigger::Push)]
#[case(&[("GITLAB_CI", "true"), ("CI_PIPELINE_SOURCE", "merge_request_event")], Trigger::MergeRequest)]
#[case(&[("GITLAB_CI", "true"), ("CI_PIPELINE_SOURCE", "schedule")], Trigger::Schedule)]
#[case(&[("GITLAB_CI", "true"), ("CI_PIPELINE_SOURCE", "web")], Trigger::Manual)]
fn triggers(#[case] pairs: &[(&str, &str)], #[case] expected: Trigger) {
    let e = env(pairs);
    assert_eq!(trigger(Ci::from_env(&e).system, &e), expected);
}

#[test]
fn flags_win_over_ci() {
    let e = env(&[
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BEFORE_SHA", "abc"),
    ]);
    let flags = Flags {
        base: Some("v1".into()),
        ..Flags::default()
    };
    assert_eq!(
        request(&flags, System::GitLab, &e).expect("valid").request,
        Request::Explicit {
            git_ref: "v1".into(),
            trigger: Trigger::Push
        }
    );
}

#[test]
fn gitlab_merge_request_uses_diff_base_sha() {
    let e = env(&[
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", &"1234abcd".repeat(5)),
    ]);
    let Request::MergeBase { with, .. } = request(&Flags::default(), System::GitLab, &e)
        .expect("valid")
        .request
    else {
        panic!("expected a merge-base request");
    };
    assert_eq!(with.first(), Some(&"1234abcd".repeat(5)));
}

#[rstest]
#[case("all", None)]
#[case("alpha, be*", Some(vec!["alpha", "be*"]))]
fn manual_runs_read_monoarch_projects(#[case] value: &str, #[case] named: Option<Vec<&str>>) {
    let e = env(&[
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "api"),
        ("MONOARCH_PROJECTS", value),
    ]);
    let got = request(&Flags::default(), System::GitLab, &e)
        .expect("valid")
        .request;
    match named {
        None => assert_eq!(
            got,
            Request::All {
                trigger: Trigger::Manual
            }
        ),
        Some(names) => assert_eq!(
            got,
            Request::Named {
                patterns: names.iter().map(|n| n.to_string()).collect(),
                origin: "MONOARCH_PROJECTS",
                trigger: Trigger::Manual
            }
        ),
    }
}

#[test]
fn pushes_ignore_monoarch_projects() {
    let e = env(&[
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BEFORE_SHA", &"abcd".repeat(10)),
        ("MONOARCH_PROJECTS", "all"),
    ]);
    assert!(matches!(
        request(&Flags::default(), System::GitLab, &e)
            .expect("valid")
            .request,
        Request::PushBefore { .. }
    ));
}

#[test]
fn a_sha_that_is_no_sha_is_an_error() {
    let e = env(&[
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BEFORE_SHA", "HEAD~1"),
    ]);
    let err = request(&Flags::default(), System::GitLab, &e).expect_err("not a sha");
    assert_eq!(
        err.to_string(),
        "CI_COMMIT_BEFORE_SHA: `HEAD~1` is not a commit sha (40 or 64 hex digits); GitLab sets it to a commit sha: unset it, or pass --base REF"
    );
    let unset = env(&[("GITLAB_CI", "true"), ("CI_PIPELINE_SOURCE", "push")]);
    let asked = request(&Flags::default(), System::GitLab, &unset).expect("unknown base");
    assert!(matches!(
        asked.request,
        Request::PushBefore { before: None, .. }
    ));
}

#[test]
fn null_sha() {
    assert!(is_null_sha("0000000000000000000000000000000000000000"));
    assert!(!is_null_sha("0000000000000000000000000000000000000001"));
    assert!(!is_null_sha(""));
}
