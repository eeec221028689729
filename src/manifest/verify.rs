//! Verification of arch images against the plan and build records: pure checks.
//! (Which image of an index is the platform's: [`crate::store::pick`].)

use crate::contract::{BuildRecord, Platform};

use super::index::Child;

/// Something wrong with one project's arch images; each names project and platform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error(
        "{project}: {reference} should be {expected} but its config says {found}; did the {arch} build job run on the wrong runner?"
    )]
    PlatformMismatch {
        project: String,
        arch: String,
        reference: String,
        expected: Platform,
        found: String,
    },
    #[error(
        "{project}: {reference} is an index without a {expected} image (it has: {found}); rebuild the {expected} job"
    )]
    NotInIndex {
        project: String,
        reference: String,
        expected: Platform,
        found: String,
    },
    #[error(
        "{project}: {platform} appears twice ({first} and {second}); the plan's jobs must name distinct platforms"
    )]
    Duplicate {
        project: String,
        platform: Platform,
        first: String,
        second: String,
    },
    #[error(
        "{project}: {platform}: the registry has {registry} at {reference} but the build record says {record}; the arch tag was overwritten after the build, rebuild {platform}"
    )]
    DigestMismatch {
        project: String,
        platform: Platform,
        reference: String,
        registry: String,
        record: String,
    },
    #[error("{0}")]
    Record(#[from] crate::contract::RecordMismatch),
}

/// One arch image as found under its arch tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub child: Child,
    /// `host/repository:arch-tag`, for messages.
    pub reference: String,
    /// Digest of what the arch tag points at: the image itself, or the index
    /// (with attestations) that holds it.
    pub tag_digest: String,
}

/// Project-level checks over the resolved children: no platform twice, and
/// each digest equals the one its build record reports.
pub fn check_children(
    project: &str,
    resolved: &[Resolved],
    records: &[&BuildRecord],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (i, r) in resolved.iter().enumerate() {
        let platform = r.child.platform;
        if let Some(first) = resolved[..i].iter().find(|f| f.child.platform == platform) {
            problems.push(Problem::Duplicate {
                project: project.to_string(),
                platform,
                first: first.reference.clone(),
                second: r.reference.clone(),
            });
        }
        if let Some(record) = records.iter().find(|rec| rec.platform == platform) {
            // A BuildKit build records the digest of the index it pushed,
            // other builders the image's: either is the same push.
            if record.digest != r.child.digest && record.digest != r.tag_digest {
                problems.push(Problem::DigestMismatch {
                    project: project.to_string(),
                    platform,
                    reference: r.reference.clone(),
                    registry: r.tag_digest.clone(),
                    record: record.digest.clone(),
                });
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(arch: &str, digest: &str, tag_digest: &str) -> Resolved {
        Resolved {
            child: Child {
                platform: Platform::from_arch(arch).expect("arch"),
                media_type: crate::registry::OCI_MANIFEST.into(),
                digest: digest.into(),
                size: 1,
                attestations: vec![],
            },
            reference: format!("r:{arch}"),
            tag_digest: tag_digest.into(),
        }
    }

    fn record(arch: &str, digest: &str) -> BuildRecord {
        BuildRecord {
            format_version: crate::contract::RECORD_FORMAT_VERSION,
            project: "app".into(),
            arch: arch.into(),
            platform: Platform::from_arch(arch).expect("arch"),
            image: "r".into(),
            digest: digest.into(),
            upstream_commit: None,
            builder: "buildah".into(),
            duration_seconds: 0.0,
            plan_commit: "p".into(),
            key: None,
            key_inputs: None,
            planned_key: None,
            bases: Vec::new(),
        }
    }

    #[test]
    fn duplicates_and_digest_mismatches() {
        let a = resolved("amd64", "sha256:a", "sha256:a");
        let b = resolved("amd64", "sha256:b", "sha256:b");
        let problems = check_children("app", &[a.clone(), b], &[]);
        assert!(matches!(problems[0], Problem::Duplicate { .. }));

        let ok = record("amd64", "sha256:a");
        assert!(check_children("app", std::slice::from_ref(&a), &[&ok]).is_empty());
        let via_index = resolved("amd64", "sha256:a", "sha256:idx");
        assert!(check_children("app", &[via_index], &[&record("amd64", "sha256:idx")]).is_empty());
        let stale = record("amd64", "sha256:old");
        let problems = check_children("app", &[a], &[&stale]);
        assert!(matches!(problems[0], Problem::DigestMismatch { .. }));
    }
}
