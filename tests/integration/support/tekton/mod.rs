//! Runs Tekton PipelineRuns on this machine, step by step with `sh`, the way a cluster
//! would run their pods, for the parts the tests rely on (no cluster here):
//! `$(params.*)`, `$(workspaces.*.path)`, `$(results.*.path)`, `$(tasks.*.status)` and
//! `$(tasks.status)` substitution; `runAfter` order; `onError: continue` (a failed task
//! counts as done and the run goes on, Tekton v0.62+); `when` (`in`/`notin`) on params and
//! on other tasks' results (a result the task did not write skips an `onError: continue`
//! consumer, "Results were missing", and fails the run otherwise); `finally`;
//! Pipeline results. A failed task without `onError: continue` stops the DAG, as in Tekton.
//! Workspaces are folders: `emptyDir` a fresh one per TaskRun, `secret` one holding the
//! test's secret with its `items`. Tasks come from `ci-templates/tekton/`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tempfile::TempDir;

use vars::subst;

mod task_run;
mod vars;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Succeeded,
    Failed,
    /// Skipped, or never started.
    None,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
            Status::None => "None",
        }
    }
}

/// One pipeline task's TaskRun: its status, results and the output of its steps.
pub struct TaskRun {
    pub status: Status,
    pub params: BTreeMap<String, Value>,
    pub results: BTreeMap<String, String>,
    pub log: String,
}

pub struct RunOutcome {
    pub tasks: BTreeMap<String, TaskRun>,
    pub results: BTreeMap<String, String>,
    /// The PipelineRun's own verdict: false when a task failed without `onError: continue`
    /// or a `finally` task failed.
    pub succeeded: bool,
}

/// Called before each step: (pipeline task, its pod's `kubernetes.io/arch`, step name, script).
pub type StepHook<'a> = dyn Fn(&str, Option<&str>, &str, &mut String) + 'a;

pub struct Cluster<'a> {
    defs: BTreeMap<(String, String), Value>,
    env: Vec<(String, String)>,
    secrets: BTreeMap<String, BTreeMap<String, String>>,
    pub hook: Box<StepHook<'a>>,
    /// Files passed to `kubectl create -f` by a step: what a cluster would create.
    pub created: std::cell::RefCell<Vec<String>>,
    dir: TempDir,
}

pub fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ci-templates/tekton")
}

