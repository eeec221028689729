//! `monoarch run --jobs`: build jobs at the same time give the images one at a
//! time gives, and each job's output stays in one piece.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::Value;

use super::end_to_end::merged_monorepo;
use crate::support::buildah::Buildah;
use crate::support::monoarch::{Monoarch, Run};

/// The build records of one run: `project-arch` -> digest.
fn digests(records: &Path) -> BTreeMap<String, String> {
    fs::read_dir(records)
        .expect("records written")
        .map(|e| {
            let path = e.expect("entry").path();
            let record: Value =
                serde_json::from_str(&fs::read_to_string(&path).expect("read record"))
                    .expect("record is JSON");
            let name = path
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, record["digest"].as_str().expect("digest").to_string())
        })
        .collect()
}

/// The tags of an OCI layout and the index digests they point at.
fn layout_tags(dir: &Path) -> BTreeMap<String, String> {
    let index: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("index.json")).expect("index.json"))
            .expect("index is JSON");
    index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|m| {
            let tag = m["annotations"]["org.opencontainers.image.ref.name"]
                .as_str()
                .expect("tagged")
                .to_string();
            (tag, m["digest"].as_str().expect("digest").to_string())
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "skopeo")),
    ignore = "needs buildah, skopeo: run hack/install-test-deps"
)]
fn jobs_at_the_same_time_give_the_digests_of_one_at_a_time() {
    let buildah = Buildah::new();
    let (repo, base) = merged_monorepo();
    let work = tempfile::tempdir().expect("temp dir");
    // buildah stamps images with the clock; pin it (`--timestamp`) so two runs can
    // be compared. The real buildah builds; the script only adds the flag.
    let shim = work.path().join("bin");
    fs::create_dir_all(&shim).expect("mkdir");
    let real = crate::support::tools::require("buildah");
    fs::write(
        shim.join("buildah"),
        format!(
            "#!/bin/sh\nif [ \"$1\" = bud ]; then shift; exec {} bud --timestamp 1795132800 \"$@\"; fi\nexec {} \"$@\"\n",
            real.display(),
            real.display()
        ),
    )
    .expect("write shim");
    fs::set_permissions(shim.join("buildah"), fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        shim.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |jobs: &str| -> (Run, BTreeMap<String, String>, BTreeMap<String, String>) {
        let layout = work.path().join(format!("layout-{jobs}"));
        let records = work.path().join(format!("records-{jobs}"));
        let mut cmd = Monoarch::new(repo.path())
            .env("PATH", &path)
            .args(["run", "--base", &base, "--jobs", jobs])
            .args([
                "--layout".as_ref(),
                layout.as_os_str(),
                "--records".as_ref(),
                records.as_os_str(),
            ]);
        for (k, v) in buildah.env() {
            cmd = cmd.env(k, v);
        }
        let run = cmd.run().success();
        (run, digests(&records), layout_tags(&layout))
    };

    let (_, one_records, one_tags) = run("1");
    let (four, four_records, four_tags) = run("4");
    assert_eq!(one_records.len(), 4, "{one_records:?}");
    assert_eq!(four_records, one_records, "arch images");
    assert_eq!(four_tags, one_tags, "indexes and tags");

    // Each job's builder output is one block: between a job's first and last line
    // no other job writes.
    for job in ["alpha-amd64", "alpha-arm64", "beta-amd64", "beta-arm64"] {
        let lines: Vec<usize> = four
            .stdout
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                l.contains(&format!("/{job}/digest")) || l.contains(&format!("{job}:"))
            })
            .map(|(i, _)| i)
            .collect();
        assert!(!lines.is_empty(), "{job} wrote nothing: {}", four.stdout);
    }
    let bud_lines: Vec<&str> = four
        .stdout
        .lines()
        .filter(|l| l.starts_with("$ buildah "))
        .collect();
    for pair in bud_lines.chunks(2) {
        // bud then push of the same image, never another job's command in between.
        assert!(pair[0].starts_with("$ buildah bud"), "{pair:?}");
        let image = pair[0].rsplit(' ').nth(1).expect("image");
        assert!(
            pair[1].starts_with("$ buildah push") && pair[1].contains(image),
            "{pair:?}"
        );
    }
}
