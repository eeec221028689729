//! One TaskRun: params, workspaces and results laid out as folders, then its steps in order.

use std::collections::BTreeMap;
use std::fs;
use std::process::Command;

use serde_json::Value;

use super::vars::{expand_args, subst, subst_value};
use super::{Cluster, Status, TaskRun, key};

impl Cluster<'_> {
    pub(super) fn task_run(
        &self,
        name: &str,
        t: &Value,
        run_params: &BTreeMap<String, Value>,
        statuses: &BTreeMap<String, String>,
        bindings: &Value,
        node_arch: Option<&String>,
    ) -> TaskRun {
        let task_name = t["taskRef"]["name"].as_str().expect("taskRef.name");
        let task = &self.defs[&("Task".to_string(), task_name.to_string())]["spec"];
        let given: BTreeMap<String, Value> = t["params"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| (key(p), subst_value(&p["value"], run_params, statuses)))
            .collect();
        let mut vars: BTreeMap<String, Value> = BTreeMap::new();
        for p in task["params"].as_array().into_iter().flatten() {
            let value = given.get(&key(p)).or(p.get("default")).unwrap_or_else(|| {
                panic!(
                    "{name}: required param `{}` not given; Tekton rejects the run",
                    key(p)
                )
            });
            vars.insert(format!("params.{}", key(p)), value.clone());
        }
        for extra in given.keys() {
            assert!(
                vars.contains_key(&format!("params.{extra}")),
                "{name}: `{task_name}` has no param `{extra}`"
            );
        }
        let root = tempfile::tempdir_in(self.dir.path())
            .expect("TaskRun dir")
            .keep();
        let uses: BTreeMap<String, String> = t["workspaces"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| {
                (
                    key(w),
                    w["workspace"].as_str().expect("workspace").to_string(),
                )
            })
            .collect();
        for w in task["workspaces"].as_array().into_iter().flatten() {
            let bound = uses
                .get(&key(w))
                .unwrap_or_else(|| panic!("{name}: workspace `{}` not bound", key(w)));
            let binding = bindings
                .as_array()
                .and_then(|b| b.iter().find(|b| b["name"] == bound.as_str()))
                .unwrap_or_else(|| panic!("{name}: the run binds no workspace `{bound}`"));
            let dir = root.join("workspaces").join(key(w));
            fs::create_dir_all(&dir).expect("mkdir");
            if let Some(secret) = binding.get("secret") {
                let name = secret["secretName"].as_str().expect("secretName");
                let data = self
                    .secrets
                    .get(name)
                    .unwrap_or_else(|| panic!("no Secret `{name}`"));
                for item in secret["items"].as_array().expect("items") {
                    let content = &data[item["key"].as_str().expect("key")];
                    fs::write(dir.join(item["path"].as_str().expect("path")), content)
                        .expect("write");
                }
            } else {
                assert!(
                    binding.get("emptyDir").is_some(),
                    "{name}: unsupported binding {binding}"
                );
            }
            vars.insert(
                format!("workspaces.{}.path", key(w)),
                Value::String(dir.display().to_string()),
            );
        }
        let results_dir = root.join("results");
        fs::create_dir_all(&results_dir).expect("mkdir");
        let declared: Vec<String> = task["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(key)
            .collect();
        for r in &declared {
            vars.insert(
                format!("results.{r}.path"),
                Value::String(results_dir.join(r).display().to_string()),
            );
        }
        let mut log = String::new();
        let mut status = Status::Succeeded;
        let template_env = task["stepTemplate"]["env"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for step in task["steps"].as_array().expect("steps") {
            let step_name = step["name"].as_str().unwrap_or("step");
            let mut cmd = match step.get("script") {
                Some(script) => {
                    let mut script = subst(script.as_str().expect("script"), &vars, statuses);
                    (self.hook)(name, node_arch.map(String::as_str), step_name, &mut script);
                    let file = root.join(format!("script-{step_name}"));
                    fs::write(&file, script).expect("write script");
                    let mut c = Command::new("sh");
                    c.arg(file);
                    c
                }
                None => {
                    let argv: Vec<String> = step["command"]
                        .as_array()
                        .expect("command or script")
                        .iter()
                        .map(|a| subst(a.as_str().expect("arg"), &vars, statuses))
                        .collect();
                    if argv[..2] == ["kubectl", "create"] {
                        let file = &argv[argv.len() - 1];
                        self.created
                            .borrow_mut()
                            .push(fs::read_to_string(file).expect("kubectl -f file"));
                        continue;
                    }
                    let mut c = Command::new(&argv[0]);
                    c.args(&argv[1..]);
                    c
                }
            };
            for arg in step["args"].as_array().into_iter().flatten() {
                cmd.args(expand_args(arg.as_str().expect("arg"), &vars));
            }
            cmd.env_clear().envs(self.env.iter().map(|(k, v)| (k, v)));
            for e in template_env
                .iter()
                .chain(step["env"].as_array().into_iter().flatten())
            {
                cmd.env(
                    key(e),
                    subst(e["value"].as_str().expect("env value"), &vars, statuses),
                );
            }
            if let Some(dir) = step["workingDir"].as_str() {
                cmd.current_dir(subst(dir, &vars, statuses));
            }
            let out = cmd.output().expect("run step");
            log += &format!(
                "--- {name}/{step_name}\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if !out.status.success() {
                status = Status::Failed;
                break;
            }
        }
        let results = declared
            .iter()
            .filter_map(|r| Some((r.clone(), fs::read_to_string(results_dir.join(r)).ok()?)))
            .collect();
        TaskRun {
            status,
            params: given,
            results,
            log,
        }
    }
}
