//! The CI job lists of a plan with levels: GitLab's child pipeline orders it by
//! `needs:` (a DAG whose edges are exactly the dependency graph), Tekton's run by
//! `runAfter` plus a `when` on each base's published digest.

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

/// Tekton: one PipelineRun holds a project with all it builds on; each dependent's
/// build and manifest tasks wait for exactly its bases' manifest tasks and run only
/// when each wrote its `digest` (published). Split runs keep such a unit whole.
#[rstest::rstest]
#[case::one_run(256, 1)]
#[case::split_runs(2, 2)]
#[cfg_attr(
    not(all(tool = "git", tool = "tekton-lint")),
    ignore = "needs git, tekton-lint: run hack/install-test-deps"
)]
fn the_tekton_run_orders_dependents_after_their_bases_published_indexes(
    #[case] max_jobs: u16,
    #[case] runs_expected: usize,
) {
    let repo = graph_repo("registry.example.test", None);
    let text = Monoarch::new(repo.path())
        .args(["matrix", "--format", "tekton", "--all"])
        .args(["--source-url", "https://git.example/monorepo.git"])
        .args(["--max-jobs", &max_jobs.to_string()])
        .run()
        .success()
        .stdout;
    let verdict = crate::pipelines::tekton::lint::lint_generated(&text);
    assert!(verdict.ok, "{}", verdict.output);
    if max_jobs == 256 {
        insta::assert_snapshot!("tekton_pipelinerun_with_levels", text);
    }
    let runs: Vec<Value> = serde_saphyr::from_multiple(&text).expect("YAML");
    assert_eq!(runs.len(), runs_expected);
    let mut waits: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut run_of: BTreeMap<String, usize> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        for task in run["spec"]["pipelineSpec"]["tasks"]
            .as_array()
            .expect("tasks")
        {
            let name = task["name"].as_str().expect("name");
            let project = task["params"]
                .as_array()
                .expect("params")
                .iter()
                .find(|p| p["name"] == "project")
                .and_then(|p| p["value"].as_str())
                .expect("project param")
                .to_string();
            run_of.insert(project.clone(), i);
            let bases: BTreeSet<String> = task["when"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|w| {
                    assert_eq!(w["operator"], "notin");
                    assert_eq!(w["values"], serde_json::json!([""]));
                    let input = w["input"].as_str().expect("input");
                    input
                        .strip_prefix("$(tasks.manifest-")
                        .and_then(|r| r.strip_suffix(".results.digest)"))
                        .unwrap_or_else(|| panic!("{name}: {input}"))
                        .to_string()
                })
                .collect();
            if name.starts_with("build-") {
                let after: BTreeSet<String> = task["runAfter"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        a.as_str()
                            .and_then(|a| a.strip_prefix("manifest-"))
                            .expect("a manifest task")
                            .to_string()
                    })
                    .collect();
                assert_eq!(
                    after, bases,
                    "{name}: runAfter and when name the same bases"
                );
            }
            assert_eq!(
                task["onError"], "continue",
                "{name}: a missing digest skips it"
            );
            let seen = waits
                .entry(project.clone())
                .or_insert_with(|| bases.clone());
            assert_eq!(
                *seen, bases,
                "{name}: every task of {project} waits for the same bases"
            );
        }
    }
    let graph: BTreeMap<String, BTreeSet<String>> = GRAPH
        .iter()
        .map(|(p, bases)| (p.to_string(), bases.iter().map(|b| b.to_string()).collect()))
        .collect();
    assert_eq!(
        waits, graph,
        "the waits are the dependency graph, no more, no less"
    );
    for (project, bases) in GRAPH {
        for base in *bases {
            assert_eq!(
                run_of[*project], run_of[*base],
                "{project} and its base {base} share a run"
            );
        }
    }
}
