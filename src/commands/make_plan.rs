//! Making a plan from a repository: the git and file I/O around detection and
//! the pure [`crate::plan::assemble`].

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::Context;
use crate::config::{FileProblems, Problems, ProjectConfig, RepoConfig, load_project};
use crate::contract::{Plan, PublishMode, Reason, RemovedProject, Selection, SelectionMode};
use crate::detect::{self, BaseOptions, Choice, Flags, Pattern};
use crate::env::Env;
use crate::git::{Git, GitError, Oid};
use crate::plan::{PlanInputs, assemble};
use crate::plan::{RunBranch, decide_publish};

#[derive(Debug, Error)]
pub enum MakePlanError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{0}")]
    Config(Problems),
    #[error("{0}")]
    UnknownProjects(Problems),
}

/// Selected projects with reasons, removed folders, the mode, and the base commit.
type Chosen = (
    Vec<(String, Vec<Reason>)>,
    Vec<String>,
    SelectionMode,
    Option<Oid>,
);

/// What the caller wants planned.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// Where to look for the repository (default: current folder).
    pub start: Option<PathBuf>,
    pub flags: Flags,
    pub deepen: bool,
    /// Overrides the registry of `monoarch.yaml` and the environment.
    pub registry: Option<String>,
}

/// A made plan and the repository facts later steps need.
pub struct Made {
    pub plan: Plan,
    pub root: PathBuf,
    pub repo: RepoConfig,
}

pub fn make_plan(request: &PlanRequest, ctx: &Context) -> Result<Made, MakePlanError> {
    let env = &ctx.env;
    let start = request.start.clone().unwrap_or_else(|| PathBuf::from("."));
    // For the debug line below: how long the git part of the plan took.
    let git_started = std::time::Instant::now();
    let mut git = Git::discover(&start)?;
    if request.deepen {
        let limits = crate::git::remote::Limits::from_env(env).map_err(|e| GitError::Failed {
            doing: "reading the time limits for --deepen".into(),
            message: e.to_string(),
        })?;
        git = git.with_limits(limits);
    }
    let root = git.root().to_path_buf();
    let mut repo = RepoConfig::load(&root, env).map_err(MakePlanError::Config)?;
    if let Some(registry) = &request.registry {
        repo.registry = registry.clone();
    }
    let created = created_at(env, ctx.now)?;
    let head = git.head()?;
    let hints = detect::default_branch_candidates(env);
    let options = BaseOptions {
        default_branch: repo.default_branch.as_deref(),
        branch_hints: &hints,
        deepen: request.deepen,
    };
    let resolved = detect::resolve(
        &detect::request(&request.flags, ctx.ci.system, env),
        &git,
        head,
        &options,
    )?;
    let dir = repo.projects_dir.clone();

    let (chosen, removed, mode, base): Chosen = match &resolved.choice {
        Choice::Changes { base } => {
            let paths = git.changed_paths(*base, head)?;
            tracing::debug!(
                "git: base and {} changed path(s) in {} µs",
                paths.len(),
                git_started.elapsed().as_micros()
            );
            let selection = detect::select_changes(
                &paths,
                &repo,
                |name| detect::project_exists(&root, &dir, name),
                || detect::list_projects(&root, &dir),
            );
            tracing::debug!(
                changed = paths.len(),
                ignored = selection.ignored,
                "compared {base}..{head}"
            );
            (
                selection.projects.into_iter().collect(),
                selection.removed,
                SelectionMode::Changes,
                Some(*base),
            )
        }
        Choice::All => {
            let all = detect::list_projects(&root, &dir);
            (
                all.into_iter()
                    .map(|n| (n, vec![detect::reason("all", Vec::new())]))
                    .collect(),
                Vec::new(),
                SelectionMode::All,
                None,
            )
        }
        Choice::Schedule => {
            let file = repo.schedule_file.clone();
            let text = std::fs::read_to_string(root.join(&file)).map_err(|e| {
                let mut p = FileProblems::new(&file);
                p.add(0, 0, "", format!("cannot read the schedule file ({e}); create it with one project name or glob per line"));
                MakePlanError::Config(p.problems)
            })?;
            let matched = detect::match_patterns(
                &detect::parse_schedule(&text),
                &detect::list_projects(&root, &dir),
                &file,
            )
            .map_err(MakePlanError::Config)?;
            let chosen = matched
                .into_iter()
                .map(|(name, p)| {
                    (
                        name,
                        vec![detect::reason(
                            "schedule",
                            vec![format!("{file}:{}: {}", p.line, p.text)],
                        )],
                    )
                })
                .collect();
            (chosen, Vec::new(), SelectionMode::Schedule, None)
        }
        Choice::Named(patterns) => {
            let patterns: Vec<Pattern> = patterns
                .iter()
                .map(|p| Pattern {
                    line: 0,
                    text: p.clone(),
                })
                .collect();
            let matched = detect::match_patterns(
                &patterns,
                &detect::list_projects(&root, &dir),
                "--projects",
            )
            .map_err(MakePlanError::UnknownProjects)?;
            let chosen = matched
                .into_iter()
                .map(|(name, p)| (name, vec![detect::reason("named", vec![p.text])]))
                .collect();
            (chosen, Vec::new(), SelectionMode::Named, None)
        }
    };

    let mut problems = Problems::default();
    let mut projects: Vec<(ProjectConfig, Vec<Reason>)> = Vec::new();
    for (name, reasons) in chosen {
        match load_project(&root, &dir, &name, &repo) {
            Ok(config) => projects.push((config, reasons)),
            Err(p) => problems.extend(p),
        }
    }
    if !problems.is_empty() {
        return Err(MakePlanError::Config(problems));
    }
    let mut plan = assemble(PlanInputs {
        repo: &repo,
        commit: head.to_string(),
        created,
        selection: Selection {
            trigger: resolved.trigger,
            mode,
            base: base.map(|b| b.to_string()),
            reason: resolved.reason,
        },
        projects,
        removed: removed
            .into_iter()
            .map(|name| RemovedProject {
                path: format!("{dir}/{name}"),
                name,
            })
            .collect(),
    });
    let (branch, ci_default) = detect::run_branch(ctx.ci.system, env);
    let at = RunBranch {
        branch: branch.as_deref(),
        default_branch: repo.default_branch.as_deref().or(ci_default.as_deref()),
    };
    plan.publish = decide_publish(&repo.publish, plan.selection.trigger, &at);
    if plan.publish.mode == PublishMode::DateSha {
        // The date-sha tag comes first; additional and floating tags stay where they are.
        for project in &mut plan.projects {
            project.tags.truncate(1);
        }
    }
    Ok(Made { plan, root, repo })
}

/// The plan's instant: `SOURCE_DATE_EPOCH` when set (reproducible builds), else `now`.
fn created_at(env: &Env, now: DateTime<Utc>) -> Result<DateTime<Utc>, MakePlanError> {
    let Some(raw) = env.get("SOURCE_DATE_EPOCH") else {
        return Ok(now);
    };
    raw.trim()
        .parse::<i64>()
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or_else(|| {
            let mut p = FileProblems::new("SOURCE_DATE_EPOCH");
            p.add(0, 0, "", format!("`{raw}` is not a Unix timestamp in seconds; unset it or set e.g. `$(git log -1 --format=%ct)`"));
            MakePlanError::Config(p.problems)
        })
}
