//! The registry client: one host, credentials resolved up front, retries, auth.

use reqwest::{Method, StatusCode, header};

use super::body::MAX_DOCUMENT;
use super::credentials;
use super::error::RegistryError;
use super::retry::{RetryPolicy, TIMEOUT_VAR};
use super::transport::{Call, Transport};
use super::types::{ACCEPT, FetchedManifest, parse_config_platform, parse_manifest, sha256_digest};
use crate::env::Env;

/// Env var with extra plain-HTTP registries, comma-separated.
pub const INSECURE_VAR: &str = "MONOARCH_INSECURE_REGISTRIES";

pub struct Registry {
    host: String,
    transport: Transport,
}

/// True when `host` is listed as insecure (plain HTTP) on the command line or in
/// `MONOARCH_INSECURE_REGISTRIES`.
pub fn is_insecure(host: &str, listed: &[String], env: &Env) -> bool {
    let from_env = env.get(INSECURE_VAR).unwrap_or_default();
    listed
        .iter()
        .map(String::as_str)
        .chain(from_env.split(','))
        .any(|h| !h.trim().is_empty() && h.trim() == host)
}

impl Registry {
    /// A client for `host`. Resolves credentials now (running a credential
    /// helper if the docker config names one), before any request.
    /// `insecure` lists hosts to reach over plain HTTP; `MONOARCH_INSECURE_REGISTRIES` adds more.
    pub fn new(host: &str, insecure: &[String], env: &Env) -> Result<Registry, RegistryError> {
        let retry = RetryPolicy::with_timeout(env.get(TIMEOUT_VAR)).map_err(|message| {
            RegistryError::Client {
                host: host.to_string(),
                message,
            }
        })?;
        let credentials = credentials::resolve(host, env)?;
        let scheme = if is_insecure(host, insecure, env) {
            "http"
        } else {
            "https"
        };
        let roots = crate::tls::extra_roots_der(env.get(crate::tls::CA_FILE_VAR)).map_err(|e| {
            RegistryError::Client {
                host: host.to_string(),
                message: e.to_string(),
            }
        })?;
        tracing::debug!(host, credentials = %credentials.describe(), "registry client");
        Ok(Registry {
            host: host.to_string(),
            transport: Transport::new(
                host,
                format!("{scheme}://{host}"),
                credentials,
                retry,
                roots,
            )?,
        })
    }

    /// HTTP requests sent so far (retries and token requests included).
    pub fn requests_sent(&self) -> u64 {
        self.transport.requests_sent()
    }

    /// `host/repository:tag` or `host/repository@digest`, for messages.
    pub fn reference(&self, repository: &str, reference: &str) -> String {
        let sep = if reference.contains(':') { '@' } else { ':' };
        format!("{}/{repository}{sep}{reference}", self.host)
    }

    /// Fetches a manifest by tag or digest. For an image manifest it also
    /// fetches the config blob and fills in `platform`; for an index, `children`.
    pub async fn fetch_manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<FetchedManifest, RegistryError> {
        let manifest = self.fetch_manifest_only(repository, reference).await?;
        self.with_platform(manifest, repository, reference, None)
            .await
    }

    /// [`Self::fetch_manifest`] for an image whose config digest the builder
    /// reported: that blob is read at the same time as the manifest (one round
    /// trip less) and used only when the manifest names it; otherwise the config
    /// the manifest names is read after it, as without the guess.
    pub async fn fetch_manifest_guessing_config(
        &self,
        repository: &str,
        reference: &str,
        config: &str,
    ) -> Result<FetchedManifest, RegistryError> {
        let (manifest, guessed) = tokio::join!(
            self.fetch_manifest_only(repository, reference),
            self.blob(repository, config)
        );
        self.with_platform(manifest?, repository, reference, Some((config, guessed)))
            .await
    }

    /// Fills in an image manifest's `platform` from its config blob (`guessed`:
    /// a blob already read, and its digest).
    async fn with_platform(
        &self,
        mut manifest: FetchedManifest,
        repository: &str,
        reference: &str,
        guessed: Option<(&str, Result<Vec<u8>, RegistryError>)>,
    ) -> Result<FetchedManifest, RegistryError> {
        if !manifest.is_index() {
            let name = self.reference(repository, reference);
            let parsed =
                parse_manifest(&manifest.raw, Some(&manifest.media_type)).map_err(|message| {
                    RegistryError::Invalid {
                        reference: name.clone(),
                        message,
                    }
                })?;
            if let Some(config) = parsed.config {
                let raw = match guessed_config(guessed, &config.digest) {
                    Some(raw) => raw,
                    None => self.blob(repository, &config.digest).await?,
                };
                let platform =
                    parse_config_platform(&raw).map_err(|message| RegistryError::Invalid {
                        reference: name.clone(),
                        message,
                    })?;
                manifest.platform = Some(platform);
            }
        }
        Ok(manifest)
    }

