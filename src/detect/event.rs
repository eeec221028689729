//! The GitHub event payload (`$GITHUB_EVENT_PATH`) and the commit shas CI
//! variables carry. Both are input, not trusted: a payload that cannot be
//! read is an error (never a silent fallback), nothing from it is echoed
//! beyond a sha, and only the few fields monoarch uses are kept in memory.

use serde::Deserialize;

use crate::config::{FileProblems, Problems, shown};
use crate::contract::limits::{EVENT_CAP, read_capped};
use crate::env::Env;

/// The fields of a GitHub event monoarch reads; the rest is skipped unread.
#[derive(Debug, Default, Deserialize)]
pub struct Payload {
    pub before: Option<String>,
    pub pull_request: Option<PullRequest>,
    pub merge_group: Option<MergeGroup>,
    pub repository: Option<Repository>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PullRequest {
    pub base: Option<Base>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Base {
    pub sha: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MergeGroup {
    pub base_sha: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Repository {
    pub default_branch: Option<String>,
}

/// The event a GitHub run was started by, with the file it came from.
pub struct Event {
    pub path: String,
    pub payload: Payload,
}

const WHAT_TO_DO: &str = "GITHUB_EVENT_PATH must name the event file GitHub Actions writes; outside Actions, unset GITHUB_ACTIONS or pass --base REF, --all or --projects";

/// Reads `$GITHUB_EVENT_PATH`, capped at [`EVENT_CAP`].
pub fn read_event(env: &Env) -> Result<Event, Problems> {
    let Some(path) = env.get("GITHUB_EVENT_PATH") else {
        let mut p = FileProblems::new("GITHUB_EVENT_PATH");
        p.add(0, 0, "", format!("is not set; {WHAT_TO_DO}"));
        return Err(p.problems);
    };
    let text = match read_capped(std::path::Path::new(path), EVENT_CAP) {
        Ok(text) => text,
        Err(e) => {
            let mut p = FileProblems::new(path);
            p.add(0, 0, "", format!("{e}; {WHAT_TO_DO}"));
            return Err(p.problems);
        }
    };
    Ok(Event {
        path: path.to_string(),
        payload: parse_payload(&text, path)?,
    })
}

/// The fields monoarch reads from an event's JSON text; `path` names it in errors.
pub fn parse_payload(text: &str, path: &str) -> Result<Payload, Problems> {
    // serde_json's messages can quote values; only the place and kind are shown.
    serde_json::from_str::<Payload>(text).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Data => "a field has the wrong type",
            _ => "not valid JSON",
        };
        let mut p = FileProblems::new(path);
        p.add(
            e.line() as u64,
            e.column() as u64,
            "",
            format!("is not a GitHub event payload ({kind}); {WHAT_TO_DO}"),
        );
        p.problems
    })
}

/// A full commit sha: 40 (SHA-1) or 64 (SHA-256) hex digits.
pub fn is_full_sha(value: &str) -> bool {
    matches!(value.len(), 40 | 64) && value.chars().all(|c| c.is_ascii_hexdigit())
}

/// Checks a sha a CI system sent; `origin` names the file or variable and
/// `field` the key in it (empty for a variable).
pub fn check_sha(value: &str, origin: &str, field: &str, fix: &str) -> Result<(), Problems> {
    if is_full_sha(value) {
        return Ok(());
    }
    let mut p = FileProblems::new(origin);
    p.add(
        0,
        0,
        field,
        format!(
            "`{}` is not a commit sha (40 or 64 hex digits); {fix}",
            shown(value)
        ),
    );
    Err(p.problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shas() {
        assert!(is_full_sha(&"0".repeat(40)));
        assert!(is_full_sha(&"aB3".repeat(20)[..40]));
        assert!(is_full_sha(&"f".repeat(64)));
        assert!(!is_full_sha("abc1234"));
        assert!(!is_full_sha(&"g".repeat(40)));
        assert!(!is_full_sha("HEAD"));
    }

    #[test]
    fn unreadable_events_are_errors_that_quote_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("event.json");
        let read = |text: &str| {
            std::fs::write(&file, text).expect("write");
            read_event(&Env::from_pairs([(
                "GITHUB_EVENT_PATH",
                file.display().to_string(),
            )]))
        };
        let err = read("{\"before\": 5, \"x\": \"secret-value\"}")
            .err()
            .expect("type");
        assert!(
            err.to_string().contains("a field has the wrong type"),
            "{err}"
        );
        let err = read("secret-value").err().expect("not json");
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(read("{\"before\": null}").is_ok());
        let dir_as_event = read_event(&Env::from_pairs([(
            "GITHUB_EVENT_PATH",
            dir.path().display().to_string(),
        )]));
        assert!(
            dir_as_event
                .err()
                .expect("a folder")
                .to_string()
                .contains("is a folder")
        );
        let unset = read_event(&Env::default()).err().expect("unset");
        assert!(
            unset
                .to_string()
                .starts_with("GITHUB_EVENT_PATH: is not set"),
            "{unset}"
        );
    }
}
