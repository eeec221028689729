//! Tekton's variable substitution, for the variables the tests use.

use std::collections::BTreeMap;

use serde_json::Value;

/// `$(params.x)`, `$(tasks.x.status)`, ... replaced; a variable nobody set is a test failure.
pub(super) fn subst(
    text: &str,
    vars: &BTreeMap<String, Value>,
    statuses: &BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("$(") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find(')').expect("closing )") + start;
        let name = &rest[start + 2..end];
        // Only Tekton's own variables are replaced; `$(command -v x)` is the shell's.
        let tekton = ["params.", "workspaces.", "results.", "tasks.", "context."]
            .iter()
            .any(|p| name.starts_with(p));
        let value = match (vars.get(name), statuses.get(name)) {
            (Some(Value::String(s)), _) => s.clone(),
            (_, Some(s)) => s.clone(),
            _ if !tekton => format!("$({name})"),
            _ => panic!("`$({name})` is not set here; Tekton would reject the run"),
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out + rest
}

pub(super) fn subst_value(
    v: &Value,
    vars: &BTreeMap<String, Value>,
    statuses: &BTreeMap<String, String>,
) -> Value {
    match v {
        Value::String(s) => Value::String(subst(s, vars, statuses)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| subst_value(i, vars, statuses))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// An `args` entry: `$(params.a[*])` becomes one argument per array item.
pub(super) fn expand_args(arg: &str, vars: &BTreeMap<String, Value>) -> Vec<String> {
    match arg.strip_prefix("$(").and_then(|a| a.strip_suffix("[*])")) {
        Some(name) => vars[name]
            .as_array()
            .expect("an array param")
            .iter()
            .map(|v| v.as_str().expect("string item").to_string())
            .collect(),
        None => vec![subst(arg, vars, &BTreeMap::new())],
    }
}
