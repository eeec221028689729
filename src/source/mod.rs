//! Fetching an upstream at exactly its ref with git2 (shallow where the server allows).

mod auth;
mod refs;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{Direction, FetchOptions, RemoteCallbacks, Repository};
use thiserror::Error;

use crate::contract::{Plan, Upstream};
use crate::env::Env;

pub use auth::{redact_url, token_for};
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
    let wanted = match &upstream.commit {
        None if is_full_sha(&upstream.git_ref) => {
            Wanted::Commit(upstream.git_ref.to_ascii_lowercase())
        }
        None => resolve_one(project, upstream, env)?,
        Some(planned) if is_full_sha(&upstream.git_ref) => {
            Wanted::Commit(planned.to_ascii_lowercase())
        }
        // Pinned by `plan --resolve-refs`: while the ref still points at the
        // planned commit, fetch the ref (shallow works on every server);
        // once it has moved, fetch the planned commit itself.
        Some(planned) => match resolve_one(project, upstream, env) {
            Ok(found) if found.commit().eq_ignore_ascii_case(planned) => found,
            _ => Wanted::Commit(planned.to_ascii_lowercase()),
        },
    };
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(|e| local(&e))?;
    }
    std::fs::create_dir_all(dest).map_err(|e| local(&e))?;
    let repo = Repository::init(dest).map_err(|e| local(&e))?;
    let source = match &wanted {
        Wanted::Ref { name, .. } => name.clone(),
        Wanted::Commit(sha) => sha.clone(),
    };
    let refspec = format!("+{source}:{LOCAL_REF}");
    let mut shallow = true;
    if let Err(first) = fetch_refspecs(&repo, upstream, &[refspec.as_str()], 1, env) {
        let Wanted::Commit(_) = wanted else {
            return Err(remote_error(
                project, &repo_name, "fetch", &first, upstream, env,
            ));
        };
        // Many servers refuse a want for an unadvertised sha; fetch every
        // branch and tag in full and look for the commit there.
        tracing::info!(
            "{project}: the server refused a shallow fetch by sha; fetching all branches and tags"
        );
        shallow = false;
        fetch_refspecs(
            &repo,
            upstream,
            &[
                "+refs/heads/*:refs/monoarch/heads/*",
                "+refs/tags/*:refs/monoarch/tags/*",
            ],
            0,
            env,
        )
        .map_err(|e| remote_error(project, &repo_name, "fetch", &e, upstream, env))?;
    }
    let commit = peel_commit(&repo, &wanted).ok_or_else(|| SourceError::CommitNotFound {
        project: project.to_string(),
        repo: repo_name.clone(),
        commit: wanted.commit().to_string(),
    })?;
    repo.set_head_detached(commit).map_err(|e| local(&e))?;
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .map_err(|e| local(&e))?;
    Ok(Fetched {
        root: dest.to_path_buf(),
        commit: commit.to_string(),
        shallow,
    })
}

/// The commit the fetched ref (or the wanted sha) peels to, if it arrived.
fn peel_commit(repo: &Repository, wanted: &Wanted) -> Option<git2::Oid> {
    let object = match wanted {
        Wanted::Ref { .. } => repo.revparse_single(LOCAL_REF).ok()?,
        Wanted::Commit(sha) => repo.revparse_single(sha).ok()?,
    };
    object.peel_to_commit().ok().map(|c| c.id())
}

fn fetch_refspecs(
    repo: &Repository,
    upstream: &Upstream,
    refspecs: &[&str],
    depth: i32,
    env: &Env,
) -> Result<(), git2::Error> {
    let tries = Cell::new(0);
    let mut remote = repo.remote_anonymous(&upstream.repo)?;
    let mut options = FetchOptions::new();
    options.remote_callbacks(callbacks(&upstream.repo, env, &tries));
    options.download_tags(git2::AutotagOption::None);
    if depth > 0 {
        options.depth(depth);
    }
    remote.fetch(refspecs, Some(&mut options), None)
}

