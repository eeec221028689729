//! The image store: a registry or an OCI layout, behind one type. Build reads
//! its pushed image back from it; manifest reads arch images and writes the index.

pub mod layout;
pub mod pick;

use crate::registry::{FetchedManifest, Registry, RegistryError};

use self::layout::{Layout, LayoutError};

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

    pub async fn put(
        &self,
        repository: &str,
        tag: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<String, StoreError> {
        Ok(match self {
            Store::Registry(r) => r.put_manifest(repository, tag, media_type, bytes).await?,
            Store::Layout(l) => l.put(tag, media_type, bytes).await?,
        })
    }
}
