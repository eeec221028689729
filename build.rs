//! Tells the integration tests which external tools are installed: each found
//! tool becomes `cfg(tool = "<name>")`, and a test marked
//! `#[cfg_attr(not(tool = "x"), ignore = "...")]` is reported as ignored, with
//! its reason, when `x` is missing, instead of passing without running.
//!
//! With `CI=true` every tool counts as present, so such a test runs and fails
//! loudly on the missing tool (CI must never skip).

use std::path::PathBuf;

/// Every program the tests drive. `tests/integration/support/tools.rs` says
/// what each is for; `hack/install-test-deps` installs them.
const TOOLS: &[&str] = &[
    "actionlint",
    "buildah",
    "busybox",
    "cargo",
    "check-jsonschema",
    "curl",
    "docker-registry",
    "git",
    "gitlab-ci-local",
    "htpasswd",
    "openssl",
    "python3",
    "rsync",
    "shellcheck",
    "skopeo",
    "ssh",
    "ssh-keygen",
    "sshd",
    "tekton-lint",
    "zizmor",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=CI");
    let values: Vec<String> = TOOLS.iter().map(|t| format!("\"{t}\"")).collect();
    println!(
        "cargo::rustc-check-cfg=cfg(tool, values({}))",
        values.join(", ")
    );
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    // `run` builds a foreign architecture through a registered emulator instead of
    // skipping it; the test of the skip cannot run where one is registered.
    println!("cargo::rustc-check-cfg=cfg(foreign_emulated)");
    let foreign_qemu = match std::env::consts::ARCH {
        "x86_64" => "aarch64",
        _ => "x86_64",
    };
    let binfmt = format!("/proc/sys/fs/binfmt_misc/qemu-{foreign_qemu}");
    if std::fs::read_to_string(&binfmt).is_ok_and(|t| t.starts_with("enabled")) {
        println!("cargo::rerun-if-changed={binfmt}");
        println!("cargo::rustc-cfg=foreign_emulated");
    }
    for tool in TOOLS {
        let found = dirs.iter().map(|d| d.join(tool)).find(|p| p.is_file());
        if let Some(path) = &found {
            // Removing a tool flips its cfg; installing one is caught by
            // hack/install-test-deps, which touches this file.
            println!("cargo::rerun-if-changed={}", path.display());
        }
        if ci || found.is_some() {
            println!("cargo::rustc-cfg=tool=\"{tool}\"");
        }
    }
}
