//! The detect stage: which projects a run builds, and why.

mod base;
mod dependents;
mod event;
mod projects;
mod request;
mod schedule;
mod select;

pub use base::{BaseOptions, Choice, resolve};
pub use dependents::add_dependents;
pub use event::is_full_sha;
#[cfg(test)]
pub use event::parse_payload;
pub use projects::{list_folders, list_projects, not_utf8};
pub use request::{Flags, request, run_branch};
pub use schedule::{Pattern, match_patterns, parse_schedule};
pub use select::{reason, select_changes};
