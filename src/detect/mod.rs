//! The detect stage: which projects a run builds, and why.

mod base;
mod projects;
mod request;
mod schedule;
mod select;

pub use base::{BaseOptions, Choice, resolve};
pub use projects::{list_projects, project_exists};
pub use request::{Flags, default_branch_candidates, request, run_branch};
pub use schedule::{Pattern, match_patterns, parse_schedule};
pub use select::{reason, select_changes};
