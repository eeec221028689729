//! Turns a [`Request`] into a concrete base commit (or a non-diff selection), with the reason.
//!
//! It asks the history through [`History`]: the git layer answers from the
//! clone, the unit tests from a small table of commits.

use super::request::{Request, is_null_sha};
use crate::contract::Trigger;
use std::fmt::Display;

use crate::git::{Git, GitError, Oid};

/// What base resolution needs to know of the history. `Id` names a commit.
pub trait History {
    type Id: Copy + Eq + Display;
    /// A sha, branch, tag or `origin/x` as a commit present in the clone.
    fn resolve(&self, spec: &str) -> Option<Self::Id>;
    fn is_shallow(&self) -> bool;
    fn merge_base(&self, a: Self::Id, b: Self::Id) -> Option<Self::Id>;
    /// True when `ancestor` is `descendant` or one of its ancestors.
    fn is_ancestor(&self, ancestor: Self::Id, descendant: Self::Id) -> bool;
    fn first_parent(&self, commit: Self::Id) -> Option<Self::Id>;
    /// The default branch: `configured`, else the CI's hints (`extra`), else
    /// `origin/HEAD`, else main/master (remote first); with its name.
    fn default_branch(
        &self,
        configured: Option<&str>,
        extra: &[String],
    ) -> Option<(String, Self::Id)>;
    /// Fetches the missing history of a shallow clone.
    fn deepen(&self) -> Result<(), GitError>;
}

impl History for Git {
    type Id = Oid;

    fn resolve(&self, spec: &str) -> Option<Oid> {
        Git::resolve(self, spec)
    }

    fn is_shallow(&self) -> bool {
        Git::is_shallow(self)
    }

    fn merge_base(&self, a: Oid, b: Oid) -> Option<Oid> {
        Git::merge_base(self, a, b)
    }

    fn is_ancestor(&self, ancestor: Oid, descendant: Oid) -> bool {
        Git::is_ancestor(self, ancestor, descendant)
    }

    fn first_parent(&self, commit: Oid) -> Option<Oid> {
        Git::first_parent(self, commit)
    }

    fn default_branch(&self, configured: Option<&str>, extra: &[String]) -> Option<(String, Oid)> {
        Git::default_branch(self, configured, extra)
    }

    fn deepen(&self) -> Result<(), GitError> {
        Git::deepen(self)
    }
}

/// How projects will be selected, decided against the real history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice<Id = Oid> {
    /// Projects changed between `base` and HEAD.
    Changes {
        base: Id,
    },
    All,
    Schedule,
    /// Patterns, and where they came from (`--projects`, `MONOARCH_PROJECTS`).
    Named(Vec<String>, &'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved<Id = Oid> {
    pub trigger: Trigger,
    pub choice: Choice<Id>,
    /// One sentence: which base was chosen and why.
    pub reason: String,
}

/// Settings that steer the fallbacks.
pub struct BaseOptions<'a> {
    pub default_branch: Option<&'a str>,
    /// Extra default-branch names from the CI environment.
    pub branch_hints: &'a [String],
    /// Fetch missing history from `origin` instead of failing on a shallow clone.
    pub deepen: bool,
}

pub fn resolve<H: History>(
    request: &Request,
    git: &H,
    head: H::Id,
    options: &BaseOptions,
) -> Result<Resolved<H::Id>, GitError> {
    match resolve_once(request, git, head, options) {
        Err(GitError::Shallow { .. }) if options.deepen => {
            tracing::info!(
                "the clone is shallow and lacks the base; fetching the full history from origin (--deepen)"
            );
            git.deepen()?;
            resolve_once(request, git, head, options)
        }
        other => other,
    }
}

fn short(id: impl Display) -> String {
    id.to_string().chars().take(7).collect()
}

