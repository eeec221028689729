//! From the shared selection flags to a made plan.

use chrono::Utc;

use crate::cli::SelectArgs;
use crate::detect::Flags;
use crate::env::Env;
use crate::error::Error;
use crate::plan::{Made, PlanRequest, make_plan};

/// Makes the plan the flags ask for; the clock is read here, once.
pub fn plan_from_flags(args: &SelectArgs, env: &Env) -> Result<Made, Error> {
    let request = PlanRequest {
        start: args.repo.clone(),
        flags: Flags {
            base: args.base.clone(),
            all: args.all,
            schedule: args.schedule,
            projects: args.projects.clone(),
        },
        deepen: args.deepen,
        registry: args.registry.clone(),
    };
    Ok(make_plan(&request, env, Utc::now())?)
}
