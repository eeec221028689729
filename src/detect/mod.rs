//! The detect stage: which projects a run builds, and why.

mod base;
mod projects;
mod request;
mod schedule;
mod select;

pub use base::{BaseOptions, Choice, History, Resolved, resolve};
pub use projects::{list_projects, project_exists};
pub use request::{
    Flags, Request, default_branch_candidates, is_null_sha, request, run_branch, trigger,
};
pub use schedule::{Pattern, match_patterns, parse_schedule};
pub use select::{ChangeSelection, REASON_FILE_CAP, reason, select_changes};
