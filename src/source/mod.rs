//! Fetching an upstream at exactly its ref (gitoxide; shallow where the server allows).

mod auth;
mod checkout;
mod refs;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::contract::{Plan, Trigger, Upstream};
use crate::env::Env;
use crate::git::remote::{self, Access, NetError};

pub use auth::{Trust, access_for, has_password, redact_url, token_for};
pub use refs::{Wanted, is_full_sha, match_ref};

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{project}: ref `{reference}` not found in {repo}; {hint}")]
    RefNotFound {
        project: String,
        repo: String,
        reference: String,
        hint: String,
    },
    #[error(
        "{project}: commit {commit} is not in {repo} (not on any branch or tag it advertises); check upstream_ref"
    )]
    CommitNotFound {
        project: String,
        repo: String,
        commit: String,
    },
    #[error("{project}: cannot {action} {repo}: {message}; {hint}")]
    Remote {
        project: String,
        repo: String,
        action: &'static str,
        message: String,
        hint: String,
    },
    #[error("{project}: cannot prepare the source folder {path}: {message}")]
    Local {
        project: String,
        path: PathBuf,
        message: String,
    },
}

/// The checked-out source of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub root: PathBuf,
    pub commit: String,
    /// False when the server refused a shallow fetch by sha and the full history was fetched.
    pub shallow: bool,
}

/// Where the fetched ref lands in the work repository.
const LOCAL_REF: &str = "refs/monoarch/source";
const ONE: NonZeroU32 = NonZeroU32::MIN;

/// Fetches `upstream` into `dest` (emptied first) and checks out exactly the
/// wanted commit: `upstream.commit` when the plan resolved it, else the ref.
pub fn fetch(
    project: &str,
    upstream: &Upstream,
    dest: &Path,
    env: &Env,
) -> Result<Fetched, SourceError> {
    let repo_name = redact_url(&upstream.repo);
    let local = |e: &dyn std::fmt::Display| SourceError::Local {
        project: project.to_string(),
        path: dest.to_path_buf(),
        message: e.to_string(),
    };
    let access = access_for(&upstream.repo, env, Trust::Repository)
        .map_err(|e| remote_error(project, upstream, "fetch", &e, env, Trust::Repository))?;
    let wanted = match &upstream.commit {
        None if is_full_sha(&upstream.git_ref) => {
            Wanted::Commit(upstream.git_ref.to_ascii_lowercase())
        }
        None => resolve_one(project, upstream, &access, env)?,
        Some(planned) if is_full_sha(&upstream.git_ref) => {
            Wanted::Commit(planned.to_ascii_lowercase())
        }
        // Pinned by `plan --resolve-refs`: while the ref still points at the
        // planned commit, fetch the ref (shallow works on every server);
        // once it has moved, fetch the planned commit itself.
        Some(planned) => match resolve_one(project, upstream, &access, env) {
            Ok(found) if found.commit().eq_ignore_ascii_case(planned) => found,
            _ => Wanted::Commit(planned.to_ascii_lowercase()),
        },
    };
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(|e| local(&e))?;
    }
    std::fs::create_dir_all(dest).map_err(|e| local(&e))?;
    remote::init_work_repo(dest, &access).map_err(|e| local(&e))?;
    let source = match &wanted {
        Wanted::Ref { name, .. } => name.clone(),
        Wanted::Commit(sha) => sha.clone(),
    };
    let mut shallow = true;
    let exact = [format!("+{source}:{LOCAL_REF}")];
    if let Err(first) = remote::fetch(dest, &upstream.repo, &exact, Some(ONE), &access) {
        let (Wanted::Commit(_), NetError::Failed { .. }) = (&wanted, &first) else {
            return Err(remote_error(
                project,
                upstream,
                "fetch",
                &first,
                env,
                Trust::Repository,
            ));
        };
        // Some servers refuse a want for an unadvertised sha; fetch every
        // branch and tag in full and look for the commit there.
        tracing::info!(
            "{project}: the server refused a shallow fetch by sha; fetching all branches and tags"
        );
        shallow = false;
        let everything = [
            "+refs/heads/*:refs/monoarch/heads/*".to_string(),
            "+refs/tags/*:refs/monoarch/tags/*".to_string(),
        ];
        remote::fetch(dest, &upstream.repo, &everything, None, &access)
            .map_err(|e| remote_error(project, upstream, "fetch", &e, env, Trust::Repository))?;
    }
    let commit = checkout::peel_commit(dest, &wanted, LOCAL_REF).ok_or_else(|| {
        SourceError::CommitNotFound {
            project: project.to_string(),
            repo: repo_name.clone(),
            commit: wanted.commit().to_string(),
        }
    })?;
    checkout::checkout(dest, commit).map_err(|e| local(&e))?;
    Ok(Fetched {
        root: dest.to_path_buf(),
        commit: commit.to_string(),
        shallow,
    })
}

/// Lists the remote's refs and finds the configured one.
fn resolve_one(
    project: &str,
    upstream: &Upstream,
    access: &Access,
    env: &Env,
) -> Result<Wanted, SourceError> {
    let advertised = remote::list_refs(&upstream.repo, access).map_err(|e| {
        remote_error(
            project,
            upstream,
            "list the refs of",
            &e,
            env,
            Trust::Repository,
        )
    })?;
    match_ref(&upstream.git_ref, &advertised).ok_or_else(|| SourceError::RefNotFound {
        project: project.to_string(),
        repo: redact_url(&upstream.repo),
        reference: upstream.git_ref.clone(),
        hint: refs::not_found_hint(&upstream.git_ref, &advertised),
    })
}

