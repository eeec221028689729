//! The build record: written to `--records DIR` and, in GitHub Actions, as step outputs.

use std::path::{Path, PathBuf};

use crate::contract::BuildRecord;

use super::BuildError;

/// Writes `DIR/<project>-<arch>.json` (pretty JSON, trailing newline); returns its path.
pub fn write_record(dir: &Path, record: &BuildRecord) -> Result<PathBuf, BuildError> {
    let path = dir.join(BuildRecord::file_name(&record.project, &record.arch));
    let err = |e: std::io::Error| BuildError::Output {
        what: "build record",
        path: path.clone(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut text =
        serde_json::to_string_pretty(record).map_err(|e| err(std::io::Error::other(e)))?;
    text.push('\n');
    // Write then rename: a reader never sees half a record.
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, text).map_err(err)?;
    std::fs::rename(&partial, &path).map_err(err)?;
    Ok(path)
}

/// The step outputs of a job (`$GITHUB_OUTPUT`): `digest`, `image`,
/// `upstream-commit` of this job, and `record` (the whole record, one line).
/// A matrix entry that packs several jobs overwrites them job by job; the
/// record files hold every job.
pub fn step_outputs(record: &BuildRecord) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        ("digest", record.digest.clone()),
        ("image", record.image.clone()),
    ];
    if let Some(commit) = &record.upstream_commit {
        pairs.push(("upstream-commit", commit.clone()));
    }
    if let Ok(json) = serde_json::to_string(record) {
        pairs.push(("record", json));
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::Ci;
    use crate::contract::Platform;
    use crate::contract::RECORD_FORMAT_VERSION;
    use crate::env::Env;

    fn record() -> BuildRecord {
        BuildRecord {
            format_version: RECORD_FORMAT_VERSION,
            project: "hello".into(),
            arch: "arm64".into(),
            platform: Platform::parse("linux/arm64").expect("known"),
            image: "127.0.0.1:5000/monoarch:hello-20261120-abc1234-arm64".into(),
            digest: format!("sha256:{}", "0".repeat(64)),
            upstream_commit: Some("c".repeat(40)),
            builder: "buildah".into(),
            duration_seconds: 1.5,
            plan_commit: "d".repeat(40),
            key: None,
            key_inputs: None,
            planned_key: None,
            bases: Vec::new(),
        }
    }

    #[test]
    fn record_file_round_trips() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = write_record(&dir.path().join("records"), &record()).expect("written");
        assert!(path.ends_with("records/hello-arm64.json"));
        let back: BuildRecord =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("parse");
        assert_eq!(back, record());
    }

    #[test]
    fn github_output_has_one_line_per_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("github-output");
        let ci = Ci::from_env(&Env::from_pairs([(
            "GITHUB_OUTPUT",
            file.display().to_string(),
        )]));
        ci.set_outputs(&step_outputs(&record())).expect("written");
        insta::assert_snapshot!(std::fs::read_to_string(&file).expect("read"));
    }
}
