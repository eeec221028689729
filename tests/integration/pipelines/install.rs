//! ci-templates/install-monoarch.sh, the install step of both templates, against a
//! release host on 127.0.0.1 serving a tarball of this test build's binary (packed by
//! hack/package-release), and the same URL as a git repository for the compile fallback.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::git_repo::GitRepo;
use crate::support::release_server::{ReleaseServer, packaged_test_build, sha256_hex};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The release target of this machine and the name of its pin variable.
pub fn host_target() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "aarch64" => ("aarch64-unknown-linux-musl", "MONOARCH_SHA256_AARCH64"),
        _ => ("x86_64-unknown-linux-musl", "MONOARCH_SHA256_X86_64"),
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ci-templates/install-monoarch.sh")
}

/// Serves this build's binary (packed by hack/package-release) as the release tarball
/// for this machine; returns its SHA-256.
pub fn serve_release(server: &ReleaseServer) -> String {
    let (target, _) = host_target();
    let tarball = packaged_test_build(VERSION, target);
    let served = server
        .release_dir(VERSION)
        .join(tarball.file_name().expect("name"));
    fs::copy(&tarball, &served).expect("serve the tarball");
    sha256_hex(&served)
}

/// Runs the install script as a CI job would: a clean environment with only the settings.
fn install(root: &Path, vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg(script()).env_clear();
    for keep in ["PATH", "HOME", "TMPDIR", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    cmd.env("MONOARCH_VERSION", VERSION)
        .env("MONOARCH_ROOT", root)
        // The compile fallback must not touch the machine's cargo home.
        .env("CARGO_HOME", root.with_extension("cargo-home"));
    cmd.envs(vars.iter().copied());
    cmd.output().expect("run install-monoarch.sh")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A crate named monoarch whose binary says it was compiled, tagged `v<VERSION>`.
fn fallback_source() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "Cargo.toml",
        &format!("[package]\nname = \"monoarch\"\nversion = \"{VERSION}\"\nedition = \"2021\"\n"),
    );
    repo.write(
        "Cargo.lock",
        &format!("version = 4\n\n[[package]]\nname = \"monoarch\"\nversion = \"{VERSION}\"\n"),
    );
    repo.write(
        "src/main.rs",
        &format!(
            "fn main() {{\n    if std::env::args().any(|a| a == \"--version\") {{\n        println!(\"monoarch {VERSION}\");\n    }} else {{\n        println!(\"compiled from git\");\n    }}\n}}\n"
        ),
    );
    repo.commit("a monoarch that was compiled");
    repo.git(&["tag", &format!("v{VERSION}")]);
    repo
}

fn run_installed(root: &Path, arg: Option<&str>) -> String {
    let out = Command::new(root.join("bin/monoarch"))
        .args(arg)
        .output()
        .expect("run the installed monoarch");
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "python3")),
    ignore = "needs git, python3: run hack/install-test-deps"
)]
fn install_downloads_the_pinned_release_binary_and_reuses_it() {
    let server = ReleaseServer::start();
    let sum = serve_release(&server);
    let (_, pin) = host_target();
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("monoarch");
    let url = server.url();
    let vars = [("MONOARCH_URL", url.as_str()), (pin, sum.as_str())];

    let first = install(&root, &vars);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first).contains(&format!("(sha256 {sum})")),
        "{}",
        stderr(&first)
    );
    assert_eq!(
        run_installed(&root, Some("--version")),
        format!("monoarch {VERSION}")
    );
    // The installed file is the test build's binary, byte for byte.
    assert_eq!(
        fs::read(root.join("bin/monoarch")).expect("installed"),
        fs::read(env!("CARGO_BIN_EXE_monoarch")).expect("built")
    );

    let second = install(&root, &vars);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(stderr(&second).contains("reusing"), "{}", stderr(&second));
    let downloads = server
        .requests()
        .iter()
        .filter(|r| r.ends_with(".tar.gz"))
        .count();
    assert_eq!(downloads, 1, "{:?}", server.requests());
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "python3")),
    ignore = "needs git, python3: run hack/install-test-deps"
)]
fn install_refuses_a_wrong_checksum_and_installs_nothing() {
    let server = ReleaseServer::start();
    let sum = serve_release(&server);
    // Flip the last digit, whatever it is: a fixed digit equals the real one 1 time in 16.
    let last = if sum.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &sum[..63]);
    assert_ne!(wrong, sum);
    let (_, pin) = host_target();
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("monoarch");
    let url = server.url();
    let out = install(&root, &[("MONOARCH_URL", &url), (pin, &wrong)]);
    assert!(!out.status.success(), "a wrong checksum was accepted");
    let text = stderr(&out);
    assert!(text.contains("checksum mismatch"), "{text}");
    assert!(
        text.contains(&format!("expected sha256 {wrong}, got {sum}")),
        "{text}"
    );
    assert!(text.contains("nothing was installed"), "{text}");
    // Refused outright: no binary, no half-written temp folder, no compile attempt.
    assert!(!root.join("bin/monoarch").exists());
    let left: Vec<_> = fs::read_dir(&root).expect("root").collect();
    assert_eq!(left.len(), 1, "only bin/ may remain: {left:?}");
    assert!(!text.contains("cargo install"), "{text}");
}

#[test]
#[cfg_attr(
    not(all(tool = "cargo", tool = "git", tool = "python3")),
    ignore = "needs cargo, git, python3: run hack/install-test-deps"
)]
fn install_compiles_from_the_git_url_when_the_release_file_is_missing() {
    let server = ReleaseServer::start();
    let source = fallback_source();
    server.publish_git(&source);
    let (_, pin) = host_target();
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("monoarch");
    let url = server.url();
    let rev = source.head();
    // A pin, but no file at the URL: the release is missing, so compile at MONOARCH_REV.
    let out = install(
        &root,
        &[
            ("MONOARCH_URL", &url),
            (pin, &"a".repeat(64)),
            ("MONOARCH_REV", &rev),
        ],
    );
    let text = stderr(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("could not download"), "{text}");
    assert!(text.contains(&format!("--rev {rev}")), "{text}");
    assert_eq!(run_installed(&root, None), "compiled from git");
}

#[test]
#[cfg_attr(
    not(all(tool = "cargo", tool = "git", tool = "python3")),
    ignore = "needs cargo, git, python3: run hack/install-test-deps"
)]
fn install_without_a_pin_compiles_the_version_tag_unless_told_never_to() {
    let server = ReleaseServer::start();
    server.publish_git(&fallback_source());
    serve_release(&server);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = server.url();

    let never = dir.path().join("never");
    let out = install(
        &never,
        &[("MONOARCH_URL", &url), ("MONOARCH_COMPILE", "never")],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no SHA-256 pinned"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("MONOARCH_COMPILE=never"),
        "{}",
        stderr(&out)
    );
    assert!(!never.join("bin/monoarch").exists());

    // An unpinned download is never trusted, even when the file is there.
    let root = dir.path().join("monoarch");
    let out = install(&root, &[("MONOARCH_URL", &url)]);
    let text = stderr(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("--tag v{VERSION}")), "{text}");
    assert_eq!(run_installed(&root, None), "compiled from git");
    assert!(
        !server.requests().iter().any(|r| r.ends_with(".tar.gz")),
        "{:?}",
        server.requests()
    );
}
