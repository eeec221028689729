//! `monoarch run` end to end: a merge that touches two projects, both
//! architectures, real buildah, a real registry and an OCI layout; skopeo checks.

use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::buildah::Buildah;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::{Monoarch, Run};
use crate::support::world::World;

/// The monorepo after merging a branch that changed `alpha` and `beta` (not
/// `gamma`); returns it with the commit before the merge.
pub fn merged_monorepo() -> (GitRepo, String) {
    let repo = GitRepo::new();
    repo.write("monoarch.yaml", "repository: images\n");
    for name in ["alpha", "beta", "gamma"] {
        repo.write(
            &format!("projects/{name}/build-config.yaml"),
            "additional_tags:\n  - latest\n",
        );
        repo.write(
            &format!("projects/{name}/Dockerfile"),
            "FROM scratch\nCOPY hello.txt /hello.txt\n",
        );
        repo.write(
            &format!("projects/{name}/hello.txt"),
            &format!("{name} 1\n"),
        );
    }
    let base = repo.commit("three projects");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("projects/alpha/hello.txt", "alpha 2\n");
    repo.commit("alpha 2");
    repo.write("projects/beta/hello.txt", "beta 2\n");
    repo.commit("beta 2");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "feature", "-m", "merge feature"]);
    (repo, base)
}

/// The tags a project gets from this commit: SOURCE_DATE_EPOCH of the harness is 2026-11-20.
pub fn expected_tags(repo: &GitRepo, project: &str) -> Vec<String> {
    let sha7 = &repo.head()[..7];
    vec![
        format!("{project}-20261120-{sha7}"),
        format!("{project}-latest"),
    ]
}

fn skopeo_raw(reference: &str) -> Option<Vec<u8>> {
    let out = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--raw", reference])
        .output()
        .expect("run skopeo");
    out.status.success().then_some(out.stdout)
}

/// skopeo (an independent client) reads every tag: the same OCI index, with an
/// amd64 and an arm64 image, each of the right platform.
pub fn assert_published(prefix: &str, tags: &[String]) {
    let mut first: Option<Vec<u8>> = None;
    for tag in tags {
        let reference = format!("{prefix}:{tag}");
        let raw =
            skopeo_raw(&reference).unwrap_or_else(|| panic!("skopeo cannot read {reference}"));
        match &first {
            None => first = Some(raw.clone()),
            Some(f) => assert_eq!(&raw, f, "{reference} is not the same index"),
        }
    }
    let raw = first.expect("at least one tag");
    let index: Value = serde_json::from_slice(&raw).expect("index is JSON");
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let platforms: Vec<String> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"]["os"].as_str().unwrap_or_default(),
                m["platform"]["architecture"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    // Each child is the image under its arch tag, and its config says the same platform.
    for m in index["manifests"].as_array().expect("manifests") {
        let arch = m["platform"]["architecture"]
            .as_str()
            .expect("architecture");
        let arch_ref = format!("{prefix}:{}-{arch}", tags[0]);
        let raw = skopeo_raw(&arch_ref).unwrap_or_else(|| panic!("skopeo cannot read {arch_ref}"));
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(&raw)));
        assert_eq!(m["digest"], digest, "{arch_ref}");
        let out = Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--config", &arch_ref])
            .output()
            .expect("run skopeo");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config: Value = serde_json::from_slice(&out.stdout).expect("config is JSON");
        assert_eq!(config["architecture"], arch, "{arch_ref}");
    }
}

pub fn assert_absent(reference: &str) {
    assert!(
        skopeo_raw(reference).is_none(),
        "{reference} exists but nothing should have published it"
    );
}

