//! The image store: a registry or an OCI layout, behind one type. Build reads
//! its pushed image back from it; manifest reads arch images and writes the index.

pub mod layout;
mod lock;
pub mod pick;

use crate::registry::{FetchedManifest, Registry, RegistryError};

use self::layout::{Layout, LayoutError};

/// What a tag points at now, read just before moving it.
#[derive(Debug)]
pub enum TagNow {
    /// No such tag.
    Absent,
    /// Already the manifest about to be written.
    Same,
    /// Something else: the manifest, or its digest when it cannot be read
    /// as one (a foreign artifact, an unknown media type).
    Other(Result<FetchedManifest, String>),
}

pub enum Store {
    // Boxed: the client is much larger than a layout handle.
    Registry(Box<Registry>),
    Layout(Layout),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Layout(#[from] LayoutError),
}

impl StoreError {
    pub fn is_not_found(&self) -> bool {
        match self {
            StoreError::Registry(e) => e.is_not_found(),
            StoreError::Layout(e) => matches!(e, LayoutError::NotFound { .. }),
        }
    }
}

impl Store {
    /// How a reference is shown to people: `host/repo:tag` or `oci:PATH:tag`.
    pub fn reference(&self, repository: &str, reference: &str) -> String {
        match self {
            Store::Registry(r) => r.reference(repository, reference),
            Store::Layout(l) => format!("oci:{}:{reference}", l.root().display()),
        }
    }

    /// A manifest with its config's platform (image) or entries (index).
    pub async fn fetch(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<FetchedManifest, StoreError> {
        Ok(match self {
            Store::Registry(r) => r.fetch_manifest(repository, reference).await?,
            Store::Layout(l) => l.fetch(reference)?,
        })
    }

    /// [`Store::fetch`] of an image whose config digest the builder reported
    /// (`config`): a registry reads that blob along with the manifest.
    pub async fn fetch_guessing_config(
        &self,
        repository: &str,
        reference: &str,
        config: Option<&str>,
    ) -> Result<FetchedManifest, StoreError> {
        Ok(match (self, config) {
            (Store::Registry(r), Some(config)) => {
                r.fetch_manifest_guessing_config(repository, reference, config)
                    .await?
            }
            _ => self.fetch(repository, reference).await?,
        })
    }

    /// Where a tag points now (`None`: no such tag).
    pub async fn tag_digest(
        &self,
        repository: &str,
        tag: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(match self {
            Store::Registry(r) => r.manifest_digest(repository, tag).await?,
            Store::Layout(l) => l.tag_digest(tag)?,
        })
    }

    /// A small blob (an image config) by digest, checked against it.
    pub async fn blob(&self, repository: &str, digest: &str) -> Result<Vec<u8>, StoreError> {
        Ok(match self {
            Store::Registry(r) => r.blob(repository, digest).await?,
            Store::Layout(l) => l.read_blob(digest)?,
        })
    }

    /// Points `tag` at `bytes` whatever it points at now: for tags no rule
    /// orders (a reused job's arch tag, `last_tag` once the floating tags moved).
    pub async fn put(
        &self,
        repository: &str,
        tag: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        match self {
            Store::Registry(r) => {
                r.put_manifest(repository, tag, media_type, bytes).await?;
                Ok(())
            }
            Store::Layout(l) => Ok(l.update_tag(tag, media_type, bytes, |_| ((), true)).await?),
        }
    }

    /// Reads what `tag` points at now, lets `decide` judge it, and points
    /// the tag at `bytes` when `decide` says so (`(answer, true)`). In a
    /// layout all three happen under its lock; a registry offers no
    /// conditional write, so another writer may move the tag in between.
    pub async fn update_tag<T>(
        &self,
        repository: &str,
        tag: &str,
        media_type: &str,
        bytes: &[u8],
        decide: impl FnOnce(TagNow) -> (T, bool),
    ) -> Result<T, StoreError> {
        let registry = match self {
            Store::Layout(l) => return Ok(l.update_tag(tag, media_type, bytes, decide).await?),
            Store::Registry(r) => r,
        };
        let ours = crate::registry::sha256_digest(bytes);
        let now = match registry.manifest_digest(repository, tag).await? {
            None => TagNow::Absent,
            Some(digest) if digest == ours => TagNow::Same,
            // By digest: what the HEAD saw, even if the tag moves meanwhile.
            Some(digest) => match registry.fetch_manifest_only(repository, &digest).await {
                Ok(m) => TagNow::Other(Ok(m)),
                Err(RegistryError::Invalid { .. }) => TagNow::Other(Err(digest)),
                Err(e) => return Err(e.into()),
            },
        };
        let (answer, write) = decide(now);
        if write {
            registry
                .put_manifest(repository, tag, media_type, bytes)
                .await?;
        }
        Ok(answer)
    }
}
