//! The detect stage: which projects a run builds, and why.

mod base;
mod event;
mod projects;
mod request;
mod schedule;
mod select;

pub use base::{BaseOptions, Choice, History, Resolved, resolve};
pub use event::is_full_sha;
pub use projects::{list_projects, project_exists};
pub use request::{
    Asked, Flags, Request, default_branch_candidates, is_null_sha, request, trigger,
};
pub use schedule::{Pattern, match_patterns, parse_schedule};
pub use select::{ChangeSelection, REASON_FILE_CAP, reason, select_changes};
