//! `monoarch run`: the whole pipeline on one machine — build every job the
//! machine can build honestly, push to a registry or an OCI layout, stitch, report.
//!
//! [`decide`] says which jobs can be built here (native, nothing executes, or
//! emulated) and why the others are skipped; the build and manifest stages do
//! the work, exactly as in CI.

mod buffered;
pub mod decide;
pub mod emulation;
mod levels;
mod report;
mod schedule;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::build::builder::BuilderKind;
use crate::build::{JobOptions, run_job};
use crate::ci::{Ci, Console};
use crate::contract::{JobPlan, Plan, Platform, ProjectPlan};
use crate::env::Env;
use crate::manifest;
use crate::manifest::report::{ProjectReport, ProjectStatus};
use crate::registry::Registry;
use crate::store::Store;
use crate::store::layout::Layout;

use buffered::Buffered;
use decide::{Decision, Probe, decide};
pub use report::{JobFailure, JobResult, RunFailure, RunReport};
use schedule::{Done, Task, run_all};

/// Where `run` puts the images.
#[derive(Debug, Clone)]
pub enum RunTarget {
    Registry { host: String, insecure: Vec<String> },
    Layout(PathBuf),
}

impl RunTarget {
    fn describe(&self) -> String {
        match self {
            RunTarget::Registry { host, .. } => host.clone(),
            RunTarget::Layout(dir) => format!("oci:{}", dir.display()),
        }
    }
}

/// Everything besides the plan, gathered by the command.
pub struct RunOptions<'a> {
    pub target: RunTarget,
    pub repo_root: &'a Path,
    pub workdir: &'a Path,
    pub records_dir: &'a Path,
    pub host: Option<Platform>,
    pub binfmt_dir: &'a Path,
    pub ci: &'a Ci,
    pub console: &'a dyn Console,
    /// The command's clock, for log section markers.
    pub clock: fn() -> i64,
    /// The command's one async runtime (read-back after each push, stitching).
    pub runtime: &'a tokio::runtime::Runtime,
    /// Build jobs run at the same time (at least one).
    pub jobs: usize,
    /// The monorepo's history, so moving tags never go backwards.
    pub lineage: Arc<dyn manifest::Lineage>,
}

/// The first tag two projects share: one OCI layout names images by tag alone,
/// so with the per-project naming scheme (tags without the project prefix)
/// two projects would overwrite each other there.
pub fn shared_tag(plan: &Plan) -> Option<(String, String, String)> {
    let mut seen: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for project in &plan.projects {
        let job_tags = project.jobs.iter().map(|j| j.tag.as_str());
        for tag in project.tags.iter().map(String::as_str).chain(job_tags) {
            match seen.insert(tag, &project.name) {
                Some(other) if other != project.name => {
                    return Some((tag.to_string(), other.to_string(), project.name.clone()));
                }
                _ => {}
            }
        }
    }
    None
}

