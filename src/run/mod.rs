//! `monoarch run`: the whole pipeline on one machine — build every job the
//! machine can build honestly, push to a registry or an OCI layout, stitch, report.
//!
//! [`decide`] says which jobs can be built here (native, nothing executes, or
//! emulated) and why the others are skipped; the build and manifest stages do
//! the work, exactly as in CI.

pub mod decide;
pub mod emulation;
mod report;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::build::builder::BuilderKind;
use crate::build::{JobOptions, run_job};
use crate::ci::{Ci, Console};
use crate::contract::{Plan, Platform};
use crate::env::Env;
use crate::manifest;
use crate::manifest::report::ProjectReport;
use crate::registry::Registry;
use crate::store::Store;
use crate::store::layout::Layout;

use decide::{Decision, Probe, decide};
pub use report::{JobFailure, JobResult, RunFailure, RunReport};

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
    let job_options = |allow_emulation| JobOptions {
        builder: BuilderKind::Buildah,
        registry_host: &registry_host,
        insecure: &insecure,
        records_dir: opts.records_dir,
        allow_emulation,
        workdir: opts.workdir,
        repo_root: opts.repo_root,
        host_platform: opts.host,
        ci: opts.ci,
        console: opts.console,
        clock: opts.clock,
        layout,
        runtime: opts.runtime,
    };
    let probe = Probe {
        host: opts.host,
        binfmt_dir: opts.binfmt_dir,
        repo_root: opts.repo_root,
        workdir: opts.workdir,
        env,
    };

    let mut jobs: Vec<JobResult> = Vec::new();
    for project in &plan.projects {
        for job in &project.jobs {
            if let Some(reuse) = &job.reuse {
                // `manifest` tags the image the plan found; nothing to build.
                jobs.push(JobResult {
                    project: project.name.clone(),
                    platform: job.platform,
                    decision: Decision::Reused,
                    outcome: Ok(reuse.digest.clone()),
                });
                continue;
            }
            let decision = decide(project, job, &probe);
            let outcome = match &decision {
                Decision::Skip(reason) => {
                    tracing::warn!("skipped {} {}: {reason}", project.name, job.platform);
                    Err(JobFailure::Skipped(reason.clone()))
                }
                d => run_job(
                    plan,
                    project,
                    job,
                    &job_options(*d != Decision::Native),
                    env,
                )
                .map(|record| record.digest)
                .map_err(|e| {
                    tracing::error!("{e}");
                    JobFailure::Build(e)
                }),
            };
            jobs.push(JobResult {
                project: project.name.clone(),
                platform: job.platform,
                decision,
                outcome,
            });
        }
    }

    let complete: Vec<String> = plan
        .projects
        .iter()
        .filter(|p| {
            jobs.iter()
                .filter(|j| j.project == p.name)
                .all(|j| j.outcome.is_ok())
        })
        .map(|p| p.name.clone())
        .collect();
    let jobs_table = report::jobs_table(&jobs);
    let mut reports: Vec<ProjectReport<RunFailure>> = stitch(plan, complete.clone(), opts, env);
    for project in plan.projects.iter().filter(|p| !complete.contains(&p.name)) {
        let (own, rest): (Vec<JobResult>, Vec<JobResult>) =
            jobs.into_iter().partition(|j| j.project == project.name);
        jobs = rest;
        reports.push(report::unpublished(project, own, &opts.target));
    }
    let order =
        |r: &ProjectReport<RunFailure>| plan.projects.iter().position(|p| p.name == r.project);
    reports.sort_by_key(order);
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
