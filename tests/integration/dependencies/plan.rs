//! Which projects a change selects, why, and in which order.

use super::{graph_repo, levels, plan_json};
use crate::support::monoarch::Monoarch;

fn owned(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|(n, l)| (n.to_string(), *l)).collect()
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_change_at_the_root_selects_every_dependent_in_levels_with_the_reason() {
    let repo = graph_repo("registry.example.test", None);
    repo.write("projects/root/root.txt", "root v2\n");
    repo.commit("root changes");
    let plan = plan_json(&repo, &["--base", "HEAD~1"]);
    assert_eq!(
        levels(&plan),
        owned(&[
            ("leaf", 2),
            ("left", 1),
            ("mid", 1),
            ("right", 1),
            ("root", 0),
            ("top", 2)
        ])
    );
    let project = |name: &str| {
        plan["projects"]
            .as_array()
            .expect("projects")
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .expect("planned")
    };
    assert_eq!(
        project("mid")["reasons"][0]["text"],
        "depends on root, which changed"
    );
    assert_eq!(project("mid")["reasons"][0]["rule"], "depends-on");
    assert_eq!(project("mid")["reasons"][0]["base"], "root");
    assert_eq!(
        project("leaf")["reasons"][0]["text"],
        "depends on mid, which depends on root, which changed"
    );
    let date_sha = project("root")["tags"][0].clone();
    assert_eq!(
        project("mid")["bases"],
        serde_json::json!([{
            "project": "root", "arg": "MONOARCH_BASE_ROOT", "repository": "images",
            "tag": date_sha, "rebuilt": true,
        }]),
        "a base rebuilt here is used as this plan's index"
    );
    assert_eq!(project("top")["bases"].as_array().map(Vec::len), Some(2));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_change_at_a_leaf_selects_the_leaf_only_on_its_bases_last_index() {
    let repo = graph_repo("registry.example.test", None);
    repo.write("projects/leaf/leaf.txt", "leaf v2\n");
    repo.commit("leaf changes");
    let plan = plan_json(&repo, &["--base", "HEAD~1"]);
    assert_eq!(levels(&plan), owned(&[("leaf", 0)]));
    assert_eq!(
        plan["projects"][0]["bases"],
        serde_json::json!([{
            "project": "mid", "arg": "MONOARCH_BASE_MID", "repository": "images",
            "tag": "mid-latest", "rebuilt": false,
        }])
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn named_projects_bring_their_dependents_only_when_asked() {
    let repo = graph_repo("registry.example.test", None);
    let alone = plan_json(&repo, &["--projects", "left"]);
    assert_eq!(levels(&alone), owned(&[("left", 0)]));
    let with = plan_json(&repo, &["--projects", "left", "--with-dependents"]);
    assert_eq!(levels(&with), owned(&[("left", 0), ("top", 1)]));
    assert_eq!(
        with["projects"][1]["reasons"][0]["text"],
        "depends on left, which is named"
    );
    // top's other base is not rebuilt: its last index.
    assert_eq!(with["projects"][1]["bases"][1]["tag"], "right-latest");
    let table = Monoarch::new(repo.path())
        .args(["plan", "--projects", "left", "--with-dependents"])
        .run()
        .success()
        .stdout;
    insta::assert_snapshot!("plan_table_with_dependents", table);
    assert!(
        table.contains("  level: 1 (built after the projects it builds on)\n"),
        "{table}"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_cycle_and_a_removed_base_stop_the_plan_with_file_and_line() {
    let repo = graph_repo("registry.example.test", None);
    repo.write(
        "projects/root/build-config.yaml",
        "additional_tags: [latest]\ndepends_on: [top]\n",
    );
    repo.commit("cycle");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--base", "HEAD~1"])
        .run()
        .expect_code(3);
    assert_eq!(
        run.stderr,
        "error: projects/left/build-config.yaml:2:14: depends_on: `root` makes a cycle (root -> top -> left -> root): a project cannot build on itself; remove one of these dependencies\n\
         error: projects/right/build-config.yaml:2:14: depends_on: `root` makes a cycle (root -> top -> right -> root): a project cannot build on itself; remove one of these dependencies\n",
        "both ways round the diamond are cycles"
    );

    let repo = graph_repo("registry.example.test", None);
    repo.remove("projects/solo");
    repo.write(
        "projects/leaf/build-config.yaml",
        "additional_tags: [latest]\ndepends_on: [mid, solo]\n",
    );
    repo.commit("solo goes, leaf still names it");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--base", "HEAD~1"])
        .run()
        .expect_code(3);
    assert_eq!(
        run.stderr,
        "error: projects/leaf/build-config.yaml:2:19: depends_on: `solo` is removed by this change; remove it from depends_on too, or keep the project\n"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_config_the_plan_cannot_read_stops_it_rather_than_miss_a_dependent() {
    // A broken config that declares a base: leaving it out would not rebuild
    // `leaf` when `root` changes, and exit 0.
    let repo = graph_repo("registry.example.test", None);
    repo.write(
        "projects/leaf/build-config.yaml",
        "additional_tags: [latest\ndepends_on: [mid]\n",
    );
    repo.commit("leaf's config breaks");
    repo.write("projects/root/root.txt", "root v2\n");
    repo.commit("root changes");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--base", "HEAD~1"])
        .run()
        .expect_code(3);
    insta::assert_snapshot!("unparsable_config_of_a_possible_dependent", run.stderr);

    // A config the plan may not read (a link out of the repository) could declare anything.
    let repo = graph_repo("registry.example.test", None);
    let outside = tempfile::tempdir().expect("tempdir");
    let target = outside.path().join("build-config.yaml");
    std::fs::write(&target, "depends_on: [mid]\n").expect("write");
    repo.remove("projects/leaf/build-config.yaml");
    repo.symlink("projects/leaf/build-config.yaml", &target);
    repo.commit("leaf's config is a link out");
    repo.write("projects/root/root.txt", "root v2\n");
    repo.commit("root changes");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--base", "HEAD~1"])
        .run()
        .expect_code(3);
    assert!(
        run.stderr
            .starts_with("error: projects/leaf/build-config.yaml: ")
            && run.stderr.contains("leads outside the repository")
            && run.stderr.contains("reads every project's `depends_on:`")
            && run.stderr.lines().count() == 1,
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_base_declared_through_an_escaped_key_still_selects_the_dependent() {
    let repo = graph_repo("registry.example.test", None);
    // `\x5f` is `_`: YAML reads the key as `depends_on` although the bytes are not.
    repo.write(
        "projects/leaf/build-config.yaml",
        "additional_tags: [latest]\n\"depends\\x5fon\": [mid]\n",
    );
    // A folder without a config is no project, and no problem.
    repo.write("projects/notes/README.md", "not a project\n");
    repo.commit("leaf escapes its key");
    repo.write("projects/root/root.txt", "root v2\n");
    repo.commit("root changes");
    let plan = plan_json(&repo, &["--base", "HEAD~1"]);
    assert!(
        levels(&plan).contains(&("leaf".to_string(), 2)),
        "{:?}",
        levels(&plan)
    );
}

/// The GitHub workflow runs a fixed number of levels (`--levels`, 4 in the
/// template); a plan that needs more stops before any job runs, naming the
/// chain that makes the levels and the edit that fixes it.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_github_workflow_with_fewer_levels_than_the_plan_stops_it_with_the_fix() {
    let repo = graph_repo("registry.example.test", None);
    repo.write("projects/root/root.txt", "root v2\n");
    repo.commit("root changes");
    let matrix = |levels: &[&str]| {
        Monoarch::new(repo.path())
            .args(["matrix", "--format", "github", "--base", "HEAD~1"])
            .args(levels)
            .run()
    };
    let one = matrix(&[]).expect_code(3);
    insta::assert_snapshot!("github_levels_too_few", one.stderr);
    let two = matrix(&["--levels", "2"]).expect_code(3);
    assert!(
        two.stderr.contains("the plan has 3 dependency levels (top -> left -> root, each building on the next) and the GitHub workflow runs 2 (`monoarch matrix --levels 2`)"),
        "{}",
        two.stderr
    );
    let three = matrix(&["--levels", "3"]).success();
    let lines: Vec<serde_json::Value> = three
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one matrix per line"))
        .collect();
    assert_eq!(lines.len(), 3, "{}", three.stdout);
    assert_eq!(
        lines[2]["include"].as_array().map(Vec::len),
        Some(4),
        "leaf and top, two archs each"
    );
    assert!(
        lines[2]["include"]
            .as_array()
            .expect("include")
            .iter()
            .all(|e| e["level"] == 2)
    );
    matrix(&["--levels", "0"]).expect_code(2);
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn run_into_a_layout_refuses_dependents_before_building() {
    let repo = graph_repo("registry.example.test", None);
    let layout = repo.join("layout");
    let run = Monoarch::new(repo.path())
        .args(["run", "--projects", "root", "--with-dependents", "--layout"])
        .arg_path(&layout)
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr,
        "error: project leaf builds on mid (depends_on), which a build pulls from a registry by digest, and an OCI layout is no registry; run with --registry HOST (a local docker-registry will do)\n"
    );
    assert!(!layout.exists(), "nothing written");
}
