//! The HTTP side of the registry client: one host's connection with auth
//! challenges, tokens and retries around every request. Knows nothing of
//! manifests; the client above it does.
//!
//! Every request is bounded: each try ends after the policy's attempt timeout
//! (connect to last body byte), all tries of one request by its deadline, and
//! every body is read with a cap ([`body`](super::body)).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode, header};

use super::auth::{Challenge, parse_challenge, scope};
use super::body::{self, Answer, BodyError, MAX_TOKEN_ANSWER};
use super::credentials::{Credentials, Secret};
use super::error::{RegistryError, connection_message, refusal_hint, speaks_plain_http};
use super::retry::{Deadline, RetryPolicy, is_transient, parse_retry_after};

/// Requests to one registry, authorized and retried.
pub(super) struct Transport {
    host: String,
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

/// One request to the registry, as the client describes it.
pub(super) struct Call<'a> {
    pub method: Method,
    /// `/v2/...`
    pub path: String,
    pub repository: &'a str,
    /// Needs push rights (token scope `pull,push`).
    pub push: bool,
    pub accept: Option<&'a str>,
    /// Content type and bytes.
    pub body: Option<(&'a str, &'a [u8])>,
    /// What the request is about, for messages (`host/repo:tag`).
    pub reference: &'a str,
    /// Largest success body accepted.
    pub limit: usize,
}

/// How one try ended, when it did not end the request.
enum Tried {
    Answer(Answer),
    /// Worth another try: the reason, and the wait the registry asked for.
    Transient(String, Option<Duration>),
}

