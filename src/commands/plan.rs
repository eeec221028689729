//! `monoarch plan`: the local preview, or the plan as JSON for later jobs.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::keys::{LookIn, apply_keys};
use super::output::{emit, emit_with};
use super::select::SelectArgs;
use super::select::plan_from_flags;
use super::{Context, Error};
use crate::contract::exit_code;
use crate::contract::{read_plan, write_json};
use crate::plan::{RunnerColumn, render_table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// A table for people.
    Table,
    /// `plan.json`, the input of `matrix`, `build` and `manifest`.
    Json,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub select: SelectArgs,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: PlanFormat,

    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Resolve each upstream ref to its commit now (needs network access), so every
    /// architecture builds the same source even if a branch or tag moves.
    #[arg(long)]
    pub resolve_refs: bool,

    /// Show this plan file instead of making a plan (the preview of exactly what
    /// `--format json --output FILE` wrote, with no second registry lookup).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["base", "all", "schedule", "projects", "deepen", "registry", "rebuild", "resolve_refs"])]
    pub plan: Option<PathBuf>,
}

pub fn run(args: PlanArgs, ctx: &Context) -> Result<i32, Error> {
    let started = std::time::Instant::now();
    let plan = match &args.plan {
        Some(path) => read_plan(path)?,
        None => {
            let mut made = plan_from_flags(&args.select, ctx)?;
            tracing::debug!("plan: made in {} µs", started.elapsed().as_micros());
            if args.resolve_refs {
                super::resolve::resolve_refs(&mut made.plan, &ctx.env)?;
            }
            let look_in = LookIn::Registry {
                insecure: Vec::new(),
            };
            apply_keys(&mut made, look_in, ctx)?;
            made.plan
        }
    };
    match args.format {
        PlanFormat::Table => {
            let column = RunnerColumn::for_system(ctx.ci.system, &ctx.env);
            emit(args.output.as_deref(), &render_table(&plan, &column))?;
        }
        PlanFormat::Json => emit_with(args.output.as_deref(), |out| write_json(&plan, out))?,
    }
    tracing::debug!(
        "plan: written in {} µs in all",
        started.elapsed().as_micros()
    );
    Ok(exit_code::SUCCESS)
}
