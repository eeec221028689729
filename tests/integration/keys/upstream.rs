//! Upstream projects: the plan pins the commit (as `--resolve-refs` does) but
//! does not fetch the upstream; the bases come from the last build of that
//! commit, which read the same Dockerfile. A new commit is always built.

use super::Scene;
use crate::support::git_repo::GitRepo;
use crate::support::plans;

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
fn an_upstream_is_keyed_from_its_commit_and_the_bases_its_last_build_listed() {
    let (arch, _) = plans::host_and_foreign_arch();
    let s = Scene::new("");
    s.push_base("1", "first");
    let upstream = GitRepo::new();
    upstream.write(
        "Dockerfile",
        &format!("FROM {}\nCOPY v.txt /v.txt\n", s.base("1")),
    );
    upstream.write("v.txt", "one\n");
    let first_commit = upstream.commit("one");
    let url = s.world.git_daemon().publish(&upstream, "up");
    s.repo.write(
        "projects/up/build-config.yaml",
        &format!("upstream_repo: {url}\nupstream_ref: main\nplatforms:\n  - linux/{arch}\n"),
    );
    s.repo.commit("up");

    let (first, _) = s.plan(&[]);
    let job = &first.projects[0].jobs[0];
    assert_eq!(
        first.projects[0]
            .upstream
            .as_ref()
            .and_then(|u| u.commit.as_deref()),
        Some(first_commit.as_str()),
        "reuse pins the commit"
    );
    assert_eq!(
        job.key, None,
        "no earlier build lists the upstream's bases yet"
    );
    s.build_all(&first);
    let record: monoarch::contract::BuildRecord = serde_json::from_str(
        &std::fs::read_to_string(s.repo.join(&format!("build-records/up-{arch}.json")))
            .expect("record"),
    )
    .expect("record JSON");
    let built = record.key.expect("the build job made the key");
    s.manifest().success();
    let _ = std::fs::remove_dir_all(s.repo.join("build-records"));

    s.touch("nothing upstream moved");
    let (second, _) = s.plan(&[]);
    let job = &second.projects[0].jobs[0];
    assert_eq!(
        job.key.as_deref(),
        Some(built.as_str()),
        "same commit, same bases"
    );
    assert!(job.reuse.is_some(), "{:?}", job.why);

    s.push_base("1", "moved");
    let (third, _) = s.plan(&[]);
    let job = &third.projects[0].jobs[0];
    assert!(job.reuse.is_none());
    assert!(
        job.why
            .as_deref()
            .is_some_and(|w| w.contains("/base:1 moved: sha256:")),
        "{:?}",
        job.why
    );

    upstream.write("v.txt", "two\n");
    let second_commit = upstream.commit("two");
    s.world.git_daemon().publish(&upstream, "up");
    let (fourth, _) = s.plan(&[]);
    let job = &fourth.projects[0].jobs[0];
    assert_eq!(job.key, None);
    let why = job.why.clone().unwrap_or_default();
    assert!(
        why.contains(&format!(
            "upstream commit moved: {} -> {}",
            &first_commit[..12],
            &second_commit[..12]
        )),
        "{why}"
    );
}
