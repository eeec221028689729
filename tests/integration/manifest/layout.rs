//! The OCI image layout target: readable by `skopeo inspect oci:PATH:TAG`.

use std::process::Command;

use super::{BOTH, Setup, digests, platforms};
use crate::support::images::sha256;
use crate::support::plans;
use monoarch::exit_code;

fn skopeo_copy(from: &str, to: &str) {
    let out = Command::new("skopeo")
        .args([
            "copy",
            "--src-tls-verify=false",
            "--preserve-digests",
            from,
            to,
        ])
        .output()
        .expect("run skopeo copy");
    assert!(
        out.status.success(),
        "skopeo copy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn inspect_raw(layout: &std::path::Path, tag: &str) -> Option<Vec<u8>> {
    let out = Command::new("skopeo")
        .args(["inspect", "--raw"])
        .arg(format!("oci:{}:{tag}", layout.display()))
        .output()
        .expect("run skopeo");
    out.status.success().then_some(out.stdout)
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn writes_index_and_tags_into_an_oci_layout() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["latest"]);
    s.push_arch_images(&project, BOTH);
    let layout = s.dir.path().join("layout");
    let mut children = Vec::new();
    for job in &project.jobs {
        skopeo_copy(
            &format!("docker://{}/{}:{}", s.host(), project.repository, job.tag),
            &format!("oci:{}:{}", layout.display(), job.tag),
        );
        children.push(sha256(
            &inspect_raw(&layout, &job.tag).expect("arch image in layout"),
        ));
    }
    // The layout needs no registry: the plan names none.
    let plan = plans::plan("", vec![project.clone()]);
    let plan_path = s.write_plan(&plan);
    let target = format!("oci:{}", layout.display());
    crate::support::monoarch::Monoarch::new(s.dir.path())
        .args(["manifest", "--plan"])
        .arg_path(&plan_path)
        .args(["--target", &target])
        .run()
        .success();

    let raw = inspect_raw(&layout, &project.tags[0]).expect("date-sha tag in layout");
    let index: serde_json::Value = serde_json::from_slice(&raw).expect("JSON");
    assert_eq!(platforms(&index), vec!["linux/amd64", "linux/arm64"]);
    assert_eq!(digests(&index), children);
    let latest = inspect_raw(&layout, "app-latest").expect("latest in layout");
    assert_eq!(sha256(&latest), sha256(&raw));

    // A missing arch in the layout is refused the same way.
    let other = plans::project("other", BOTH, &[]);
    let plan = plans::plan("", vec![other]);
    let plan_path = s.write_plan(&plan);
    let run = crate::support::monoarch::Monoarch::new(s.dir.path())
        .args(["manifest", "--plan"])
        .arg_path(&plan_path)
        .args(["--target", &target])
        .run()
        .expect_code(exit_code::VERIFY);
    assert!(
        run.stderr
            .contains("did the build job for linux/amd64 fail?"),
        "{}",
        run.stderr
    );
}

/// Reads the tags `index.json` lists, straight from the file.
fn layout_tags(layout: &std::path::Path) -> Vec<String> {
    let text = std::fs::read(layout.join("index.json")).expect("index.json");
    let index: serde_json::Value = serde_json::from_slice(&text).expect("JSON");
    index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .filter_map(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str())
        .map(str::to_string)
        .collect()
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn parallel_writers_to_one_layout_lose_no_tag() {
    const PROJECTS: [&str; 4] = ["p1", "p2", "p3", "p4"];
    const ROUNDS: usize = 15;
    let w = crate::support::world::World::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let layout = dir.path().join("layout");
    let projects: Vec<_> = PROJECTS
        .iter()
        .map(|name| plans::project(name, BOTH, &["latest"]))
        .collect();
    for project in &projects {
        super::push_arch_images(&w, project, BOTH, "a");
        for job in &project.jobs {
            skopeo_copy(
                &format!(
                    "docker://{}/{}:{}",
                    w.registry().host(),
                    project.repository,
                    job.tag
                ),
                &format!("oci:{}:{}", layout.display(), job.tag),
            );
        }
    }
    let pristine = std::fs::read(layout.join("index.json")).expect("index.json");
    let plan_path = plans::write(dir.path(), &plans::plan("", projects.clone()));
    let target = format!("oci:{}", layout.display());
    let mut expected: Vec<String> = projects
        .iter()
        .flat_map(|p| p.tags.iter().chain(p.jobs.iter().map(|j| &j.tag)).cloned())
        .collect();
    expected.sort();
    for round in 0..ROUNDS {
        std::fs::write(layout.join("index.json"), &pristine).expect("reset index.json");
        let children: Vec<_> = PROJECTS
            .iter()
            .map(|name| {
                crate::support::monoarch::Monoarch::new(dir.path())
                    .args(["manifest", "--plan"])
                    .arg_path(&plan_path)
                    .args(["--target", &target, "--project", name])
                    .spawn()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait for monoarch");
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut tags = layout_tags(&layout);
        tags.sort();
        assert_eq!(tags, expected, "round {round}: every tag of every writer");
    }
    let raw = inspect_raw(&layout, "p3-latest").expect("skopeo reads a tag written in parallel");
    assert_eq!(
        platforms(&serde_json::from_slice(&raw).expect("JSON")),
        vec!["linux/amd64", "linux/arm64"]
    );
}
