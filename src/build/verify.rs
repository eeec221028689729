//! After the push: read the arch tag back from the store and check digest and platform.

use thiserror::Error;

use crate::contract::Platform;
use crate::store::pick::{self, PickError};
use crate::store::{Store, StoreError};

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
    #[error("{image}: the pushed index has no {expected} image (it has: {found})")]
    NoPlatformEntry {
        image: String,
        expected: Platform,
        found: String,
    },
    #[error(
        "{image}: the pushed image's build key cannot be trusted: {message}; run the job again"
    )]
    Key { image: String, message: String },
    #[error("{image}: cannot read the pushed image back: {source}")]
    Read {
        image: String,
        #[source]
        source: StoreError,
    },
}

/// What was pushed, to be checked.
#[derive(Debug, Clone)]
pub struct Pushed<'a> {
    pub repository: &'a str,
    pub tag: &'a str,
    pub digest: &'a str,
    pub platform: Platform,
    /// The config digest the builder reported (buildah's image ID), read along
    /// with the manifest; checked against the manifest before it is used.
    pub config: Option<&'a str>,
}

/// Reads `pushed` back from the store (the registry, or the OCI layout of
/// `monoarch run`). The tag must point at the digest the builder reported; an
/// index there (BuildKit with attestations) must hold an image of the job's
/// platform, by the rule of [`pick`].
pub async fn verify(store: &Store, pushed: &Pushed<'_>) -> Result<(), VerifyError> {
    verified_image(store, pushed).await.map(|_| ())
}

/// [`verify`], then the key the image carries must be `key`, and (when
/// `check_base`: a build without buildah's `--layers`) the base the builder
/// recorded one the key was made with.
pub async fn verify_key(
    store: &Store,
    pushed: &Pushed<'_>,
    key: &str,
    check_base: bool,
) -> Result<(), VerifyError> {
    let image = verified_image(store, pushed).await?;
    let reference = store.reference(pushed.repository, pushed.tag);
    let found = crate::key::image::read(store, pushed.repository, &image, pushed.platform)
        .await
        .map_err(|message| VerifyError::Key {
            image: reference.clone(),
            message,
        })?;
    if found.key != key {
        return Err(VerifyError::Key {
            image: reference,
            message: format!("it carries {}, the build made {key}", found.key),
        });
    }
    if check_base {
        found
            .base_consistent()
            .map_err(|message| VerifyError::Key {
                image: reference,
                message,
            })?;
    }
    Ok(())
}

async fn verified_image(
    store: &Store,
    pushed: &Pushed<'_>,
) -> Result<crate::registry::FetchedManifest, VerifyError> {
    let image = store.reference(pushed.repository, pushed.tag);
    let top = store
        .fetch_guessing_config(pushed.repository, pushed.tag, pushed.config)
        .await
        .map_err(|source| VerifyError::Read {
            image: image.clone(),
            source,
        })?;
    if top.digest != pushed.digest {
        return Err(VerifyError::DigestMismatch {
            image,
            reported: pushed.digest.to_string(),
            found: top.digest,
        });
    }
    match pick::platform_image(store, pushed.repository, &top, pushed.platform).await {
        Ok((image, _)) => Ok(image),
        Err(PickError::Store(source)) => Err(VerifyError::Read { image, source }),
        Err(PickError::NotInIndex { expected, found }) => Err(VerifyError::NoPlatformEntry {
            image,
            expected,
            found,
        }),
        Err(PickError::Platform { expected, found }) => Err(VerifyError::PlatformMismatch {
            image,
            expected,
            found,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::layout::Layout;
    use crate::store::layout::tests::layout_with_image;

    #[tokio::test]
    async fn digest_and_platform_are_checked_in_a_layout() {
        let dir = tempfile::tempdir().expect("temp dir");
        let digest = layout_with_image(dir.path());
        let store = Store::Layout(Layout::open(dir.path()).expect("opens"));
        let arm64 = Platform::parse("linux/arm64").expect("known");
        let pushed = Pushed {
            repository: "r",
            tag: "t-arm64",
            digest: &digest,
            platform: arm64,
            config: None,
        };
        verify(&store, &pushed)
            .await
            .expect("the image is the job's");

        let other = Pushed {
            digest: "sha256:other",
            ..pushed.clone()
        };
        let err = verify(&store, &other).await.expect_err("digests differ");
        assert_eq!(
            err.to_string(),
            format!(
                "oci:{}:t-arm64: the registry holds digest {digest}, but the builder reported sha256:other; another job may have pushed the same tag, run the job again",
                dir.path().display()
            )
        );

        let amd64 = Pushed {
            platform: Platform::parse("linux/amd64").expect("known"),
            ..pushed
        };
        let err = verify(&store, &amd64).await.expect_err("wrong platform");
        assert!(
            err.to_string()
                .ends_with("the pushed image is linux/arm64, the job is for linux/amd64; the builder did not build for the requested platform"),
            "{err}"
        );
    }
}
