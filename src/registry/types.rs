//! Manifest media types and the parsed facts the stages need from a manifest.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// Every manifest type monoarch reads, as an `Accept` header value.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST
}

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Platform fields as an image config or an index entry states them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagePlatform {
    pub os: String,
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl ImagePlatform {
    /// `os/arch[/variant]`, as people write it.
    pub fn display(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{}", self.os, self.architecture, v),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// A content descriptor (`mediaType`, `digest`, `size`, ...), as in an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<ImagePlatform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// One manifest as fetched: its bytes, and what they say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedManifest {
    /// `sha256:` of `raw`, checked against the registry's answer.
    pub digest: String,
    pub media_type: String,
    pub size: u64,
    pub raw: Vec<u8>,
    /// For an image manifest: the platform its config states.
    pub platform: Option<ImagePlatform>,
    /// For an index: its entries.
    pub children: Vec<Descriptor>,
}

impl FetchedManifest {
    pub fn is_index(&self) -> bool {
        is_index(&self.media_type)
    }
}

#[derive(Deserialize)]
struct ManifestShape {
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
    config: Option<Descriptor>,
    manifests: Option<Vec<Descriptor>>,
}

/// What a manifest's bytes say: media type (the body's own, else the
/// header's), config descriptor (image) or entries (index).
pub struct ParsedManifest {
    pub media_type: String,
    pub config: Option<Descriptor>,
    pub children: Vec<Descriptor>,
}

pub fn parse_manifest(raw: &[u8], header_type: Option<&str>) -> Result<ParsedManifest, String> {
    let shape: ManifestShape =
        serde_json::from_slice(raw).map_err(|e| format!("manifest is not valid JSON: {e}"))?;
    let media_type = shape
        .media_type
        .or_else(|| header_type.map(|h| h.split(';').next().unwrap_or(h).trim().to_string()))
        .or_else(|| {
            // OCI allows omitting mediaType; the shape tells which one it is.
            if shape.manifests.is_some() {
                Some(OCI_INDEX.to_string())
            } else if shape.config.is_some() {
                Some(OCI_MANIFEST.to_string())
            } else {
                None
            }
        })
        .ok_or("manifest has no mediaType")?;
    if is_index(&media_type) {
        Ok(ParsedManifest {
            media_type,
            config: None,
            children: shape.manifests.unwrap_or_default(),
        })
    } else if media_type == OCI_MANIFEST || media_type == DOCKER_MANIFEST {
        let config = shape.config.ok_or("image manifest has no config")?;
        Ok(ParsedManifest {
            media_type,
            config: Some(config),
            children: Vec::new(),
        })
    } else {
        Err(format!("unsupported manifest media type `{media_type}`"))
    }
}

/// The platform an image config states.
pub fn parse_config_platform(raw: &[u8]) -> Result<ImagePlatform, String> {
    let platform: ImagePlatform = serde_json::from_slice(raw)
        .map_err(|e| format!("image config lacks os/architecture: {e}"))?;
    Ok(platform)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_image_and_index() {
        let image = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:aa","size":3},"layers":[]}"#;
        let parsed = parse_manifest(image, None).expect("parses");
        assert_eq!(parsed.media_type, OCI_MANIFEST);
        assert_eq!(parsed.config.expect("config").digest, "sha256:aa");

        let index = br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bb","size":5,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]}"#;
        let parsed =
            parse_manifest(index, Some("application/vnd.oci.image.index.v1+json")).expect("parses");
        assert!(is_index(&parsed.media_type));
        let platform = parsed.children[0].platform.clone().expect("platform");
        assert_eq!(platform.display(), "linux/arm64/v8");
    }

    #[test]
    fn rejects_unknown_types_and_bad_json() {
        assert!(parse_manifest(b"{\"mediaType\":\"text/plain\"}", None).is_err());
        assert!(parse_manifest(b"not json", None).is_err());
    }

    #[test]
    fn config_platform_and_digest() {
        let config =
            br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
        let p = parse_config_platform(config).expect("parses");
        assert_eq!(p.display(), "linux/amd64");
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
