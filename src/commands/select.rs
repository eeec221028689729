//! From the shared selection flags to a made plan.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use super::Error;
use super::make_plan::{Made, PlanRequest, make_plan};
use crate::config::{FileProblems, REPO_CONFIG_FILE};
use crate::contract::Trigger;
use crate::detect::Flags;

/// Makes the plan the flags ask for.
pub fn plan_from_flags(args: &SelectArgs, ctx: &Context) -> Result<Made, Error> {
    let request = PlanRequest {
        start: args.repo.clone(),
        flags: Flags {
            base: args.base.clone(),
            before: args.before.clone(),
            all: args.all,
            schedule: args.schedule,
            projects: args.projects.clone(),
        },
        deepen: args.deepen,
        registry: args.registry.clone(),
        rebuild: args.rebuild,
        with_dependents: args.with_dependents,
    };
    let made = make_plan(&request, ctx)?;
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

/// `--before`: a full sha, all zeros, or empty.
fn parse_before(value: &str) -> Result<String, String> {
    if value.is_empty() || crate::detect::is_full_sha(value) {
        Ok(value.to_string())
    } else {
        Err(format!(
            "`{}` is not a commit sha (40 or 64 hex digits); pass the full sha of the previous tip, or all zeros for a new branch",
            crate::config::shown(value)
        ))
    }
}

/// How the projects of a plan are chosen; shared by `plan`, `matrix` and `run`.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectArgs {
    /// Root of the monorepo (default: the git repository around the current folder).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    /// Compare HEAD with this commit or ref instead of the one the CI environment implies.
    #[arg(long, value_name = "REF", conflicts_with_all = ["all", "schedule", "projects"])]
    pub base: Option<String>,

    /// Select as a push whose branch pointed at SHA before (all zeros or empty: a new branch,
    /// tag or repository), the way a CI push is selected; for CI systems whose events monoarch
    /// does not read (Tekton triggers).
    #[arg(long, value_name = "SHA", value_parser = parse_before, conflicts_with_all = ["base", "all", "schedule", "projects"])]
    pub before: Option<String>,

    /// Select every project.
    #[arg(long, conflicts_with_all = ["schedule", "projects"])]
    pub all: bool,

    /// Select the projects of the schedule file, as a scheduled pipeline does.
    #[arg(long, conflicts_with = "projects")]
    pub schedule: bool,

    /// Select these projects (comma-separated; globs allowed).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub projects: Vec<String>,

    /// With --projects: also select every project that builds on them (`depends_on:`),
    /// directly or not, as a change to them would.
    #[arg(long, requires = "projects")]
    pub with_dependents: bool,

    /// If the clone is too shallow to contain the base, fetch the missing history from `origin`.
    #[arg(long)]
    pub deepen: bool,

    /// Registry host for the images (default: `monoarch.yaml`, then `$ECR_REGISTRY`, then `$REGISTRY`).
    #[arg(long, value_name = "HOST")]
    pub registry: Option<String>,

    /// With `reuse:` on: build every job even when an image with its key exists
    /// (keys are still made and recorded).
    #[arg(long)]
    pub rebuild: bool,
}
