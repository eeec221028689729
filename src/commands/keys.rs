//! The plan's reuse pass (`reuse:` on): the git and registry facts around
//! [`crate::key::apply`], and one line saying what it found.

use std::path::PathBuf;
use std::sync::Arc;

use super::make_plan::{Made, MakePlanError};
use super::{Context, Error};
use crate::build::BuildError;
use crate::git::{Git, GitError, Oid};
use crate::key::{self, Resolver};
use crate::registry::Registry;
use crate::source;
use crate::store::Store;
use crate::store::layout::Layout;

/// Where earlier builds are looked for.
pub enum LookIn {
    /// The plan's registry (plan, matrix, `run --registry`).
    Registry { insecure: Vec<String> },
    /// `monoarch run`'s OCI layout.
    Layout(PathBuf),
}

/// Makes every job's key and decides reuse; a no-op when reuse is off.
pub fn apply_keys(made: &mut Made, look_in: LookIn, ctx: &Context) -> Result<(), Error> {
    let Some(settings) = made.plan.reuse.clone() else {
        return Ok(());
    };
    let plan = &mut made.plan;
    if plan.projects.is_empty() {
        return Ok(());
    }
    let env = &ctx.env;
    // A key names the upstream commit: pin every ref now, as --resolve-refs does.
    if plan
        .projects
        .iter()
        .any(|p| p.upstream.as_ref().is_some_and(|u| u.commit.is_none()))
    {
        source::resolve_refs(plan, env).map_err(BuildError::from)?;
    }
    let git = Git::discover(&made.root).map_err(MakePlanError::from)?;
    let head = Oid::from_hex(plan.commit.as_bytes()).map_err(|e| {
        MakePlanError::from(GitError::Failed {
            doing: "reading the plan's commit".into(),
            message: e.to_string(),
        })
    })?;
    let sources = key::sources(plan, &git, &made.root, head);
    let host = plan.registry.host.clone();
    let insecure = match &look_in {
        LookIn::Registry { insecure } => insecure.clone(),
        LookIn::Layout(_) => Vec::new(),
    };
    let store: Result<Store, String> = match look_in {
        LookIn::Registry { .. } if host.is_empty() => {
            Err("no registry is set, so earlier builds cannot be looked for".to_string())
        }
        LookIn::Registry { insecure } => Registry::new(&host, &insecure, env)
            .map(|r| Store::Registry(Box::new(r)))
            .map_err(|e| format!("cannot look for earlier builds: {e}")),
        LookIn::Layout(dir) if !dir.join("index.json").is_file() => Err(format!(
            "no earlier build found (no OCI layout at {} yet)",
            dir.display()
        )),
        LookIn::Layout(dir) => Layout::open(&dir)
            .map(Store::Layout)
            .map_err(|e| format!("cannot look for earlier builds: {e}")),
    };
    let store = store.map(Arc::new);
    let resolver = Arc::new(Resolver::new(env, &host, &insecure));
    let options = key::Options {
        env: env.clone(),
        store: store.clone(),
        resolver: resolver.clone(),
        rebuild: settings.rebuild,
        jobs: 8,
    };
    let runtime = super::runtime()?;
    runtime.block_on(key::apply(plan, sources, options));
    let (jobs, reused) = (plan.job_count(), plan.reused_count());
    let store_requests = match store.as_deref() {
        Ok(Store::Registry(r)) => r.requests_sent(),
        _ => 0,
    };
    tracing::info!(
        "reuse: {reused} of {jobs} job(s) reused, {} to build{}; {} registry request(s) for earlier builds, {} for base images",
        jobs - reused,
        if plan.unchanged.is_empty() {
            String::new()
        } else {
            format!(", {} unchanged project(s) left out", plan.unchanged.len())
        },
        store_requests,
        resolver.requests_sent()
    );
    Ok(())
}
