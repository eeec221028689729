//! From the shared selection flags to a made plan.

use chrono::Utc;

use crate::cli::SelectArgs;
use crate::config::{FileProblems, REPO_CONFIG_FILE};
use crate::detect::Flags;
use crate::env::Env;
use crate::error::Error;
use crate::plan::{Made, PlanRequest, Trigger, make_plan};

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
    let made = make_plan(&request, env, Utc::now())?;
    require_registry(&made)?;
    Ok(made)
}

/// A CI run that will build needs a registry: say so once, in the plan job, naming
/// the setting, rather than in every build job.
fn require_registry(made: &Made) -> Result<(), Error> {
    let plan = &made.plan;
    if plan.selection.trigger == Trigger::Local
        || !plan.publish.builds()
        || plan.projects.is_empty()
        || !plan.registry.host.is_empty()
    {
        return Ok(());
    }
    let mut problems = FileProblems::new(REPO_CONFIG_FILE);
    problems.add(
        0,
        0,
        "registry",
        format!(
            "this run builds {} project(s) but no registry is set; set {}",
            plan.projects.len(),
            made.repo.registry_setting
        ),
    );
    Err(Error::Invalid(problems.problems))
}
