//! The one rule for finding a platform's image under a tag: the build stage's
//! read-back and the manifest stage's check both use it.
//!
//! A tag may point at an image, or at an index (BuildKit pushes one with
//! attestations). From an index the entry for the platform is taken, never an
//! attestation, with the attestations that describe it; a nested index is
//! refused. The image's config must state the platform (`arm64/v8` is `arm64`).

use crate::contract::Platform;
use crate::registry::{Descriptor, FetchedManifest, ImagePlatform};

use super::{Store, StoreError};

/// Whether an index entry is an attestation, not an image: BuildKit marks
/// them with a `vnd.docker.reference.type` annotation and platform `unknown/unknown`.
pub fn is_attestation(d: &Descriptor) -> bool {
    let annotated = d
        .annotations
        .as_ref()
        .and_then(|a| a.get("vnd.docker.reference.type"))
        .is_some_and(|t| t == "attestation-manifest");
    let unknown = d.platform.as_ref().is_some_and(|p| p.os == "unknown");
    annotated || unknown
}

/// What a config or index entry states, normalized into a known platform.
pub fn platform_of(p: &ImagePlatform) -> Option<Platform> {
    Platform::parse(&p.display())
}

/// The platform's image out of an index's entries, with the attestations
/// that refer to it. `Err` lists the platforms the index has instead.
pub fn pick(
    entries: &[Descriptor],
    expected: Platform,
) -> Result<(Descriptor, Vec<Descriptor>), String> {
    let images: Vec<&Descriptor> = entries.iter().filter(|d| !is_attestation(d)).collect();
    let Some(chosen) = images
        .iter()
        .find(|d| d.platform.as_ref().and_then(platform_of) == Some(expected))
    else {
        let found: Vec<String> = images
            .iter()
            .map(|d| {
                d.platform
                    .as_ref()
                    .map_or_else(|| "no platform".into(), ImagePlatform::display)
            })
            .collect();
        return Err(if found.is_empty() {
            "nothing".into()
        } else {
            found.join(", ")
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

/// Why no image of the platform was found under a tag.
#[derive(Debug, thiserror::Error)]
pub enum PickError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An index without the platform; `found` lists what it has.
    #[error("an index without a {expected} image (it has: {found})")]
    NotInIndex { expected: Platform, found: String },
    /// The image's config states another platform (or none).
    #[error("the image is {found}, not {expected}")]
    Platform { expected: Platform, found: String },
}

/// The image of `expected` that `top` (what a tag points at) holds, and its
/// attestations: `top` itself, or its index entry for the platform.
pub async fn platform_image(
    store: &Store,
    repository: &str,
    top: &FetchedManifest,
    expected: Platform,
) -> Result<(FetchedManifest, Vec<Descriptor>), PickError> {
    let (image, attestations) = if top.is_index() {
        let (chosen, attestations) = pick(&top.children, expected)
            .map_err(|found| PickError::NotInIndex { expected, found })?;
        (store.fetch(repository, &chosen.digest).await?, attestations)
    } else {
        (top.clone(), Vec::new())
    };
    if image.is_index() {
        return Err(PickError::NotInIndex {
            expected,
            found: "a nested index".into(),
        });
    }
    let found = image.platform.as_ref();
    if found.and_then(platform_of) != Some(expected) {
        return Err(PickError::Platform {
            expected,
            found: found.map_or_else(|| "no platform".into(), ImagePlatform::display),
        });
    }
    Ok((image, attestations))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::registry::OCI_MANIFEST;

    fn p(os: &str, arch: &str, variant: Option<&str>) -> ImagePlatform {
        ImagePlatform {
            os: os.into(),
            architecture: arch.into(),
            variant: variant.map(str::to_string),
        }
    }

    fn desc(digest: &str, platform: ImagePlatform, attests: Option<&str>) -> Descriptor {
        Descriptor {
            media_type: OCI_MANIFEST.into(),
            digest: digest.into(),
            size: 1,
            platform: Some(platform),
            annotations: attests.map(|d| {
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
        Platform::parse("linux/arm64").expect("known")
    }

    #[test]
    fn picks_the_image_and_its_attestations_never_an_attestation() {
        let entries = vec![
            desc(
                "sha256:att",
                p("unknown", "unknown", None),
                Some("sha256:arm"),
            ),
            desc("sha256:arm", p("linux", "arm64", Some("v8")), None),
            desc(
                "sha256:other",
                p("unknown", "unknown", None),
                Some("sha256:x"),
            ),
        ];
        let (image, attestations) = pick(&entries, arm64()).expect("found");
        assert_eq!(image.digest, "sha256:arm");
        let digests: Vec<&str> = attestations.iter().map(|d| d.digest.as_str()).collect();
        assert_eq!(digests, vec!["sha256:att"]);
    }

    #[test]
    fn an_annotated_attestation_is_never_the_image_whatever_its_platform() {
        // Both earlier rules agreed on `unknown/unknown`; they differed here.
        let entries = vec![desc(
            "sha256:att",
            p("linux", "arm64", None),
            Some("sha256:img"),
        )];
        assert_eq!(pick(&entries, arm64()), Err("nothing".to_string()));
    }

    #[test]
    fn a_missing_platform_names_what_the_index_has() {
        let entries = vec![
            desc("sha256:amd", p("linux", "amd64", None), None),
            desc(
                "sha256:att",
                p("unknown", "unknown", None),
                Some("sha256:amd"),
            ),
        ];
        assert_eq!(pick(&entries, arm64()), Err("linux/amd64".to_string()));
    }
}
