//! Command-line interface (clap derive). Each subcommand's help says what it
//! reads and writes.

use clap::{Parser, Subcommand};

use crate::commands;
use crate::contract::exit_code;

#[derive(Debug, Parser)]
#[command(
    name = "monoarch",
    version,
    about = "Turn a directory-per-project monorepo into multi-architecture container images",
    long_about = long_about()
)]
pub struct Cli {
    /// More log output (-v debug, -vv trace). `MONOARCH_LOG` overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Preview what would be built: the selected projects, their jobs and tags.
    ///
    /// Reads the git history of the repository, `monoarch.yaml`, every selected
    /// `projects/*/build-config.yaml` and (on a schedule) `rebuild-weekly.txt`;
    /// with `reuse:` on also the registry (each project's last published index,
    /// the base images' digests) to say which jobs are reused and why.
    /// Writes the plan to stdout (or `--output`); pushes nothing.
    ///
    /// Example: monoarch plan --all
    ///          monoarch plan --base origin/main --format json --output plan.json
    ///          monoarch plan --plan plan.json      (show a written plan)
    Plan(commands::plan::PlanArgs),

    /// Emit the CI job matrix: GitHub Actions matrix JSON, a GitLab child pipeline, Tekton PipelineRun(s), or folder names.
    ///
    /// Reads a plan (`--plan`) or makes one exactly as `monoarch plan` does.
    /// Writes the matrix to stdout (or `--output`); for GitHub also `matrix`,
    /// `has_jobs` (jobs to build), `has_projects` (projects to publish, reused
    /// jobs included) and `job_count` to `$GITHUB_OUTPUT` when that variable is set.
    ///
    /// Example: monoarch matrix --format github --write-plan plan.json
    ///          monoarch matrix --format gitlab --plan plan.json --output child-pipeline.yml
    ///          monoarch matrix --format tekton --plan plan.json --source-url URL | kubectl create -f -
    Matrix(commands::matrix::MatrixArgs),

    /// Check every project config, `monoarch.yaml` and the schedule file; report all problems at once.
    ///
    /// Reads the files only; writes one line per problem to stderr
    /// (`file:line:column: field: what to do`) and exits 3 if there is any.
    ///
    /// Example: monoarch validate
    Validate(commands::validate::ValidateArgs),

    /// Build and push one project for one architecture (one job of the plan).
    #[command(long_about = commands::build::LONG_ABOUT)]
    Build(commands::build::BuildArgs),

    /// Verify the pushed arch images and publish one multi-arch OCI index per project.
    #[command(long_about = commands::manifest::LONG_ABOUT)]
    Manifest(commands::manifest::ManifestArgs),

    /// Run the whole pipeline on this machine: plan, build with buildah, push, stitch, summary.
    #[command(long_about = commands::run::LONG_ABOUT)]
    Run(commands::run::RunArgs),
}

/// The top-level help: what monoarch does, and the exit codes from their one table.
fn long_about() -> String {
    format!(
        "Turn a directory-per-project monorepo into multi-architecture container images.\n\n\
        Stages: plan (which projects, which jobs) -> matrix (CI jobs) -> build (one project x arch, \
        on a native runner) -> manifest (one OCI index per project). `monoarch run` does all of it on \
        one machine.\n\nExit codes: {}.",
        exit_code::help_list()
    )
}
