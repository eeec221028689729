//! A project's bases in the plan (`depends_on:`): which image of each a build uses.

use serde::{Deserialize, Serialize};

/// A project another one builds on, and which of its images the build uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct BasePlan {
    pub project: String,
    /// The build arg that carries `host/repository@sha256:...` (`MONOARCH_BASE_<NAME>`).
    pub arg: String,
    /// The base's repository in the plan's registry.
    pub repository: String,
    /// The tag whose index digest the build uses, read once just before the
    /// build: this plan's date-sha tag when `rebuilt`, else the tag that names
    /// the base's last published index.
    pub tag: String,
    /// Whether this plan builds the base too (then it is on a lower level).
    pub rebuilt: bool,
}
