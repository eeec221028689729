//! The CI templates and `monoarch run`: validators, wiring, end to end.

pub mod end_to_end;
mod generated;
mod gitlab_ci_local;
mod gitlab_jobs;
mod install;
pub mod job_by_job;
mod release;
mod run_jobs;
pub(crate) mod tekton;
mod templates;
