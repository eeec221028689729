//! What `run` did: each job's fate, and one report per project.

use crate::build::BuildError;
use crate::contract::{Platform, ProjectPlan, image_name};
use crate::manifest::report::{ChildReport, ProjectReport};
use crate::manifest::{self};

use super::RunTarget;
use super::decide::Decision;

/// Why a job produced no image.
#[derive(Debug, thiserror::Error)]
pub enum JobFailure {
    /// Not built on this machine; the reason says why and what would allow it.
    #[error("{0}")]
    Skipped(String),
    #[error(transparent)]
    Build(BuildError),
}

/// What can go wrong for one project of a run.
#[derive(Debug, thiserror::Error)]
pub enum RunFailure {
    #[error("{project} {platform}: {failure}")]
    Job {
        project: String,
        platform: Platform,
        failure: JobFailure,
    },
    #[error(transparent)]
    Stitch(manifest::Failure),
    /// The registry or layout could not be opened for stitching.
    #[error("{0}")]
    OpenStore(String),
}

/// One job's fate, for the summary.
#[derive(Debug)]
pub struct JobResult {
    pub project: String,
    pub platform: Platform,
    pub decision: Decision,
    /// `Ok(digest)` when built.
    pub outcome: Result<String, JobFailure>,
}

/// What the run did: the jobs (as the table printed first), one report per project.
pub struct RunReport {
    pub jobs_table: String,
    pub projects: Vec<ProjectReport<RunFailure>>,
}

/// The report of a project that was not stitched: which of its jobs were
/// skipped or failed (`jobs` are this project's).
pub(super) fn unpublished(
    project: &ProjectPlan,
    jobs: Vec<JobResult>,
    target: &RunTarget,
) -> ProjectReport<RunFailure> {
    let image = match target {
        RunTarget::Registry { host, .. } => image_name(host, &project.repository),
        RunTarget::Layout(_) => target.describe(),
    };
    let mut report = ProjectReport::new(&project.name, &image);
    report.tags_not_set = project.tags.clone();
    for job in jobs {
        let reference = format!(
            "{image}:{}",
            project.job(job.platform.arch()).map_or("", |j| &j.tag)
        );
        match job.outcome {
            Ok(digest) => {
                let mut child = ChildReport::failed(job.platform, &reference, "ok");
                child.digest = Some(digest);
                report.children.push(child);
            }
            Err(failure) => {
                let status = if job.decision.builds() {
                    "error"
                } else {
                    "skipped"
                };
                report
                    .children
                    .push(ChildReport::failed(job.platform, &reference, status));
                report.missing.push(job.platform.to_string());
                report.fail(RunFailure::Job {
                    project: project.name.clone(),
                    platform: job.platform,
                    failure,
                });
            }
        }
    }
    report
        .notes
        .push("not published: a planned architecture was not built, so no tag was moved".into());
    report
}

/// The per-job lines printed before the manifest table.
pub(super) const JOBS_HEADER: &str =
    "JOB                                      HOW               RESULT\n";

/// One job's row of the jobs table.
pub(super) fn job_line(job: &JobResult) -> String {
    let how = match &job.decision {
        Decision::Native => "native",
        Decision::NothingExecutes => "no RUN, cross",
        Decision::Emulated => "emulated",
        Decision::Skip(_) => "skipped",
        Decision::Reused => "reused",
    };
    let verb = if job.decision == Decision::Reused {
        "reused"
    } else {
        "built"
    };
    let result = match &job.outcome {
        Ok(digest) => format!("{verb} {}", digest.chars().take(19).collect::<String>()),
        Err(failure) => failure.to_string(),
    };
    let name = format!("{} {}", job.project, job.platform);
    let line = format!("{name:<40} {how:<17} {result}");
    format!("{}\n", crate::ci::escape::text(&line))
}
