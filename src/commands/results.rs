//! `--results-dir DIR`: each output in a file of its own, as Tekton task results are
//! written (`/tekton/results/<name>`, the value without a trailing newline).

use std::path::Path;

use super::Error;

pub fn write_results(dir: &Path, pairs: &[(&str, &str)]) -> Result<(), Error> {
    for (name, value) in pairs {
        let path = dir.join(name);
        std::fs::write(&path, value).map_err(|e| Error::Output {
            path: path.display().to_string(),
            message: format!("{e}; --results-dir must name a writable folder"),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_per_result_without_newline() {
        let dir = tempfile::tempdir().expect("temp dir");
        write_results(
            dir.path(),
            &[("digest", "sha256:ab"), ("platform", "linux/arm64")],
        )
        .expect("written");
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).expect("read");
        assert_eq!(read("digest"), "sha256:ab");
        assert_eq!(read("platform"), "linux/arm64");
        let missing = dir.path().join("no/such/dir");
        let err = write_results(&missing, &[("digest", "x")]).expect_err("no folder");
        assert!(err.to_string().contains("--results-dir"), "{err}");
    }
}