fn remote_error(
    project: &str,
    upstream: &Upstream,
    action: &'static str,
    error: &NetError,
    env: &Env,
    trust: Trust,
) -> SourceError {
    let mut message = error.to_string();
    // Never echo a secret, whatever the transport said.
    if let Some(token) = token_for(&upstream.repo, env) {
        message = message.replace(&token.secret, "***");
    }
    if let Some((_, rest)) = upstream.repo.split_once("://")
        && let Some((userinfo, _)) = rest
            .split(['/', '?', '#'])
            .next()
            .and_then(|a| a.rsplit_once('@'))
    {
        message = message.replace(userinfo, "***");
    }
    let ssh = crate::git::ssh::is_ssh_url(&upstream.repo);
    let hint = match error {
        NetError::Setting { .. } => "fix the setting and rerun".to_string(),
        NetError::TimedOut { .. } => format!(
            "check that the job can reach the upstream; raise ${} (seconds) for a slow server",
            remote::TIMEOUT_VAR
        ),
        NetError::Failed { auth_asked, .. } if ssh => {
            if *auth_asked {
                // gitoxide reports ssh's "Permission denied" as a credential request.
                message = "the SSH server refused every key offered (Permission denied)".into();
            }
            format!(
                "for SSH, the host key must be in known_hosts (${}, else ~/.ssh/known_hosts; e.g. `ssh-keyscan -p PORT HOST`) and an authorized key in the SSH agent or ${}",
                crate::git::ssh::KNOWN_HOSTS_VAR,
                crate::git::ssh::KEY_VAR
            )
        }
        NetError::Failed { untrusted: true, .. } => format!(
            "the server's TLS certificate is not trusted here; point ${} at a PEM file with its CA",
            crate::tls::CA_FILE_VAR
        ),
        NetError::Failed { auth_refused: true, .. } => match token_for(&upstream.repo, env) {
            Some(token) => format!(
                "the token from ${} was refused; check that it may read this repository",
                token.var
            ),
            None => "the credentials were refused; check that they may read this repository".to_string(),
        },
        NetError::Failed {
            auth_asked: true, ..
        } if trust == Trust::PullRequest && !env.is_true(auth::PULL_REQUEST_VAR) => format!(
            "on a pull or merge request the upstream URLs are the request's, so no credential is offered; set {}=true to allow it",
            auth::PULL_REQUEST_VAR
        ),
        NetError::Failed { auth_asked: true, .. } => auth::withheld(&upstream.repo, env).unwrap_or_else(|| {
            format!(
                "a private upstream needs a token over https: set {} and {}=<host> (or run with CI_JOB_TOKEN on GitLab, GITHUB_TOKEN on GitHub)",
                auth::TOKEN_VAR,
                auth::TOKEN_HOST_VAR
            )
        }),
        NetError::Failed { .. } => {
            "check the URL and the network; the job needs to reach the upstream".to_string()
        }
    };
    SourceError::Remote {
        project: project.to_string(),
        repo: redact_url(&upstream.repo),
        action,
        message,
        hint,
    }
}

/// `monoarch plan --resolve-refs`: fills `Upstream.commit` of every project
/// whose upstream ref is not resolved yet, so every architecture builds the
/// same commit. Each distinct upstream is listed once. On a pull or merge
/// request the URLs are the request's, so no credential is offered unless
/// `MONOARCH_GIT_CREDENTIALS_ON_PULL_REQUESTS=true`. Returns how many refs
/// were resolved.
pub fn resolve_refs(plan: &mut Plan, env: &Env) -> Result<usize, SourceError> {
    let trust = match plan.selection.trigger {
        Trigger::PullRequest | Trigger::MergeRequest => Trust::PullRequest,
        _ => Trust::Repository,
    };
    let mut listings: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut resolved = 0;
    for project in &mut plan.projects {
        let Some(upstream) = project.upstream.as_mut() else {
            continue;
        };
        if upstream.commit.is_some() {
            continue;
        }
        if is_full_sha(&upstream.git_ref) {
            upstream.commit = Some(upstream.git_ref.to_ascii_lowercase());
            resolved += 1;
            continue;
        }
        if !listings.contains_key(&upstream.repo) {
            let listed = access_for(&upstream.repo, env, trust)
                .and_then(|access| remote::list_refs(&upstream.repo, &access))
                .map_err(|e| {
                    remote_error(&project.name, upstream, "list the refs of", &e, env, trust)
                })?;
            listings.insert(upstream.repo.clone(), listed);
        }
        let advertised = listings
            .get(&upstream.repo)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let wanted =
            match_ref(&upstream.git_ref, advertised).ok_or_else(|| SourceError::RefNotFound {
                project: project.name.clone(),
                repo: redact_url(&upstream.repo),
                reference: upstream.git_ref.clone(),
                hint: refs::not_found_hint(&upstream.git_ref, advertised),
            })?;
        upstream.commit = Some(wanted.commit().to_string());
        resolved += 1;
    }
    Ok(resolved)
}
