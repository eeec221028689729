//! Whether to move a tag, given what it points at now: pure decisions.
//!
//! - A moving tag (additional and floating tags, `latest`) never moves
//!   backwards: an index built from a newer commit keeps it ("kept newer").
//!   Newer means: a descendant in the monorepo's history when the clone can
//!   tell ([`Lineage`]), else a later `org.opencontainers.image.created`.
//! - The date-sha tag never moves from a more complete index to a partial
//!   one; when it holds another index (a rerun the same day), the
//!   [`ExistingTag`] policy decides: overwrite (default) or fail.
//! - A tag holding another project's index is never taken over.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use crate::contract::Platform;
use crate::registry::FetchedManifest;
use crate::store::TagNow;
use crate::store::pick::{is_attestation, platform_of};

use super::index::ANNOTATION_PROJECT;

const CREATED: &str = "org.opencontainers.image.created";
const REVISION: &str = "org.opencontainers.image.revision";

/// What to do when the date-sha tag already holds another index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExistingTag {
    /// Move it, and name the old digest in the summary.
    #[default]
    Overwrite,
    /// Leave it and fail the project (for teams that treat tags as immutable).
    Fail,
}

/// Which of two monorepo commits came later, when the history can tell.
pub trait Lineage: Send + Sync {
    /// `Some(Greater)`: `theirs` descends from `ours`; `Some(Less)`: `ours`
    /// descends from `theirs`; `None`: unrelated, or not in this clone.
    fn compare(&self, ours: &str, theirs: &str) -> Option<Ordering>;
}

/// No repository at hand: only the `created` annotations order indexes.
#[cfg(test)]
pub struct NoHistory;

#[cfg(test)]
impl Lineage for NoHistory {
    fn compare(&self, _: &str, _: &str) -> Option<Ordering> {
        None
    }
}

/// The tag's part in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The date-sha tag: this commit's index.
    DateSha,
    /// Additional and floating tags: the newest commit's index.
    Moving,
}

/// The index this run is about to publish.
#[derive(Debug)]
pub struct Ours<'a> {
    pub project: &'a str,
    /// Monorepo commit (the plan's).
    pub revision: &'a str,
    /// The plan's `created`.
    pub created: &'a str,
    /// Platforms present in this index.
    pub platforms: &'a [Platform],
    /// Platforms the plan asks for.
    pub planned: &'a [Platform],
}

/// What an index a tag points at says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theirs {
    pub digest: String,
    pub project: Option<String>,
    pub revision: Option<String>,
    pub created: Option<String>,
    /// Known platforms of its images (attestations left out).
    pub platforms: Vec<Platform>,
}

impl Theirs {
    pub fn read(manifest: &FetchedManifest) -> Theirs {
        let json: serde_json::Value = serde_json::from_slice(&manifest.raw).unwrap_or_default();
        let annotation = |key: &str| json["annotations"][key].as_str().map(str::to_string);
        Theirs {
            digest: manifest.digest.clone(),
            project: annotation(ANNOTATION_PROJECT),
            revision: annotation(REVISION),
            created: annotation(CREATED),
            platforms: manifest
                .children
                .iter()
                .filter(|d| !is_attestation(d))
                .filter_map(|d| d.platform.as_ref().and_then(platform_of))
                .collect(),
        }
    }
}

/// What became of one tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// The tag did not exist; it points at our index now.
    Set,
    /// It already pointed at our index.
    Unchanged,
    /// It pointed at `old`; it points at ours now.
    Replaced { old: String },
    /// Left on an index of a newer commit (or a later run of this one).
    KeptNewer {
        digest: String,
        revision: Option<String>,
    },
    /// The date-sha tag left on an index with more of the planned platforms.
    KeptComplete { digest: String, platforms: usize },
    /// The date-sha tag holds another index and the policy is `fail`.
    Refused { old: String },
    /// The tag holds another project's index.
    Foreign { digest: String, project: String },
}

impl Move {
    /// Whether the tag is to be written.
    pub fn writes(&self) -> bool {
        matches!(self, Move::Set | Move::Replaced { .. })
    }
}

/// Decides what to do with one tag, shown what it points at now.
pub fn decide(
    role: Role,
    ours: &Ours,
    now: &TagNow,
    policy: ExistingTag,
    lineage: &dyn Lineage,
) -> Move {
    let theirs = match now {
        TagNow::Absent => return Move::Set,
        TagNow::Same => return Move::Unchanged,
        // Not readable as an index: nothing tells it is newer or another project's.
        TagNow::Other(Err(digest)) => {
            return overwrite(role, policy, digest);
        }
        TagNow::Other(Ok(manifest)) => Theirs::read(manifest),
    };
    if let Some(project) = theirs.project.as_ref().filter(|p| *p != ours.project) {
        return Move::Foreign {
            digest: theirs.digest,
            project: project.clone(),
        };
    }
    match role {
        Role::Moving => match order(ours, &theirs, lineage) {
            Some(Ordering::Greater) => Move::KeptNewer {
                digest: theirs.digest,
                revision: theirs.revision,
            },
            _ => Move::Replaced { old: theirs.digest },
        },
        Role::DateSha => {
            let planned = |ps: &[Platform]| ps.iter().filter(|p| ours.planned.contains(p)).count();
            let (have, had) = (planned(ours.platforms), planned(&theirs.platforms));
            if have < ours.planned.len() && had > have {
                Move::KeptComplete {
                    digest: theirs.digest,
                    platforms: had,
                }
            } else {
                overwrite(role, policy, &theirs.digest)
            }
        }
    }
}

fn overwrite(role: Role, policy: ExistingTag, old: &str) -> Move {
    match (role, policy) {
        (Role::DateSha, ExistingTag::Fail) => Move::Refused {
            old: old.to_string(),
        },
        _ => Move::Replaced {
            old: old.to_string(),
        },
    }
}

/// How their index compares with ours in time: `Greater` when theirs is newer.
/// `None` when nothing tells (no monoarch annotations).
fn order(ours: &Ours, theirs: &Theirs, lineage: &dyn Lineage) -> Option<Ordering> {
    let revision = theirs.revision.as_deref()?;
    let by_history = (revision != ours.revision)
        .then(|| lineage.compare(ours.revision, revision))
        .flatten();
    by_history.or_else(|| {
        let time = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        };
        Some(time(theirs.created.as_deref()?)?.cmp(&time(ours.created)?))
    })
}

#[cfg(test)]
mod tests;
