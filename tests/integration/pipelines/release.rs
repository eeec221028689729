//! monoarch's own release: `.github/workflows/release.yml` passes the validators, and
//! hack/render-templates (which that workflow runs) pins the templates it attaches.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::validators::{actionlint, check_jsonschema, zizmor};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn release_workflow() -> PathBuf {
    root().join(".github/workflows/release.yml")
}

/// The repository's `.github` alone, where actionlint and zizmor expect it.
fn dot_github() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let workflows = dir.path().join(".github/workflows");
    fs::create_dir_all(&workflows).expect("mkdir");
    fs::copy(release_workflow(), workflows.join("release.yml")).expect("copy workflow");
    dir
}

#[test]
#[cfg_attr(
    not(all(tool = "actionlint", tool = "check-jsonschema", tool = "zizmor")),
    ignore = "needs actionlint, check-jsonschema, zizmor: run hack/install-test-deps"
)]
fn release_workflow_passes_actionlint_zizmor_and_the_schema() {
    let checkout = dot_github();
    let verdict = actionlint(checkout.path());
    assert!(verdict.ok, "actionlint:\n{}", verdict.output);
    let verdict = zizmor(checkout.path());
    let findings: Value = serde_json::from_str(&verdict.output)
        .unwrap_or_else(|e| panic!("zizmor printed no JSON ({e}):\n{}", verdict.output));
    assert_eq!(findings, serde_json::json!([]), "zizmor findings");
    let verdict = check_jsonschema("vendor.github-workflows", &[release_workflow()]);
    assert!(verdict.ok, "{}", verdict.output);
}

