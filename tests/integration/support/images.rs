//! Small real images (config + layer) pushed with oci-client, and plans built from the plan types.

use std::collections::BTreeMap;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use sha2::{Digest, Sha256};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A manifest pushed by a test: its digest and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    pub digest: String,
    pub size: u64,
}

/// Pushes to one registry (plain HTTP), optionally with basic auth.
pub struct Pusher {
    host: String,
    auth: RegistryAuth,
    client: Client,
    runtime: tokio::runtime::Runtime,
}

impl Pusher {
    pub fn new(host: &str, auth: Option<&(String, String)>) -> Pusher {
        // oci-client uses reqwest without a built-in crypto provider, like monoarch.
        monoarch::tls::install_provider();
        let client = Client::new(ClientConfig {
            protocol: ClientProtocol::Http,
            ..Default::default()
        });
        Pusher {
            host: host.to_string(),
            auth: match auth {
                Some((u, p)) => RegistryAuth::Basic(u.clone(), p.clone()),
                None => RegistryAuth::Anonymous,
            },
            client,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime"),
        }
    }

    fn reference(&self, repo: &str, tag: &str) -> Reference {
        format!("{}/{repo}:{tag}", self.host)
            .parse()
            .expect("valid reference")
    }

    fn blob(&self, reference: &Reference, data: &[u8]) -> String {
        let digest = sha256(data);
        self.runtime
            .block_on(async {
                self.client
                    .auth(reference, &self.auth, RegistryOperation::Push)
                    .await?;
                self.client
                    .push_blob(reference, data.to_vec(), &digest)
                    .await
            })
            .expect("push blob");
        digest
    }

    /// Pushes raw manifest bytes under `tag`; returns their digest and size.
    pub fn manifest(&self, repo: &str, tag: &str, media_type: &str, raw: &[u8]) -> Pushed {
        let reference = self.reference(repo, tag);
        self.runtime
            .block_on(async {
                self.client
                    .auth(&reference, &self.auth, RegistryOperation::Push)
                    .await?;
                self.client
                    .push_manifest_raw(
                        &reference,
                        raw.to_vec(),
                        media_type.parse().expect("header value"),
                    )
                    .await
            })
            .expect("push manifest");
        Pushed {
            digest: sha256(raw),
            size: raw.len() as u64,
        }
    }

    /// A tiny image for `os/arch[/variant]`: one config and one layer whose
    /// content is `marker` (so different markers give different digests).
    pub fn image(&self, repo: &str, tag: &str, platform: &str, marker: &str) -> Pushed {
        let raw = self.image_manifest(repo, tag, platform, marker);
        self.manifest(repo, tag, OCI_MANIFEST, &raw)
    }

    /// Pushes config and layer blobs; returns the manifest bytes (not pushed).
    pub fn image_manifest(&self, repo: &str, tag: &str, platform: &str, marker: &str) -> Vec<u8> {
        let reference = self.reference(repo, tag);
        let mut parts = platform.split('/');
        let os = parts.next().unwrap_or("linux");
        let arch = parts.next().unwrap_or("amd64");
        let variant = parts.next();
        let layer = tar_with_file("marker.txt", marker.as_bytes());
        let layer_digest = self.blob(&reference, &layer);
        let mut config = serde_json::json!({
            "architecture": arch,
            "os": os,
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
            "config": {},
        });
        if let Some(v) = variant {
            config["variant"] = v.into();
        }
        let config = serde_json::to_vec(&config).expect("config JSON");
        let config_digest = self.blob(&reference, &config);
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer.len()}],
        }))
        .expect("manifest JSON")
    }

    /// What BuildKit pushes with provenance on: an index holding the image and
    /// an attestation manifest (platform unknown/unknown) that refers to it.
    /// Returns (index, image, attestation).
    pub fn attested_image(
        &self,
        repo: &str,
        tag: &str,
        platform: &str,
        marker: &str,
    ) -> (Pushed, Pushed, Pushed) {
        let image = self.image(repo, &format!("{tag}-img"), platform, marker);
        let reference = self.reference(repo, tag);
        let statement = br#"{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2"}"#;
        let statement_digest = self.blob(&reference, statement);
        let config = br#"{"architecture":"unknown","os":"unknown","rootfs":{"type":"layers","diff_ids":[]}}"#;
        let config_digest = self.blob(&reference, config);
        let attestation = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": "application/vnd.in-toto+json", "digest": statement_digest, "size": statement.len(),
                        "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}}],
        }))
        .expect("attestation JSON");
        let attestation = self.manifest(repo, &format!("{tag}-att"), OCI_MANIFEST, &attestation);
        let (os, arch) = platform.split_once('/').unwrap_or(("linux", platform));
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": image.digest, "size": image.size,
                 "platform": {"architecture": arch, "os": os}},
                {"mediaType": OCI_MANIFEST, "digest": attestation.digest, "size": attestation.size,
                 "platform": {"architecture": "unknown", "os": "unknown"},
                 "annotations": {"vnd.docker.reference.digest": image.digest,
                                 "vnd.docker.reference.type": "attestation-manifest"}},
            ],
        }))
        .expect("index JSON");
        let index = self.manifest(repo, tag, OCI_INDEX, &index);
        (index, image, attestation)
    }
}

/// A one-file uncompressed tar archive (ustar), enough for a real layer.
pub fn tar_with_file(name: &str, content: &[u8]) -> Vec<u8> {
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    header[100..108].copy_from_slice(b"0000644\0");
    header[108..116].copy_from_slice(b"0000000\0");
    header[116..124].copy_from_slice(b"0000000\0");
    header[124..136].copy_from_slice(format!("{:011o}\0", content.len()).as_bytes());
    header[136..148].copy_from_slice(b"00000000000\0");
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = header.to_vec();
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// Annotations of a map, for assertions.
pub fn annotations(v: &serde_json::Value) -> BTreeMap<String, String> {
    v["annotations"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}
