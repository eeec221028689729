//! Which comparison the run asks for: from the command line, else from the CI environment.
//!
//! Pure: reads only the CI system and the [`Env`] snapshot (and the GitHub event
//! file it names). A CI value that cannot be what the CI system sends (an
//! unreadable event file, a sha that is no sha) is an error, never a guess.

use super::event::{Event, check_sha, read_event};
use crate::ci::System;
use crate::config::Problems;
use crate::contract::Trigger;
use crate::env::Env;

/// What the caller asked for, before git is consulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `--base REF`.
    Explicit { git_ref: String, trigger: Trigger },
    /// `--all`.
    All { trigger: Trigger },
    /// `--projects a,b` (globs allowed), or the same list from `MONOARCH_PROJECTS`.
    Named {
        patterns: Vec<String>,
        origin: &'static str,
        trigger: Trigger,
    },
    /// The schedule file (scheduled and manual pipelines, `--schedule`).
    Schedule { trigger: Trigger, why: String },
    /// Compare with the commit the branch pointed at before this push;
    /// `None` when the CI system did not say.
    PushBefore {
        before: Option<String>,
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

/// A request, with what the CI environment says of the default branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub request: Request,
    /// Names to try for the default branch, most specific first (`origin/<name>`, `<name>`).
    pub branch_hints: Vec<String>,
    /// The default branch as the CI system names it (GitHub's event, GitLab's
    /// `CI_DEFAULT_BRANCH`).
    pub default_branch: Option<String>,
}

/// Flags that choose the selection, already parsed.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub base: Option<String>,
    /// `--before SHA`: select as a push whose previous tip was SHA.
    pub before: Option<String>,
    pub all: bool,
    pub schedule: bool,
    pub projects: Vec<String>,
}

/// An all-zero sha: what GitHub and GitLab send as `before` for a new branch.
pub fn is_null_sha(sha: &str) -> bool {
    !sha.is_empty() && sha.chars().all(|c| c == '0')
}

pub fn request(flags: &Flags, system: System, env: &Env) -> Result<Asked, Problems> {
    let trigger = trigger(system, env);
    // GitHub: the event file, whenever it is named (and for pushes and pull
    // requests, which cannot be selected without it).
    let event = match system {
        System::GitHub
            if env.get("GITHUB_EVENT_PATH").is_some()
                || matches!(trigger, Trigger::Push | Trigger::PullRequest) =>
        {
            Some(read_event(env)?)
        }
        _ => None,
    };
    let default_branch = match system {
        System::GitHub => event
            .as_ref()
            .and_then(|e| e.payload.repository.as_ref()?.default_branch.clone())
            .filter(|n| !n.is_empty()),
        System::GitLab => env.get("CI_DEFAULT_BRANCH").map(str::to_string),
        System::Local => None,
    };
    let mut branch_hints = default_branch_candidates(env);
    if system == System::GitHub
        && let Some(name) = &default_branch
    {
        branch_hints.push(format!("origin/{name}"));
        branch_hints.push(name.clone());
    }
    let request = chosen(flags, system, env, trigger, event.as_ref())?;
    Ok(Asked {
        request,
        branch_hints,
        default_branch,
    })
}

fn chosen(
    flags: &Flags,
    system: System,
    env: &Env,
    trigger: Trigger,
    event: Option<&Event>,
) -> Result<Request, Problems> {
    if let Some(git_ref) = &flags.base {
        return Ok(Request::Explicit {
            git_ref: git_ref.clone(),
            trigger,
        });
    }
    if let Some(before) = &flags.before {
        // Selects as a push does; the trigger (and so the publish rule) stays
        // the run's own.
        return Ok(Request::PushBefore {
            before: Some(before.clone()).filter(|b| !b.is_empty()),
            trigger,
            why: "--before".into(),
        });
    }
    if flags.all {
        return Ok(Request::All { trigger });
    }
    if !flags.projects.is_empty() {
        return Ok(Request::Named {
            patterns: flags.projects.clone(),
            origin: "--projects",
            trigger,
        });
    }
    if flags.schedule {
        return Ok(Request::Schedule {
            trigger,
            why: "--schedule was given".into(),
        });
    }
    let from_ci = match system {
        System::GitHub => github(env, trigger, event)?,
        System::GitLab => gitlab(env, trigger)?,
        System::Local => return Ok(Request::LocalDefault),
    };
    Ok(match (from_ci, env.get("MONOARCH_PROJECTS")) {
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
            origin: "MONOARCH_PROJECTS",
            trigger,
        },
        (other, _) => other,
    })
}

