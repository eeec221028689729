//! Reading and writing `plan.json`, with its format version checked.

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

/// The `format_version` of a versioned JSON contract (plan or build record); 0 when absent.
pub fn format_version_of(raw: &serde_json::Value) -> u64 {
    raw.get("format_version")
        .and_then(|v| v.as_u64())
        .unwrap_or(0)
}

/// Parses a plan from JSON text; `origin` names the file or variable in errors.
pub fn parse_plan(text: &str, origin: &str) -> Result<Plan, PlanFileError> {
    // Check the version before the shape, so an old or new plan gets the version message.
    let raw: serde_json::Value = serde_json::from_str(text).map_err(|e| PlanFileError::Parse {
        origin: origin.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let found = format_version_of(&raw);
    if found != u64::from(FORMAT_VERSION) {
        return Err(PlanFileError::Version {
            origin: origin.to_string(),
            found,
        });
    }
    let plan: Plan = serde_json::from_str(text).map_err(|e| PlanFileError::Parse {
        origin: origin.to_string(),
        line: e.line(),
        column: e.column(),
        message: plain(&e),
    })?;
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

/// Reads, parses and re-checks a plan file of at most [`PLAN_CAP`] bytes.
/// serde_json's message in JSON's words, without its location suffix (ours
/// goes in front).
fn plain(e: &serde_json::Error) -> String {
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

pub fn write_plan(path: &Path, plan: &Plan) -> Result<(), PlanFileError> {
    std::fs::write(path, to_json(plan)).map_err(|source| PlanFileError::Write {
        path: path.to_path_buf(),
        source,
    })
}
