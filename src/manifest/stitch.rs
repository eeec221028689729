//! Stitching one project: resolve and verify its arch images, push the index, set tags.

use std::path::Path;
use std::sync::Arc;

use crate::contract::{self, BuildRecord, JobPlan, Plan, Platform, ProjectPlan};
use crate::store::pick::{self, PickError};
use crate::store::{Store, StoreError};

use super::failure::Failure;
use super::index::{self, Child};
use super::publish::{ExistingTag, Lineage, Ours};
use super::report::{ChildReport, ProjectReport, ProjectStatus};
use super::tagging;
use super::tags::tags_to_set;
use super::verify::{self, Problem, Resolved};

/// What the command line asks of every project.
#[derive(Clone)]
pub struct Options {
    pub allow_partial: bool,
    /// Folder of build records; `None` or a missing folder: no record checks.
    pub records_dir: Option<std::path::PathBuf>,
    /// What to do when the date-sha tag holds another index.
    pub existing_tag: ExistingTag,
    /// Orders monorepo commits, so moving tags never go backwards.
    pub lineage: Arc<dyn Lineage>,
}

enum JobFailure {
    Missing(Failure),
    Problem(Problem),
    Read(StoreError),
}

/// Finds the planned platform's image under the job's arch tag. An index
/// there (BuildKit attestations) is opened: its image for the platform is
/// taken, with the attestations that refer to it.
async fn resolve_job(
    project: &ProjectPlan,
    job: &JobPlan,
    target: &Store,
) -> Result<Resolved, JobFailure> {
    let repo = &project.repository;
    let reference = target.reference(repo, &job.tag);
    let top = match target.fetch(repo, &job.tag).await {
        Ok(m) => m,
        Err(e) if e.is_not_found() => {
            return Err(JobFailure::Missing(Failure::Missing {
                project: project.name.clone(),
                reference,
                platform: job.platform,
            }));
        }
        Err(e) => return Err(JobFailure::Read(e)),
    };
    let (image, attestations) = pick::platform_image(target, repo, &top, job.platform)
        .await
        .map_err(|e| match e {
            PickError::Store(e) => JobFailure::Read(e),
            PickError::NotInIndex { expected, found } => JobFailure::Problem(Problem::NotInIndex {
                project: project.name.clone(),
                reference: reference.clone(),
                expected,
                found,
            }),
            PickError::Platform { expected, found } => {
                JobFailure::Problem(Problem::PlatformMismatch {
                    project: project.name.clone(),
                    arch: job.arch.clone(),
                    reference: reference.clone(),
                    expected,
                    found,
                })
            }
        })?;
    Ok(Resolved {
        child: Child {
            platform: job.platform,
            media_type: image.media_type,
            digest: image.digest,
            size: image.size,
            attestations,
        },
        reference,
        tag_digest: top.digest,
    })
}

fn read_records(
    dir: Option<&Path>,
    project: &ProjectPlan,
    report: &mut ProjectReport,
) -> Vec<BuildRecord> {
    let Some(dir) = dir.filter(|d| d.is_dir()) else {
        return Vec::new();
    };
    let mut records = Vec::new();
    // A reused job was not built by this plan: a record of it is an older run's.
    for job in project.build_jobs() {
        match contract::read_record(dir, &project.name, &job.arch) {
            Ok(Some(r)) => records.push(r),
            Ok(None) => {}
            Err(source) => report.fail(Failure::Record {
                project: project.name.clone(),
                source,
            }),
        }
    }
    records
}

