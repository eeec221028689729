//! The one module that talks to OCI registries (distribution API v2).
//!
//! Used by the manifest stage and by the build stage (to read back a pushed
//! arch image). The API, in the order a caller needs it:
//!
//! - [`Registry::new(host, &insecure_hosts, &env)`](Registry::new) resolves
//!   credentials *before* the first request: `MONOARCH_REGISTRY_USERNAME` /
//!   `MONOARCH_REGISTRY_PASSWORD`, else the docker config (`$DOCKER_CONFIG` or
//!   `~/.docker/config.json`: `credHelpers`, `auths`, `credsStore`, helpers run
//!   as `docker-credential-<name> get`). Hosts in `insecure_hosts` or
//!   `MONOARCH_INSECURE_REGISTRIES` are spoken to over plain HTTP, others over HTTPS.
//! - [`Registry::fetch_manifest(repository, tag_or_digest)`](Registry::fetch_manifest)
//!   returns a [`FetchedManifest`]: `digest` (sha256 of the bytes), `media_type`,
//!   `size`, `raw`, and for an image manifest `platform` (os/architecture/variant
//!   from its config blob); for an index, `children`.
//!   Example (build stage, after a push):
//!   ```text
//!   let registry = Registry::new("127.0.0.1:5000", &["127.0.0.1:5000".into()], env)?;
//!   let image = registry.fetch_manifest("monoarch", "app-20261120-abc1234-arm64").await?;
//!   let platform = image.platform.as_ref().map(|p| p.display()); // Some("linux/arm64")
//!   ```
//! - [`Registry::manifest_digest`] (HEAD: where a tag points, `None` if absent),
//!   [`Registry::put_manifest`] (push; a missing `Location` header is fine),
//!   [`Registry::blob`] (a small blob, digest-checked).
//!
//! Every request retries 5xx, 429 (honouring `Retry-After`) and connection
//! errors with bounded exponential backoff ([`RetryPolicy`]), within one
//! deadline for all its tries (`MONOARCH_REGISTRY_TIMEOUT`, default 120 s);
//! every body is read with a cap while it streams. Other 4xx fail at
//! once: 401/403 say which credentials were used and from where (never their
//! value), 404 is [`RegistryError::NotFound`] (see `is_not_found`) so callers
//! can add their own hint.

mod auth;
mod body;
mod client;
mod credentials;
mod error;
mod helper;
mod retry;
mod transport;
mod types;

pub use client::{Registry, is_insecure};
pub use credentials::{PASSWORD_VAR, USERNAME_VAR};
pub use error::RegistryError;
#[cfg(test)]
pub use types::OCI_MANIFEST;
pub use types::{
    Descriptor, FetchedManifest, ImagePlatform, OCI_INDEX, parse_config_platform, parse_manifest,
    sha256_digest,
};
