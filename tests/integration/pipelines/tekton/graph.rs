//! The task graph equals the plan: one build per (project, arch) pinned to nodes of that
//! arch, one manifest per project after exactly its builds, the plan passed, not remade.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use serde_json::Value;

use super::{SOURCE_URL, docs, param, tasks_of, tekton_repo};
use crate::support::monoarch::Monoarch;

fn check_graph(plan: &Value, runs: &[Value]) {
    let mut builds_seen = BTreeSet::new();
    let mut manifests_seen = BTreeSet::new();
    for run in runs {
        let spec = &run["spec"];
        let run_params: BTreeMap<String, Value> = spec["params"]
            .as_array()
            .expect("params")
            .iter()
            .map(|p| {
                (
                    format!("$(params.{})", p["name"].as_str().expect("name")),
                    p["value"].clone(),
                )
            })
            .collect();
        let pods: BTreeMap<&str, &Value> = spec["taskRunSpecs"]
            .as_array()
            .expect("taskRunSpecs")
            .iter()
            .map(|s| {
                (
                    s["pipelineTaskName"].as_str().expect("name"),
                    &s["podTemplate"],
                )
            })
            .collect();
        // Every task that reads the plan gets its project's part of plan.json, unchanged.
        let plan_of = |task: &Value| -> Value {
            let text = run_params[param(task, "plan")]
                .as_str()
                .expect("a string param");
            serde_json::from_str(text).expect("plan JSON")
        };
        let mut builds_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for build in tasks_of(run, "monoarch-build") {
            let (project, arch) = (param(build, "project"), param(build, "arch"));
            let name = build["name"].as_str().expect("name");
            let planned = plan["projects"]
                .as_array()
                .expect("projects")
                .iter()
                .find(|p| p["name"] == project)
                .unwrap_or_else(|| panic!("{project} is built but not planned"));
            let job = planned["jobs"]
                .as_array()
                .expect("jobs")
                .iter()
                .find(|j| j["arch"] == arch)
                .unwrap_or_else(|| panic!("{project} {arch} is built but not planned"));
            let platform = job["platform"].as_str().expect("platform");
            let k8s_arch = platform.split('/').nth(1).expect("os/arch");
            assert_eq!(
                pods[name]["nodeSelector"]["kubernetes.io/arch"], k8s_arch,
                "{name}"
            );
            assert_eq!(
                pods[name]["nodeSelector"]["kubernetes.io/os"], "linux",
                "{name}"
            );
            assert_eq!(build["onError"], "continue", "{name}");
            assert!(build.get("runAfter").is_none(), "{name} waits for nothing");
            let mut expected = plan.clone();
            expected["projects"] = Value::Array(vec![planned.clone()]);
            expected["removed"] = Value::Array(vec![]);
            assert_eq!(plan_of(build), expected, "{name}: the plan it reads");
            assert!(
                builds_seen.insert((project.to_string(), arch.to_string())),
                "{name} twice"
            );
            builds_of
                .entry(project.to_string())
                .or_default()
                .insert(name.to_string());
        }
        for manifest in tasks_of(run, "monoarch-manifest") {
            let project = param(manifest, "project");
            let after: BTreeSet<String> = manifest["runAfter"]
                .as_array()
                .expect("runAfter")
                .iter()
                .map(|a| a.as_str().expect("name").to_string())
                .collect();
            assert_eq!(
                Some(&after),
                builds_of.get(project),
                "manifest {project} waits for exactly its builds"
            );
            assert_eq!(manifest["onError"], "continue", "manifest {project}");
            assert_eq!(plan_of(manifest)["projects"][0]["name"], project);
            assert!(
                manifests_seen.insert(project.to_string()),
                "manifest {project} twice"
            );
        }
        let verdict = &spec["pipelineSpec"]["finally"][0];
        assert_eq!(verdict["taskRef"]["name"], "monoarch-verdict");
        assert_eq!(
            verdict["when"],
            serde_json::json!([{"input": "$(tasks.status)", "operator": "notin", "values": ["Succeeded"]}])
        );
        assert_eq!(
            verdict["params"][0]["value"].as_array().map(Vec::len),
            Some(builds_of.len()),
            "one status per project of this run"
        );
    }
    let planned: BTreeSet<(String, String)> = plan["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .flat_map(|p| {
            p["jobs"].as_array().expect("jobs").iter().map(move |j| {
                (
                    p["name"].as_str().expect("name").to_string(),
                    j["arch"].as_str().expect("arch").to_string(),
                )
            })
        })
        .collect();
    assert_eq!(builds_seen, planned, "every planned job is built once");
    assert_eq!(
        manifests_seen.len(),
        plan["projects"].as_array().map_or(0, Vec::len)
    );
}

#[rstest::rstest]
#[case::one_run(256)]
#[case::split_runs(2)]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn tekton_task_graph_equals_the_plan(#[case] max_jobs: u16) {
    let repo = tekton_repo();
    Monoarch::new(repo.path())
        .args(["plan", "--all", "--format", "json", "--output", "plan.json"])
        .run()
        .success();
    let out = Monoarch::new(repo.path())
        .args([
            "matrix",
            "--format",
            "tekton",
            "--plan",
            "plan.json",
            "--source-url",
            SOURCE_URL,
        ])
        .args(["--max-jobs", &max_jobs.to_string()])
        .run()
        .success()
        .stdout;
    let plan: Value =
        serde_json::from_str(&fs::read_to_string(repo.join("plan.json")).expect("plan"))
            .expect("JSON");
    let runs = docs(&out);
    assert_eq!(runs.len(), if max_jobs == 2 { 3 } else { 1 });
    // beta builds arm64 and arm/v7: its arm/v7 pod asks for `kubernetes.io/arch: arm`.
    assert!(out.contains("kubernetes.io/arch: arm\n"), "{out}");
    check_graph(&plan, &runs);
}
