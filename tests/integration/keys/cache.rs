//! The opt-in registry layer cache (`cache:`), with real buildah: layers go to
//! the cache repository, and a build on a machine with an empty store pulls them.

use super::{REPOSITORY, Scene};
use crate::support::buildah::Buildah;
use crate::support::plans;

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "git")),
    ignore = "needs buildah, docker-registry, git: run hack/install-test-deps"
)]
fn the_layer_cache_is_pushed_and_pulled_and_a_project_may_opt_out() {
    let (arch, _) = plans::host_and_foreign_arch();
    let s = Scene::new("cache: true\n");
    // A base made by buildah itself: its config has the layer history that
    // `--layers` checks (the tiny hand-made test images have none).
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY b.txt /b.txt\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("b.txt"), "base\n").expect("write");
    let buildah = s.world.buildah();
    buildah.run(&["bud", "-q", "-t", &s.base("1"), "."], dir.path());
    buildah.run(
        &[
            "push",
            "-q",
            "--tls-verify=false",
            &s.base("1"),
            &format!("docker://{}", s.base("1")),
        ],
        dir.path(),
    );
    // As on a CI runner, the build machine has no local copy of the base.
    buildah.run(&["rmi", &s.base("1")], dir.path());
    let platforms = format!("platforms:\n  - linux/{arch}\n");
    s.project("app", &s.base("1"), &platforms);
    s.project("lean", "scratch", &format!("{platforms}cache: false\n"));
    s.repo.commit("projects");
    let (plan, _) = s.plan(&[]);
    let cache = format!("{REPOSITORY}/cache");
    assert_eq!(
        plan.project("app").and_then(|p| p.cache.as_deref()),
        Some(cache.as_str())
    );
    assert_eq!(plan.project("lean").and_then(|p| p.cache.as_deref()), None);

    let build = |buildah: &Buildah| {
        buildah
            .monoarch_build(s.repo.path())
            .env("MONOARCH_INSECURE_REGISTRIES", &s.host)
            .args(["--project", "app", "--arch", arch])
            .run()
            .success()
    };
    let first = build(s.world.buildah());
    let pushed = format!("Pushing cache {}/{cache}:", s.host);
    assert!(first.stdout.contains(&pushed), "{}", first.stdout);
    assert!(
        s.world
            .registry()
            .requests("PUT")
            .iter()
            .any(|r| r.contains(&format!("/v2/{cache}/manifests/"))),
        "the cache repository received layers"
    );
    // Another machine: an empty store, the same cache.
    let second = build(&Buildah::new());
    let pulled = format!("Cache pulled from remote {}/{cache}:", s.host);
    assert!(second.stdout.contains(&pulled), "{}", second.stdout);
}
