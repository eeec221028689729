//! The manifest stage: verify every arch image, publish one OCI index per project.
//!
//! Pure parts: [`index`] (bytes of the index), [`verify`] (platform, digest and
//! record checks), [`tags`] (which tags, in which order). I/O: [`stitch`] (one
//! project against a [`Store`]: registry or OCI layout), [`report`].
//!
//! Arch images and the index share the project's repository under either
//! naming scheme of the plan, so children never need a cross-repository mount.

pub mod error;
mod failure;
pub mod index;
pub mod publish;
pub mod report;
mod reuse;
pub mod stitch;
mod tagging;
pub mod tags;
pub mod verify;

use std::sync::Arc;

use crate::contract::Plan;
use crate::store::Store;

pub use error::ManifestError;
pub use failure::Failure;
pub use publish::{ExistingTag, Lineage};
pub use report::ProjectReport;
pub use stitch::Options;

/// Stitches the named projects (plan order), at most `jobs` at a time. One
/// project's failure never stops another; the reports say what happened.
pub async fn stitch_all(
    plan: Arc<Plan>,
    names: Vec<String>,
    target: Arc<Store>,
    options: Options,
    jobs: usize,
) -> Vec<ProjectReport> {
    let limit = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let options = Arc::new(options);
    let mut tasks = tokio::task::JoinSet::new();
    for (position, name) in names.into_iter().enumerate() {
        let (plan, target, options, limit) =
            (plan.clone(), target.clone(), options.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit
                .acquire()
                .await
                .expect("the semaphore is never closed");
            let report = match plan.project(&name) {
                Some(project) => stitch::stitch_project(&plan, project, &target, &options).await,
                None => {
                    let mut r = ProjectReport::new(&name, "");
                    r.fail(Failure::NotInPlan { project: name });
                    r
                }
            };
            (position, report)
        });
    }
    let mut reports = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(pair) => reports.push(pair),
            // A panic in one project is a bug; it must not hide the others.
            Err(e) => {
                let mut r = ProjectReport::new("?", "");
                r.fail(Failure::Internal(e.to_string()));
                reports.push((usize::MAX, r));
            }
        }
    }
    reports.sort_by_key(|(position, _)| *position);
    reports.into_iter().map(|(_, r)| r).collect()
}