fn resolve_once<H: History>(
    request: &Request,
    git: &H,
    head: H::Id,
    options: &BaseOptions,
) -> Result<Resolved<H::Id>, GitError> {
    let resolved = |trigger, choice, reason: String| {
        Ok(Resolved {
            trigger,
            choice,
            reason,
        })
    };
    match request {
        Request::All { trigger } => resolved(*trigger, Choice::All, "--all: every project".into()),
        Request::Named {
            patterns,
            origin,
            trigger,
        } => resolved(
            *trigger,
            Choice::Named(patterns.clone(), origin),
            format!("{origin} {}", patterns.join(",")),
        ),
        Request::Schedule { trigger, why } => resolved(
            *trigger,
            Choice::Schedule,
            format!("{why}: the projects of the schedule file"),
        ),
        Request::Explicit { git_ref, trigger } => {
            let Some(base) = git.resolve(git_ref) else {
                return Err(missing(git, git_ref));
            };
            match git.merge_base(base, head) {
                Some(mb) if mb == base => resolved(
                    *trigger,
                    Choice::Changes { base },
                    format!("--base {git_ref} ({})", short(base)),
                ),
                Some(mb) => resolved(
                    *trigger,
                    Choice::Changes { base: mb },
                    format!("--base {git_ref}: its merge base with HEAD, {}", short(mb)),
                ),
                None if git.is_shallow() => Err(GitError::Shallow {
                    what: format!("the merge base of HEAD and {git_ref}"),
                }),
                None => resolved(
                    *trigger,
                    Choice::All,
                    format!("--base {git_ref} shares no history with HEAD: every project"),
                ),
            }
        }
        Request::PushBefore {
            before,
            trigger,
            why,
        } => {
            let Some(before) = before else {
                return default_base(git, head, options, *trigger, why);
            };
            if is_null_sha(before) {
                return default_base(
                    git,
                    head,
                    options,
                    *trigger,
                    &format!("{why} is all zeros (the first push of a repository, branch or tag)"),
                );
            }
            let Some(base) = git.resolve(before) else {
                if git.is_shallow() {
                    return Err(GitError::Shallow {
                        what: format!("the previous push's commit {before}"),
                    });
                }
                return default_base(
                    git,
                    head,
                    options,
                    *trigger,
                    &format!("{why}: {} is not in the clone (force push?)", short(before)),
                );
            };
            if git.is_ancestor(base, head) {
                return resolved(
                    *trigger,
                    Choice::Changes { base },
                    format!("{why} ({})", short(base)),
                );
            }
            match git.merge_base(base, head) {
                Some(mb) => resolved(
                    *trigger,
                    Choice::Changes { base: mb },
                    format!(
                        "{why}: {} is not an ancestor of HEAD (force push); compared with their merge base {}",
                        short(base),
                        short(mb)
                    ),
                ),
                None => default_base(
                    git,
                    head,
                    options,
                    *trigger,
                    &format!("{why}: force push with no common history"),
                ),
            }
        }
        Request::MergeBase { with, trigger, why } => {
            let Some((name, target)) = with
                .iter()
                .find_map(|w| git.resolve(w).map(|oid| (w.clone(), oid)))
            else {
                if git.is_shallow() {
                    return Err(GitError::Shallow {
                        what: format!("the base branch ({})", with.join(" or ")),
                    });
                }
                return default_base(
                    git,
                    head,
                    options,
                    *trigger,
                    &format!("{why}: base not found in the clone"),
                );
            };
            match git.merge_base(target, head) {
                Some(mb) => resolved(
                    *trigger,
                    Choice::Changes { base: mb },
                    format!("{why} ({name}, merge base {})", short(mb)),
                ),
                None if git.is_shallow() => Err(GitError::Shallow {
                    what: format!("the merge base of HEAD and {name}"),
                }),
                None => resolved(
                    *trigger,
                    Choice::All,
                    format!("{why}: {name} shares no history with HEAD: every project"),
                ),
            }
        }
        Request::LocalDefault => {
            let Some((name, branch)) =
                git.default_branch(options.default_branch, options.branch_hints)
            else {
                return last_commit(git, head, "no default branch found");
            };
            match git.merge_base(branch, head) {
                Some(mb) if mb == head => last_commit(git, head, &format!("HEAD is on {name}")),
                Some(mb) => resolved(
                    Trigger::Local,
                    Choice::Changes { base: mb },
                    format!("local run: merge base with {name} ({})", short(mb)),
                ),
                None => last_commit(git, head, &format!("HEAD shares no history with {name}")),
            }
        }
    }
}

/// A local run with no branch to compare with previews the last commit.
fn last_commit<H: History>(git: &H, head: H::Id, why: &str) -> Result<Resolved<H::Id>, GitError> {
    Ok(match git.first_parent(head) {
        Some(parent) => Resolved {
            trigger: Trigger::Local,
            choice: Choice::Changes { base: parent },
            reason: format!("local run, {why}: the changes of the last commit"),
        },
        None => Resolved {
            trigger: Trigger::Local,
            choice: Choice::All,
            reason: format!("local run, {why}, and HEAD is the first commit: every project"),
        },
    })
}

/// Falls back to the merge base with the default branch, or to every project.
fn default_base<H: History>(
    git: &H,
    head: H::Id,
    options: &BaseOptions,
    trigger: Trigger,
    why: &str,
) -> Result<Resolved<H::Id>, GitError> {
    let Some((name, branch)) = git.default_branch(options.default_branch, options.branch_hints)
    else {
        return Ok(Resolved {
            trigger,
            choice: Choice::All,
            reason: format!("{why}; no default branch in the clone: every project"),
        });
    };
    match git.merge_base(branch, head) {
        // HEAD is on the default branch (or behind it): a comparison with it
        // would show nothing, whatever the push changed. Never select nothing
        // for want of a base.
        Some(mb) if mb == head => Ok(Resolved {
            trigger,
            choice: Choice::All,
            reason: format!(
                "{why}; HEAD is on {name}, so there is no earlier commit to compare with: every project"
            ),
        }),
        Some(mb) => Ok(Resolved {
            trigger,
            choice: Choice::Changes { base: mb },
            reason: format!(
                "{why}; compared with the merge base of HEAD and {name} ({})",
                short(mb)
            ),
        }),
        None if git.is_shallow() => Err(GitError::Shallow {
            what: format!("the merge base of HEAD and {name}"),
        }),
        None => Ok(Resolved {
            trigger,
            choice: Choice::All,
            reason: format!("{why}; no common history with {name}: every project"),
        }),
    }
}

/// An unknown `--base`: a missing commit in a shallow clone may be history
/// the clone lacks; a missing name is just unknown, shallow or not.
fn missing<H: History>(git: &H, git_ref: &str) -> GitError {
    if git.is_shallow() && looks_like_sha(git_ref) {
        GitError::Shallow {
            what: format!("`{git_ref}`"),
        }
    } else {
        GitError::UnknownRef {
            git_ref: git_ref.to_string(),
        }
    }
}

/// 7 to 64 hex digits: what an abbreviated or full commit sha looks like.
fn looks_like_sha(spec: &str) -> bool {
    (7..=64).contains(&spec.len()) && spec.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests;
