//! Finding the external tools the tests drive; in CI a missing tool fails the test.

use std::path::PathBuf;

/// Returns the path of `name` on PATH. When it is missing: in CI (`CI=true`)
/// the test fails; on a developer machine `None`, and the caller skips loudly.
pub fn require(name: &str) -> Option<PathBuf> {
    if let Some(path) = find(name) {
        return Some(path);
    }
    let hint = "run `hack/test`, which installs every tool the tests need";
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("`{name}` is not installed, and CI=true forbids skipping: {hint}");
    }
    eprintln!("SKIPPED: `{name}` is not installed ({hint})");
    None
}

pub fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Skips the current test (returning from it) unless every tool is present.
#[macro_export]
macro_rules! require_tools {
    ($($tool:expr),+ $(,)?) => {
        $(
            if $crate::support::tools::require($tool).is_none() {
                return;
            }
        )+
    };
}
