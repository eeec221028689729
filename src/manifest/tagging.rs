//! Pointing a project's tags at its new index, one at a time: read what each
//! points at now, decide ([`publish`](super::publish)), write, and report.

use crate::registry::{OCI_INDEX, RegistryError};
use crate::store::{Store, StoreError};

use super::failure::Failure;
use super::publish::{self, Move, Ours, Role};
use super::report::{KeptTag, ProjectReport, ProjectStatus, ReplacedTag};
use super::stitch::Options;

/// The first seven characters of a commit, for messages.
fn short(revision: &str) -> &str {
    revision.get(..7).unwrap_or(revision)
}

/// Sets `tags` in order; stops at the first that fails (later tags are left
/// as they were, and listed as not set).
pub async fn set_tags(
    target: &Store,
    repository: &str,
    index: &[u8],
    tags: &[(String, Role)],
    ours: &Ours<'_>,
    options: &Options,
    report: &mut ProjectReport,
) {
    let project = ours.project;
    for (i, (tag, role)) in tags.iter().enumerate() {
        let mut decided = None;
        let written = target
            .update_tag(repository, tag, OCI_INDEX, index, |now| {
                let m = publish::decide(
                    *role,
                    ours,
                    &now,
                    options.existing_tag,
                    options.lineage.as_ref(),
                );
                decided = Some(m.clone());
                let writes = m.writes();
                (m, writes)
            })
            .await;
        let failure = match written {
            Ok(m) => match record(report, project, tag, *role, m, ours) {
                None => continue,
                Some(failure) => failure,
            },
            Err(source) => match (decided, source) {
                (
                    Some(Move::Replaced { old }),
                    StoreError::Registry(e @ RegistryError::Refused { .. }),
                ) => Failure::Immutable {
                    project: project.to_string(),
                    tag: tag.clone(),
                    old,
                    source: e,
                },
                (_, source) => Failure::Tag {
                    project: project.to_string(),
                    tag: tag.clone(),
                    source,
                },
            },
        };
        let rest: Vec<String> = tags[i..].iter().map(|(t, _)| t.clone()).collect();
        report.tags_not_set.splice(0..0, rest);
        report.fail(failure);
        return;
    }
}

/// Files one tag's outcome in the report; `Some` when it fails the project.
fn record(
    report: &mut ProjectReport,
    project: &str,
    tag: &str,
    role: Role,
    m: Move,
    ours: &Ours<'_>,
) -> Option<Failure> {
    match m {
        Move::Set => report.tags_set.push(tag.to_string()),
        Move::Unchanged => report.tags_unchanged.push(tag.to_string()),
        Move::Replaced { old } => {
            if role == Role::DateSha {
                report.notes.push(format!(
                    "{project}: {tag} pointed at another index, {old}; it now points at this run's (--existing-tag fail keeps such tags)"
                ));
            }
            report.tags_set.push(tag.to_string());
            report.tags_replaced.push(ReplacedTag {
                tag: tag.to_string(),
                old_digest: old,
            });
        }
        Move::KeptNewer { digest, revision } => {
            let from = revision.as_deref().map_or("a later run".to_string(), |r| {
                if r == ours.revision {
                    format!("a later run of commit {}", short(r))
                } else {
                    format!("commit {}", short(r))
                }
            });
            report.notes.push(format!(
                "{project}: kept newer: {tag} stays at {digest}, built from {from}, newer than this run's commit {}; tags never move backwards",
                short(ours.revision)
            ));
            report.tags_kept.push(KeptTag {
                tag: tag.to_string(),
                digest,
                reason: "newer".into(),
            });
            if report.status == ProjectStatus::Published {
                report.status = ProjectStatus::KeptNewer;
            }
        }
        Move::KeptComplete { digest, platforms } => {
            report.notes.push(format!(
                "{project}: {tag} stays at {digest}, which holds {platforms} of the {} planned platforms; this run's index holds {}, and a partial index never replaces a more complete one",
                ours.planned.len(),
                ours.platforms.len()
            ));
            report.tags_kept.push(KeptTag {
                tag: tag.to_string(),
                digest,
                reason: "more complete".into(),
            });
        }
        Move::Refused { old } => {
            return Some(Failure::TagHeld {
                project: project.to_string(),
                tag: tag.to_string(),
                old,
            });
        }
        Move::Foreign {
            digest,
            project: other,
        } => {
            return Some(Failure::ForeignTag {
                project: project.to_string(),
                tag: tag.to_string(),
                other,
                digest,
            });
        }
    }
    None
}
