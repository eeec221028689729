//! The build record: what one build job pushed, read later by the manifest stage.
//!
//! Written by `monoarch build` as `{records_dir}/{project}-{arch}.json` (and its
//! fields to `$GITHUB_OUTPUT`); a contract like the plan, versioned the same way.

use serde::{Deserialize, Serialize};

use crate::platform::Platform;

pub const RECORD_FORMAT_VERSION: u32 = 1;

/// Default folder for build records, relative to the working directory.
pub const DEFAULT_RECORDS_DIR: &str = "build-records";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildRecord {
    pub format_version: u32,
    pub project: String,
    pub arch: String,
    pub platform: Platform,
    /// Full reference that was pushed: `host/repository:tag`.
    pub image: String,
    /// Manifest digest the builder reported and the registry confirmed.
    pub digest: String,
    /// Commit of the upstream repository that was built; `None` for in-repo projects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_commit: Option<String>,
    /// `kaniko`, `buildah` or `buildkit`.
    pub builder: String,
    pub duration_seconds: f64,
    /// The monorepo commit of the plan this build belongs to.
    pub plan_commit: String,
}

impl BuildRecord {
    pub fn file_name(project: &str, arch: &str) -> String {
        format!("{project}-{arch}.json")
    }
}
