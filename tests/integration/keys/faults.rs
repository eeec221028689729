//! Reuse is never silently wrong: a key that moved between plan and build is
//! reported, an image that cannot be verified is built instead (with why),
//! and a reused image that vanished stops `manifest` before any tag moves.

use std::process::Command;

use monoarch::contract::{BuildRecord, KeyInputs};

use super::{REPOSITORY, Scene};
use crate::support::images::{OCI_INDEX, OCI_MANIFEST};
use crate::support::plans;
use crate::support::skopeo;

/// The lines of `text` that mention `needle`, with the registry shown as HOST
/// and without the log level's colour codes.
fn lines_with(text: &str, needle: &str, s: &Scene) -> String {
    text.lines()
        .filter(|l| l.contains(needle))
        .map(|l| {
            l.replace(&s.host, "HOST")
                .replace("\u{1b}[33m", "")
                .replace("\u{1b}[0m", "")
        })
        .collect::<Vec<_>>()
        .join("\n")
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
fn a_base_that_moves_between_plan_and_build_is_detected_and_reported() {
    let (host_arch, _) = plans::host_and_foreign_arch();
    let s = Scene::new("");
    let (planned_amd64, planned_arm64) = s.push_base("1", "planned");
    let was = if host_arch == "amd64" {
        planned_amd64
    } else {
        planned_arm64
    };
    s.project(
        "app",
        &s.base("1"),
        &format!("platforms:\n  - linux/{host_arch}\n"),
    );
    s.repo.commit("app");
    let (plan, _) = s.plan(&[]);
    let planned = plan.projects[0].jobs[0].key.clone().expect("a planned key");

    let (moved_amd64, moved_arm64) = s.push_base("1", "moved before the build");
    let moved = if host_arch == "amd64" {
        moved_amd64
    } else {
        moved_arm64
    };
    let build = s.build_all(&plan).remove(0);
    let record: BuildRecord = serde_json::from_str(
        &std::fs::read_to_string(s.repo.join(&format!("build-records/app-{host_arch}.json")))
            .expect("record"),
    )
    .expect("record JSON");
    assert_eq!(record.planned_key.as_deref(), Some(planned.as_str()));
    let built = record.key.clone().expect("built with a key");
    assert_ne!(built, planned);
    let inputs = record.key_inputs.expect("inputs recorded");
    assert_eq!(
        inputs.bases[0].digest, moved,
        "the key names what was built"
    );
    assert_eq!(inputs.key(), built);
    let image = skopeo::raw_manifest(&record.image.replace("docker://", ""));
    assert_eq!(
        image["annotations"]["io.monoarch.key"].as_str(),
        Some(built.as_str())
    );

    let manifest = s.manifest().success();
    let sha = |t: String| {
        t.replace(&planned, "PLANNED")
            .replace(&built, "BUILT")
            .replace(&planned[..19], "PLANNED")
            .replace(&built[..19], "BUILT")
            .replace(&was[..19], "WAS")
            .replace(&moved[..19], "NOW")
            .replace(host_arch, "ARCH")
    };
    insta::assert_snapshot!(sha(format!(
        "build:\n{}\nmanifest:\n{}",
        lines_with(&build.stderr, "differs from the plan's", &s),
        lines_with(&manifest.stderr, "the plan had", &s)
    )));
}

/// A manifest with the key facts of `inputs` as annotations (`tamper`: a key
/// that is not theirs), pushed with the blobs of a fresh image of `platform`.
fn keyed_image(
    s: &Scene,
    tag: &str,
    platform: &str,
    inputs: &KeyInputs,
    tamper: bool,
) -> (String, u64) {
    let raw = s.pusher.image_manifest(REPOSITORY, tag, platform, tag);
    let mut manifest: serde_json::Value = serde_json::from_slice(&raw).expect("manifest JSON");
    let key = if tamper {
        format!("sha256:{}", "0".repeat(64))
    } else {
        inputs.key()
    };
    manifest["annotations"] = serde_json::json!({
        "io.monoarch.key": key,
        "io.monoarch.key.inputs": inputs.canonical(),
    });
    let pushed = s.pusher.manifest(
        REPOSITORY,
        tag,
        OCI_MANIFEST,
        &serde_json::to_vec(&manifest).expect("JSON"),
    );
    (pushed.digest, pushed.size)
}

fn entry(digest: &str, size: u64, arch: &str) -> serde_json::Value {
    serde_json::json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": size,
                       "platform": {"os": "linux", "architecture": arch}})
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "git")),
    ignore = "needs docker-registry, git: run hack/install-test-deps"
)]
fn an_image_that_cannot_be_verified_is_built_and_the_plan_says_why() {
    let s = Scene::new("");
    s.push_base("1", "base");
    s.project("app", &s.base("1"), "{}\n");
    s.project("solo", "scratch", "{}\n");
    s.repo.commit("projects");
    let (plan, _) = s.plan(&[]);
    let inputs = |project: &str, arch: &str| {
        plan.project(project)
            .and_then(|p| p.job(arch))
            .and_then(|j| j.key_inputs.clone())
            .expect("keyed job")
    };
    // What other tools (or a hand) could leave under monoarch's tag; no
    // pipeline of monoarch writes such images, so they are made here.
    let plain = s.pusher.image(REPOSITORY, "plain", "linux/amd64", "no key");
    let (wrong, wrong_size) =
        keyed_image(&s, "wrong", "linux/amd64", &inputs("app", "arm64"), false);
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        entry(&plain.digest, plain.size, "amd64"), entry(&wrong, wrong_size, "arm64")]});
    s.pusher.manifest(
        REPOSITORY,
        "app-monoarch-last",
        OCI_INDEX,
        &serde_json::to_vec(&index).expect("JSON"),
    );
    let (tampered, tampered_size) = keyed_image(
        &s,
        "tampered",
        "linux/amd64",
        &inputs("solo", "amd64"),
        true,
    );
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        entry(&tampered, tampered_size, "amd64")]});
    s.pusher.manifest(
        REPOSITORY,
        "solo-monoarch-last",
        OCI_INDEX,
        &serde_json::to_vec(&index).expect("JSON"),
    );

    let (plan, _) = s.plan(&[]);
    assert!(
        plan.projects
            .iter()
            .flat_map(|p| &p.jobs)
            .all(|j| j.reuse.is_none())
    );
    let why = |project: &str, arch: &str| {
        plan.project(project)
            .and_then(|p| p.job(arch))
            .and_then(|j| j.why.clone())
            .unwrap_or_default()
    };
    for (project, arch, expected) in [
        ("app", "amd64", "cannot be reused: it carries no build key"),
        (
            "app",
            "arm64",
            "cannot be reused: it is linux/amd64, not linux/arm64",
        ),
        ("solo", "amd64", "it was altered after the build"),
        (
            "solo",
            "arm64",
            "has no linux/arm64 image (it has: linux/amd64)",
        ),
    ] {
        let why = why(project, arch);
        assert!(
            why.starts_with("built: ") && why.contains(expected),
            "{project} {arch}: {why}"
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
fn a_reused_image_deleted_before_manifest_stops_the_project_before_any_tag_moves() {
    let s = Scene::new("");
    s.project("solo", "scratch", "{}\n");
    s.repo.commit("solo");
    s.pipeline();
    s.touch("next");
    let (plan, _) = s.plan(&[]);
    let project = &plan.projects[0];
    let reused = project.jobs[0].reuse.clone().expect("reused");
    let out = Command::new("skopeo")
        .args(["delete", "--tls-verify=false"])
        .arg(format!(
            "docker://{}/{REPOSITORY}@{}",
            s.host, reused.digest
        ))
        .output()
        .expect("run skopeo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let run = s.manifest().expect_code(10);
    let text = run
        .transcript(s.repo.path())
        .replace(&s.host, "HOST")
        .replace(&plan.sha7, "SHA7")
        .replace(&reused.digest, "REUSED");
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    insta::assert_snapshot!(errors.join("\n"));
    for tag in &project.tags {
        let found = Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--raw"])
            .arg(format!("docker://{}/{REPOSITORY}:{tag}", s.host))
            .output()
            .expect("run skopeo");
        assert!(!found.status.success(), "{tag} must not be set");
    }
}
