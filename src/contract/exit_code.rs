//! Process exit codes: part of the CLI's API, documented in the README.
//!
//! Scripts rely on these values; never renumber one, only add new ones.

/// Everything requested was done.
pub const SUCCESS: i32 = 0;
/// An unexpected failure (a bug, or an I/O error with no better category).
pub const FAILURE: i32 = 1;
/// The command line was wrong (unknown flag, missing argument).
pub const USAGE: i32 = 2;
/// A `build-config.yaml`, `monoarch.yaml` or `rebuild-weekly.txt` is invalid.
pub const INVALID_CONFIG: i32 = 3;
/// Git could not answer: no repository, unknown ref, unreadable history.
pub const GIT: i32 = 4;
/// The clone is too shallow to contain the base commit; fetch deeper.
pub const SHALLOW_CLONE: i32 = 5;
/// The plan file is missing, unreadable, of another format version, or lacks the job asked for.
pub const INVALID_PLAN: i32 = 6;
/// Fetching the upstream source failed (ref not found, network, credentials).
pub const SOURCE: i32 = 7;
/// The builder is missing or exited non-zero.
pub const BUILD: i32 = 8;
/// The registry refused or failed a request (after retries).
pub const REGISTRY: i32 = 9;
/// A pushed image is not what the plan says (wrong platform, digest mismatch).
pub const VERIFY: i32 = 10;
/// The job is for another CPU architecture than this machine's (wrong runner).
pub const WRONG_ARCH: i32 = 11;
/// Some projects succeeded and some failed; see the summary.
pub const PARTIAL: i32 = 12;