fn run_in(repo: &GitRepo, buildah: &Buildah, args: &[&str]) -> Run {
    let mut cmd = Monoarch::new(repo.path()).args(["run"]).args(args);
    for (k, v) in buildah.env() {
        cmd = cmd.env(k, v);
    }
    cmd.run()
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "skopeo")),
    ignore = "needs buildah, docker-registry, skopeo: run hack/install-test-deps"
)]
fn run_publishes_the_merged_projects_to_a_registry() {
    let w = World::new();
    let (registry, buildah) = (w.registry(), w.buildah());
    let (repo, base) = merged_monorepo();
    let host = registry.host();
    let run = run_in(
        &repo,
        buildah,
        &[
            "--base",
            &base,
            "--registry",
            &host,
            "--insecure-registry",
            &host,
        ],
    )
    .success();
    assert!(
        run.stdout.contains("2 project(s), 4 job(s)"),
        "{}",
        run.stdout
    );
    for project in ["alpha", "beta"] {
        assert_published(
            &format!("docker://{host}/images"),
            &expected_tags(&repo, project),
        );
    }
    assert_absent(&format!(
        "docker://{host}/images:{}",
        expected_tags(&repo, "gamma")[0]
    ));
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "skopeo")),
    ignore = "needs buildah, skopeo: run hack/install-test-deps"
)]
fn run_publishes_the_merged_projects_into_an_oci_layout() {
    let buildah = Buildah::new();
    let (repo, base) = merged_monorepo();
    let layout = tempfile::tempdir().expect("temp dir");
    let dir = layout.path().join("images");
    let dir_arg = dir.display().to_string();
    let run = run_in(&repo, &buildah, &["--base", &base, "--layout", &dir_arg]).success();
    assert!(run.stdout.contains("published"), "{}", run.stdout);
    for project in ["alpha", "beta"] {
        assert_published(&format!("oci:{dir_arg}"), &expected_tags(&repo, project));
    }
    assert_absent(&format!(
        "oci:{dir_arg}:{}",
        expected_tags(&repo, "gamma")[0]
    ));
}

/// A project with a `RUN` step: the machine's own architecture is built for
/// real, the other one is reported as skipped with the reason, and nothing is
/// published for the project.
#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "busybox", tool = "skopeo")),
    ignore = "needs buildah, busybox, skopeo: run hack/install-test-deps"
)]
#[cfg_attr(
    foreign_emulated,
    ignore = "an emulator for the foreign architecture is registered here, so run emulates it instead of skipping"
)]
fn run_skips_a_foreign_architecture_that_would_need_emulation() {
    let buildah = Buildah::new();
    let host = std::env::consts::ARCH;
    let (native, foreign, qemu) = match host {
        "x86_64" => ("amd64", "arm64", "aarch64"),
        "aarch64" => ("arm64", "amd64", "x86_64"),
        other => panic!("this test knows amd64 and arm64 hosts, not {other}"),
    };
    let binfmt = format!("/proc/sys/fs/binfmt_misc/qemu-{qemu}");
    assert!(
        !std::fs::read_to_string(&binfmt).is_ok_and(|t| t.starts_with("enabled")),
        "{binfmt} was registered after the tests were built, so {foreign} would be emulated, \
         not skipped; `touch build.rs` and run again (the test is then ignored)"
    );
    buildah.make_busybox_base("localhost/monoarch-test-busybox:latest");
    let repo = GitRepo::new();
    repo.write("monoarch.yaml", "repository: images\n");
    repo.write(
        "projects/shell/build-config.yaml",
        "additional_tags:\n  - latest\n",
    );
    repo.write(
        "projects/shell/Dockerfile",
        "FROM localhost/monoarch-test-busybox:latest\nRUN echo built > /built.txt\n",
    );
    repo.commit("a project with a RUN step");
    let layout = tempfile::tempdir().expect("temp dir");
    let dir_arg = layout.path().join("images").display().to_string();
    let run = run_in(&repo, &buildah, &["--all", "--layout", &dir_arg]).expect_code(12);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains(&format!(
            "skipped shell linux/{foreign}: linux/{foreign} on a linux/{native} machine: the Dockerfile runs commands (RUN)"
        )),
        "{all}"
    );
    assert!(
        all.contains(&format!("built shell linux/{native}")),
        "{all}"
    );
    let tags = expected_tags(&repo, "shell");
    assert!(skopeo_raw(&format!("oci:{dir_arg}:{}-{native}", tags[0])).is_some());
    for tag in &tags {
        assert_absent(&format!("oci:{dir_arg}:{tag}"));
    }
}

