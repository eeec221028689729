//! Which comparison the run asks for: from the command line, else from the CI environment.
//!
//! Pure: reads only the CI system and the [`Env`] snapshot (and the GitHub event
//! file it names).

use crate::ci::System;
use crate::contract::Trigger;
use crate::env::Env;

/// What the caller asked for, before git is consulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `--base REF`.
    Explicit { git_ref: String, trigger: Trigger },
    /// `--all`.
    All { trigger: Trigger },
    /// `--projects a,b` (globs allowed).
    Named {
        patterns: Vec<String>,
        trigger: Trigger,
    },
    /// The schedule file (scheduled and manual pipelines, `--schedule`).
    Schedule { trigger: Trigger, why: String },
    /// Compare with the commit the branch pointed at before this push.
    PushBefore {
        before: String,
        trigger: Trigger,
        why: String,
    },
    /// Compare with the merge base of HEAD and this ref or sha.
    MergeBase {
        with: Vec<String>,
        trigger: Trigger,
        why: String,
    },
    /// No CI and no flag: the merge base with the default branch.
    LocalDefault,
}

/// Flags that choose the selection, already parsed.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub base: Option<String>,
    pub all: bool,
    pub schedule: bool,
    pub projects: Vec<String>,
}

/// An all-zero sha: what GitHub and GitLab send as `before` for a new branch.
pub fn is_null_sha(sha: &str) -> bool {
    !sha.is_empty() && sha.chars().all(|c| c == '0')
}

pub fn request(flags: &Flags, system: System, env: &Env) -> Request {
    let trigger = trigger(system, env);
    if let Some(git_ref) = &flags.base {
        return Request::Explicit {
            git_ref: git_ref.clone(),
            trigger,
        };
    }
    if flags.all {
        return Request::All { trigger };
    }
    if !flags.projects.is_empty() {
        return Request::Named {
            patterns: flags.projects.clone(),
            trigger,
        };
    }
    if flags.schedule {
        return Request::Schedule {
            trigger,
            why: "--schedule was given".into(),
        };
    }
    let from_ci = match system {
        System::GitHub => github(env, trigger),
        System::GitLab => gitlab(env, trigger),
        System::Local => return Request::LocalDefault,
    };
    match (from_ci, env.get("MONOARCH_PROJECTS")) {
        // Scheduled and manual runs may name their projects (a workflow input, a
        // pipeline variable): `all`, or comma-separated names and globs.
        (Request::Schedule { trigger, .. }, Some(list)) if list.trim() == "all" => {
            Request::All { trigger }
        }
        (Request::Schedule { trigger, .. }, Some(list)) => Request::Named {
            patterns: list
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            trigger,
        },
        (other, _) => other,
    }
}

/// The branch this CI run builds (`None` for a tag or detached run) and the
/// repository's default branch, when the CI environment says.
pub fn run_branch(system: System, env: &Env) -> (Option<String>, Option<String>) {
    if system == System::GitHub {
        let branch = env
            .get("GITHUB_REF")
            .and_then(|r| r.strip_prefix("refs/heads/"))
            .map(str::to_string);
        let default = env
            .get("GITHUB_EVENT_PATH")
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|event| {
                event
                    .pointer("/repository/default_branch")?
                    .as_str()
                    .map(str::to_string)
            });
        return (branch, default);
    }
    if system == System::GitLab {
        return (
            env.get("CI_COMMIT_BRANCH").map(str::to_string),
            env.get("CI_DEFAULT_BRANCH").map(str::to_string),
        );
    }
    (None, None)
}

/// The trigger as the CI system names it; `local` outside CI.
pub fn trigger(system: System, env: &Env) -> Trigger {
    match system {
        System::GitHub => match env.get("GITHUB_EVENT_NAME") {
            Some("push") => Trigger::Push,
            Some("pull_request" | "pull_request_target" | "merge_group") => Trigger::PullRequest,
            Some("schedule") => Trigger::Schedule,
            _ => Trigger::Manual,
        },
        System::GitLab => match env.get("CI_PIPELINE_SOURCE") {
            Some("push") => Trigger::Push,
            Some("merge_request_event") => Trigger::MergeRequest,
            Some("schedule") => Trigger::Schedule,
            _ => Trigger::Manual,
        },
        System::Local => Trigger::Local,
    }
}

