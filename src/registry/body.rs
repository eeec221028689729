//! Answers read with a size cap while they stream: a registry that sends a
//! huge or endless body (chunked, no `Content-Length`) costs at most the cap
//! in memory, never the body's size.

use reqwest::header::{self, HeaderMap};
use reqwest::{Response, StatusCode};

/// Manifests and configs larger than this are refused (no image needs more).
pub(super) const MAX_DOCUMENT: usize = 16 * 1024 * 1024;
/// Token answers larger than this are refused (a token is a few KiB).
pub(super) const MAX_TOKEN_ANSWER: usize = 1024 * 1024;
/// Of an error answer only this much is read; it is only shown, in part.
pub(super) const MAX_ERROR_BODY: usize = 64 * 1024;

/// A registry's final answer to one request, body read.
#[derive(Debug)]
pub(super) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// A success body in full (within its cap); an error body cut at [`MAX_ERROR_BODY`].
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: impl header::AsHeaderName) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// Why a body could not be read.
#[derive(Debug)]
pub(super) enum BodyError {
    /// More than the cap: not retried, the answer is not what was asked for.
    TooLarge { limit: usize },
    /// The connection failed while the body streamed: worth another try.
    Read(reqwest::Error),
}

/// Reads the answer's body: up to `limit` bytes for a success (more is
/// [`BodyError::TooLarge`], found as soon as the cap is passed), up to
/// [`MAX_ERROR_BODY`] of an error answer (the rest is dropped unread).
pub(super) async fn read(mut resp: Response, limit: usize) -> Result<Answer, BodyError> {
    let status = resp.status();
    let headers = resp.headers().clone();
    let success = status.is_success();
    if success && resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
        if !success {
            let room = MAX_ERROR_BODY.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= MAX_ERROR_BODY {
                break;
            }
            continue;
        }
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// The `message` of a registry error body (`{"errors":[{"code","message"}]}`),
/// else the start of the text; at most 300 characters either way.
pub(super) fn error_message(body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let first = parsed
        .as_ref()
        .and_then(|v| v.get("errors")?.get(0).cloned());
    let text = match first {
        Some(e) => format!(
            "{} {}",
            e.get("code").and_then(|c| c.as_str()).unwrap_or_default(),
            e.get("message")
                .and_then(|m| m.as_str())
                .unwrap_or_default()
        ),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    let text = text.trim();
    let mut short = one_line(&text.chars().take(300).collect::<String>());
    if text.chars().count() > 300 {
        short.push_str("...");
    }
    short
}

/// A peer's text (a registry's or a helper's message) as one line: control
/// characters written as escapes (`\n`, `\r`, `\u{1b}`), so it stays one line
/// of the message that quotes it.
pub(super) fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_error_bodies_are_summarized_and_cut() {
        assert_eq!(
            error_message(
                br#"{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"}]}"#
            ),
            "MANIFEST_INVALID manifest invalid"
        );
        assert_eq!(error_message(b"plain text\n"), "plain text");
        let long = "x".repeat(1000);
        assert_eq!(error_message(long.as_bytes()).len(), 303);
        assert_eq!(
            error_message(br#"{"errors":[{"code":"DENIED","message":"a\n::b\r"}]}"#),
            r"DENIED a\n::b"
        );
    }
}