/// Builds every job it can, then stitches each project whose jobs all built.
pub fn run_plan(plan: &Plan, opts: &RunOptions<'_>, env: &Env) -> RunReport {
    let (registry_host, insecure, layout) = match &opts.target {
        RunTarget::Registry { host, insecure } => (host.clone(), insecure.clone(), None),
        RunTarget::Layout(dir) => (String::new(), Vec::new(), Some(dir.as_path())),
    };
    // buildah pushes into one OCI layout one at a time: its index.json is rewritten.
    let layout_lock = Mutex::new(());
    let probe = Probe {
        host: opts.host,
        binfmt_dir: opts.binfmt_dir,
        repo_root: opts.repo_root,
        workdir: opts.workdir,
        env,
    };

    let one_at_a_time = Mutex::new(());
    // Each base's index digest as this run published it, for the check after each dependent's build.
    let published: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());
    let build = |(project, job): &(&ProjectPlan, &JobPlan)| -> JobResult {
        if let Some(reuse) = &job.reuse {
            // `manifest` tags the image the plan found; nothing to build.
            return JobResult {
                project: project.name.clone(),
                platform: job.platform,
                decision: Decision::Reused,
                outcome: Ok(reuse.digest.clone()),
            };
        }
        let decision = decide(project, job, &probe);
        let buffer = (opts.jobs > 1).then(Buffered::default);
        let console: &dyn Console = buffer.as_ref().map_or(opts.console, |b| b as &dyn Console);
        let outcome = match &decision {
            Decision::Skip(reason) => {
                tracing::warn!("skipped {} {}: {reason}", project.name, job.platform);
                Err(JobFailure::Skipped(reason.clone()))
            }
            d => {
                if buffer.is_some() {
                    tracing::info!("building {} {}", project.name, job.platform);
                }
                let options = JobOptions {
                    builder: BuilderKind::Buildah,
                    registry_host: &registry_host,
                    insecure: &insecure,
                    records_dir: opts.records_dir,
                    allow_emulation: *d != Decision::Native,
                    workdir: opts.workdir,
                    repo_root: opts.repo_root,
                    host_platform: opts.host,
                    ci: opts.ci,
                    console,
                    clock: opts.clock,
                    layout,
                    layout_lock: layout.map(|_| &layout_lock),
                    runtime: opts.runtime,
                };
                run_job(plan, project, job, &options, env)
                    .and_then(|record| {
                        let published = published.lock().unwrap_or_else(|p| p.into_inner());
                        levels::check_bases(project, &record, &published)?;
                        Ok(record.digest)
                    })
                    .map_err(|e| {
                        tracing::error!("{e}");
                        JobFailure::Build(e)
                    })
            }
        };
        if let Some(buffer) = buffer {
            buffer.flush(opts.console, &one_at_a_time);
        }
        JobResult {
            project: project.name.clone(),
            platform: job.platform,
            decision,
            outcome,
        }
    };

    // Level by level: a level's projects build (at the same time) and are stitched
    // before the next level, whose builds use those indexes by digest.
    // The jobs table's rows, by the plan's order of projects.
    let mut rows: Vec<(Option<usize>, String)> = Vec::new();
    let order = |name: &str| plan.projects.iter().position(|p| p.name == name);
    let mut reports: Vec<ProjectReport<RunFailure>> = Vec::new();
    for level in 0..plan.levels() {
        let (ready, blocked) = {
            let published = published.lock().unwrap_or_else(|p| p.into_inner());
            levels::split(plan, level, &published)
        };
        for (project, why) in blocked {
            tracing::warn!("skipped {}: {why}", project.name);
            let own: Vec<JobResult> = project
                .jobs
                .iter()
                .map(|job| JobResult {
                    project: project.name.clone(),
                    platform: job.platform,
                    decision: Decision::Skip(why.clone()),
                    outcome: Err(JobFailure::Skipped(why.clone())),
                })
                .collect();
            rows.extend(own.iter().map(|j| (order(&j.project), report::job_line(j))));
            let mut skipped = report::unpublished(project, own, &opts.target);
            skipped.status = ProjectStatus::Skipped;
            reports.push(skipped);
        }
        let tasks: Vec<Task<(&ProjectPlan, &JobPlan)>> = ready
            .iter()
            .flat_map(|&project| project.jobs.iter().map(move |job| (project, job)))
            .map(|item| Task {
                item,
                after: Vec::new(),
            })
            .collect();
        let built: Vec<JobResult> = run_all(
            &tasks,
            opts.jobs,
            |_, item| build(item),
            |r| r.outcome.is_ok(),
        )
        .into_iter()
        .zip(&tasks)
        .map(|(done, task)| match done {
            Done::Ran(result) => result,
            // No task of a level waits for another; kept whole should one ever.
            Done::Blocked(by) => {
                let why = format!(
                    "not built: {} {} failed",
                    tasks[by].item.0.name, tasks[by].item.1.platform
                );
                JobResult {
                    project: task.item.0.name.clone(),
                    platform: task.item.1.platform,
                    decision: Decision::Skip(why.clone()),
                    outcome: Err(JobFailure::Skipped(why)),
                }
            }
        })
        .collect();
        let complete: Vec<String> = ready
            .iter()
            .filter(|p| {
                built
                    .iter()
                    .filter(|j| j.project == p.name)
                    .all(|j| j.outcome.is_ok())
            })
            .map(|p| p.name.clone())
            .collect();
        let stitched = stitch(plan, complete.clone(), opts, env);
        {
            let mut published = published.lock().unwrap_or_else(|p| p.into_inner());
            for r in &stitched {
                if let (true, Some(digest)) = (r.failures.is_empty(), &r.index_digest) {
                    published.insert(r.project.clone(), digest.clone());
                }
            }
        }
        reports.extend(stitched);
        rows.extend(
            built
                .iter()
                .map(|j| (order(&j.project), report::job_line(j))),
        );
        let mut built = built;
        for project in ready.iter().filter(|p| !complete.contains(&p.name)) {
            let (own, rest): (Vec<JobResult>, Vec<JobResult>) =
                built.into_iter().partition(|j| j.project == project.name);
            built = rest;
            reports.push(report::unpublished(project, own, &opts.target));
        }
    }
    // Stable: a project's jobs keep the order of its platforms.
    rows.sort_by_key(|(at, _)| *at);
    let jobs_table = rows
        .into_iter()
        .fold(String::from(report::JOBS_HEADER), |table, (_, row)| {
            table + &row
        });
    reports.sort_by_key(|r| order(&r.project));
    RunReport {
        jobs_table,
        projects: reports,
    }
}

/// The manifest stage over the projects whose every job built.
fn stitch(
    plan: &Plan,
    names: Vec<String>,
    opts: &RunOptions<'_>,
    env: &Env,
) -> Vec<ProjectReport<RunFailure>> {
    if names.is_empty() {
        return Vec::new();
    }
    let fail_all = |failure: &dyn Fn() -> RunFailure| -> Vec<ProjectReport<RunFailure>> {
        names
            .iter()
            .map(|name| {
                let mut r = ProjectReport::new(name, "");
                r.fail(failure());
                r
            })
            .collect()
    };
    let target = match &opts.target {
        RunTarget::Layout(dir) => Layout::open(dir)
            .map(Store::Layout)
            .map_err(|e| e.to_string()),
        RunTarget::Registry { host, insecure } => Registry::new(host, insecure, env)
            .map(|r| Store::Registry(Box::new(r)))
            .map_err(|e| e.to_string()),
    };
    let target = match target {
        Ok(t) => t,
        Err(message) => return fail_all(&|| RunFailure::OpenStore(message.clone())),
    };
    let options = manifest::Options {
        allow_partial: false,
        records_dir: Some(opts.records_dir.to_path_buf()),
        existing_tag: manifest::ExistingTag::Overwrite,
        lineage: opts.lineage.clone(),
    };
    opts.runtime
        .block_on(manifest::stitch_all(
            Arc::new(plan.clone()),
            names,
            Arc::new(target),
            options,
            4,
        ))
        .into_iter()
        .map(|r| r.map_failures(RunFailure::Stitch))
        .collect()
}