/// Lists the remote's refs and finds the configured one.
fn resolve_one(project: &str, upstream: &Upstream, env: &Env) -> Result<Wanted, SourceError> {
    let repo_name = redact_url(&upstream.repo);
    let advertised = list_remote(&upstream.repo, env)
        .map_err(|e| remote_error(project, &repo_name, "list the refs of", &e, upstream, env))?;
    match_ref(&upstream.git_ref, &advertised).ok_or_else(|| SourceError::RefNotFound {
        project: project.to_string(),
        repo: repo_name,
        reference: upstream.git_ref.clone(),
        hint: refs::not_found_hint(&upstream.git_ref, &advertised),
    })
}

/// `git ls-remote`: every advertised `(ref name, oid)`.
pub fn list_remote(url: &str, env: &Env) -> Result<Vec<(String, String)>, git2::Error> {
    let mut remote = git2::Remote::create_detached(url)?;
    let tries = Cell::new(0);
    let connection =
        remote.connect_auth(Direction::Fetch, Some(callbacks(url, env, &tries)), None)?;
    Ok(connection
        .list()?
        .iter()
        .map(|head| (head.name().to_string(), head.oid().to_string()))
        .collect())
}

/// Credentials from the environment, offered once: libgit2 asks again after a
/// refusal, and a second identical answer would loop forever.
fn callbacks<'a>(url: &str, env: &Env, tries: &'a Cell<u32>) -> RemoteCallbacks<'a> {
    let token = token_for(url, env);
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |_url, username, allowed| {
        tries.set(tries.get() + 1);
        if tries.get() > 1 {
            return Err(git2::Error::from_str("authentication failed"));
        }
        if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT)
            && let Some(token) = &token
        {
            return git2::Cred::userpass_plaintext(&token.username, &token.secret);
        }
        if allowed.contains(git2::CredentialType::SSH_KEY) {
            return git2::Cred::ssh_key_from_agent(username.unwrap_or("git"));
        }
        Err(git2::Error::from_str("credentials required"))
    });
    callbacks
}

fn remote_error(
    project: &str,
    repo: &str,
    action: &'static str,
    error: &git2::Error,
    upstream: &Upstream,
    env: &Env,
) -> SourceError {
    let mut message = error.message().to_string();
    let token = token_for(&upstream.repo, env);
    if let Some(token) = &token {
        // libgit2 messages should never echo a password, but make sure.
        message = message.replace(&token.secret, "***");
    }
    let http_refusal =
        matches!(
            error.class(),
            git2::ErrorClass::Http | git2::ErrorClass::Net
        ) && (message.contains("401") || message.contains("403") || message.contains("auth"));
    let auth_failed =
        http_refusal || message.contains("credentials") || message.contains("authentication");
    let certificate =
        error.code() == git2::ErrorCode::Certificate || error.class() == git2::ErrorClass::Ssl;
    let hint = match (auth_failed, &token) {
        _ if certificate => "the server's TLS certificate is not trusted here; install its CA, or point SSL_CERT_FILE at it".to_string(),
        (true, Some(token)) => format!(
            "the token from ${} was refused; check that it may read this repository",
            token.var
        ),
        (true, None) => "a private upstream needs a token: set MONOARCH_GIT_TOKEN (or run with CI_JOB_TOKEN on GitLab, GITHUB_TOKEN on GitHub)".to_string(),
        (false, _) => "check the URL and the network; the job needs to reach the upstream".to_string(),
    };
    SourceError::Remote {
        project: project.to_string(),
        repo: repo.to_string(),
        action,
        message,
        hint,
    }
}

/// `monoarch plan --resolve-refs`: fills `Upstream.commit` of every project
/// whose upstream ref is not resolved yet, so every architecture builds the
/// same commit. Each distinct upstream is listed once. Returns how many refs
/// were resolved.
pub fn resolve_refs(plan: &mut Plan, env: &Env) -> Result<usize, SourceError> {
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
            let listed = list_remote(&upstream.repo, env).map_err(|e| {
                remote_error(
                    &project.name,
                    &redact_url(&upstream.repo),
                    "list the refs of",
                    &e,
                    upstream,
                    env,
                )
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
