//! Where arch images are read and the index is written: a registry or an OCI layout.

use crate::registry::{FetchedManifest, Registry, RegistryError};

use super::layout::{Layout, LayoutError};

pub enum Target {
    // Boxed: the client is much larger than a layout handle.
    Registry(Box<Registry>),
    Layout(Layout),
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Layout(#[from] LayoutError),
}

impl TargetError {
    pub fn is_not_found(&self) -> bool {
        match self {
            TargetError::Registry(e) => e.is_not_found(),
            TargetError::Layout(e) => matches!(e, LayoutError::NotFound { .. }),
        }
    }
}

impl Target {
    /// How a reference is shown to people: `host/repo:tag` or `oci:PATH:tag`.
    pub fn reference(&self, repository: &str, reference: &str) -> String {
        match self {
            Target::Registry(r) => r.reference(repository, reference),
            Target::Layout(l) => format!("oci:{}:{reference}", l.root().display()),
        }
    }

    /// A manifest with its config's platform (image) or entries (index).
    pub async fn fetch(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<FetchedManifest, TargetError> {
        Ok(match self {
            Target::Registry(r) => r.fetch_manifest(repository, reference).await?,
            Target::Layout(l) => l.fetch(reference)?,
        })
    }

    /// Where a tag points now (`None`: no such tag).
    pub async fn tag_digest(
        &self,
        repository: &str,
        tag: &str,
    ) -> Result<Option<String>, TargetError> {
        Ok(match self {
            Target::Registry(r) => r.manifest_digest(repository, tag).await?,
            Target::Layout(l) => l.tag_digest(tag)?,
        })
    }

    pub async fn put(
        &self,
        repository: &str,
        tag: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<String, TargetError> {
        Ok(match self {
            Target::Registry(r) => r.put_manifest(repository, tag, media_type, bytes).await?,
            Target::Layout(l) => l.put(tag, media_type, bytes).await?,
        })
    }
}
