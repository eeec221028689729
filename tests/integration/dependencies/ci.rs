//! The CI job lists of a plan with levels: GitLab's child pipeline orders it by
//! `needs:` (a DAG whose edges are exactly the dependency graph).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{GRAPH, graph_repo};
use crate::support::monoarch::Monoarch;
use crate::support::validators::check_jsonschema;

#[test]
#[cfg_attr(
    not(all(tool = "check-jsonschema", tool = "git")),
    ignore = "needs check-jsonschema, git: run hack/install-test-deps"
)]
fn the_gitlab_child_pipeline_needs_exactly_the_dependency_graph() {
    let repo = graph_repo("registry.example.test", None);
    let path = repo.join("child.yml");
    Monoarch::new(repo.path())
        .args(["matrix", "--format", "gitlab", "--all", "--output"])
        .arg_path(&path)
        .run()
        .success();
    let verdict = check_jsonschema("vendor.gitlab-ci", std::slice::from_ref(&path));
    assert!(verdict.ok, "{}", verdict.output);

    let text = std::fs::read_to_string(&path).expect("child pipeline");
    insta::assert_snapshot!("gitlab_child_pipeline_with_levels", text);
    let pipeline: Value = serde_saphyr::from_str(&text).expect("YAML");
    // build:<project>:<arch> -> the projects whose manifest jobs it needs.
    let mut waits: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, job) in pipeline.as_object().expect("mapping") {
        let Some(project) = name
            .strip_prefix("build:")
            .and_then(|r| r.split(':').next())
        else {
            continue;
        };
        let needed: BTreeSet<String> = job["needs"]
            .as_array()
            .expect("needs")
            .iter()
            .filter_map(|n| {
                n["job"]
                    .as_str()?
                    .strip_prefix("manifest:")
                    .map(str::to_string)
            })
            .collect();
        let seen = waits
            .entry(project.to_string())
            .or_insert_with(|| needed.clone());
        assert_eq!(
            *seen, needed,
            "every arch of {project} waits for the same bases"
        );
        // A base's manifest job comes before in the file or in the same stage.
        assert!(
            needed
                .iter()
                .all(|b| pipeline[format!("manifest:{b}")].is_object())
        );
    }
    let graph: BTreeMap<String, BTreeSet<String>> = GRAPH
        .iter()
        .map(|(p, bases)| (p.to_string(), bases.iter().map(|b| b.to_string()).collect()))
        .collect();
    assert_eq!(
        waits, graph,
        "needs: is the dependency graph, no more, no less"
    );
    assert_eq!(pipeline["build:root:amd64"]["stage"], "build");
    assert_eq!(pipeline["build:top:amd64"]["stage"], "dependents");
    assert_eq!(pipeline["manifest:mid"]["stage"], "dependents");
    // A base's manifest job reports missing architectures; a dependent's is skipped
    // with its builds when a base failed.
    assert_eq!(pipeline["manifest:root"]["when"], "always");
    assert!(pipeline["manifest:mid"]["when"].is_null());
    assert_eq!(
        pipeline["stages"],
        serde_json::json!(["build", "manifest", "dependents"])
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_packed_gitlab_pipeline_refuses_levels_with_the_fix() {
    let repo = graph_repo("registry.example.test", None);
    let run = Monoarch::new(repo.path())
        .args(["matrix", "--format", "gitlab", "--all", "--max-jobs", "10"])
        .run()
        .expect_code(3);
    assert_eq!(
        run.stderr,
        "error: the plan has dependency levels, so its GitLab child pipeline needs one job per project and architecture and one per project (21), over --max-jobs 10; raise --max-jobs to 21, or publish the bases first (`--projects BASE`) and plan again\n"
    );
}
