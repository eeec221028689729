//! Reused jobs and keys on the manifest side: the arch image a plan chose to
//! reuse, checked again and tagged as the job's arch image (a manifest PUT in
//! the same repository; no blob moves), the notes a moved key deserves, and
//! the project's `last_tag` for the next plan.

use crate::contract::key::{explain, short_digest};
use crate::contract::{BuildRecord, ProjectPlan};
use crate::store::Store;

use super::failure::Failure;

/// Points each reused job's arch tag at the image the plan found, after
/// checking it still is what the plan saw (platform, key). A failure leaves
/// that arch tag absent, so the project is reported incomplete, not published.
pub async fn place(project: &ProjectPlan, target: &Store) -> Vec<Failure> {
    let repo = &project.repository;
    let mut failures = Vec::new();
    for job in &project.jobs {
        let Some(reuse) = &job.reuse else {
            continue;
        };
        let fail = |message: String| Failure::Reused {
            project: project.name.clone(),
            platform: job.platform,
            image: target.reference(repo, &reuse.digest),
            message,
        };
        match target.tag_digest(repo, &job.tag).await {
            Ok(Some(digest)) if digest == reuse.digest => continue,
            Ok(_) => {}
            Err(e) => {
                failures.push(fail(format!("cannot read {}: {e}", job.tag)));
                continue;
            }
        }
        let image = match target.fetch(repo, &reuse.digest).await {
            Ok(image) => image,
            Err(e) if e.is_not_found() => {
                failures.push(fail(
                    "it is gone from the repository; plan again (the job is then built)".into(),
                ));
                continue;
            }
            Err(e) => {
                failures.push(fail(e.to_string()));
                continue;
            }
        };
        let checked = crate::key::image::read(target, repo, &image, job.platform).await;
        match checked {
            Ok(found) if Some(&found.key) == job.key.as_ref() => {}
            Ok(found) => {
                failures.push(fail(format!(
                    "it carries key {}, the plan's is {}; plan again",
                    found.key,
                    job.key.as_deref().unwrap_or("none")
                )));
                continue;
            }
            Err(why) => {
                failures.push(fail(format!("{why}; plan again (the job is then built)")));
                continue;
            }
        }
        if let Err(e) = target
            .put(repo, &job.tag, &image.media_type, &image.raw)
            .await
        {
            failures.push(fail(format!("tagging it {} failed: {e}", job.tag)));
        }
    }
    failures
}

/// One note per job whose build key differs from the plan's: an input moved
/// between plan and build (what moved, when both sides say).
pub fn key_notes(project: &ProjectPlan, records: &[BuildRecord]) -> Vec<String> {
    records
        .iter()
        .filter_map(|record| {
            let planned = record.planned_key.as_deref()?;
            let job = project.job(&record.arch)?;
            let what = match (&job.key_inputs, &record.key_inputs) {
                (Some(before), Some(built)) => format!(": {}", explain(before, built).join(", ")),
                _ => String::new(),
            };
            Some(format!(
                "{} {}: built with key {}, the plan had {}{what}",
                project.name,
                record.platform,
                record.key.as_deref().map(short_digest).unwrap_or("none"),
                short_digest(planned),
            ))
        })
        .collect()
}

/// Moves `last_tag` to the published index, so the next plan finds this
/// index's keys. Not a failure when it cannot: the next plan then builds.
pub async fn set_last(
    project: &ProjectPlan,
    target: &Store,
    bytes: &[u8],
    digest: &str,
) -> Option<String> {
    let tag = project.last_tag.as_deref()?;
    let repo = &project.repository;
    let result = match target.tag_digest(repo, tag).await {
        Ok(Some(current)) if current == digest => return None,
        Ok(_) => target
            .put(repo, tag, crate::registry::OCI_INDEX, bytes)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    result.err().map(|e| {
        format!(
            "{}: could not move {tag} to the new index ({e}); the next plan will not find its build keys and builds again",
            project.name
        )
    })
}
