//! Finding what a project published last, and the arch image in it that a job
//! could reuse: one index read per project, then two reads per platform.

use crate::contract::{Platform, ProjectPlan, Reuse};
use crate::registry::FetchedManifest;
use crate::store::{Store, pick};

use super::image::{self, ImageKey};

/// Where a project's last published index is.
pub const VERSION_ANNOTATION: &str = "org.opencontainers.image.version";

/// The project's last published index.
pub struct Published {
    /// Its date-sha tag (the index's `version` annotation), for people.
    pub version: String,
    pub index: FetchedManifest,
}

/// An arch image that may stand in for a build, with the key it carries.
pub struct Candidate {
    pub reuse: Reuse,
    pub key: ImageKey,
}

/// Reads the index `tag` points at; `Ok(None)` when there is none yet.
pub async fn published(
    store: &Store,
    project: &ProjectPlan,
    tag: &str,
) -> Result<Option<Published>, String> {
    let index = match store.fetch(&project.repository, tag).await {
        Ok(index) => index,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(format!("cannot look for earlier builds: {e}")),
    };
    if !index.is_index() {
        return Err(format!(
            "{} points at an image, not an index; it is monoarch's own tag, leave it to monoarch",
            store.reference(&project.repository, tag)
        ));
    }
    #[derive(serde::Deserialize)]
    struct Shape {
        #[serde(default)]
        annotations: std::collections::BTreeMap<String, String>,
    }
    let version = serde_json::from_slice::<Shape>(&index.raw)
        .ok()
        .and_then(|s| s.annotations.get(VERSION_ANNOTATION).cloned())
        .unwrap_or_else(|| tag.to_string());
    Ok(Some(Published { version, index }))
}

/// The platform's image in `published`, read and checked (platform, key).
pub async fn candidate(
    store: &Store,
    project: &ProjectPlan,
    published: &Published,
    platform: Platform,
) -> Result<Candidate, String> {
    let version = &published.version;
    let (entry, _) = pick::pick(&published.index.children, platform)
        .map_err(|found| format!("{version} has no {platform} image (it has: {found})"))?;
    let image = store
        .fetch(&project.repository, &entry.digest)
        .await
        .map_err(|e| format!("the {platform} image of {version} cannot be read: {e}"))?;
    let key = image::read(store, &project.repository, &image, platform)
        .await
        .map_err(|why| format!("the {platform} image of {version} cannot be reused: {why}"))?;
    Ok(Candidate {
        reuse: Reuse {
            digest: image.digest,
            media_type: image.media_type,
            size: image.size,
            from: version.clone(),
        },
        key,
    })
}
