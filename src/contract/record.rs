//! The build record: what one build job pushed, read later by the manifest stage.
//!
//! Written by `monoarch build` as `{records_dir}/{project}-{arch}.json` (and its
//! fields to `$GITHUB_OUTPUT`); a contract like the plan, versioned the same way.

use serde::{Deserialize, Serialize};

use super::key::KeyInputs;
use super::platform::Platform;

pub const RECORD_FORMAT_VERSION: u32 = 1;

/// Default folder for build records, relative to the working directory.
pub const DEFAULT_RECORDS_DIR: &str = "build-records";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct BuildRecord {
    pub format_version: u32,
    pub project: String,
    pub arch: String,
    pub platform: Platform,
    /// Full reference that was pushed: `host/repository:tag`.
    pub image: String,
    /// Manifest digest the builder reported and the registry confirmed.
    pub digest: String,
    /// Commit of the upstream repository that was built; `None` for in-repo projects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_commit: Option<String>,
    /// `kaniko`, `buildah` or `buildkit`.
    pub builder: String,
    pub duration_seconds: f64,
    /// The monorepo commit of the plan this build belongs to.
    pub plan_commit: String,
    /// The build key of what was built, made just before the build (reuse on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What `key` was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_inputs: Option<KeyInputs>,
    /// The plan's key for this job when it differs from `key`: an input moved
    /// between plan and build (a base image, an upstream branch, the builder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_key: Option<String>,
    /// The projects this image builds on (`depends_on:`), each by the digest it was built on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<BaseImage>,
}

/// A base project's index as one build used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct BaseImage {
    pub project: String,
    /// The build arg that carried it.
    pub arg: String,
    /// `host/repository@sha256:...`: what the build arg held.
    pub image: String,
    pub digest: String,
}

impl BuildRecord {
    pub fn file_name(project: &str, arch: &str) -> String {
        format!("{project}-{arch}.json")
    }
}

/// Why a build record could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot read build record {path}: {message}")]
    Read {
        path: std::path::PathBuf,
        message: String,
    },
    #[error(
        "build record {path} has format version {found}, this monoarch reads version {RECORD_FORMAT_VERSION}; build and stitch with the same monoarch release"
    )]
    Version {
        path: std::path::PathBuf,
        found: u64,
    },
}

/// Reads `{dir}/{project}-{arch}.json`; `Ok(None)` when there is no such file
/// (a build record is optional: the registry is checked either way).
pub fn read_record(
    dir: &std::path::Path,
    project: &str,
    arch: &str,
) -> Result<Option<BuildRecord>, RecordError> {
    let path = dir.join(BuildRecord::file_name(project, arch));
    let text = match super::limits::read_capped(&path, super::limits::RECORD_CAP) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => {
            return Err(RecordError::Read {
                path,
                message: e.to_string(),
            });
        }
    };
    // One pass; the version is read alone only when the shape does not parse.
    match serde_json::from_str::<BuildRecord>(&text) {
        Ok(record) if record.format_version == RECORD_FORMAT_VERSION => Ok(Some(record)),
        Ok(record) => Err(RecordError::Version {
            path,
            found: u64::from(record.format_version),
        }),
        Err(e) => match super::plan_file::format_version_of(&text) {
            Some(found) if found != u64::from(RECORD_FORMAT_VERSION) => {
                Err(RecordError::Version { path, found })
            }
            _ => Err(RecordError::Read {
                path,
                message: e.to_string(),
            }),
        },
    }
}

/// Cross-checks of the build records of one project, before its images are stitched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordMismatch {
    #[error(
        "{project}/{arch}: the build record is from plan commit {record}, this plan is {plan}; stale records? clear the records folder or pass the right --records"
    )]
    OtherPlan {
        project: String,
        arch: String,
        record: String,
        plan: String,
    },
    #[error(
        "{project}: the build records name different upstream commits ({details}); the upstream ref moved while the jobs ran: use `monoarch plan --resolve-refs` and rebuild"
    )]
    UpstreamCommits { project: String, details: String },
    #[error(
        "{project}: upstream commit {found} ({arch}) differs from the plan's resolved commit {planned}; rebuild from this plan"
    )]
    NotPlannedCommit {
        project: String,
        arch: String,
        found: String,
        planned: String,
    },
}

