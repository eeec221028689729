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

/// The step of a GitHub Actions job (as JSON) whose `key` is `value`, e.g.
/// its `id` or `name`.
pub(crate) fn step<'a>(
    job: &'a serde_json::Value,
    key: &str,
    value: &str,
) -> &'a serde_json::Value {
    job["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s[key] == value)
        .unwrap_or_else(|| panic!("no step with {key} {value}"))
}
