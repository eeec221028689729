//! Build stage then manifest stage, both through the real binary: buildah
//! builds both architectures, `monoarch manifest` stitches them using the
//! build records the build wrote.

use super::{digests, index_at, platforms};
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Monoarch;
use crate::support::plans;
use crate::support::world::World;

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "skopeo")),
    ignore = "needs buildah, docker-registry, skopeo: run hack/install-test-deps"
)]
fn built_arch_images_are_stitched_with_their_records() {
    let w = World::new();
    let (registry, buildah) = (w.registry(), w.buildah());
    let repo = GitRepo::new();
    repo.write(
        "projects/hello/Dockerfile",
        "FROM scratch\nCOPY hello.txt /hello.txt\n",
    );
    repo.write("projects/hello/hello.txt", "hello\n");
    repo.commit("hello");
    let mut project = plans::local_project("hello", &["amd64", "arm64"]);
    project.tags.push("hello-latest".into());
    let plan = plans::plan(&registry.host(), vec![project.clone()]);
    plans::write(repo.path(), &plan);
    let host = registry.host();
    let (host_arch, foreign_arch) = plans::host_and_foreign_arch();

    for (arch, extra) in [(host_arch, None), (foreign_arch, Some("--allow-emulation"))] {
        let mut cmd = Monoarch::new(repo.path())
            .args([
                "build",
                "--plan",
                "plan.json",
                "--project",
                "hello",
                "--arch",
                arch,
            ])
            .args(["--insecure-registry", &host])
            .args(extra);
        for (k, v) in buildah.env() {
            cmd = cmd.env(k, v);
        }
        cmd.run().success();
    }

    let run = Monoarch::new(repo.path())
        .args([
            "manifest",
            "--plan",
            "plan.json",
            "--insecure-registry",
            &host,
        ])
        .run()
        .success();
    let (index, digest) = index_at(&host, &project.tags[0]).expect("index published");
    assert_eq!(platforms(&index), vec!["linux/amd64", "linux/arm64"]);
    let recorded: Vec<String> = ["amd64", "arm64"]
        .iter()
        .map(|arch| {
            monoarch::contract::read_record(&repo.join("build-records"), "hello", arch)
                .expect("record readable")
                .expect("record written by the build")
                .digest
        })
        .collect();
    assert_eq!(
        digests(&index),
        recorded,
        "children are what the builds recorded"
    );
    assert_eq!(index_at(&host, "hello-latest").expect("latest").1, digest);
    assert!(
        run.stdout.contains("published: 2 tag(s) set"),
        "{}",
        run.stdout
    );
}