/// Checks the records of one project against the plan: every record belongs
/// to this plan, and all name the same upstream commit (the plan's, if resolved).
/// Returns the agreed upstream commit, if any record names one.
pub fn cross_check(
    project: &str,
    plan_commit: &str,
    planned_upstream: Option<&str>,
    records: &[&BuildRecord],
) -> Result<Option<String>, Vec<RecordMismatch>> {
    let mut problems = Vec::new();
    for r in records {
        if r.plan_commit != plan_commit {
            problems.push(RecordMismatch::OtherPlan {
                project: project.to_string(),
                arch: r.arch.clone(),
                record: r.plan_commit.clone(),
                plan: plan_commit.to_string(),
            });
        }
    }
    let commits: std::collections::BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r.upstream_commit.as_deref())
        .collect();
    if commits.len() > 1 {
        let details = records
            .iter()
            .filter_map(|r| Some(format!("{}: {}", r.arch, r.upstream_commit.as_deref()?)))
            .collect::<Vec<_>>()
            .join(", ");
        problems.push(RecordMismatch::UpstreamCommits {
            project: project.to_string(),
            details,
        });
    } else if let (Some(planned), Some(found)) = (planned_upstream, commits.first())
        && planned != *found
    {
        let arch = records
            .iter()
            .find(|r| r.upstream_commit.as_deref() == Some(found))
            .map(|r| r.arch.clone())
            .unwrap_or_default();
        problems.push(RecordMismatch::NotPlannedCommit {
            project: project.to_string(),
            arch,
            found: found.to_string(),
            planned: planned.to_string(),
        });
    }
    if problems.is_empty() {
        Ok(commits.first().map(|c| c.to_string()))
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(arch: &str, upstream: Option<&str>, plan_commit: &str) -> BuildRecord {
        BuildRecord {
            format_version: RECORD_FORMAT_VERSION,
            project: "app".into(),
            arch: arch.into(),
            platform: Platform::from_arch(arch).expect("known arch"),
            image: format!("r/app:t-{arch}"),
            digest: "sha256:00".into(),
            upstream_commit: upstream.map(str::to_string),
            builder: "buildah".into(),
            duration_seconds: 1.0,
            plan_commit: plan_commit.into(),
            key: None,
            key_inputs: None,
            planned_key: None,
            bases: Vec::new(),
        }
    }

    #[test]
    fn agreeing_records_pass_and_name_the_commit() {
        let a = record("amd64", Some("c1"), "p");
        let b = record("arm64", Some("c1"), "p");
        assert_eq!(
            cross_check("app", "p", None, &[&a, &b]),
            Ok(Some("c1".into()))
        );
        assert_eq!(cross_check("app", "p", None, &[]), Ok(None));
    }

    #[test]
    fn different_upstream_commits_are_refused() {
        let a = record("amd64", Some("c1"), "p");
        let b = record("arm64", Some("c2"), "p");
        let problems = cross_check("app", "p", None, &[&a, &b]).expect_err("refused");
        let text = problems[0].to_string();
        assert!(
            text.contains("amd64: c1") && text.contains("arm64: c2"),
            "{text}"
        );
    }

    #[test]
    fn stale_and_unplanned_records_are_refused() {
        let a = record("amd64", Some("c1"), "old");
        let problems = cross_check("app", "p", Some("c9"), &[&a]).expect_err("refused");
        assert!(matches!(problems[0], RecordMismatch::OtherPlan { .. }));
        assert!(matches!(
            problems[1],
            RecordMismatch::NotPlannedCommit { .. }
        ));
    }

    #[test]
    fn reading_missing_and_bad_records() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(read_record(dir.path(), "app", "amd64"), Ok(None)));
        std::fs::write(dir.path().join("app-amd64.json"), r#"{"format_version":7}"#)
            .expect("write");
        assert!(matches!(
            read_record(dir.path(), "app", "amd64"),
            Err(RecordError::Version { found: 7, .. })
        ));
        let good = record("arm64", None, "p");
        std::fs::write(
            dir.path().join("app-arm64.json"),
            serde_json::to_string(&good).expect("serializes"),
        )
        .expect("write");
        assert_eq!(
            read_record(dir.path(), "app", "arm64").ok().flatten(),
            Some(good)
        );
    }
}
