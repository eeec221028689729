//! `monoarch run` with reuse on: the second run over unchanged projects builds
//! nothing and retags, into an OCI layout as into a registry.

use std::process::Command;

use sha2::{Digest, Sha256};

use super::{REPOSITORY, Scene};
use crate::support::monoarch::Run;
use crate::support::skopeo;

fn run(s: &Scene, target: &[&str]) -> Run {
    let mut cmd = s.monoarch().args(["run", "--all"]).args(target);
    for (k, v) in s.world.buildah().env() {
        cmd = cmd.env(k, v);
    }
    cmd.run().success()
}

fn layout_digest(layout: &std::path::Path, tag: &str) -> String {
    let out = Command::new("skopeo")
        .args(["inspect", "--raw"])
        .arg(format!("oci:{}:{tag}", layout.display()))
        .output()
        .expect("run skopeo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("sha256:{}", hex::encode(Sha256::digest(&out.stdout)))
}

/// The `HOW` column of the jobs table, one entry per job line.
fn how(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .skip_while(|l| !l.starts_with("JOB "))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            l[41..]
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn scene() -> Scene {
    let s = Scene::new("");
    s.push_base("1", "base");
    s.project("app", &s.base("1"), "{}\n");
    s.project("solo", "scratch", "{}\n");
    s.repo.commit("projects");
    s
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, skopeo: run hack/install-test-deps"
)]
fn a_second_run_into_an_oci_layout_builds_nothing_and_retags() {
    let s = scene();
    let layout = s.repo.join("oci-layout");
    let first = run(&s, &[]);
    assert!(
        how(&first).iter().all(|h| h != "reused"),
        "{}",
        first.stdout
    );
    let old_sha7 = s.repo.head()[..7].to_string();
    s.touch("again");
    let second = run(&s, &[]);
    assert_eq!(how(&second), vec!["reused"; 4], "{}", second.stdout);
    assert!(
        second.stderr.contains("reuse: 4 of 4 job(s) reused"),
        "{}",
        second.stderr
    );
    let new_sha7 = s.repo.head()[..7].to_string();
    for project in ["app", "solo"] {
        for arch in ["amd64", "arm64"] {
            let old = format!("{project}-20261120-{old_sha7}-{arch}");
            let new = format!("{project}-20261120-{new_sha7}-{arch}");
            assert_eq!(
                layout_digest(&layout, &new),
                layout_digest(&layout, &old),
                "{new}"
            );
        }
        assert_eq!(
            layout_digest(&layout, &format!("{project}-monoarch-last")),
            layout_digest(&layout, &format!("{project}-20261120-{new_sha7}"))
        );
    }
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, skopeo: run hack/install-test-deps"
)]
fn a_second_run_into_a_registry_builds_nothing_and_retags() {
    let s = scene();
    let target = ["--registry", &s.host, "--insecure-registry", &s.host];
    run(&s, &target);
    let old_sha7 = s.repo.head()[..7].to_string();
    s.touch("again");
    let second = run(&s, &target);
    assert_eq!(how(&second), vec!["reused"; 4], "{}", second.stdout);
    let new_sha7 = s.repo.head()[..7].to_string();
    for arch in ["amd64", "arm64"] {
        let at = |sha7: &str| format!("{}/{REPOSITORY}:app-20261120-{sha7}-{arch}", s.host);
        assert_eq!(
            skopeo::manifest_digest(&at(&new_sha7)),
            skopeo::manifest_digest(&at(&old_sha7))
        );
    }
}
