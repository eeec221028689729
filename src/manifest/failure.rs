//! Why one project was not (fully) published; `commands` maps each to its exit code.

use crate::contract::{Platform, RecordError};
use crate::registry::RegistryError;
use crate::store::StoreError;

use super::verify::Problem;

/// One thing that went wrong for one project. A project's report lists them
/// all; the first decides the project's exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// An arch image that is there but not what the plan says.
    #[error("{0}")]
    Problem(#[from] Problem),
    #[error("{project}: {source}")]
    Record {
        project: String,
        #[source]
        source: RecordError,
    },
    /// The store failed while reading an arch image.
    #[error("{project}: {source}")]
    Read {
        project: String,
        #[source]
        source: StoreError,
    },
    #[error("{project}: {reference} not found; did the build job for {platform} fail?")]
    Missing {
        project: String,
        reference: String,
        platform: Platform,
    },
    #[error("{project}: missing {platforms}; no tag was set ({hint})")]
    Incomplete {
        project: String,
        platforms: String,
        hint: &'static str,
    },
    #[error("{project}: the plan lists no tags for this project; make the plan again")]
    NoTags { project: String },
    #[error(
        "{project}: the plan lists no platforms, so there is no image to publish (an empty index is never published); give the project platforms in monoarch.yaml or its build-config.yaml and make the plan again"
    )]
    NoPlatforms { project: String },
    #[error(
        "{project}: {tag} already points at another index, {old}, and --existing-tag is fail; later tags left as they were; publish a new commit, or pass --existing-tag overwrite to replace it"
    )]
    TagHeld {
        project: String,
        tag: String,
        old: String,
    },
    #[error(
        "{project}: {tag} holds project {other}'s index ({digest}); two projects publish the same tag: give one of them other tags (`monoarch validate` reports such clashes); later tags left as they were"
    )]
    ForeignTag {
        project: String,
        tag: String,
        other: String,
        digest: String,
    },
    #[error(
        "{project}: the registry refused to move {tag} from {old} ({source}); a repository with immutable tags refuses this: publish a new commit (a new date-sha tag), allow tag overwrites for this repository, or pass --existing-tag fail to stop before writing; later tags left as they were"
    )]
    Immutable {
        project: String,
        tag: String,
        old: String,
        #[source]
        source: RegistryError,
    },
    #[error("{project}: setting tag {tag} failed, later tags left as they were: {source}")]
    Tag {
        project: String,
        tag: String,
        #[source]
        source: StoreError,
    },
    /// A reused arch image that could not be placed under the job's arch tag.
    #[error("{project}: {platform}: cannot reuse {image}: {message}")]
    Reused {
        project: String,
        platform: Platform,
        image: String,
        message: String,
    },
    /// A base this plan rebuilds has no index: the project was skipped.
    #[error(
        "{project}: skipped: its base {base} was not published by this pipeline ({reference} does not exist; see the base's jobs), so it was not built on the base's old image"
    )]
    BaseNotPublished {
        project: String,
        base: String,
        reference: String,
    },
    #[error("{project}: not in the plan")]
    NotInPlan { project: String },
    /// A bug: a project's task panicked. Other projects carry on.
    #[error("internal error: {0}")]
    Internal(String),
}
