//! The external tools the tests drive.
//!
//! `build.rs` sets `cfg(tool = "<name>")` for every tool found on PATH when the
//! tests are built (for all of them with `CI=true`). A test that needs a tool
//! carries `#[cfg_attr(not(tool = "x"), ignore = "needs x: run hack/install-test-deps")]`,
//! so without the tool it is reported as ignored with that reason, never run
//! and counted as passed. [`require`] is the check at run time: reaching it
//! without the tool (in CI, or a test that lacks the attribute) fails the test.
//!
//! The tools: `docker-registry` (the registry), `htpasswd` (its basic auth),
//! `buildah` and `busybox` (real builds), `skopeo` (cross-checks), `git`
//! (repositories, `git daemon`), `python3` and `openssl` (the HTTP(S) git
//! server), `curl`, `check-jsonschema`, `actionlint` and `tekton-lint` (validators).

use std::path::PathBuf;

/// The path of `name` on PATH; panics with how to install it when missing.
pub fn require(name: &str) -> PathBuf {
    find(name).unwrap_or_else(|| {
        panic!(
            "`{name}` is not installed: run `hack/test` (or `hack/install-test-deps`), \
             which installs every tool the tests need. Outside CI a test needing it should \
             carry #[cfg_attr(not(tool = \"{name}\"), ignore = \"...\")] and be ignored."
        )
    })
}

pub fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