/// The branch this CI run builds; `None` for a tag or a detached run.
pub fn run_branch(system: System, env: &Env) -> Option<String> {
    match system {
        System::GitHub => env
            .get("GITHUB_REF")
            .and_then(|r| r.strip_prefix("refs/heads/"))
            .map(str::to_string),
        System::GitLab => env.get("CI_COMMIT_BRANCH").map(str::to_string),
        System::Local => None,
    }
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

const NOT_A_PAYLOAD: &str = "the event file is not a GitHub payload";

fn github(env: &Env, trigger: Trigger, event: Option<&Event>) -> Result<Request, Problems> {
    let event_name = env.get("GITHUB_EVENT_NAME").unwrap_or("unknown");
    match (trigger, event) {
        (Trigger::Push, Some(event)) => {
            let Some(before) = &event.payload.before else {
                let mut p = crate::config::FileProblems::new(&event.path);
                p.add(
                    0,
                    0,
                    "before",
                    format!("a push event names the commit before the push; {NOT_A_PAYLOAD}"),
                );
                return Err(p.problems);
            };
            check_sha(before, &event.path, "before", NOT_A_PAYLOAD)?;
            Ok(Request::PushBefore {
                before: Some(before.clone()),
                trigger,
                why: "GitHub push event: `before` of the event".into(),
            })
        }
        (Trigger::PullRequest, Some(event)) => {
            let payload = &event.payload;
            let base_sha = payload
                .pull_request
                .as_ref()
                .and_then(|pr| pr.base.as_ref()?.sha.clone())
                .map(|sha| ("pull_request.base.sha", sha))
                .or_else(|| {
                    let sha = payload.merge_group.as_ref()?.base_sha.clone()?;
                    Some(("merge_group.base_sha", sha))
                });
            let mut with = Vec::new();
            if let Some((field, sha)) = base_sha {
                check_sha(&sha, &event.path, field, NOT_A_PAYLOAD)?;
                with.push(sha);
            }
            if let Some(base_ref) = env.get("GITHUB_BASE_REF") {
                with.push(format!("origin/{base_ref}"));
                with.push(base_ref.to_string());
            }
            Ok(Request::MergeBase {
                with,
                trigger,
                why: format!("GitHub {event_name}: merge base with the pull request's base branch"),
            })
        }
        _ => Ok(Request::Schedule {
            trigger,
            why: format!("GitHub {event_name} run"),
        }),
    }
}

fn gitlab(env: &Env, trigger: Trigger) -> Result<Request, Problems> {
    let source = env.get("CI_PIPELINE_SOURCE").unwrap_or("unknown");
    let sha = |var: &str| -> Result<Option<String>, Problems> {
        match env.get(var) {
            Some(value) => {
                check_sha(
                    value,
                    var,
                    "",
                    "GitLab sets it to a commit sha: unset it, or pass --base REF",
                )?;
                Ok(Some(value.to_string()))
            }
            None => Ok(None),
        }
    };
    Ok(match trigger {
        Trigger::Push => {
            let before = sha("CI_COMMIT_BEFORE_SHA")?;
            let why = match before {
                Some(_) => "GitLab push pipeline: CI_COMMIT_BEFORE_SHA",
                None => "GitLab push pipeline without CI_COMMIT_BEFORE_SHA",
            };
            Request::PushBefore {
                before,
                trigger,
                why: why.into(),
            }
        }
        Trigger::MergeRequest => {
            let mut with = Vec::new();
            with.extend(sha("CI_MERGE_REQUEST_DIFF_BASE_SHA")?);
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
    })
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
mod tests;
