//! `monoarch matrix`: the CI job list, from a plan file or a plan made on the spot.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::keys::{LookIn, apply_keys};
use super::output::emit;
use super::select::SelectArgs;
use super::select::plan_from_flags;
use super::{Context, Error};
use crate::config::RepoConfig;
use crate::contract::exit_code;
use crate::contract::{read_plan, write_plan};
use crate::matrix::{TektonInput, dirs, github_matrices, gitlab_pipeline, tekton_pipelineruns};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// GitHub Actions `strategy.matrix` JSON (`{"include": [...]}`).
    Github,
    /// A GitLab child pipeline (YAML).
    Gitlab,
    /// Tekton PipelineRun(s), tekton.dev/v1 (YAML), for the Tasks in ci-templates/tekton/.
    Tekton,
    /// The selected project folders, one per line.
    Dirs,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Output format.
    #[arg(long, value_enum)]
    pub format: MatrixFormat,

    /// Read this plan instead of making one.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["base", "all", "schedule", "projects", "deepen", "registry", "rebuild"])]
    pub plan: Option<PathBuf>,

    /// Also write the plan made here to this file (for the build and manifest jobs).
    #[arg(long, value_name = "FILE", conflicts_with = "plan")]
    pub write_plan: Option<PathBuf>,

    /// GitHub: jobs per matrix (GitHub's limit). GitLab: jobs in the child pipeline
    /// (GitLab.com's Free tier allows 500). Beyond it, projects share jobs: each job builds
    /// one chunk of the plan's projects for one architecture. Tekton: build tasks per
    /// PipelineRun; beyond it, projects go to further runs.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_jobs: u16,

    /// GitHub: the dependency levels the workflow runs, one build and one manifest
    /// job each (ci-templates/github/workflows/monoarch.yml runs 4). Writes `matrix`,
    /// `has_jobs` and `has_projects` for level 0 and `matrix_N`, `has_jobs_N`,
    /// `has_projects_N` for each further level; a plan with more levels fails (exit 3).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub levels: u32,

    /// Tekton: the monorepo's clone URL, for build tasks of projects built from their own
    /// folder (default: the plan's `source`).
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,

    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,
}

pub fn run(args: MatrixArgs, ctx: &Context) -> Result<i32, Error> {
    let (plan, repo) = match &args.plan {
        Some(path) => {
            let plan = read_plan(path)?;
            // The plan file carries no GitLab or Tekton settings; read them from the repo around it.
            let root = args
                .select
                .repo
                .clone()
                .unwrap_or_else(|| PathBuf::from("."));
            let repo = RepoConfig::load(&root, &ctx.env).map_err(Error::Invalid)?;
            (plan, repo)
        }
        None => {
            let mut made = plan_from_flags(&args.select, ctx)?;
            apply_keys(
                &mut made,
                LookIn::Registry {
                    insecure: Vec::new(),
                },
                ctx,
            )?;
            if let Some(path) = &args.write_plan {
                write_plan(path, &made.plan)?;
            }
            (made.plan, made.repo)
        }
    };
    let text = match args.format {
        MatrixFormat::Github => {
            let matrices = github_matrices(&plan, usize::from(args.max_jobs), args.levels)?;
            let count = plan
                .projects
                .iter()
                .map(|p| p.build_jobs().count())
                .sum::<usize>()
                .to_string();
            let flag = |yes: bool| if yes { "true" } else { "false" };
            let mut outputs: Vec<(String, String)> = Vec::new();
            let mut text = String::new();
            for (level, matrix) in (0u32..).zip(&matrices) {
                let suffix = if level == 0 {
                    String::new()
                } else {
                    format!("_{level}")
                };
                let json = matrix.to_json();
                // Projects whose jobs are all reused still need their manifest job.
                let has_projects =
                    plan.publish.builds() && plan.projects.iter().any(|p| p.level == level);
                outputs.push((
                    format!("has_jobs{suffix}"),
                    flag(!matrix.include.is_empty()).into(),
                ));
                outputs.push((format!("has_projects{suffix}"), flag(has_projects).into()));
                // One line per level on stdout: a plan without levels prints one matrix.
                if level < plan.levels().max(1) {
                    text.push_str(&json);
                    text.push('\n');
                }
                outputs.push((format!("matrix{suffix}"), json));
            }
            outputs.push(("job_count".into(), count));
            let pairs: Vec<(&str, &str)> = outputs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            ctx.ci.set_outputs(&pairs)?;
            text
        }
        MatrixFormat::Gitlab => gitlab_pipeline(&plan, &repo.gitlab, usize::from(args.max_jobs))?,
        MatrixFormat::Tekton => tekton_pipelineruns(
            &plan,
            &TektonInput {
                settings: &repo.tekton,
                runners: &repo.runners,
                source_url: args.source_url.as_deref().or(plan.source.as_deref()),
                max_builds: usize::from(args.max_jobs),
            },
        )?,
        MatrixFormat::Dirs => dirs(&plan),
    };
    emit(args.output.as_deref(), &text)?;
    Ok(exit_code::SUCCESS)
}
