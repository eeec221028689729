//! The HTTP side of the registry client: one host's connection with auth
//! challenges, tokens and retries around every request. Knows nothing of
//! manifests; the client above it does.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::{Method, Response, StatusCode, header};

use super::auth::{Challenge, parse_challenge, scope};
use super::credentials::{Credentials, Secret};
use super::error::RegistryError;
use super::retry::{RetryPolicy, is_transient, parse_retry_after};

/// Manifests and configs larger than this are refused (no image needs more).
const MAX_DOCUMENT: usize = 16 * 1024 * 1024;

/// Requests to one registry, authorized and retried.
pub(super) struct Transport {
    base: String,
    http: reqwest::Client,
    credentials: Credentials,
    retry: RetryPolicy,
    auth: Mutex<AuthState>,
    requests: AtomicU64,
}

/// What the registry's 401 taught us, and bearer tokens per scope.
#[derive(Default)]
struct AuthState {
    challenge: Option<Challenge>,
    tokens: HashMap<String, String>,
}

impl Transport {
    /// `base` is `scheme://host`; `host` names the registry in errors.
    pub(super) fn new(
        host: &str,
        base: String,
        credentials: Credentials,
        roots: Vec<reqwest::Certificate>,
    ) -> Result<Transport, RegistryError> {
        crate::tls::install_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .user_agent(concat!("monoarch/", env!("CARGO_PKG_VERSION")))
            .tls_certs_merge(roots)
            .build()
            .map_err(|e| RegistryError::Client {
                host: host.to_string(),
                message: e.to_string(),
            })?;
        Ok(Transport {
            base,
            http,
            credentials,
            retry: RetryPolicy::default(),
            auth: Mutex::new(AuthState::default()),
            requests: AtomicU64::new(0),
        })
    }

    /// HTTP requests sent so far (retries and token requests included).
    pub(super) fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends one request with auth, retrying transient failures. Returns the
    /// final response, whatever its status (callers map it with `check`).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn send(
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

    /// Maps a final response to an error unless it succeeded.
    pub(super) async fn check(
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
        // Token servers fail like registries do: same retries.
        let mut attempt = 0;
        let resp = loop {
            attempt += 1;
            let this = req.try_clone().ok_or_else(|| RegistryError::Invalid {
                reference: reference.to_string(),
                message: "token request cannot be repeated".into(),
            })?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let (last, retry_after) = match this.send().await {
                Ok(resp) if is_transient(resp.status().as_u16()) => (
                    format!("token request: HTTP {}", resp.status()),
                    header_str(&resp, header::RETRY_AFTER)
                        .as_deref()
                        .and_then(parse_retry_after),
                ),
                Ok(resp) => break resp,
                Err(e) => (
                    format!("token request failed: {}", connection_message(&e)),
                    None,
                ),
            };
            if attempt >= self.retry.attempts {
                return Err(RegistryError::Exhausted {
                    reference: reference.to_string(),
                    attempts: attempt,
                    last,
                });
            }
            tokio::time::sleep(self.retry.wait(attempt, retry_after)).await;
        };
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

pub(super) fn header_str(resp: &Response, name: impl header::AsHeaderName) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub(super) async fn read_limited(
    resp: Response,
    reference: &str,
) -> Result<Vec<u8>, RegistryError> {
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
pub(super) fn error_message(body: &str) -> String {
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
