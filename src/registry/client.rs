//! The registry client: one host, credentials resolved up front, retries, auth.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::{Method, Response, StatusCode, header};

use super::auth::{Challenge, parse_challenge, scope};
use super::credentials::{self, Credentials, Secret};
use super::error::RegistryError;
use super::retry::{RetryPolicy, is_transient, parse_retry_after};
use super::types::{
    ACCEPT, FetchedManifest, ImagePlatform, is_index, parse_config_platform, parse_manifest,
    sha256_digest,
};
use crate::env::Env;

/// Env var with extra plain-HTTP registries, comma-separated.
pub const INSECURE_VAR: &str = "MONOARCH_INSECURE_REGISTRIES";

/// Manifests and configs larger than this are refused (no image needs more).
const MAX_DOCUMENT: usize = 16 * 1024 * 1024;

pub struct Registry {
    host: String,
    base: String,
    http: reqwest::Client,
    credentials: Credentials,
    retry: RetryPolicy,
    auth: Mutex<AuthState>,
    requests: AtomicU64,
}

#[derive(Default)]
struct AuthState {
    challenge: Option<Challenge>,
    tokens: HashMap<String, String>,
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
        let credentials = credentials::resolve(host, env)?;
        let scheme = if is_insecure(host, insecure, env) {
            "http"
        } else {
            "https"
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .user_agent(concat!("monoarch/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RegistryError::Client {
                host: host.to_string(),
                message: e.to_string(),
            })?;
        tracing::debug!(host, credentials = %credentials.describe(), "registry client");
        Ok(Registry {
            host: host.to_string(),
            base: format!("{scheme}://{host}"),
            http,
            credentials,
            retry: RetryPolicy::default(),
            auth: Mutex::new(AuthState::default()),
            requests: AtomicU64::new(0),
        })
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Registry {
        self.retry = retry;
        self
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// Where the credentials came from (never their value).
    pub fn credentials_source(&self) -> String {
        self.credentials.describe()
    }

    /// HTTP requests sent so far (retries and token requests included).
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
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
        let mut manifest = self.fetch_manifest_only(repository, reference).await?;
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
                let raw = self.blob(repository, &config.digest).await?;
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
        let path = format!("/v2/{repository}/manifests/{reference}");
        let resp = self
            .send(
                Method::GET,
                &path,
                repository,
                false,
                Some(ACCEPT),
                None,
                &name,
            )
            .await?;
        let resp = self.check(resp, &name, "read").await?;
        let header_type = header_str(&resp, header::CONTENT_TYPE);
        let raw = read_limited(resp, &name).await?;
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
        let path = format!("/v2/{repository}/manifests/{reference}");
        let resp = self
            .send(
                Method::HEAD,
                &path,
                repository,
                false,
                Some(ACCEPT),
                None,
                &name,
            )
            .await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let resp = self.check(resp, &name, "read").await?;
        match header_str(&resp, "docker-content-digest") {
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
        let path = format!("/v2/{repository}/manifests/{reference}");
        let body = Some((media_type, bytes));
        let resp = self
            .send(Method::PUT, &path, repository, true, None, body, &name)
            .await?;
        let resp = self.check(resp, &name, "push to").await?;
        let digest = sha256_digest(bytes);
        if let Some(answered) = header_str(&resp, "docker-content-digest")
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
        let path = format!("/v2/{repository}/blobs/{digest}");
        let resp = self
            .send(Method::GET, &path, repository, false, None, None, &name)
            .await?;
        let resp = self.check(resp, &name, "read").await?;
        let raw = read_limited(resp, &name).await?;
        if sha256_digest(&raw) != digest {
            return Err(RegistryError::Invalid {
                reference: name,
                message: "blob content does not match its digest".into(),
            });
        }
        Ok(raw)
    }

    /// Maps a final response to an error unless it succeeded.
    async fn check(
        &self,
        resp: Response,
        reference: &str,
        action: &'static str,
    ) -> Result<Response, RegistryError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let code = status.as_u16();
        match code {
            401 | 403 => Err(RegistryError::Unauthorized {
                reference: reference.to_string(),
                status: code,
                action,
                credentials: self.credentials.describe(),
            }),
            404 => Err(RegistryError::NotFound {
                reference: reference.to_string(),
                hint: String::new(),
            }),
            _ => {
                let body = resp.text().await.unwrap_or_default();
                Err(RegistryError::Refused {
                    reference: reference.to_string(),
                    status: code,
                    message: error_message(&body),
                })
            }
        }
    }

    /// Sends one request with auth, retrying transient failures. Returns the
    /// final response, whatever its status (callers map it with `check`).
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        method: Method,
        path: &str,
        repository: &str,
        push: bool,
        accept: Option<&str>,
        body: Option<(&str, &[u8])>,
        reference: &str,
    ) -> Result<Response, RegistryError> {
        let url = format!("{}{path}", self.base);
        let scope = scope(repository, push);
        let mut attempt = 0;
        let mut answered_challenge = false;
        loop {
            attempt += 1;
            let mut req = self.http.request(method.clone(), &url);
            if let Some(accept) = accept {
                req = req.header(header::ACCEPT, accept);
            }
            if let Some((content_type, bytes)) = body {
                req = req
                    .header(header::CONTENT_TYPE, content_type)
                    .body(bytes.to_vec());
            }
            req = self.authorize(req, &scope);
            self.requests.fetch_add(1, Ordering::Relaxed);
            let failure = match req.send().await {
                Ok(resp) if resp.status() == StatusCode::UNAUTHORIZED && !answered_challenge => {
                    answered_challenge = true;
                    attempt -= 1;
                    self.answer_challenge(&resp, &scope, reference).await?;
                    continue;
                }
                Ok(resp) if is_transient(resp.status().as_u16()) => {
                    let wait = header_str(&resp, header::RETRY_AFTER)
                        .as_deref()
                        .and_then(parse_retry_after);
                    (format!("HTTP {}", resp.status()), wait)
                }
                Ok(resp) => return Ok(resp),
                Err(e) => (connection_message(&e), None),
            };
            if attempt >= self.retry.attempts {
                return Err(RegistryError::Exhausted {
                    reference: reference.to_string(),
                    attempts: attempt,
                    last: failure.0,
                });
            }
            let wait = self.retry.wait(attempt, failure.1);
            tracing::warn!(
                "{reference}: {} (try {attempt} of {}); retrying in {:.1}s",
                failure.0,
                self.retry.attempts,
                wait.as_secs_f64()
            );
            tokio::time::sleep(wait).await;
        }
    }