/// Stitches one project; never returns early with an error: everything that
/// went wrong is in the report, so other projects carry on.
pub async fn stitch_project(
    plan: &Plan,
    project: &ProjectPlan,
    target: &Store,
    options: &Options,
) -> ProjectReport {
    let image_name = target.reference(&project.repository, "");
    let mut report = ProjectReport::new(&project.name, image_name.trim_end_matches(':'));
    if project.jobs.is_empty() {
        report.fail(Failure::NoPlatforms {
            project: project.name.clone(),
        });
        return report;
    }
    if let Some(skipped) = unpublished_base(project, target).await {
        report.skip(skipped);
        report.tags_not_set = project.tags.clone();
        return report;
    }
    for failure in super::reuse::place(project, target).await {
        report.fail(failure);
    }
    let mut resolved = Vec::new();
    let mut missing = Vec::new();
    let mut absent: Vec<Failure> = Vec::new();
    for job in &project.jobs {
        let reference = target.reference(&project.repository, &job.tag);
        match resolve_job(project, job, target).await {
            Ok(r) => {
                report.children.push(ChildReport::ok(job.platform, &r));
                resolved.push(r);
            }
            Err(JobFailure::Missing(failure)) => {
                report
                    .children
                    .push(ChildReport::failed(job.platform, &reference, "missing"));
                missing.push(job.platform.to_string());
                report.notes.push(failure.to_string());
                absent.push(failure);
            }
            Err(JobFailure::Problem(p)) => {
                report
                    .children
                    .push(ChildReport::failed(job.platform, &reference, "invalid"));
                report.fail(p);
            }
            Err(JobFailure::Read(source)) => {
                report
                    .children
                    .push(ChildReport::failed(job.platform, &reference, "error"));
                report.fail(Failure::Read {
                    project: project.name.clone(),
                    source,
                });
            }
        }
    }
    report.missing = missing.clone();

    let records = read_records(options.records_dir.as_deref(), project, &mut report);
    report
        .notes
        .extend(super::reuse::key_notes(project, &records));
    let record_refs: Vec<&BuildRecord> = records.iter().collect();
    for p in verify::check_children(&project.name, &resolved, &record_refs) {
        report.fail(p);
    }
    let planned_upstream = project.upstream.as_ref().and_then(|u| u.commit.as_deref());
    let upstream_commit =
        match contract::cross_check(&project.name, &plan.commit, planned_upstream, &record_refs) {
            Ok(commit) => commit,
            Err(problems) => {
                for p in problems {
                    report.fail(Problem::from(p));
                }
                None
            }
        };

    let publishable = missing.is_empty() || (options.allow_partial && !resolved.is_empty());
    if !publishable {
        let hint = if resolved.is_empty() {
            "no architecture is present"
        } else {
            "pass --allow-partial to publish the date-sha tag with the architectures present"
        };
        // Without --allow-partial a missing architecture is a failure, not a note.
        report.notes.clear();
        for failure in absent {
            report.fail(failure);
        }
        report.fail(Failure::Incomplete {
            project: project.name.clone(),
            platforms: missing.join(", "),
            hint,
        });
        return report;
    }
    if report.status == ProjectStatus::Failed {
        report
            .notes
            .push(format!("{}: no tag was set", project.name));
        return report;
    }

    let children: Vec<Child> = resolved.into_iter().map(|r| r.child).collect();
    let annotations = index::annotations(plan, project, upstream_commit.as_deref());
    let (bytes, digest) = index::assemble(&children, &annotations);
    report.index_digest = Some(digest);
    report.index_size = Some(bytes.len() as u64);
    let present: Vec<Platform> = children.iter().map(|c| c.platform).collect();
    let tags = tags_to_set(project, &present);
    if tags.is_empty() {
        report.fail(Failure::NoTags {
            project: project.name.clone(),
        });
        return report;
    }
    report.tags_not_set = project.tags[tags.len()..].to_vec();
    let planned: Vec<Platform> = project.jobs.iter().map(|j| j.platform).collect();
    let ours = Ours {
        project: &project.name,
        revision: &plan.commit,
        created: &plan.created,
        platforms: &present,
        planned: &planned,
    };
    tagging::set_tags(
        target,
        &project.repository,
        &bytes,
        &tags,
        &ours,
        options,
        &mut report,
    )
    .await;
    // `last_tag` follows the floating tags: only a complete index that moved them.
    if missing.is_empty()
        && report.status == ProjectStatus::Published
        && let Some(digest) = report.index_digest.clone()
        && let Some(note) = super::reuse::set_last(project, target, &bytes, &digest).await
    {
        report.notes.push(note);
    }
    if !missing.is_empty() && report.status != ProjectStatus::Failed {
        report.status = ProjectStatus::Partial;
        report.notes.push(format!(
            "{}: published {} without {}; other tags not moved",
            project.name,
            tags[0].0,
            missing.join(", ")
        ));
    }
    report
}

/// A base this plan rebuilds whose date-sha tag is absent: its build or
/// manifest job failed in this pipeline, so the build jobs skipped this
/// project. A base that cannot be read is left to the image checks below.
async fn unpublished_base(project: &ProjectPlan, target: &Store) -> Option<Failure> {
    for base in project.bases.iter().filter(|b| b.rebuilt) {
        if let Ok(None) = target.tag_digest(&base.repository, &base.tag).await {
            return Some(Failure::BaseNotPublished {
                project: project.name.clone(),
                base: base.project.clone(),
                reference: target.reference(&base.repository, &base.tag),
            });
        }
    }
    None
}
