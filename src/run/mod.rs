//! `monoarch run`: the whole pipeline on one machine — build every job the
//! machine can build honestly, push to a registry or an OCI layout, stitch, report.
//!
//! [`decide`] says which jobs can be built here (native, nothing executes, or
//! emulated) and why the others are skipped; the build and manifest stages do
//! the work, exactly as in CI.

pub mod decide;
pub mod dockerfile;
pub mod emulation;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::build::builder::BuilderKind;
use crate::build::{JobOptions, run_job};
use crate::ci::LogStyle;
use crate::contract::exit_code;
use crate::contract::{Plan, Platform, ProjectPlan};
use crate::env::Env;
use crate::manifest;
use crate::manifest::report::{ChildReport, ProjectReport};
use crate::registry::Registry;
use crate::store::Store;
use crate::store::layout::Layout;

use decide::{Decision, Probe, decide};

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
    pub style: LogStyle,
}

/// One job's fate, for the summary.
#[derive(Debug)]
pub struct JobResult {
    pub project: String,
    pub platform: Platform,
    pub decision: Decision,
    /// `Ok(digest)` when built; the error text and its exit code otherwise.
    pub outcome: Result<String, (String, i32)>,
}

/// What the run did: every job, and one report per project.
pub struct RunReport {
    pub jobs: Vec<JobResult>,
    pub projects: Vec<ProjectReport>,
}

impl RunReport {
    pub fn exit_code(&self) -> i32 {
        manifest::report::exit_code(&self.projects)
    }
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
    let now = || chrono::Utc::now().timestamp();
    let job_options = |allow_emulation| JobOptions {
        builder: BuilderKind::Buildah,
        registry_host: &registry_host,
        insecure: &insecure,
        records_dir: opts.records_dir,
        allow_emulation,
        workdir: opts.workdir,
        repo_root: opts.repo_root,
        host_platform: opts.host,
        style: opts.style,
        now: &now,
        layout,
    };
    let probe = Probe {
        host: opts.host,
        binfmt_dir: opts.binfmt_dir,
        repo_root: opts.repo_root,
        workdir: opts.workdir,
        env,
    };

    let mut jobs = Vec::new();
    for project in &plan.projects {
        for job in &project.jobs {
            let decision = decide(project, job, &probe);
            let outcome = match &decision {
                Decision::Skip(reason) => {
                    eprintln!("skipped {} {}: {reason}", project.name, job.platform);
                    Err((reason.clone(), exit_code::PARTIAL))
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
                    eprintln!("error: {e}");
                    (e.to_string(), e.exit_code())
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
        .filter(|p| jobs_of(&jobs, &p.name).all(|j| j.outcome.is_ok()))
        .map(|p| p.name.clone())
        .collect();
    let mut reports = stitch(plan, complete.clone(), opts, env);
    for project in plan.projects.iter().filter(|p| !complete.contains(&p.name)) {
        reports.push(unpublished(project, &jobs, &opts.target));
    }
    let order = |r: &ProjectReport| plan.projects.iter().position(|p| p.name == r.project);
    reports.sort_by_key(order);
    RunReport {
        jobs,
        projects: reports,
    }
}

fn jobs_of<'a>(jobs: &'a [JobResult], project: &'a str) -> impl Iterator<Item = &'a JobResult> {
    jobs.iter().filter(move |j| j.project == project)
}

/// The manifest stage over the projects whose every job built.
fn stitch(plan: &Plan, names: Vec<String>, opts: &RunOptions<'_>, env: &Env) -> Vec<ProjectReport> {
    if names.is_empty() {
        return Vec::new();
    }
    let fail_all = |message: String, code: i32| -> Vec<ProjectReport> {
        names
            .iter()
            .map(|name| {
                let mut r = ProjectReport::new(name, "");
                r.fail(code, message.clone());
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
        Err(message) => return fail_all(message, exit_code::REGISTRY),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return fail_all(
                format!("cannot start the async runtime: {e}"),
                exit_code::FAILURE,
            );
        }
    };
    let options = manifest::Options {
        allow_partial: false,
        records_dir: Some(opts.records_dir.to_path_buf()),
    };
    runtime.block_on(manifest::stitch_all(
        Arc::new(plan.clone()),
        names,
        Arc::new(target),
        options,
        4,
    ))
}

/// The report of a project that was not stitched: which jobs were skipped or failed.
fn unpublished(project: &ProjectPlan, jobs: &[JobResult], target: &RunTarget) -> ProjectReport {
    let image = match target {
        RunTarget::Registry { host, .. } => crate::contract::image_name(host, &project.repository),
        RunTarget::Layout(_) => target.describe(),
    };
    let mut report = ProjectReport::new(&project.name, &image);
    report.tags_not_set = project.tags.clone();
    for job in jobs_of(jobs, &project.name) {
        let reference = format!(
            "{image}:{}",
            project.job(job.platform.arch()).map_or("", |j| &j.tag)
        );
        match &job.outcome {
            Ok(digest) => {
                let mut child = ChildReport::failed(job.platform, &reference, "ok");
                child.digest = Some(digest.clone());
                report.children.push(child);
            }
            Err((message, code)) => {
                let status = if job.decision.builds() {
                    "error"
                } else {
                    "skipped"
                };
                report
                    .children
                    .push(ChildReport::failed(job.platform, &reference, status));
                report.missing.push(job.platform.to_string());
                report.fail(
                    *code,
                    format!("{} {}: {message}", project.name, job.platform),
                );
            }
        }
    }
    report
        .notes
        .push("not published: a planned architecture was not built, so no tag was moved".into());
    report
}

/// The per-job lines printed before the manifest table.
pub fn jobs_table(jobs: &[JobResult]) -> String {
    let mut out =
        String::from("JOB                                      HOW               RESULT\n");
    for job in jobs {
        let how = match &job.decision {
            Decision::Native => "native",
            Decision::NothingExecutes => "no RUN, cross",
            Decision::Emulated => "emulated",
            Decision::Skip(_) => "skipped",
        };
        let result = match &job.outcome {
            Ok(digest) => format!("built {}", digest.chars().take(19).collect::<String>()),
            Err((message, _)) => message.clone(),
        };
        let name = format!("{} {}", job.project, job.platform);
        out.push_str(&format!("{name:<40} {how:<17} {result}\n"));
    }
    out
}