#[test]
fn release_workflow_builds_natively_and_attaches_sums_and_pinned_templates() {
    let text = fs::read_to_string(release_workflow()).expect("read");
    let wf: Value = serde_saphyr::from_str(&text).expect("YAML");
    assert_eq!(wf["on"]["push"]["tags"][0], "v[0-9]+.[0-9]+.[0-9]+");
    assert_eq!(wf["permissions"], serde_json::json!({}));
    let jobs = wf["jobs"].as_object().expect("jobs");
    for (name, job) in jobs {
        assert!(job["timeout-minutes"].is_u64(), "job {name} has no timeout");
        for step in job["steps"].as_array().expect("steps") {
            let run = step["run"].as_str().unwrap_or_default();
            assert!(
                !run.contains("${{"),
                "job {name}: an expression inside `run:`"
            );
        }
    }
    // One native runner per architecture; no cross compiling, no emulation.
    let targets: Vec<(String, String)> = jobs["binaries"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("matrix")
        .iter()
        .map(|e| (e["runner"].to_string(), e["target"].to_string()))
        .collect();
    assert_eq!(
        targets,
        [
            (
                "\"ubuntu-24.04\"".to_string(),
                "\"x86_64-unknown-linux-musl\"".to_string()
            ),
            (
                "\"ubuntu-24.04-arm\"".to_string(),
                "\"aarch64-unknown-linux-musl\"".to_string()
            )
        ]
    );
    // Profile-guided, from a profile made in that job for that target.
    assert!(text.contains("rustup component add llvm-tools"));
    assert!(text.contains("hack/build-release --target \"$0\""));
    // valgrind (hack/build-release lays out what small plans call) only where
    // that was tried: x86_64.
    let build = super::step(&jobs["binaries"], "name", "Build a static binary");
    assert_eq!(
        build["env"]["GRIND"],
        "${{ startsWith(matrix.target, 'x86_64') && 'valgrind' || '' }}"
    );
    assert!(
        build["run"]
            .as_str()
            .unwrap_or_default()
            .contains(" python3 $2\n")
    );
    assert!(text.contains("\"$(id -u):$(id -g)\" \"$GRIND\""));
    assert!(!text.contains("cargo build"));
    assert!(text.contains("hack/package-release \"$VERSION\" \"$TARGET\" \"$bin\" dist"));
    assert!(text.contains("sha256sum monoarch-*.tar.gz > SHA256SUMS"));
    assert!(text.contains("hack/render-templates \"${TAG#v}\" \"$URL\" \"$GITHUB_SHA\""));
    assert!(text.contains("dist/monoarch-*.tar.gz dist/SHA256SUMS"));
    assert_eq!(jobs["release"]["permissions"]["contents"], "write");
    assert_eq!(jobs["crates-io"]["needs"], "release");
    assert!(text.contains("run: cargo publish --locked"));
}

fn render(sums: &str, out: &Path) -> std::process::Output {
    let file = out.with_extension("sums");
    fs::write(&file, sums).expect("write sums");
    Command::new(root().join("hack/render-templates"))
        .args([
            "9.8.7",
            "https://git.example/fork/monoarch",
            "f".repeat(40).as_str(),
        ])
        .arg(&file)
        .arg(out)
        .output()
        .expect("run hack/render-templates")
}

#[test]
fn render_templates_pins_both_templates_and_refuses_a_missing_checksum() {
    let (x86, arm) = ("1".repeat(64), "2".repeat(64));
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("rendered");
    let sums = format!(
        "{x86}  monoarch-9.8.7-x86_64-unknown-linux-musl.tar.gz\n{arm}  monoarch-9.8.7-aarch64-unknown-linux-musl.tar.gz\n"
    );
    let done = render(&sums, &out);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let github = fs::read_to_string(out.join("github/workflows/monoarch.yml")).expect("rendered");
    let gitlab = fs::read_to_string(out.join("gitlab/templates/monoarch.yml")).expect("rendered");
    for text in [&github, &gitlab] {
        for value in [
            "\"9.8.7\"",
            "\"https://git.example/fork/monoarch\"",
            &format!("\"{}\"", "f".repeat(40)),
            &format!("\"{x86}\""),
            &format!("\"{arm}\""),
        ] {
            assert!(text.contains(value), "{value} is not pinned");
        }
    }
    assert!(github.contains(&format!(
        "MONOARCH_SHA256_AARCH64: \"{arm}\" # pin:sha256-aarch64"
    )));
    assert!(gitlab.contains(&format!("      default: \"{x86}\" # pin:sha256-x86_64")));
    // Everything else is the repository's templates, unchanged.
    assert!(out.join("install-monoarch.sh").is_file());

    let broken = render(sums.lines().next().expect("a line"), &dir.path().join("b"));
    assert!(!broken.status.success());
    assert!(
        String::from_utf8_lossy(&broken.stderr)
            .contains("has no line for monoarch-9.8.7-aarch64-unknown-linux-musl.tar.gz"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
}

fn release_training(binary: &Path, work: &Path) -> std::process::Output {
    Command::new(root().join("hack/release-training"))
        .arg(binary)
        .arg(work)
        .env("TRAINING_PROJECTS", "80")
        .output()
        .expect("run hack/release-training")
}

/// hack/build-release profiles the release binary with hack/release-training:
/// its commands must stay valid as the CLI changes, or a release stops there.
#[test]
fn release_training_runs_every_command_with_this_build() {
    let work = tempfile::tempdir().expect("temp dir");
    let done = release_training(Path::new(env!("CARGO_BIN_EXE_monoarch")), work.path());
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    assert!(stderr.contains("hack/release-training: done"), "{stderr}");
}

/// A training run that fails would profile an error path: it stops the build.
#[test]
fn release_training_stops_at_a_command_that_fails() {
    let work = tempfile::tempdir().expect("temp dir");
    let done = release_training(Path::new("/bin/false"), work.path());
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`monoarch matrix --format github --base main` exited 1, expected 0"),
        "{stderr}"
    );
}

/// hack/build-release needs the llvm-profdata of the toolchain's own LLVM: without it
/// it names the fix before anything is built (a stand-in `rustc` reports a sysroot
/// without llvm-tools).
#[test]
fn build_release_without_llvm_tools_names_the_fix_and_builds_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = dir.path().join("bin");
    let sysroot = dir.path().join("sysroot");
    fs::create_dir_all(&bin).expect("mkdir");
    fs::create_dir_all(&sysroot).expect("mkdir");
    let rustc = bin.join("rustc");
    fs::write(
        &rustc,
        format!(
            "#!/bin/sh\ncase \"$*\" in\n  '--print sysroot') echo '{}' ;;\n  -vV) echo 'host: test-host' ;;\n  *) exit 99 ;;\nesac\n",
            sysroot.display()
        ),
    )
    .expect("write rustc");
    let mut mode = fs::metadata(&rustc).expect("stat").permissions();
    mode.set_mode(0o755);
    fs::set_permissions(&rustc, mode).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let work = dir.path().join("work");
    let build = |args: &[&str]| {
        Command::new(root().join("hack/build-release"))
            .args(args)
            .env("PATH", &path)
            .output()
            .expect("run hack/build-release")
    };

    let done = build(&["--work", work.to_str().expect("utf-8 path")]);
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(1), "{stderr}");
    let expected = format!(
        "hack/build-release: llvm-profdata not found at {}/lib/rustlib/test-host/bin/llvm-profdata; install it with: rustup component add llvm-tools\n",
        sysroot.display()
    );
    assert_eq!(stderr, expected);
    assert!(done.stdout.is_empty());
    assert!(!work.exists(), "nothing is built or made before the check");

    let usage = build(&["--bogus"]);
    assert_eq!(usage.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&usage.stderr),
        "usage: hack/build-release [--target TRIPLE] [--work DIR]\n"
    );
}