/// An upstream project: for the foreign architecture `run` reads the
/// Dockerfile from the fetched upstream (multi-stage, the target's stages have
/// no RUN) and builds it; the index holds both architectures.
#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "git", tool = "skopeo")),
    ignore = "needs buildah, git, skopeo: run hack/install-test-deps"
)]
fn run_builds_an_upstream_project_for_both_architectures() {
    let w = World::new();
    let (buildah, daemon) = (w.buildah(), w.git_daemon());
    let upstream = GitRepo::new();
    upstream.write(
        "deploy/Dockerfile",
        "FROM busybox AS tools\nRUN echo never built\nFROM scratch AS app\nCOPY app.txt /app.txt\n",
    );
    upstream.write("app.txt", "upstream app\n");
    upstream.commit("upstream v1");
    upstream.git(&["tag", "v1.0.0"]);
    let url = daemon.publish(&upstream, "app");

    let repo = GitRepo::new();
    repo.write("monoarch.yaml", "repository: images\n");
    repo.write(
        "projects/app/build-config.yaml",
        &format!(
            "upstream_repo: {url}\nupstream_ref: v1.0.0\ndockerfile_path: deploy/Dockerfile\ntarget: app\nadditional_tags:\n  - latest\n"
        ),
    );
    repo.commit("an upstream project");
    let layout = tempfile::tempdir().expect("temp dir");
    let dir_arg = layout.path().join("images").display().to_string();
    let run = run_in(&repo, buildah, &["--all", "--layout", &dir_arg]).success();
    assert!(run.stdout.contains("no RUN, cross"), "{}", run.stdout);
    assert_published(&format!("oci:{dir_arg}"), &expected_tags(&repo, "app"));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn run_without_buildah_says_how_to_install_it() {
    let (repo, _) = merged_monorepo();
    let empty = tempfile::tempdir().expect("temp dir");
    let run = Monoarch::new(repo.path())
        .env("PATH", empty.path())
        .args(["run", "--all"])
        .run()
        .expect_code(8);
    assert!(
        run.stderr.contains("apt-get install buildah"),
        "{}",
        run.stderr
    );
    assert!(!repo.join("oci-layout").exists(), "nothing may be written");
}

/// Per-project repositories give every project the same tags; one layout
/// cannot hold them apart, so `run` refuses before building anything.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn run_refuses_projects_whose_tags_would_clash_in_one_layout() {
    let repo = GitRepo::new();
    repo.write("monoarch.yaml", "repository: team\nnaming: per-project\n");
    for name in ["one", "two"] {
        repo.write(
            &format!("projects/{name}/build-config.yaml"),
            "platforms: [linux/amd64]\n",
        );
        repo.write(
            &format!("projects/{name}/Dockerfile"),
            "FROM scratch\nCOPY x /x\n",
        );
        repo.write(&format!("projects/{name}/x"), name);
    }
    repo.commit("two per-project repositories");
    let dir = repo.join("layout");
    let run = Monoarch::new(repo.path())
        .args(["run", "--all", "--layout"])
        .args([dir.as_os_str()])
        .run()
        .expect_code(2);
    let sha7 = &repo.head()[..7];
    assert!(
        run.stderr.contains(&format!(
            "projects one and two both have the tag `20261120-{sha7}` (the per-project naming scheme)"
        )),
        "{}",
        run.stderr
    );
    assert!(!dir.exists(), "nothing may be written");
}