    /// Fetches a manifest without looking at its config (`platform` stays `None`).
    pub async fn fetch_manifest_only(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<FetchedManifest, RegistryError> {
        let name = self.reference(repository, reference);
        let answer = self
            .transport
            .send(&Call {
                method: Method::GET,
                path: format!("/v2/{repository}/manifests/{reference}"),
                repository,
                push: false,
                accept: Some(ACCEPT),
                body: None,
                reference: &name,
                limit: MAX_DOCUMENT,
            })
            .await?;
        let answer = self.transport.check(answer, &name, "read")?;
        let header_type = answer.header(header::CONTENT_TYPE);
        let raw = answer.body;
        let digest = sha256_digest(&raw);
        if reference.starts_with("sha256:") && reference != digest {
            return Err(RegistryError::Invalid {
                reference: name,
                message: format!("the registry sent content with digest {digest}"),
            });
        }
        let parsed = parse_manifest(&raw, header_type.as_deref()).map_err(|message| {
            RegistryError::Invalid {
                reference: name.clone(),
                message,
            }
        })?;
        Ok(FetchedManifest {
            digest,
            media_type: parsed.media_type,
            size: raw.len() as u64,
            raw,
            platform: None,
            children: parsed.children,
        })
    }

    /// The digest a tag points at now, or `None` if the tag does not exist (HEAD).
    pub async fn manifest_digest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<Option<String>, RegistryError> {
        let name = self.reference(repository, reference);
        let answer = self
            .transport
            .send(&Call {
                method: Method::HEAD,
                path: format!("/v2/{repository}/manifests/{reference}"),
                repository,
                push: false,
                accept: Some(ACCEPT),
                body: None,
                reference: &name,
                limit: 0,
            })
            .await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let answer = self.transport.check(answer, &name, "read")?;
        match answer.header("docker-content-digest") {
            Some(digest) => Ok(Some(digest)),
            // Some registries omit the header on HEAD; hash the body instead.
            None => Ok(Some(
                self.fetch_manifest_only(repository, reference)
                    .await?
                    .digest,
            )),
        }
    }

    /// Pushes a manifest under a tag (or its digest); returns its digest.
    /// A missing `Location` header in the answer is fine.
    pub async fn put_manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<String, RegistryError> {
        let name = self.reference(repository, reference);
        let answer = self
            .transport
            .send(&Call {
                method: Method::PUT,
                path: format!("/v2/{repository}/manifests/{reference}"),
                repository,
                push: true,
                accept: None,
                body: Some((media_type, bytes)),
                reference: &name,
                limit: MAX_DOCUMENT,
            })
            .await?;
        let answer = self.transport.check(answer, &name, "push to")?;
        let digest = sha256_digest(bytes);
        if let Some(answered) = answer.header("docker-content-digest")
            && answered != digest
        {
            return Err(RegistryError::Invalid {
                reference: name,
                message: format!("the registry stored {answered}, monoarch sent {digest}"),
            });
        }
        Ok(digest)
    }

    /// Reads a (small) blob such as an image config and checks its digest.
    pub async fn blob(&self, repository: &str, digest: &str) -> Result<Vec<u8>, RegistryError> {
        let name = self.reference(repository, digest);
        let answer = self
            .transport
            .send(&Call {
                method: Method::GET,
                path: format!("/v2/{repository}/blobs/{digest}"),
                repository,
                push: false,
                accept: None,
                body: None,
                reference: &name,
                limit: MAX_DOCUMENT,
            })
            .await?;
        let raw = self.transport.check(answer, &name, "read")?.body;
        if sha256_digest(&raw) != digest {
            return Err(RegistryError::Invalid {
                reference: name,
                message: "blob content does not match its digest".into(),
            });
        }
        Ok(raw)
    }
}

/// The blob read on a guess, when it is the config the manifest names (`blob`
/// checked its content against the guessed digest); else `None`: read the named one.
fn guessed_config(
    guessed: Option<(&str, Result<Vec<u8>, RegistryError>)>,
    named: &str,
) -> Option<Vec<u8>> {
    match guessed {
        Some((digest, Ok(raw))) if digest == named => Some(raw),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guessed_config_is_used_only_when_the_manifest_names_it() {
        let read = || Some(("sha256:aa", Ok(b"{}".to_vec())));
        assert_eq!(guessed_config(read(), "sha256:aa"), Some(b"{}".to_vec()));
        assert_eq!(guessed_config(read(), "sha256:bb"), None);
        let failed = RegistryError::Invalid {
            reference: "r".into(),
            message: "blob content does not match its digest".into(),
        };
        assert_eq!(
            guessed_config(Some(("sha256:aa", Err(failed))), "sha256:aa"),
            None
        );
        assert_eq!(guessed_config(None, "sha256:aa"), None);
    }

    #[test]
    fn insecure_hosts_from_flag_and_env() {
        let env = Env::from_pairs([(INSECURE_VAR, "a:5000, b:5000")]);
        assert!(is_insecure("a:5000", &[], &env));
        assert!(is_insecure("b:5000", &[], &env));
        assert!(is_insecure("c", &["c".to_string()], &env));
        assert!(!is_insecure("d", &[], &env));
        assert!(!is_insecure("", &[], &Env::default()));
    }
}
