//! After the push: read the arch tag back and check digest and platform.

use thiserror::Error;

use crate::contract::Platform;
use crate::env::Env;
use crate::registry::{FetchedManifest, ImagePlatform, Registry, RegistryError};

#[derive(Debug, Error)]
pub enum VerifyError {
    #[error(
        "{image}: the registry holds digest {found}, but the builder reported {reported}; another job may have pushed the same tag, run the job again"
    )]
    DigestMismatch {
        image: String,
        reported: String,
        found: String,
    },
    #[error(
        "{image}: the pushed image is {found}, the job is for {expected}; the builder did not build for the requested platform"
    )]
    PlatformMismatch {
        image: String,
        expected: Platform,
        found: String,
    },
    #[error("{image}: the pushed index has no {expected} image")]
    NoPlatformEntry { image: String, expected: Platform },
    #[error("{image}: cannot read the pushed image back: {message}")]
    Layout { image: String, message: String },
    #[error("{image}: cannot read the pushed image back: {source}")]
    Registry {
        image: String,
        #[source]
        source: RegistryError,
    },
}

impl VerifyError {
    pub fn exit_code(&self) -> i32 {
        match self {
            VerifyError::Registry { .. } => crate::contract::exit_code::REGISTRY,
            VerifyError::Layout { .. } => crate::contract::exit_code::FAILURE,
            _ => crate::contract::exit_code::VERIFY,
        }
    }
}

/// What was pushed, to be checked.
#[derive(Debug, Clone)]
pub struct Pushed<'a> {
    pub host: &'a str,
    pub repository: &'a str,
    pub tag: &'a str,
    pub digest: &'a str,
    pub platform: Platform,
}

impl Pushed<'_> {
    fn image(&self) -> String {
        format!("{}/{}:{}", self.host, self.repository, self.tag)
    }
}

/// Reads `pushed` back from the registry. An index (BuildKit with
/// attestations) is accepted when its own digest matches and its entry for
/// the job's platform is an image of that platform.
pub fn verify(pushed: &Pushed<'_>, insecure: &[String], env: &Env) -> Result<(), VerifyError> {
    let image = pushed.image();
    let registry_err = |source| VerifyError::Registry {
        image: image.clone(),
        source,
    };
    let registry = Registry::new(pushed.host, insecure, env).map_err(registry_err)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            registry_err(RegistryError::Client {
                host: pushed.host.to_string(),
                message: e.to_string(),
            })
        })?;
    runtime.block_on(async {
        let top = registry
            .fetch_manifest(pushed.repository, pushed.tag)
            .await
            .map_err(registry_err)?;
        check_digest(pushed, &top)?;
        let image_manifest = if top.is_index() {
            let entry = platform_entry(&top, pushed.platform).ok_or_else(|| {
                VerifyError::NoPlatformEntry {
                    image: image.clone(),
                    expected: pushed.platform,
                }
            })?;
            registry
                .fetch_manifest(pushed.repository, &entry)
                .await
                .map_err(registry_err)?
        } else {
            top
        };
        check_platform(&image, pushed.platform, image_manifest.platform.as_ref())
    })
}

/// Reads the arch tag back from an OCI layout (`monoarch run`): buildah wrote
/// one image there, so its digest and config platform must be the job's.
pub fn verify_layout(dir: &std::path::Path, pushed: &Pushed<'_>) -> Result<(), VerifyError> {
    let image = format!("oci:{}:{}", dir.display(), pushed.tag);
    let fetched = crate::store::layout::Layout::open(dir)
        .and_then(|layout| layout.fetch(pushed.tag))
        .map_err(|e| VerifyError::Layout {
            image: image.clone(),
            message: e.to_string(),
        })?;
    if fetched.digest != pushed.digest {
        return Err(VerifyError::DigestMismatch {
            image,
            reported: pushed.digest.to_string(),
            found: fetched.digest,
        });
    }
    check_platform(&image, pushed.platform, fetched.platform.as_ref())
}

fn check_digest(pushed: &Pushed<'_>, top: &FetchedManifest) -> Result<(), VerifyError> {
    if top.digest == pushed.digest {
        Ok(())
    } else {
        Err(VerifyError::DigestMismatch {
            image: pushed.image(),
            reported: pushed.digest.to_string(),
            found: top.digest.clone(),
        })
    }
}

/// The digest of the index entry for `platform` (attestation entries, marked
/// `unknown/unknown`, never match).
fn platform_entry(index: &FetchedManifest, platform: Platform) -> Option<String> {
    index
        .children
        .iter()
        .find(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| Platform::parse(&p.display()) == Some(platform))
        })
        .map(|d| d.digest.clone())
}

/// The config's platform must normalize to the job's (`arm64/v8` == `arm64`).
pub fn check_platform(
    image: &str,
    expected: Platform,
    found: Option<&ImagePlatform>,
) -> Result<(), VerifyError> {
    let found_text = found.map_or_else(
        || "an image without a platform".to_string(),
        |p| p.display(),
    );
    if found.and_then(|p| Platform::parse(&p.display())) == Some(expected) {
        Ok(())
    } else {
        Err(VerifyError::PlatformMismatch {
            image: image.to_string(),
            expected,
            found: found_text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plat(os: &str, arch: &str, variant: Option<&str>) -> ImagePlatform {
        ImagePlatform {
            os: os.into(),
            architecture: arch.into(),
            variant: variant.map(String::from),
        }
    }

    fn entry(digest: &str, platform: ImagePlatform) -> crate::registry::Descriptor {
        crate::registry::Descriptor {
            media_type: crate::registry::OCI_MANIFEST.into(),
            digest: digest.into(),
            size: 1,
            platform: Some(platform),
            annotations: None,
        }
    }

    #[test]
    fn an_attested_index_yields_its_platform_entry_never_the_attestation() {
        let index = FetchedManifest {
            digest: "sha256:index".into(),
            media_type: crate::registry::OCI_INDEX.into(),
            size: 1,
            raw: vec![],
            platform: None,
            children: vec![
                entry("sha256:attestation", plat("unknown", "unknown", None)),
                entry("sha256:arm", plat("linux", "arm64", Some("v8"))),
            ],
        };
        let arm64 = Platform::parse("linux/arm64").expect("known");
        let amd64 = Platform::parse("linux/amd64").expect("known");
        assert_eq!(platform_entry(&index, arm64).as_deref(), Some("sha256:arm"));
        assert_eq!(platform_entry(&index, amd64), None);
        let pushed = Pushed {
            host: "h",
            repository: "r",
            tag: "t",
            digest: "sha256:other",
            platform: arm64,
        };
        let err = check_digest(&pushed, &index).expect_err("digests differ");
        assert_eq!(
            err.to_string(),
            "h/r:t: the registry holds digest sha256:index, but the builder reported sha256:other; another job may have pushed the same tag, run the job again"
        );
    }

    #[test]
    fn platform_must_match_after_normalization() {
        let arm64 = Platform::parse("linux/arm64").expect("known");
        assert!(check_platform("i", arm64, Some(&plat("linux", "arm64", Some("v8")))).is_ok());
        let err = check_platform("reg/app:t", arm64, Some(&plat("linux", "amd64", None)))
            .expect_err("amd64 is not arm64");
        assert_eq!(
            err.to_string(),
            "reg/app:t: the pushed image is linux/amd64, the job is for linux/arm64; the builder did not build for the requested platform"
        );
        assert_eq!(err.exit_code(), crate::contract::exit_code::VERIFY);
        assert!(check_platform("i", arm64, None).is_err());
    }
}
