//! `skopeo`, an independent registry client, to cross-check what monoarch pushed.

use std::process::Command;

use sha2::{Digest, Sha256};

fn skopeo(args: &[&str]) -> Vec<u8> {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("run skopeo");
    assert!(
        out.status.success(),
        "skopeo {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Deletes `image` (`host/repo:tag`, plain HTTP) from its registry.
pub fn delete(image: &str) {
    skopeo(&["delete", "--tls-verify=false", &format!("docker://{image}")]);
}

/// `sha256:` of the raw manifest `image` (`host/repo:tag`, plain HTTP) resolves to.
pub fn manifest_digest(image: &str) -> String {
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{image}"),
    ]);
    format!("sha256:{}", hex::encode(Sha256::digest(&raw)))
}

/// The raw manifest (or index) `image` resolves to, as JSON.
pub fn raw_manifest(image: &str) -> serde_json::Value {
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{image}"),
    ]);
    serde_json::from_slice(&raw).expect("manifest is JSON")
}

/// `os/architecture[/variant]` from the image's config blob.
pub fn config_platform(image: &str) -> String {
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--config",
        &format!("docker://{image}"),
    ]);
    let config: serde_json::Value = serde_json::from_slice(&raw).expect("config is JSON");
    let field = |k: &str| {
        config
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    match field("variant").as_str() {
        "" => format!("{}/{}", field("os"), field("architecture")),
        v => format!("{}/{}/{v}", field("os"), field("architecture")),
    }
}