/// Every document of every `ci-templates/tekton/*.yaml`, by (kind, name).
pub fn template_docs() -> BTreeMap<(String, String), Value> {
    let mut docs = BTreeMap::new();
    for entry in fs::read_dir(templates_dir()).expect("read ci-templates/tekton") {
        let path = entry.expect("entry").path();
        let text = fs::read_to_string(&path).expect("read template");
        let values: Vec<Value> = serde_saphyr::from_multiple(&text)
            .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
        for doc in values {
            let kind = doc["kind"].as_str().unwrap_or_default().to_string();
            let name = doc["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            docs.insert((kind, name), doc);
        }
    }
    docs
}

impl<'a> Cluster<'a> {
    /// `env`: what every step's container gets besides its own `env` (PATH with monoarch
    /// first, builder storage). `secrets`: Secret name -> key -> content.
    pub fn new(
        env: Vec<(String, String)>,
        secrets: BTreeMap<String, BTreeMap<String, String>>,
    ) -> Cluster<'a> {
        Cluster {
            defs: template_docs(),
            env,
            secrets,
            hook: Box::new(|_, _, _, _| {}),
            created: Default::default(),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn run(&self, run: &Value) -> RunOutcome {
        let spec = &run["spec"];
        let pipeline = match spec["pipelineRef"]["name"].as_str() {
            Some(name) => self.defs[&("Pipeline".to_string(), name.to_string())]["spec"].clone(),
            None => spec["pipelineSpec"].clone(),
        };
        let mut params = BTreeMap::new();
        for p in pipeline["params"].as_array().into_iter().flatten() {
            if let Some(default) = p.get("default") {
                params.insert(format!("params.{}", key(p)), default.clone());
            }
        }
        for p in spec["params"].as_array().into_iter().flatten() {
            params.insert(format!("params.{}", key(p)), p["value"].clone());
        }
        let pods: BTreeMap<String, String> = spec["taskRunSpecs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| {
                let arch = s["podTemplate"]["nodeSelector"]["kubernetes.io/arch"].as_str()?;
                Some((
                    s["pipelineTaskName"].as_str()?.to_string(),
                    arch.to_string(),
                ))
            })
            .collect();
        let mut tasks: BTreeMap<String, TaskRun> = BTreeMap::new();
        let dag: Vec<&Value> = pipeline["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .collect();
        let mut stopped = false;
        let mut progress = true;
        while progress {
            progress = false;
            for t in &dag {
                let name = key(t);
                let after: Vec<String> = t["runAfter"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| a.as_str().expect("runAfter name").to_string())
                    .collect();
                let wanted = result_refs(t);
                if tasks.contains_key(&name)
                    || !after.iter().all(|a| tasks.contains_key(a))
                    || !wanted.iter().all(|(task, _)| tasks.contains_key(task))
                {
                    continue;
                }
                progress = true;
                let parent_skipped = after.iter().any(|a| tasks[a].status == Status::None);
                let statuses = BTreeMap::new();
                // Results of the tasks done so far, for `when`; waiting for one is a dependency.
                let mut known = params.clone();
                for (n, r) in &tasks {
                    for (k, v) in &r.results {
                        known.insert(format!("tasks.{n}.results.{k}"), Value::String(v.clone()));
                    }
                }
                let missing = wanted
                    .iter()
                    .any(|(task, result)| !tasks[task].results.contains_key(result));
                if missing && t["onError"] != "continue" {
                    // InvalidTaskResultReference: the run fails.
                    stopped = true;
                }
                let outcome =
                    if stopped || parent_skipped || missing || !self.when(t, &known, &statuses) {
                        skipped()
                    } else {
                        self.task_run(
                            &name,
                            t,
                            &params,
                            &statuses,
                            &spec["workspaces"],
                            pods.get(&name),
                        )
                    };
                if outcome.status == Status::Failed && t["onError"] != "continue" {
                    stopped = true;
                }
                tasks.insert(name, outcome);
            }
        }
        assert_eq!(
            tasks.len(),
            dag.len(),
            "a runAfter names no task, or the graph has a cycle"
        );
        let mut statuses: BTreeMap<String, String> = tasks
            .iter()
            .map(|(n, r)| (format!("tasks.{n}.status"), r.status.word().to_string()))
            .collect();
        let aggregate = if tasks.values().any(|r| r.status == Status::Failed) {
            "Failed"
        } else if tasks.values().any(|r| r.status == Status::None) {
            "Completed"
        } else {
            "Succeeded"
        };
        statuses.insert("tasks.status".into(), aggregate.into());
        let mut succeeded = !stopped;
        for t in pipeline["finally"].as_array().into_iter().flatten() {
            let name = key(t);
            let outcome = if self.when(t, &params, &statuses) {
                self.task_run(&name, t, &params, &statuses, &spec["workspaces"], None)
            } else {
                skipped()
            };
            succeeded &= outcome.status != Status::Failed;
            tasks.insert(name, outcome);
        }
        let mut results = BTreeMap::new();
        for r in pipeline["results"].as_array().into_iter().flatten() {
            let value = r["value"].as_str().expect("result value");
            let inner = value.trim_start_matches("$(tasks.").trim_end_matches(')');
            let (task, result) = inner
                .split_once(".results.")
                .expect("a task result reference");
            let run = &tasks[task];
            match run.results.get(result) {
                Some(v) => {
                    results.insert(key(r), v.clone());
                }
                // Tekton fails a run whose succeeded task lacks a referenced result.
                None if run.status == Status::Succeeded => succeeded = false,
                None => {}
            }
        }
        RunOutcome {
            tasks,
            results,
            succeeded,
        }
    }

    fn when(
        &self,
        t: &Value,
        params: &BTreeMap<String, Value>,
        statuses: &BTreeMap<String, String>,
    ) -> bool {
        t["when"].as_array().into_iter().flatten().all(|w| {
            let input = subst(w["input"].as_str().expect("when input"), params, statuses);
            let values: Vec<String> = w["values"]
                .as_array()
                .expect("when values")
                .iter()
                .map(|v| subst(v.as_str().expect("value"), params, statuses))
                .collect();
            match w["operator"].as_str() {
                Some("in") => values.contains(&input),
                Some("notin") => !values.contains(&input),
                other => panic!("unknown when operator {other:?}"),
            }
        })
    }
}

/// `(task, result)` of every `$(tasks.T.results.R)` a task's `when` reads.
fn result_refs(t: &Value) -> Vec<(String, String)> {
    let mut refs = Vec::new();
    for w in t["when"].as_array().into_iter().flatten() {
        let texts =
            std::iter::once(&w["input"]).chain(w["values"].as_array().into_iter().flatten());
        for text in texts.filter_map(Value::as_str) {
            let mut rest = text;
            while let Some(at) = rest.find("$(tasks.") {
                let inner = &rest[at + 8..];
                let end = inner.find(')').expect("closing )");
                if let Some((task, result)) = inner[..end].split_once(".results.") {
                    refs.push((task.to_string(), result.to_string()));
                }
                rest = &inner[end..];
            }
        }
    }
    refs
}

fn skipped() -> TaskRun {
    TaskRun {
        status: Status::None,
        params: BTreeMap::new(),
        results: BTreeMap::new(),
        log: String::new(),
    }
}

fn key(v: &Value) -> String {
    v["name"].as_str().expect("a name").to_string()
}
