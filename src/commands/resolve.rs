//! `--resolve-refs`: pin every upstream ref to a commit in the plan.

use crate::env::Env;
use crate::error::Error;
use crate::plan::Plan;

/// Filled in by the build stage's source module, which owns remote access.
pub fn resolve_refs(_plan: &mut Plan, _env: &Env) -> Result<(), Error> {
    Err(Error::Reported {
        message: "--resolve-refs needs the build stage's source module, which is not merged yet"
            .into(),
        code: crate::exit_code::FAILURE,
    })
}
