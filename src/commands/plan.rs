//! `monoarch plan`: the local preview, or the plan as JSON for later jobs.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::output::emit;
use super::select::SelectArgs;
use super::select::plan_from_flags;
use super::{Context, Error};
use crate::contract::exit_code;
use crate::contract::to_json;
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
}

pub fn run(args: PlanArgs, ctx: &Context) -> Result<i32, Error> {
    let mut made = plan_from_flags(&args.select, ctx)?;
    if args.resolve_refs {
        super::resolve::resolve_refs(&mut made.plan, &ctx.env)?;
    }
    let text = match args.format {
        PlanFormat::Table => render_table(
            &made.plan,
            &RunnerColumn::for_system(ctx.ci.system, &ctx.env),
        ),
        PlanFormat::Json => to_json(&made.plan),
    };
    emit(args.output.as_deref(), &text)?;
    Ok(exit_code::SUCCESS)
}
