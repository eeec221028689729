//! Build keys of projects built on projects (`reuse:` on): a dependent's key
//! holds its base's image for the platform, decided level by level, so a
//! dependent is reused only on the very base image it was built on.
//! Real git, real buildah, the real registry.

use serde_json::Value;

use super::graph_repo;
use super::run::run;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Monoarch;
use crate::support::plans::host_and_foreign_arch;
use crate::support::skopeo;
use crate::support::world::World;

/// The plan `run` would make now, as JSON (with its reuse decisions).
fn plan(w: &World, repo: &GitRepo, select: &[&str]) -> Value {
    let host = w.registry().host();
    let out = Monoarch::new(repo.path())
        .args(["plan", "--format", "json", "--registry", &host])
        .env("MONOARCH_INSECURE_REGISTRIES", &host)
        .args(select)
        .run()
        .success();
    serde_json::from_str(&out.stdout).expect("plan JSON")
}

/// `why` of the project's one job in `plan`.
fn why(plan: &Value, project: &str) -> String {
    plan["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["name"] == project)
        .map(|p| p["jobs"][0]["why"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|| panic!("{project} not planned: {plan}"))
}

/// The graph with reuse on; `mid` gives its base arg a floating default, as
/// Dockerfiles written before `depends_on:` do: the key must not follow it.
fn keyed_graph(w: &World) -> GitRepo {
    let (arch, _) = host_and_foreign_arch();
    let host = w.registry().host();
    let repo = graph_repo(&host, Some(&format!("linux/{arch}")));
    repo.write(
        "monoarch.yaml",
        &format!("registry: {host}\nrepository: images\ndependencies: true\nreuse: true\n"),
    );
    repo.write(
        "projects/mid/Dockerfile",
        &format!("ARG MONOARCH_BASE_ROOT={host}/images:root-latest\nFROM ${{MONOARCH_BASE_ROOT}}\nCOPY mid.txt /\n"),
    );
    repo.commit("reuse on");
    repo
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
fn a_dependent_is_reused_only_on_the_base_image_it_was_built_on() {
    let w = World::new();
    let host = w.registry().host();
    let repo = keyed_graph(&w);
    run(&w, &repo, &["--all"]).success();

    // The root changes: it is built, so nothing built on it can be reused, even
    // though `mid`'s default still names the old root.
    repo.write("projects/root/root.txt", "root v2\n");
    repo.commit("root changes");
    let changed = plan(&w, &repo, &["--base", "HEAD~1"]);
    assert!(
        why(&changed, "root").starts_with("built: key changed"),
        "{}",
        why(&changed, "root")
    );
    for (name, base) in [
        ("mid", "root"),
        ("leaf", "mid"),
        ("left", "root"),
        ("right", "root"),
        ("top", "right"),
    ] {
        assert_eq!(
            why(&changed, name),
            format!("built: base {base} is rebuilt by this plan"),
            "{name}"
        );
    }
    run(&w, &repo, &["--base", "HEAD~1"]).success();
    // Nothing changed: every base reuses its image, so every dependent's key
    // is its last one, level by level.
    let again = plan(&w, &repo, &["--all"]);
    for name in ["root", "mid", "leaf", "left", "right", "top", "solo"] {
        assert!(
            why(&again, name).starts_with("reused: "),
            "{name}: {}",
            why(&again, name)
        );
    }

    let tags = |p: &Value, name: &str| {
        p["projects"]
            .as_array()
            .expect("projects")
            .iter()
            .find(|x| x["name"] == name)
            .expect("planned")["tags"][0]
            .as_str()
            .expect("tag")
            .to_string()
    };
    let root = skopeo::manifest_digest(&format!("{host}/images:{}", tags(&changed, "root")));
    let mid = skopeo::raw_manifest(&format!(
        "{host}/images:{}-{}",
        tags(&changed, "mid"),
        host_and_foreign_arch().0
    ));
    assert_eq!(
        mid["annotations"]["io.monoarch.base.root"],
        format!("{host}/images@{root}"),
        "mid is built on the new root"
    );

    // A change to a leaf: its key reads mid by its last tag in the plan, and by
    // the pinned index in the build: the same image, so the same key.
    repo.write("projects/leaf/leaf.txt", "leaf v2\n");
    repo.commit("leaf changes");
    let built = run(&w, &repo, &["--base", "HEAD~1"]).success();
    assert!(
        !built.stderr.contains("differs from the plan's") && !built.stderr.contains("no build key"),
        "{}",
        built.stderr
    );

    // The base's tag moves outside monoarch (someone pushed to mid's last
    // index): leaf, unchanged itself, is built again on what mid names now.
    let moved = plan(&w, &repo, &["--projects", "leaf"]);
    assert!(
        why(&moved, "leaf").starts_with("reused: "),
        "{}",
        why(&moved, "leaf")
    );
    let arch = host_and_foreign_arch().0;
    let src = format!("docker://{host}/images:{}-{arch}", tags(&changed, "root"));
    let dst = format!("docker://{host}/images:mid-monoarch-last");
    let copied = std::process::Command::new("skopeo")
        .args([
            "copy",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            &src,
            &dst,
        ])
        .output()
        .expect("skopeo");
    assert!(
        copied.status.success(),
        "{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    let moved = plan(&w, &repo, &["--projects", "leaf"]);
    let leaf = why(&moved, "leaf");
    assert!(
        leaf.starts_with("built: key changed") && leaf.contains("depends_on:mid"),
        "{leaf}"
    );
}
