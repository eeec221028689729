//! The slice of the Tekton v1 and Kubernetes API that the generated PipelineRun uses,
//! field order as people read it (serde keeps declaration order).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Toleration;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineRun {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: Metadata,
    pub spec: PipelineRunSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub generate_name: String,
    pub labels: BTreeMap<&'static str, String>,
    pub annotations: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineRunSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_run_template: Option<TaskRunTemplate>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<WorkspaceBinding>,
    pub pipeline_spec: PipelineSpec,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub task_run_specs: Vec<TaskRunSpec>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRunTemplate {
    pub service_account_name: String,
}

#[derive(Serialize)]
pub struct Param {
    pub name: String,
    pub value: ParamValue,
}

#[derive(Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    String(String),
    Array(Vec<String>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceBinding {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<EmptyDir>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretVolume>,
}

#[derive(Serialize)]
pub struct EmptyDir {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretVolume {
    pub secret_name: String,
    pub items: Vec<KeyToPath>,
}

#[derive(Serialize)]
pub struct KeyToPath {
    pub key: &'static str,
    pub path: &'static str,
}

#[derive(Serialize)]
pub struct PipelineSpec {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ParamSpec>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<WorkspaceDecl>,
    pub tasks: Vec<PipelineTask>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finally: Vec<PipelineTask>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<PipelineResult>,
}

#[derive(Serialize)]
pub struct ParamSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub description: String,
}

#[derive(Serialize)]
pub struct WorkspaceDecl {
    pub name: &'static str,
    pub description: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineTask {
    pub name: String,
    pub display_name: String,
    pub task_ref: TaskRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_error: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub run_after: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<WhenExpression>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<WorkspaceUse>,
}

#[derive(Serialize)]
pub struct TaskRef {
    pub name: &'static str,
}

#[derive(Serialize, Clone)]
pub struct WhenExpression {
    pub input: String,
    pub operator: &'static str,
    pub values: Vec<String>,
}

#[derive(Serialize)]
pub struct WorkspaceUse {
    pub name: &'static str,
    pub workspace: &'static str,
}

#[derive(Serialize)]
pub struct PipelineResult {
    pub name: String,
    pub description: String,
    pub value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRunSpec {
    pub pipeline_task_name: String,
    pub pod_template: PodTemplate,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodTemplate {
    pub node_selector: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<TolerationSpec>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TolerationSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

impl From<&Toleration> for TolerationSpec {
    fn from(t: &Toleration) -> Self {
        TolerationSpec {
            key: t.key.clone(),
            operator: t.operator.clone(),
            value: t.value.clone(),
            effect: t.effect.clone(),
            toleration_seconds: t.toleration_seconds,
        }
    }
}

impl Param {
    pub fn string(name: impl Into<String>, value: impl Into<String>) -> Param {
        Param {
            name: name.into(),
            value: ParamValue::String(value.into()),
        }
    }
}
