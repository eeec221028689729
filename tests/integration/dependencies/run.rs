//! `monoarch run` on a chain and a diamond: real git, real buildah, the real
//! registry. Bases build first, each dependent on exactly the index this run
//! published (by digest), and a failing base skips its dependents.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{GRAPH, arg, graph_repo};
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::{Monoarch, Run};
use crate::support::plans::host_and_foreign_arch;
use crate::support::skopeo;
use crate::support::world::World;

/// `monoarch run` into the world's registry with `select`, two jobs at a time.
pub(super) fn run(w: &World, repo: &GitRepo, select: &[&str]) -> Run {
    let host = w.registry().host();
    let mut cmd = Monoarch::new(repo.path())
        .args([
            "run",
            "--jobs",
            "2",
            "--registry",
            &host,
            "--insecure-registry",
            &host,
        ])
        .args(select);
    for (k, v) in w.buildah().env() {
        cmd = cmd.env(k, v);
    }
    cmd.run()
}

/// The build record of `project` on this machine's arch.
fn record(repo: &GitRepo, project: &str) -> Value {
    let (arch, _) = host_and_foreign_arch();
    let path = repo.join(&format!("build-records/{project}-{arch}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("record")).expect("JSON")
}

/// The index digest each project's date-sha tag names now.
fn indexes(
    w: &World,
    repo: &GitRepo,
    plan_tag: impl Fn(&str) -> String,
) -> BTreeMap<String, String> {
    let _ = repo;
    GRAPH
        .iter()
        .map(|(name, _)| {
            let image = format!("{}/images:{}", w.registry().host(), plan_tag(name));
            (name.to_string(), skopeo::manifest_digest(&image))
        })
        .collect()
}

/// Every dependent's record and image name each base by the digest `expected` gives.
pub(super) fn assert_pinned(
    w: &World,
    repo: &GitRepo,
    only: &[&str],
    expected: &BTreeMap<String, String>,
) {
    let host = w.registry().host();
    for (name, bases) in GRAPH.iter().filter(|(n, _)| only.contains(n)) {
        let record = record(repo, name);
        let used: Vec<(String, String)> = record["bases"]
            .as_array()
            .map(|b| {
                b.iter()
                    .map(|b| {
                        (
                            b["project"].as_str().expect("project").to_string(),
                            b["digest"].as_str().expect("digest").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let want: Vec<(String, String)> = bases
            .iter()
            .map(|b| (b.to_string(), expected[*b].clone()))
            .collect();
        assert_eq!(used, want, "{name}'s record");
        let image = record["image"].as_str().expect("image");
        let annotations = &skopeo::raw_manifest(image)["annotations"];
        for (base, digest) in &want {
            assert_eq!(
                annotations[format!("io.monoarch.base.{base}")],
                format!("{host}/images@{digest}"),
                "{name}'s image annotation for {base}"
            );
            assert_eq!(
                record["bases"]
                    .as_array()
                    .expect("bases")
                    .iter()
                    .find(|b| b["project"] == base.as_str())
                    .expect("base")["arg"],
                arg(base)
            );
        }
    }
}

fn date_sha_tags(out: &str) -> BTreeMap<String, String> {
    // `plan --format json` of the same selection gives each project's date-sha tag.
    let plan: Value = serde_json::from_str(out).expect("plan JSON");
    plan["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_string(),
                p["tags"][0].as_str().expect("tag").to_string(),
            )
        })
        .collect()
}

fn plan_tags(repo: &GitRepo, select: &[&str]) -> BTreeMap<String, String> {
    let out = Monoarch::new(repo.path())
        .args(["plan", "--format", "json"])
        .args(select)
        .run()
        .success()
        .stdout;
    date_sha_tags(&out)
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
fn bases_build_first_and_dependents_use_their_new_index_by_digest_and_a_leaf_alone() {
    let w = World::new();
    let (arch, _) = host_and_foreign_arch();
    let repo = graph_repo(&w.registry().host(), Some(&format!("linux/{arch}")));

    // Everything, in levels.
    run(&w, &repo, &["--all"]).success();
    let first = plan_tags(&repo, &["--all"]);
    let before = indexes(&w, &repo, |n| first[n].clone());
    let all: Vec<&str> = GRAPH.iter().map(|(n, _)| *n).collect();
    assert_pinned(&w, &repo, &all, &before);

    // A change at the root: every level again, each on the new indexes.
    repo.write("projects/root/root.txt", "root v2\n");
    repo.commit("root changes");
    let out = run(&w, &repo, &["--base", "HEAD~1"]).success();
    let second = plan_tags(&repo, &["--base", "HEAD~1"]);
    assert_eq!(second.len(), 6, "all but solo: {second:?}");
    let at = |name: &str| {
        out.stdout
            .find(&format!("built {name} "))
            .unwrap_or(usize::MAX)
    };
    assert!(
        at("root") < at("mid") && at("mid") < at("leaf"),
        "{}",
        out.stdout
    );
    assert!(
        at("left") < at("top") && at("right") < at("top"),
        "{}",
        out.stdout
    );
    let mut after = before.clone();
    for (name, tag) in &second {
        let image = format!("{}/images:{tag}", w.registry().host());
        after.insert(name.clone(), skopeo::manifest_digest(&image));
    }
    assert_ne!(after["root"], before["root"], "root was rebuilt");
    assert_ne!(after["mid"], before["mid"], "mid is on the new root");
    assert_pinned(&w, &repo, &["mid", "leaf", "left", "right", "top"], &after);

    // A change at a leaf: the leaf alone, on its base's last index (`mid-latest`).
    repo.write("projects/leaf/leaf.txt", "leaf v2\n");
    repo.commit("leaf changes");
    let out = run(&w, &repo, &["--base", "HEAD~1"]).success();
    assert!(
        out.stdout.contains("1 project(s), 1 job(s)"),
        "{}",
        out.stdout
    );
    let latest = skopeo::manifest_digest(&format!("{}/images:mid-latest", w.registry().host()));
    assert_eq!(latest, after["mid"]);
    assert_pinned(&w, &repo, &["leaf"], &after);
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
fn a_failing_base_skips_its_dependents_and_publishes_none_of_them() {
    let w = World::new();
    let (arch, _) = host_and_foreign_arch();
    let repo = graph_repo(&w.registry().host(), Some(&format!("linux/{arch}")));
    repo.write(
        "projects/left/Dockerfile",
        "ARG MONOARCH_BASE_ROOT\nFROM ${MONOARCH_BASE_ROOT}\nCOPY missing.txt /\n",
    );
    repo.commit("left cannot build");
    let out = run(&w, &repo, &["--all"]).expect_code(12);
    let tags = plan_tags(&repo, &["--all"]);
    let line = |name: &str| {
        out.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} linux/")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("left").contains("error") || line("left").contains("failed"),
        "{}",
        out.stdout
    );
    assert!(
        line("top").contains("skipped")
            && line("top").contains("its base left was not published by this run"),
        "{}",
        out.stdout
    );
    for name in ["root", "mid", "leaf", "right", "solo"] {
        skopeo::manifest_digest(&format!("{}/images:{}", w.registry().host(), tags[name]));
    }
    let top = format!("{}/images:{}", w.registry().host(), tags["top"]);
    let listed = std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            "--raw",
            &format!("docker://{top}"),
        ])
        .output()
        .expect("skopeo");
    assert!(!listed.status.success(), "top must not be published");
}
