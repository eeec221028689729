//! Reading and writing `plan.json`, with its format version checked.

use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::limits::{PLAN_CAP, read_capped};
use super::plan::{FORMAT_VERSION, Plan};
use super::plan_check::check_plan;

#[derive(Debug, Error)]
pub enum PlanFileError {
    #[error(
        "cannot read plan {path}: {reason}; make it with `monoarch plan --format json > plan.json`"
    )]
    Read { path: PathBuf, reason: String },
    #[error("cannot write plan {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin} is not a valid plan (line {line}, column {column}): {message}")]
    Parse {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{origin} has plan format version {found}, this monoarch reads version {FORMAT_VERSION}; make the plan and run the jobs with the same monoarch release"
    )]
    Version { origin: String, found: u64 },
    /// One line per problem, so each stands alone in a CI log.
    #[error("{}", problems.iter().map(|p| format!("{origin}: {p}; {REMAKE}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        origin: String,
        problems: Vec<String>,
    },
}

const REMAKE: &str =
    "the plan is not as `monoarch plan` writes it: make it again and pass it on unchanged";

/// The `format_version` of a versioned JSON contract (plan or build record) whose
/// text did not parse as the current shape: 0 when absent, `None` when the text is
/// no JSON at all. Reads that one field: serde skips every other value without
/// building it.
pub fn format_version_of(text: &str) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct VersionOnly {
        #[serde(default)]
        format_version: Option<serde_json::Value>,
    }
    let only = serde_json::from_str::<VersionOnly>(text).ok()?;
    Some(only.format_version.and_then(|v| v.as_u64()).unwrap_or(0))
}

/// Parses a plan from JSON text; `origin` names the file or variable in errors.
///
/// One pass into the typed plan. Only when that fails is the text read again, for
/// `format_version` alone, so an older or newer plan gets the version message
/// rather than a shape error, and a malformed one keeps its line and column.
pub fn parse_plan(text: &str, origin: &str) -> Result<Plan, PlanFileError> {
    let version_error = |found: u64| PlanFileError::Version {
        origin: origin.to_string(),
        found,
    };
    let plan = match serde_json::from_str::<Plan>(text) {
        Ok(plan) if plan.format_version == FORMAT_VERSION => plan,
        Ok(plan) => return Err(version_error(u64::from(plan.format_version))),
        Err(e) => return Err(not_a_plan(text, origin, &e)),
    };
    let problems = check_plan(&plan);
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(PlanFileError::Invalid {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// Why `text` did not parse as the current plan (`e`): another version, whatever
/// its shape, else the first mistake with its line and column.
pub(super) fn not_a_plan(text: &str, origin: &str, e: &serde_json::Error) -> PlanFileError {
    match format_version_of(text) {
        Some(found) if found != u64::from(FORMAT_VERSION) => PlanFileError::Version {
            origin: origin.to_string(),
            found,
        },
        // The first mistake: a wrong shape (said in JSON's words), or no JSON.
        _ => PlanFileError::Parse {
            origin: origin.to_string(),
            line: e.line(),
            column: e.column(),
            message: if e.is_data() { plain(e) } else { e.to_string() },
        },
    }
}

/// serde_json's message in JSON's words, without its location suffix (ours
/// goes in front).
pub(super) fn plain(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = text.split(" at line ").next().unwrap_or(&text);
    if text.contains("untagged enum") {
        return "a value has the wrong shape (a build arg is `{name, value}` or `{name, from_env, secret}`)".into();
    }
    let text = text.replace("unknown variant", "unknown value");
    match text.find("struct ") {
        Some(i) => format!("{}an object", &text[..i]),
        None => text,
    }
}

pub fn read_plan(path: &Path) -> Result<Plan, PlanFileError> {
    let text = read_capped(path, PLAN_CAP).map_err(|e| PlanFileError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse_plan(&text, &path.display().to_string())
}

/// The plan as pretty JSON with a trailing newline (stable key order).
pub fn to_json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).expect("a plan always serializes");
    text.push('\n');
    text
}

/// [`to_json`]'s text, written to `out` as it is made (no copy of a large plan in memory).
pub fn write_json(plan: &Plan, out: impl std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, plan).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

pub fn write_plan(path: &Path, plan: &Plan) -> Result<(), PlanFileError> {
    std::fs::File::create(path)
        .and_then(|file| write_json(plan, file))
        .map_err(|source| PlanFileError::Write {
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_keeps_the_version_message_and_the_position_of_a_mistake() {
        let version = |text: &str| match parse_plan(text, "plan.json") {
            Err(PlanFileError::Version { found, .. }) => Some(found),
            _ => None,
        };
        // Another version, whatever its shape: the version message, not a shape error.
        assert_eq!(version(r#"{"format_version": 2, "projects": 7}"#), Some(2));
        assert_eq!(version(r#"{"projects": []}"#), Some(0));
        assert_eq!(version(r#"{"format_version": "1"}"#), Some(0));
        // The current version with a mistake: its line and column.
        match parse_plan(
            "{\n  \"format_version\": 1,\n  \"projects\": 7\n}",
            "plan.json",
        ) {
            Err(PlanFileError::Parse { line, column, .. }) => assert_eq!((line, column), (3, 15)),
            other => panic!("expected a parse error, got {other:?}"),
        }
        match parse_plan("{\"format_version\": 1,\n\"x\": }", "plan.json") {
            Err(PlanFileError::Parse { line, column, .. }) => assert_eq!((line, column), (2, 6)),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }
}
