//! An OCI image layout directory as a target: arch images in, index and tags out.
//!
//! Tags are `org.opencontainers.image.ref.name` annotations in `index.json`, so
//! `skopeo inspect oci:PATH:TAG` reads what monoarch wrote. Every change of
//! `index.json` holds an exclusive lock on the layout folder ([`lock`](super::lock)),
//! so concurrent monoarch processes writing one layout lose no tag.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use super::lock::{self, LockError};
use crate::registry::{FetchedManifest, parse_config_platform, parse_manifest, sha256_digest};

/// How long a writer waits for another to finish with `index.json`.
const LOCK_DEADLINE: Duration = Duration::from_secs(60);

pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("oci:{path}:{reference}: not in the layout's index.json")]
    NotFound { path: PathBuf, reference: String },
    #[error("OCI layout {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    Lock(#[from] LockError),
}

pub struct Layout {
    root: PathBuf,
    /// Serializes this process's projects; the folder lock serializes processes.
    lock: tokio::sync::Mutex<()>,
}

impl Layout {
    /// Opens an existing layout (the build stage wrote the arch images into it).
    pub fn open(root: &Path) -> Result<Layout, LayoutError> {
        if !root.join("index.json").is_file() {
            return Err(LayoutError::Invalid {
                path: root.to_path_buf(),
                message: "no index.json here; build the arch images into this layout first (e.g. `skopeo copy ... oci:PATH:TAG`)".into(),
            });
        }
        Ok(Layout {
            root: root.to_path_buf(),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn invalid(&self, message: impl Into<String>) -> LayoutError {
        LayoutError::Invalid {
            path: self.root.clone(),
            message: message.into(),
        }
    }

    fn read_index(&self) -> Result<Value, LayoutError> {
        let path = self.root.join("index.json");
        let text = std::fs::read(&path).map_err(|e| self.invalid(format!("index.json: {e}")))?;
        serde_json::from_slice(&text).map_err(|e| self.invalid(format!("index.json: {e}")))
    }

    fn blob_path(&self, digest: &str) -> Result<PathBuf, LayoutError> {
        let hex = digest
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.invalid(format!("`{digest}` is not a sha256 digest")))?;
        Ok(self.root.join("blobs").join("sha256").join(hex))
    }

    /// A blob by digest, checked against it.
    pub fn read_blob(&self, digest: &str) -> Result<Vec<u8>, LayoutError> {
        let path = self.blob_path(digest)?;
        let bytes =
            std::fs::read(&path).map_err(|e| self.invalid(format!("blob {digest}: {e}")))?;
        if sha256_digest(&bytes) != digest {
            return Err(self.invalid(format!("blob {digest} does not match its digest")));
        }
        Ok(bytes)
    }

    /// The digest `index.json` lists for a tag (the last entry wins, as in skopeo).
    pub fn tag_digest(&self, tag: &str) -> Result<Option<String>, LayoutError> {
        let index = self.read_index()?;
        Ok(entries(&index)
            .iter()
            .rev()
            .find(|e| e["annotations"][REF_NAME].as_str() == Some(tag))
            .and_then(|e| e["digest"].as_str().map(str::to_string)))
    }

    /// A manifest by tag or digest, with its config's platform for an image.
    pub fn fetch(&self, reference: &str) -> Result<FetchedManifest, LayoutError> {
        let digest = if reference.starts_with("sha256:") {
            reference.to_string()
        } else {
            self.tag_digest(reference)?
                .ok_or_else(|| LayoutError::NotFound {
                    path: self.root.clone(),
                    reference: reference.to_string(),
                })?
        };
        let raw = self.read_blob(&digest)?;
        let parsed =
            parse_manifest(&raw, None).map_err(|m| self.invalid(format!("{digest}: {m}")))?;
        let platform = match &parsed.config {
            Some(config) => Some(
                parse_config_platform(&self.read_blob(&config.digest)?)
                    .map_err(|m| self.invalid(format!("{}: {m}", config.digest)))?,
            ),
            None => None,
        };
        Ok(FetchedManifest {
            digest,
            media_type: parsed.media_type,
            size: raw.len() as u64,
            raw,
            platform,
            children: parsed.children,
        })
    }

    /// Writes the manifest blob; then, under the layout's lock, shows
    /// `decide` what `tag` points at now (see [`TagNow`](super::TagNow)) and,
    /// if it says so, points the tag at `bytes` in `index.json` (replacing
    /// the tag's old entry). No other writer can move the tag between the
    /// read and the write; each file is replaced atomically.
    pub async fn update_tag<T>(
        &self,
        tag: &str,
        media_type: &str,
        bytes: &[u8],
        decide: impl FnOnce(super::TagNow) -> (T, bool),
    ) -> Result<T, LayoutError> {
        let digest = sha256_digest(bytes);
        let path = self.blob_path(&digest)?;
        if !path.is_file() {
            write_atomic(&path, bytes).map_err(|e| self.invalid(format!("write {digest}: {e}")))?;
        }
        let _guard = self.lock.lock().await;
        let _folder = lock::exclusive(&self.root, LOCK_DEADLINE).await?;
        let now = match self.tag_digest(tag)? {
            None => super::TagNow::Absent,
            Some(d) if d == digest => super::TagNow::Same,
            // Unreadable or foreign content is still "something else".
            Some(d) => super::TagNow::Other(self.fetch(&d).map_err(|_| d)),
        };
        let (answer, write) = decide(now);
        if !write {
            return Ok(answer);
        }
        let mut index = self.read_index()?;
        let mut kept: Vec<Value> = entries(&index)
            .into_iter()
            .filter(|e| e["annotations"][REF_NAME].as_str() != Some(tag))
            .collect();
        kept.push(json!({
            "mediaType": media_type,
            "digest": digest,
            "size": bytes.len(),
            "annotations": { REF_NAME: tag },
        }));
        index["manifests"] = Value::Array(kept);
        let text = serde_json::to_vec(&index).expect("JSON values always serialize");
        write_atomic(&self.root.join("index.json"), &text)
            .map_err(|e| self.invalid(format!("write index.json: {e}")))?;
        Ok(answer)
    }
}

fn entries(index: &Value) -> Vec<Value> {
    index["manifests"].as_array().cloned().unwrap_or_default()
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A layout holding one linux/arm64 image tagged `t-arm64`; returns its digest.
    pub(crate) fn layout_with_image(dir: &Path) -> String {
        let config = br#"{"architecture":"arm64","os":"linux"}"#;
        let config_digest = sha256_digest(config);
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[]}}"#,
            config.len()
        );
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).expect("blobs");
        std::fs::write(blobs.join(&config_digest[7..]), config).expect("config");
        let digest = sha256_digest(manifest.as_bytes());
        std::fs::write(blobs.join(&digest[7..]), &manifest).expect("manifest");
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)
            .expect("oci-layout");
        std::fs::write(
            dir.join("index.json"),
            format!(
                r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{digest}","size":{},"annotations":{{"{REF_NAME}":"t-arm64"}}}}]}}"#,
                manifest.len()
            ),
        )
        .expect("index");
        digest
    }

    #[tokio::test]
    async fn fetches_by_tag_and_retags() {
        let dir = tempfile::tempdir().expect("temp");
        let digest = layout_with_image(dir.path());
        let layout = Layout::open(dir.path()).expect("opens");
        let image = layout.fetch("t-arm64").expect("found");
        assert_eq!(image.digest, digest);
        assert_eq!(
            image.platform.map(|p| p.display()),
            Some("linux/arm64".to_string())
        );
        assert!(matches!(
            layout.fetch("nope"),
            Err(LayoutError::NotFound { .. })
        ));

        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        let put = |first: bool| {
            let layout = &layout;
            async move {
                layout
                    .update_tag("t", crate::registry::OCI_INDEX, index, |now| {
                        let expected = if first { "Absent" } else { "Same" };
                        assert_eq!(format!("{now:?}"), expected);
                        ((), true)
                    })
                    .await
                    .expect("put");
            }
        };
        put(true).await;
        assert_eq!(
            layout.tag_digest("t").expect("read"),
            Some(sha256_digest(index))
        );
        put(false).await;
        let all = layout.read_index().expect("index");
        assert_eq!(entries(&all).len(), 2, "retagging replaces the entry");
        assert!(layout.fetch("../../etc").is_err());
    }
}