    fn authorize(&self, req: reqwest::RequestBuilder, scope: &str) -> reqwest::RequestBuilder {
        let state = self.auth.lock().unwrap_or_else(|p| p.into_inner());
        match (&state.challenge, &self.credentials.secret) {
            (Some(Challenge::Basic), Some(Secret::Basic { username, password })) => {
                req.basic_auth(username, Some(password))
            }
            (Some(Challenge::Bearer { .. }), _) => match state.tokens.get(scope) {
                Some(token) => req.bearer_auth(token),
                None => req,
            },
            _ => req,
        }
    }

    /// Learns the auth scheme from a 401 and, for bearer auth, gets a token.
    async fn answer_challenge(
        &self,
        resp: &Response,
        scope: &str,
        reference: &str,
    ) -> Result<(), RegistryError> {
        let Some(challenge) =
            header_str(resp, header::WWW_AUTHENTICATE).and_then(|h| parse_challenge(&h))
        else {
            return Ok(());
        };
        if let Challenge::Bearer { realm, service } = &challenge {
            let token = self
                .fetch_token(realm, service.as_deref(), scope, reference)
                .await?;
            let mut state = self.auth.lock().unwrap_or_else(|p| p.into_inner());
            state.tokens.insert(scope.to_string(), token);
        }
        self.auth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .challenge = Some(challenge);
        Ok(())
    }

