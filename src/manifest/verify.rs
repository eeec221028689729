//! Verification of arch images against the plan and build records: pure checks.

use crate::contract::{BuildRecord, Platform};
use crate::registry::{Descriptor, ImagePlatform};

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

/// Whether an index entry is an attestation, not an image (BuildKit writes
/// these with platform `unknown/unknown`; never treat them as a platform).
pub fn is_attestation(d: &Descriptor) -> bool {
    let annotated = d
        .annotations
        .as_ref()
        .and_then(|a| a.get("vnd.docker.reference.type"))
        .is_some_and(|t| t == "attestation-manifest");
    let unknown = d.platform.as_ref().is_some_and(|p| p.os == "unknown");
    annotated || unknown
}

/// Normalizes what a config or index entry states into a known platform.
pub fn platform_of(p: &ImagePlatform) -> Option<Platform> {
    Platform::parse(&p.display())
}

/// Picks the planned platform's image out of an index that a build pushed
/// under an arch tag, plus the attestations that refer to that image.
pub fn select_from_index(
    project: &str,
    reference: &str,
    entries: &[Descriptor],
    expected: Platform,
) -> Result<(Descriptor, Vec<Descriptor>), Problem> {
    let images: Vec<&Descriptor> = entries.iter().filter(|d| !is_attestation(d)).collect();
    let Some(chosen) = images
        .iter()
        .find(|d| d.platform.as_ref().and_then(platform_of) == Some(expected))
    else {
        let found = images
            .iter()
            .map(|d| {
                d.platform
                    .as_ref()
                    .map(|p| p.display())
                    .unwrap_or("no platform".into())
            })
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Problem::NotInIndex {
            project: project.to_string(),
            reference: reference.to_string(),
            expected,
            found: if found.is_empty() {
                "nothing".into()
            } else {
                found
            },
        });
    };
    let attestations = entries
        .iter()
        .filter(|d| {
            is_attestation(d)
                && d.annotations
                    .as_ref()
                    .and_then(|a| a.get("vnd.docker.reference.digest"))
                    == Some(&chosen.digest)
        })
        .cloned()
        .collect();
    Ok(((*chosen).clone(), attestations))
}

/// The image's config must state the planned platform.
pub fn check_platform(
    project: &str,
    arch: &str,
    reference: &str,
    expected: Platform,
    found: Option<&ImagePlatform>,
) -> Result<(), Problem> {
    let normalized = found.and_then(platform_of);
    if normalized == Some(expected) {
        return Ok(());
    }
    Err(Problem::PlatformMismatch {
        project: project.to_string(),
        arch: arch.to_string(),
        reference: reference.to_string(),
        expected,
        found: found
            .map(ImagePlatform::display)
            .unwrap_or_else(|| "no platform".into()),
    })
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
    use std::collections::BTreeMap;

    fn p(os: &str, arch: &str, variant: Option<&str>) -> ImagePlatform {
        ImagePlatform {
            os: os.into(),
            architecture: arch.into(),
            variant: variant.map(str::to_string),
        }
    }

    fn desc(digest: &str, platform: ImagePlatform, refers_to: Option<&str>) -> Descriptor {
        Descriptor {
            media_type: crate::registry::OCI_MANIFEST.into(),
            digest: digest.into(),
            size: 1,
            platform: Some(platform),
            annotations: refers_to.map(|d| {
                BTreeMap::from([
                    ("vnd.docker.reference.digest".to_string(), d.to_string()),
                    (
                        "vnd.docker.reference.type".to_string(),
                        "attestation-manifest".to_string(),
                    ),
                ])
            }),
        }
    }

    fn arm64() -> Platform {
        Platform::from_arch("arm64").expect("arm64")
    }

    #[test]
    fn arm64_v8_matches_arm64_and_amd64_does_not() {
        assert!(
            check_platform(
                "app",
                "arm64",
                "r",
                arm64(),
                Some(&p("linux", "arm64", Some("v8")))
            )
            .is_ok()
        );
        let err = check_platform(
            "app",
            "arm64",
            "r:t",
            arm64(),
            Some(&p("linux", "amd64", None)),
        )
        .expect_err("mismatch");
        let text = err.to_string();
        assert!(
            text.contains("app") && text.contains("linux/arm64") && text.contains("linux/amd64"),
            "{text}"
        );
        assert!(check_platform("app", "arm64", "r", arm64(), None).is_err());
    }

    #[test]
    fn selects_image_and_its_attestation_never_unknown() {
        let entries = vec![
            desc("sha256:img", p("linux", "arm64", None), None),
            desc(
                "sha256:att",
                p("unknown", "unknown", None),
                Some("sha256:img"),
            ),
            desc(
                "sha256:other-att",
                p("unknown", "unknown", None),
                Some("sha256:x"),
            ),
        ];
        let (chosen, att) = select_from_index("app", "r", &entries, arm64()).expect("found");
        assert_eq!(chosen.digest, "sha256:img");
        assert_eq!(att.len(), 1);
        assert_eq!(att[0].digest, "sha256:att");

        let only_att = vec![desc(
            "sha256:att",
            p("unknown", "unknown", None),
            Some("sha256:img"),
        )];
        let err = select_from_index("app", "r", &only_att, arm64()).expect_err("no image");
        assert!(err.to_string().contains("(it has: nothing)"), "{err}");
    }

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