impl Transport {
    /// `base` is `scheme://host`; `host` names the registry in errors.
    pub(super) fn new(
        host: &str,
        base: String,
        credentials: Credentials,
        retry: RetryPolicy,
        roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    ) -> Result<Transport, RegistryError> {
        // The system's roots are read on the first HTTPS handshake, if there is one.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10).min(retry.attempt_timeout))
            .user_agent(concat!("monoarch/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(crate::tls::lazy_client_config(roots))
            .build()
            .map_err(|e| RegistryError::Client {
                host: host.to_string(),
                message: e.to_string(),
            })?;
        Ok(Transport {
            host: host.to_string(),
            base,
            http,
            credentials,
            retry,
            auth: Mutex::new(AuthState::default()),
            requests: AtomicU64::new(0),
        })
    }

    /// HTTP requests sent so far (retries and token requests included).
    pub(super) fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends one request with auth, retrying transient failures within the
    /// deadline. Returns the final answer, whatever its status (callers map
    /// it with `check`).
    pub(super) async fn send(&self, call: &Call<'_>) -> Result<Answer, RegistryError> {
        let url = format!("{}{}", self.base, call.path);
        let scope = scope(call.repository, call.push);
        let deadline = Deadline::start(&self.retry);
        let build = || {
            let mut req = self.http.request(call.method.clone(), &url);
            if let Some(accept) = call.accept {
                req = req.header(header::ACCEPT, accept);
            }
            if let Some((content_type, bytes)) = call.body {
                req = req
                    .header(header::CONTENT_TYPE, content_type)
                    .body(bytes.to_vec());
            }
            self.authorize(req, &scope)
        };
        let answer = self
            .retrying(&deadline, call.reference, call.limit, build)
            .await?;
        if answer.status != StatusCode::UNAUTHORIZED
            || !self
                .answer_challenge(&answer, &scope, call.reference, &deadline)
                .await?
        {
            return Ok(answer);
        }
        self.retrying(&deadline, call.reference, call.limit, build)
            .await
    }

    /// Tries requests made by `build` until one gets a final answer.
    async fn retrying(
        &self,
        deadline: &Deadline,
        reference: &str,
        limit: usize,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Answer, RegistryError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (last, asked_wait) =
                match self.try_once(build(), limit, deadline, reference).await? {
                    Tried::Answer(answer) => return Ok(answer),
                    Tried::Transient(last, wait) => (last, wait),
                };
            if attempt >= self.retry.attempts {
                return Err(RegistryError::Exhausted {
                    reference: reference.to_string(),
                    attempts: attempt,
                    last,
                });
            }
            let wait = self.retry.wait(attempt, asked_wait);
            if wait >= deadline.remaining() {
                return Err(RegistryError::TimedOut {
                    reference: reference.to_string(),
                    seconds: deadline.total().as_secs(),
                    attempts: attempt,
                    last,
                });
            }
            tracing::warn!(
                "{reference}: {last} (try {attempt} of {}); retrying in {:.1}s",
                self.retry.attempts,
                wait.as_secs_f64()
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One try: send, then read the body, all within the attempt timeout.
    async fn try_once(
        &self,
        req: RequestBuilder,
        limit: usize,
        deadline: &Deadline,
        reference: &str,
    ) -> Result<Tried, RegistryError> {
        let budget = self.retry.attempt_timeout.min(deadline.remaining());
        self.requests.fetch_add(1, Ordering::Relaxed);
        let exchange = async {
            let resp = req.send().await?;
            Ok::<_, BodyError>(body::read(resp, limit).await)
        };
        let answer = match tokio::time::timeout(budget, exchange).await {
            Err(_elapsed) => {
                return Ok(Tried::Transient(
                    format!(
                        "the try timed out after {:.0} s",
                        budget.as_secs_f64().ceil()
                    ),
                    None,
                ));
            }
            Ok(Err(e)) | Ok(Ok(Err(e))) => return self.body_failure(e, reference),
            Ok(Ok(Ok(answer))) => answer,
        };
        if is_transient(answer.status.as_u16()) {
            let wait = answer
                .header(header::RETRY_AFTER)
                .as_deref()
                .and_then(parse_retry_after);
            return Ok(Tried::Transient(format!("HTTP {}", answer.status), wait));
        }
        Ok(Tried::Answer(answer))
    }

    /// A failed send or body read: fatal or worth another try.
    fn body_failure(&self, e: BodyError, reference: &str) -> Result<Tried, RegistryError> {
        match e {
            BodyError::TooLarge { limit } => Err(RegistryError::Invalid {
                reference: reference.to_string(),
                message: format!(
                    "the answer is larger than {} MiB, more than any manifest, config or token; is {} a registry?",
                    limit / (1024 * 1024),
                    self.host
                ),
            }),
            BodyError::Read(e) if speaks_plain_http(&e) => Err(RegistryError::PlainHttp {
                reference: reference.to_string(),
                host: self.host.clone(),
            }),
            BodyError::Read(e) => Ok(Tried::Transient(connection_message(&e), None)),
        }
    }

    /// Maps a final answer to an error unless it succeeded.
    pub(super) fn check(
        &self,
        answer: Answer,
        reference: &str,
        action: &'static str,
    ) -> Result<Answer, RegistryError> {
        let status = answer.status;
        if status.is_success() {
            return Ok(answer);
        }
        let code = status.as_u16();
        Err(match code {
            401 | 403 => RegistryError::Unauthorized {
                reference: reference.to_string(),
                status: code,
                action,
                credentials: self.credentials.describe(),
            },
            404 => RegistryError::NotFound {
                reference: reference.to_string(),
                hint: String::new(),
            },
            _ => {
                let message = body::error_message(&answer.body);
                let insecure = self.base.starts_with("http://");
                RegistryError::Refused {
                    reference: reference.to_string(),
                    status: code,
                    hint: refusal_hint(code, &message, insecure),
                    message,
                }
            }
        })
    }

    fn authorize(&self, req: RequestBuilder, scope: &str) -> RequestBuilder {
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
    /// `false`: the 401 named no scheme we speak, so a retry cannot help.
    async fn answer_challenge(
        &self,
        answer: &Answer,
        scope: &str,
        reference: &str,
        deadline: &Deadline,
    ) -> Result<bool, RegistryError> {
        let Some(challenge) = answer
            .header(header::WWW_AUTHENTICATE)
            .and_then(|h| parse_challenge(&h))
        else {
            return Ok(false);
        };
        if let Challenge::Bearer { realm, service } = &challenge {
            let token = self
                .fetch_token(realm, service.as_deref(), scope, reference, deadline)
                .await?;
            let mut state = self.auth.lock().unwrap_or_else(|p| p.into_inner());
            state.tokens.insert(scope.to_string(), token);
        }
        self.auth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .challenge = Some(challenge);
        Ok(true)
    }

    /// Credentials for a token go over HTTPS, or in plain HTTP only to the
    /// registry's own host when the user named it with `--insecure-registry`.
    fn may_receive_credentials(&self, realm: &reqwest::Url) -> bool {
        let own = realm
            .host_str()
            .map(|h| match realm.port() {
                Some(port) => format!("{h}:{port}"),
                None => h.to_string(),
            })
            .is_some_and(|h| h == self.host);
        realm.scheme() == "https" || (own && self.base.starts_with("http://"))
    }

    async fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        reference: &str,
        deadline: &Deadline,
    ) -> Result<String, RegistryError> {
        let mut url = reqwest::Url::parse(realm).map_err(|e| RegistryError::Invalid {
            reference: reference.to_string(),
            message: format!("token realm `{realm}` is not a URL: {e}"),
        })?;
        if self.credentials.secret.is_some() && !self.may_receive_credentials(&url) {
            return Err(RegistryError::Invalid {
                reference: reference.to_string(),
                message: format!(
                    "the registry sends monoarch for a token to {}, plain HTTP on another host; credentials go only over HTTPS, or to a registry named with --insecure-registry itself: fix the registry's token realm",
                    super::body::one_line(realm)
                ),
            });
        }
        let mut pairs: Vec<(&str, &str)> = vec![("scope", scope)];
        if let Some(service) = service {
            pairs.push(("service", service));
        }
        let form = match &self.credentials.secret {
            // OAuth2 refresh-token grant, as docker does with an identity token.
            Some(Secret::IdentityToken(token)) => {
                let mut form = reqwest::Url::parse("http://form.invalid/").expect("static URL");
                form.query_pairs_mut()
                    .extend_pairs(pairs.iter().copied())
                    .append_pair("grant_type", "refresh_token")
                    .append_pair("refresh_token", token)
                    .append_pair("client_id", "monoarch");
                Some(form.query().unwrap_or_default().to_string())
            }
            _ => {
                url.query_pairs_mut().extend_pairs(pairs.iter().copied());
                None
            }
        };
        let build = || match (&form, &self.credentials.secret) {
            (Some(form), _) => self
                .http
                .post(url.clone())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form.clone()),
            (None, Some(Secret::Basic { username, password })) => self
                .http
                .get(url.clone())
                .basic_auth(username, Some(password)),
            (None, _) => self.http.get(url.clone()),
        };
        // Token servers fail like registries do: same retries, same deadline.
        let answer = self
            .retrying(deadline, reference, MAX_TOKEN_ANSWER, build)
            .await?;
        let answer = self.check(answer, reference, "log in to")?;
        let body: serde_json::Value =
            serde_json::from_slice(&answer.body).map_err(|e| RegistryError::Invalid {
                reference: reference.to_string(),
                message: format!("the token server's answer is not JSON: {e}"),
            })?;
        body.get("token")
            .or_else(|| body.get("access_token"))
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .ok_or_else(|| RegistryError::Invalid {
                reference: reference.to_string(),
                message: "the token server's answer holds no token".into(),
            })
    }
}

impl From<reqwest::Error> for BodyError {
    fn from(e: reqwest::Error) -> BodyError {
        BodyError::Read(e)
    }
}