    async fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        reference: &str,
    ) -> Result<String, RegistryError> {
        let mut url = reqwest::Url::parse(realm).map_err(|e| RegistryError::Invalid {
            reference: reference.to_string(),
            message: format!("token realm `{realm}` is not a URL: {e}"),
        })?;
        let mut pairs: Vec<(&str, &str)> = vec![("scope", scope)];
        if let Some(service) = service {
            pairs.push(("service", service));
        }
        let req = match &self.credentials.secret {
            Some(Secret::IdentityToken(token)) => {
                // OAuth2 refresh-token grant, as docker does with an identity token.
                let mut form = reqwest::Url::parse("http://form.invalid/").expect("static URL");
                form.query_pairs_mut()
                    .extend_pairs(pairs.iter().copied())
                    .append_pair("grant_type", "refresh_token")
                    .append_pair("refresh_token", token)
                    .append_pair("client_id", "monoarch");
                self.http
                    .post(url)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(form.query().unwrap_or_default().to_string())
            }
            secret => {
                url.query_pairs_mut().extend_pairs(pairs.iter().copied());
                let req = self.http.get(url);
                match secret {
                    Some(Secret::Basic { username, password }) => {
                        req.basic_auth(username, Some(password))
                    }
                    _ => req,
                }
            }
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = req.send().await.map_err(|e| RegistryError::Exhausted {
            reference: reference.to_string(),
            attempts: 1,
            last: format!("token request failed: {}", connection_message(&e)),
        })?;
        let resp = self.check(resp, reference, "log in to").await?;
        let body: serde_json::Value = resp.json().await.map_err(|e| RegistryError::Invalid {
            reference: reference.to_string(),
            message: format!("token answer is not JSON: {e}"),
        })?;
        body.get("token")
            .or_else(|| body.get("access_token"))
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .ok_or_else(|| RegistryError::Invalid {
                reference: reference.to_string(),
                message: "token answer holds no token".into(),
            })
    }
}

/// Whether a fetched manifest is an image whose platform is known.
pub fn platform_of(manifest: &FetchedManifest) -> Option<&ImagePlatform> {
    if is_index(&manifest.media_type) {
        None
    } else {
        manifest.platform.as_ref()
    }
}

fn header_str(resp: &Response, name: impl header::AsHeaderName) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn read_limited(resp: Response, reference: &str) -> Result<Vec<u8>, RegistryError> {
    if resp.content_length().unwrap_or(0) > MAX_DOCUMENT as u64 {
        return Err(RegistryError::Invalid {
            reference: reference.to_string(),
            message: format!("document larger than {MAX_DOCUMENT} bytes"),
        });
    }
    let bytes = resp.bytes().await.map_err(|e| RegistryError::Exhausted {
        reference: reference.to_string(),
        attempts: 1,
        last: format!("reading the answer failed: {}", connection_message(&e)),
    })?;
    if bytes.len() > MAX_DOCUMENT {
        return Err(RegistryError::Invalid {
            reference: reference.to_string(),
            message: format!("document larger than {MAX_DOCUMENT} bytes"),
        });
    }
    Ok(bytes.to_vec())
}

/// The `message` of a registry error body (`{"errors":[{"code","message"}]}`), else the text.
fn error_message(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let first = parsed
        .as_ref()
        .and_then(|v| v.get("errors")?.get(0).cloned());
    match first {
        Some(e) => format!(
            "{} {}",
            e.get("code").and_then(|c| c.as_str()).unwrap_or_default(),
            e.get("message")
                .and_then(|m| m.as_str())
                .unwrap_or_default()
        )
        .trim()
        .to_string(),
        None => body
            .chars()
            .take(200)
            .collect::<String>()
            .trim()
            .to_string(),
    }
}

/// A connection-level failure in a few words, with its innermost cause.
fn connection_message(e: &reqwest::Error) -> String {
    let mut msg = if e.is_connect() {
        "cannot connect".to_string()
    } else if e.is_timeout() {
        "timed out".to_string()
    } else {
        "connection failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(last) = last {
        msg.push_str(": ");
        msg.push_str(&last);
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insecure_hosts_from_flag_and_env() {
        let env = Env::from_pairs([(INSECURE_VAR, "a:5000, b:5000")]);
        assert!(is_insecure("a:5000", &[], &env));
        assert!(is_insecure("b:5000", &[], &env));
        assert!(is_insecure("c", &["c".to_string()], &env));
        assert!(!is_insecure("d", &[], &env));
        assert!(!is_insecure("", &[], &Env::default()));
    }

    #[test]
    fn registry_error_bodies_are_summarized() {
        assert_eq!(
            error_message(
                r#"{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"}]}"#
            ),
            "MANIFEST_INVALID manifest invalid"
        );
        assert_eq!(error_message("plain text"), "plain text");
    }
}
