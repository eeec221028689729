//! `--resolve-refs`: pin every upstream ref to a commit in the plan.

use crate::build::BuildError;
use crate::build::source;
use crate::env::Env;
use crate::error::Error;
use crate::plan::Plan;

/// Lists each upstream once and records the commit its ref points at now.
pub fn resolve_refs(plan: &mut Plan, env: &Env) -> Result<(), Error> {
    let resolved = source::resolve_refs(plan, env).map_err(BuildError::from)?;
    tracing::info!("resolved {resolved} upstream ref(s) to commits");
    Ok(())
}
