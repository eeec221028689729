//! Registry errors: each names the reference or host it is about and what to check.

use thiserror::Error;

use super::client::INSECURE_VAR;
use super::retry::TIMEOUT_VAR;

#[derive(Debug, Error)]
pub enum RegistryError {
    #[error(
        "cannot get credentials for {host} from {source_desc}: {message}; fix that, or set MONOARCH_REGISTRY_USERNAME and MONOARCH_REGISTRY_PASSWORD"
    )]
    Credentials {
        host: String,
        source_desc: String,
        message: String,
    },
    #[error(
        "{reference}: the registry answered {status} ({action}); credentials used: {credentials}; check that they are valid and allowed to {action} this repository"
    )]
    Unauthorized {
        reference: String,
        status: u16,
        action: &'static str,
        credentials: String,
    },
    #[error("{reference}: not found in the registry{hint}")]
    NotFound { reference: String, hint: String },
    #[error("{reference}: the registry refused the request with {status}: {message}; {hint}")]
    Refused {
        reference: String,
        status: u16,
        message: String,
        /// What to do, from the status and message ([`refusal_hint`]).
        hint: &'static str,
    },
    #[error(
        "{reference}: gave up after {attempts} attempts: {last}; the registry is failing or unreachable, run again later"
    )]
    Exhausted {
        reference: String,
        attempts: u32,
        last: String,
    },
    #[error(
        "{reference}: no complete answer within {seconds} s ({attempts} attempt(s); last: {last}); the registry is stalled or too slow: check it, or raise {TIMEOUT_VAR} (seconds, default 120)"
    )]
    TimedOut {
        reference: String,
        seconds: u64,
        attempts: u32,
        last: String,
    },
    #[error(
        "{reference}: {host} answered in plain HTTP to an HTTPS request; if it is a plain-HTTP registry (a local or test one), pass --insecure-registry {host} or add it to {INSECURE_VAR}"
    )]
    PlainHttp { reference: String, host: String },
    #[error("{reference}: {message}")]
    Invalid { reference: String, message: String },
    #[error("cannot set up an HTTP client for {host}: {message}")]
    Client { host: String, message: String },
}

/// What a person can do about a registry's 4xx refusal.
pub(super) fn refusal_hint(status: u16, message: &str, insecure: bool) -> &'static str {
    if insecure && message.contains("HTTP request to an HTTPS server") {
        return "the registry speaks HTTPS: drop --insecure-registry (and the host from MONOARCH_INSECURE_REGISTRIES)";
    }
    match status {
        400 | 422 => {
            "the registry rejected what was sent; its message above says why (an unsupported manifest type, an invalid or immutable tag)"
        }
        405 => {
            "the registry does not allow this here: a read-only mirror or pull-through cache? push to the registry itself"
        }
        409 | 412 => "the registry refuses to change what is there (immutable tags?)",
        413 => "the registry's size limit is below this manifest's size",
        _ => "its message above says why",
    }
}

impl RegistryError {
    /// True when the object simply is not there (404), as opposed to a failure.
    pub fn is_not_found(&self) -> bool {
        matches!(self, RegistryError::NotFound { .. })
    }
}

/// Every message in an error's chain, innermost last.
fn chain(e: &reqwest::Error) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push(s.to_string());
        source = s.source();
    }
    out
}

/// TLS met a server that answered in plain HTTP: rustls sees no TLS record.
pub(super) fn speaks_plain_http(e: &reqwest::Error) -> bool {
    chain(e)
        .iter()
        .any(|m| m.contains("InvalidContentType") || m.contains("corrupt message"))
}

/// A connection-level failure in a few words, with its innermost cause.
pub(super) fn connection_message(e: &reqwest::Error) -> String {
    let mut msg = if e.is_connect() {
        "cannot connect".to_string()
    } else if e.is_timeout() {
        "timed out".to_string()
    } else {
        "connection failed".to_string()
    };
    if let Some(last) = chain(e).into_iter().skip(1).last() {
        msg.push_str(": ");
        msg.push_str(&last);
    }
    msg
}