fn github(env: &Env, trigger: Trigger) -> Request {
    let event_name = env.get("GITHUB_EVENT_NAME").unwrap_or("unknown");
    let event = env
        .get("GITHUB_EVENT_PATH")
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    let field = |pointer: &str| -> Option<String> {
        event
            .as_ref()?
            .pointer(pointer)?
            .as_str()
            .map(str::to_string)
            .filter(|s| !s.is_empty())
    };
    match trigger {
        Trigger::Push => match field("/before") {
            Some(before) => Request::PushBefore {
                before,
                trigger,
                why: "GitHub push event: `before` of the event".into(),
            },
            None => Request::MergeBase {
                with: default_branch_candidates(env),
                trigger,
                why: "GitHub push event without `before` in GITHUB_EVENT_PATH".into(),
            },
        },
        Trigger::PullRequest => {
            let mut with = Vec::new();
            with.extend(field("/pull_request/base/sha"));
            if let Some(base_ref) = env.get("GITHUB_BASE_REF") {
                with.push(format!("origin/{base_ref}"));
                with.push(base_ref.to_string());
            }
            Request::MergeBase {
                with,
                trigger,
                why: format!("GitHub {event_name}: merge base with the pull request's base branch"),
            }
        }
        _ => Request::Schedule {
            trigger,
            why: format!("GitHub {event_name} run"),
        },
    }
}

fn gitlab(env: &Env, trigger: Trigger) -> Request {
    let source = env.get("CI_PIPELINE_SOURCE").unwrap_or("unknown");
    match trigger {
        Trigger::Push => match env.get("CI_COMMIT_BEFORE_SHA") {
            Some(before) => Request::PushBefore {
                before: before.to_string(),
                trigger,
                why: "GitLab push pipeline: CI_COMMIT_BEFORE_SHA".into(),
            },
            None => Request::MergeBase {
                with: default_branch_candidates(env),
                trigger,
                why: "GitLab push pipeline without CI_COMMIT_BEFORE_SHA".into(),
            },
        },
        Trigger::MergeRequest => {
            let mut with = Vec::new();
            with.extend(
                env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")
                    .map(str::to_string),
            );
            if let Some(target) = env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") {
                with.push(format!("origin/{target}"));
            }
            Request::MergeBase {
                with,
                trigger,
                why: "GitLab merge request pipeline: CI_MERGE_REQUEST_DIFF_BASE_SHA".into(),
            }
        }
        _ => Request::Schedule {
            trigger,
            why: format!("GitLab pipeline source `{source}`"),
        },
    }
}

/// The default branch names the CI environment suggests, most specific first.
pub fn default_branch_candidates(env: &Env) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(branch) = env.get("CI_DEFAULT_BRANCH") {
        names.push(format!("origin/{branch}"));
        names.push(branch.to_string());
    }
    names
}

#[cfg(test)]
mod tests {
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
            request(&flags, System::GitLab, &e),
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
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "1234abcd"),
        ]);
        let Request::MergeBase { with, .. } = request(&Flags::default(), System::GitLab, &e) else {
            panic!("expected a merge-base request");
        };
        assert_eq!(with.first().map(String::as_str), Some("1234abcd"));
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
        let got = request(&Flags::default(), System::GitLab, &e);
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
            ("CI_COMMIT_BEFORE_SHA", "abc"),
            ("MONOARCH_PROJECTS", "all"),
        ]);
        assert!(matches!(
            request(&Flags::default(), System::GitLab, &e),
            Request::PushBefore { .. }
        ));
    }

    #[test]
    fn null_sha() {
        assert!(is_null_sha("0000000000000000000000000000000000000000"));
        assert!(!is_null_sha("0000000000000000000000000000000000000001"));
        assert!(!is_null_sha(""));
    }
}
