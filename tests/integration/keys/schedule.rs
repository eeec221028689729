//! The weekly rebuild with reuse on: only projects whose key changed are
//! built; with `reuse.unchanged: skip` the others are left alone entirely.

use super::Scene;

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
fn a_scheduled_run_builds_only_what_moved_and_leaves_the_rest_alone() {
    let s = Scene::new("reuse:\n  unchanged: skip\n");
    s.push_base("1", "monday");
    s.project("app", &s.base("1"), "{}\n");
    s.project("solo", "scratch", "{}\n");
    s.repo.write("rebuild-weekly.txt", "app\nsolo\n");
    s.repo.commit("projects");
    s.pipeline();

    s.push_base("1", "a security fix");
    s.touch("next monday");
    let (plan, run) = s.plan(&["--schedule"]);
    let names: Vec<&str> = plan.projects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["app"], "only the project on the moved base");
    assert_eq!(plan.unchanged.len(), 1);
    assert_eq!(plan.unchanged[0].name, "solo");
    assert!(
        plan.unchanged[0]
            .reason
            .starts_with("reused: same key as solo-")
    );
    assert!(
        run.stderr.contains("1 unchanged project(s) left out"),
        "{}",
        run.stderr
    );
    let preview = s.preview(&["--schedule"]);
    assert!(
        preview.contains(
            "unchanged, left alone (reuse.unchanged: skip):\n  solo: reused: same key as solo-"
        ),
        "{preview}"
    );
    assert!(preview.contains("HOST/base:1 moved: sha256:"), "{preview}");
}
