//! Making a plan from a repository: the git and file I/O around detection and
//! the pure [`crate::plan::assemble`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::Context;
use super::dependents;
use super::folders::Folders;
use super::load_projects::load_projects;
use super::prefetch::{self, Prefetched};
use crate::config::{FileProblems, Problems, ProjectConfig, RepoConfig, load_project_if_present};
use crate::contract::limits::{CONFIG_CAP, ReadError, read_in};
use crate::contract::{
    Plan, ProjectPlan, PublishMode, Reason, RemovedProject, ReuseSettings, Selection,
    SelectionMode, is_valid_tag, registry_host_problem,
};
use crate::detect::{self, BaseOptions, Choice, Flags, Pattern};
use crate::env::Env;
use crate::git::{Git, GitError, Oid};
use crate::plan::collide::{self, TagSpans};
use crate::plan::{PlanInputs, RunBranch, assemble, date_and_sha7, decide_publish, project_plan};

#[derive(Debug, Error)]
pub enum MakePlanError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{0}")]
    Config(Problems),
    #[error("{0}")]
    Usage(Problems),
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
    /// `--rebuild`: make keys but reuse nothing.
    pub rebuild: bool,
    /// `--with-dependents`: named projects select the projects built on them too.
    pub with_dependents: bool,
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
    // For the debug lines below: how long the git part of the plan took
    // (without reading monoarch.yaml, timed on its own) and the rest.
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
    let config_started = std::time::Instant::now();
    let mut repo = RepoConfig::load(&root, env).map_err(MakePlanError::Config)?;
    let config_took = config_started.elapsed();
    tracing::debug!("monoarch.yaml read in {} µs", config_took.as_micros());
    if let Some(registry) = &request.registry {
        if let Some(why) = registry_host_problem(registry) {
            let mut p = FileProblems::new("--registry");
            p.add(0, 0, "", why);
            return Err(MakePlanError::Usage(p.problems));
        }
        repo.registry = registry.clone();
    }
    let created = created_at(env, ctx.now)?;
    let head = git.head()?;
    let asked =
        detect::request(&request.flags, ctx.ci.system, env).map_err(MakePlanError::Config)?;
    let options = BaseOptions {
        default_branch: repo.default_branch.as_deref(),
        branch_hints: &asked.branch_hints,
        deepen: request.deepen,
    };
    let resolved = detect::resolve(&asked.request, &git, head, &options)?;
    let dir = repo.projects_dir.clone();
    let mut prefetched = Prefetched::default();

    let (chosen, removed, mode, base): Chosen = match &resolved.choice {
        Choice::Changes { base } => {
            git = git.reopened()?;
            // The changed projects' configs are read while the diff runs.
            let (date, sha7) = date_and_sha7(created, &head.to_string());
            let (paths, early) = prefetch::while_diffing(&root, &repo, (&date, &sha7), |note| {
                git.changed_paths_noting(*base, head, note)
            });
            let paths = paths?;
            tracing::debug!(
                "plan: {} config(s) read while git compared the trees, in {} µs on {} thread(s)",
                early.configs.len(),
                early.busy.unwrap_or_default().as_micros(),
                early.readers
            );
            prefetched = early;
            tracing::debug!(
                "git: base and {} changed path(s) in {} µs",
                paths.len(),
                git_started
                    .elapsed()
                    .saturating_sub(config_took)
                    .as_micros()
            );
            // git's paths are made text lossily: a project folder whose name is not
            // UTF-8 would be read as another, missing, folder and called removed.
            let prefix = format!("{dir}/");
            if let Some(lossy) = paths
                .iter()
                .filter_map(|p| p.strip_prefix(&prefix))
                .find(|rest| rest.contains('\u{FFFD}'))
            {
                let name = lossy.split('/').next().unwrap_or(lossy);
                return Err(MakePlanError::Config(detect::not_utf8(&dir, name)));
            }
            // Whether a changed folder still has its config is known when it is read
            // below (no `stat` first): one without is reported as removed.
            let mut listing = Ok(());
            let selection = detect::select_changes(
                &paths,
                &repo,
                |_| true,
                || {
                    detect::list_projects(&root, &dir).unwrap_or_else(|p| {
                        listing = Err(p);
                        Vec::new()
                    })
                },
            );
            listing.map_err(MakePlanError::Config)?;
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
            // Every folder; one without a config is skipped when it is read below.
            let all = detect::list_folders(&root, &dir).map_err(MakePlanError::Config)?;
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
            let text = read_in(&root, &file, CONFIG_CAP).map_err(|e| {
                let mut p = FileProblems::new(&file);
                let fix = "the schedule file lists one project name or glob per line";
                let message = match e {
                    ReadError::NotFound => format!("does not exist; create it: {fix}"),
                    other => other.to_string(),
                };
                p.add(0, 0, "", message);
                MakePlanError::Config(p.problems)
            })?;
            let matched = detect::match_patterns(
                &detect::parse_schedule(&text),
                &detect::list_projects(&root, &dir).map_err(MakePlanError::Config)?,
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
        Choice::Named(patterns, origin) => {
            let patterns: Vec<Pattern> = patterns
                .iter()
                .map(|p| Pattern {
                    line: 0,
                    text: p.clone(),
                })
                .collect();
            let all = detect::list_projects(&root, &dir).map_err(MakePlanError::Config)?;
            let matched =
                detect::match_patterns(&patterns, &all, origin).map_err(MakePlanError::Usage)?;
            let chosen = matched
                .into_iter()
                .map(|(name, p)| (name, vec![detect::reason("named", vec![p.text])]))
                .collect();
            (chosen, Vec::new(), SelectionMode::Named, None)
        }
    };
    // The pack and index pages the diff mapped are let go before the configs are
    // parsed and the plan assembled: held, they added to the peak memory.
    drop(git);

    let mut problems = Problems::default();
    let mut projects: Vec<(ProjectConfig, Vec<Reason>)> = Vec::with_capacity(chosen.len());
    let mut spans = TagSpans::default();
    let mut removed = removed;
    let chose_in = git_started.elapsed();
    let count = chosen.len();
    let loaded = load_projects(&root, &dir, chosen, &repo, prefetched.configs);
    tracing::debug!(
        "plan: {count} project(s) chosen in {} µs, their configs read in {} µs",
        chose_in.as_micros(),
        (git_started.elapsed() - chose_in).as_micros()
    );
    for (name, reasons, config) in loaded {
        match config {
            Ok(Some(config)) => projects.push((config, reasons)),
            // A changed folder without its config: deleted or renamed away.
            Ok(None) if mode == SelectionMode::Changes => removed.push(name),
            // `--all` lists folders; one without a config is no project.
            Ok(None) if mode == SelectionMode::All => {}
            Ok(None) => problems.extend(missing_config(&dir, &name)),
            Err(p) => problems.extend(p),
        }
    }
    removed.sort();
    if !problems.is_empty() {
        return Err(MakePlanError::Config(problems));
    }
    let (projects, declared) = dependents::add_dependents(
        &root,
        &repo,
        mode,
        request.with_dependents,
        projects,
        &removed,
    )
    .map_err(MakePlanError::Config)?;
    for (config, _) in &projects {
        spans.add(config);
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
    dependents::link(&mut plan, &root, &repo, &declared).map_err(MakePlanError::Config)?;
    let folders = prefetched
        .folders
        .take()
        .unwrap_or_else(|| Folders::open(&root.join(&dir)));
    let collisions = tag_collisions(&plan, &root, &repo, spans, &prefetched.absent, &folders);
    if !collisions.is_empty() {
        return Err(MakePlanError::Config(collisions));
    }
    let branch = detect::run_branch(ctx.ci.system, env);
    let at = RunBranch {
        branch: branch.as_deref(),
        default_branch: repo
            .default_branch
            .as_deref()
            .or(asked.default_branch.as_deref()),
    };
    plan.publish = decide_publish(&repo.publish, plan.selection.trigger, &at);
    if repo.reuse.enabled {
        plan.reuse = Some(ReuseSettings {
            // The templates' builders: Kaniko's image on GitLab, buildah elsewhere.
            builder: repo.reuse.builder.clone().unwrap_or_else(|| {
                match ctx.ci.system {
                    crate::ci::System::GitLab => "kaniko",
                    _ => "buildah",
                }
                .to_string()
            }),
            rebuild: request.rebuild,
            unchanged: repo.reuse.unchanged,
        });
    }
    if plan.publish.mode == PublishMode::DateSha {
        // The date-sha tag comes first; additional and floating tags stay where they are.
        for project in &mut plan.projects {
            project.tags.truncate(1);
        }
    }
    Ok(Made { plan, root, repo })
}

/// A named or scheduled project whose config vanished between listing and reading.
fn missing_config(dir: &str, name: &str) -> Problems {
    let mut p = FileProblems::new(format!(
        "{dir}/{name}/{}",
        crate::config::PROJECT_CONFIG_FILE
    ));
    p.add(
        0,
        0,
        "",
        "cannot read: the file disappeared while the plan was made; run again",
    );
    p.problems
}

/// Tags of the plan's projects that another project publishes too, checked
/// against exactly the unselected projects that could publish them.
/// `absent`: folders already found missing in this run, in `folders`.
fn tag_collisions(
    plan: &Plan,
    root: &Path,
    repo: &RepoConfig,
    mut spans: TagSpans,
    absent: &HashSet<String>,
    folders: &Folders,
) -> Problems {
    let dir = &repo.projects_dir;
    let mut others = Vec::new();
    // `--all` read every folder: a project outside the plan has no config. Else
    // each name a tag starts with that could be a folder is looked up, one by
    // one or in one listing of the folder's names when that costs less
    // (`folders`); never a `stat` per folder (most of a 20,000-project plan).
    let candidates = match plan.selection.mode {
        SelectionMode::All => Vec::new(),
        _ => collide::candidates(&plan.projects, is_valid_tag, repo.naming),
    };
    folders.expect(candidates.len());
    for name in candidates {
        // Most candidates (`app-20261120`, from a date-sha tag) name no folder:
        // one `lstat` or the listing says so. Anything there (a folder, a link)
        // is read as usual.
        if absent.contains(&name) || folders.lacks(&name) {
            continue;
        }
        // A folder without a config is no project; an unselected project with a
        // broken config is `validate`'s business.
        if let Ok(Some(config)) = load_project_if_present(root, dir, &name, repo) {
            spans.add(&config);
            others.push(project_plan(
                config,
                Vec::new(),
                repo,
                &plan.date,
                &plan.sha7,
            ));
        }
    }
    let everything: Vec<&ProjectPlan> = plan.projects.iter().chain(&others).collect();
    let selected: HashSet<&str> = plan.projects.iter().map(|p| p.name.as_str()).collect();
    collide::problems(&everything, repo.naming, dir, &spans, |name| {
        selected.contains(name)
    })
}

/// The plan's instant: `SOURCE_DATE_EPOCH` when set (reproducible builds), else `now`.
fn created_at(env: &Env, now: DateTime<Utc>) -> Result<DateTime<Utc>, MakePlanError> {
    let Some(raw) = env.get("SOURCE_DATE_EPOCH") else {
        return Ok(now);
    };
    // Years 1970 to 9999 only: the date is part of every tag, as `YYYYMMDD`.
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|secs| (0..=253_402_300_799).contains(secs))
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or_else(|| {
            let mut p = FileProblems::new("SOURCE_DATE_EPOCH");
            p.add(0, 0, "", format!("`{}` is not a Unix timestamp in seconds between 1970 and 9999; unset it or set e.g. `$(git log -1 --format=%ct)`", crate::config::shown(raw)));
            MakePlanError::Config(p.problems)
        })
}
