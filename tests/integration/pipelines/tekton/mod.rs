//! `monoarch matrix --format tekton` and `ci-templates/tekton/`: snapshots, tekton-lint,
//! the task graph against the plan, and the tasks' steps run in order against a registry.

mod graph;
pub(crate) mod lint;
mod snapshots;
mod steps;

use serde_json::Value;

use crate::support::fixture;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Monoarch;

pub const SOURCE_URL: &str = "https://git.example/monorepo.git";

/// The fixture monorepo on Tekton: beta is built from an upstream for arm64 and arm/v7,
/// arm64 nodes are a tainted pool, and the runs use a ServiceAccount of their own.
pub fn tekton_repo() -> GitRepo {
    let repo = fixture::monorepo();
    repo.write(
        "monoarch.yaml",
        "registry: registry.example.test\nrepository: images\n\
         runners:\n  arm64:\n    tekton:\n      node_selector: {node-pool: arm64-builders}\n      \
         tolerations:\n        - {key: kubernetes.io/arch, operator: Equal, value: arm64, effect: NoSchedule}\n  \
         armv7:\n    tekton: {}\n\
         tekton:\n  service_account: monoarch\n  registry_secret: quay-push\n",
    );
    repo.write(
        "projects/beta/build-config.yaml",
        "upstream_repo: https://example.test/beta.git\nupstream_ref: v2.0.0\nplatforms: [linux/arm64, linux/arm/v7]\nadditional_tags: [latest]\n",
    );
    repo.commit("run on Tekton");
    repo
}

/// `monoarch matrix --format tekton ARGS` in `repo`; its stdout.
pub fn generate(repo: &GitRepo, args: &[&str]) -> String {
    Monoarch::new(repo.path())
        .args(["matrix", "--format", "tekton"])
        .args(args)
        .run()
        .success()
        .stdout
}

/// Every document of a YAML stream.
pub fn docs(text: &str) -> Vec<Value> {
    serde_saphyr::from_multiple(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

/// A PipelineRun's embedded `pipelineSpec` as the `Pipeline` Tekton treats it as, for the
/// checks tekton-lint makes only on Pipelines (params, results, runAfter).
pub fn as_pipeline(run: &Value, name: &str) -> Value {
    serde_json::json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "Pipeline",
        "metadata": {"name": name},
        "spec": run["spec"]["pipelineSpec"],
    })
}

/// The pipeline tasks of a run that use `task` (`monoarch-build`, ...).
pub fn tasks_of<'a>(run: &'a Value, task: &str) -> Vec<&'a Value> {
    run["spec"]["pipelineSpec"]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter(|t| t["taskRef"]["name"] == task)
        .collect()
}

/// A pipeline task's param value as a string.
pub fn param<'a>(task: &'a Value, name: &str) -> &'a str {
    task["params"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .and_then(|p| p["value"].as_str())
        .unwrap_or_else(|| panic!("task {} has no param {name}", task["name"]))
}
