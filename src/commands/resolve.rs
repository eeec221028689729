//! `--resolve-refs`: pin every upstream ref to a commit in the plan.

use super::Error;
use crate::build::BuildError;
use crate::contract::Plan;
use crate::env::Env;
use crate::source;

/// Lists each upstream once and records the commit its ref points at now.
pub fn resolve_refs(plan: &mut Plan, env: &Env) -> Result<(), Error> {
    let resolved = source::resolve_refs(plan, env).map_err(BuildError::from)?;
    tracing::info!("resolved {resolved} upstream ref(s) to commits");
    Ok(())
}
