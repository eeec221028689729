use super::*;
use crate::config::{TektonRunner, Toleration};

fn project(name: &str, archs: &[&str]) -> ProjectPlan {
    let jobs: Vec<serde_json::Value> = archs
        .iter()
        .map(|a| {
            serde_json::json!({"platform": a, "arch": a, "github_runner": "", "gitlab_tags": [], "tag": format!("{name}-{a}")})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "name": name, "path": format!("projects/{name}"), "reasons": [],
        "dockerfile": "Dockerfile", "context": ".", "repository": "r",
        "tags": [name], "jobs": jobs,
    }))
    .expect("a project plan")
}

#[test]
fn split_keeps_projects_whole_and_in_order() {
    let projects = vec![
        project("a", &["amd64", "arm64"]),
        project("b", &["amd64", "arm64"]),
        project("c", &["amd64"]),
    ];
    let names = |groups: Vec<Vec<&ProjectPlan>>| -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| g.iter().map(|p| p.name.clone()).collect())
            .collect()
    };
    assert_eq!(names(split(&projects, 256)), [vec!["a", "b", "c"]]);
    assert_eq!(names(split(&projects, 3)), [vec!["a"], vec!["b", "c"]]);
    // A project with more builds than the limit still gets its own run.
    assert_eq!(
        names(split(&projects, 1)),
        [vec!["a"], vec!["b"], vec!["c"]]
    );
}

#[test]
fn split_keeps_a_project_with_its_bases_and_dependents_in_one_run() {
    let mut projects = vec![
        project("a", &["amd64"]),
        project("b", &["amd64"]),
        project("c", &["amd64"]),
        project("d", &["amd64"]),
    ];
    // c builds on a (both rebuilt here); b and d stand alone.
    let base: crate::contract::BasePlan = serde_json::from_value(serde_json::json!({
        "project": "a", "arg": "MONOARCH_BASE_A", "repository": "r", "tag": "a", "rebuilt": true,
    }))
    .expect("a base");
    projects[2].bases = vec![base];
    projects[2].level = 1;
    let names = |groups: Vec<Vec<&ProjectPlan>>| -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| g.iter().map(|p| p.name.clone()).collect())
            .collect()
    };
    assert_eq!(
        names(split(&projects, 1)),
        [vec!["a", "c"], vec!["b"], vec!["d"]],
        "over the limit rather than apart"
    );
    assert_eq!(names(split(&projects, 3)), [vec!["a", "c", "b"], vec!["d"]]);
    assert_eq!(names(split(&projects, 256)), [vec!["a", "c", "b", "d"]]);
}

#[test]
fn pods_are_pinned_to_the_arch_and_take_the_configured_extras() {
    let arm = Platform::parse("linux/arm64").expect("known");
    let v7 = Platform::parse("linux/arm/v7").expect("known");
    let runners = BTreeMap::from([(
        arm,
        Runner {
            github: String::new(),
            gitlab_tags: Vec::new(),
            tekton: Some(TektonRunner {
                node_selector: BTreeMap::from([("pool".to_string(), "arm".to_string())]),
                tolerations: vec![Toleration {
                    key: Some("arch".into()),
                    value: Some("arm64".into()),
                    effect: Some("NoSchedule".into()),
                    ..Toleration::default()
                }],
            }),
        },
    )]);
    let pod = pod_template(arm, &runners);
    assert_eq!(pod.node_selector["kubernetes.io/arch"], "arm64");
    assert_eq!(pod.node_selector["kubernetes.io/os"], "linux");
    assert_eq!(pod.node_selector["pool"], "arm");
    assert_eq!(pod.tolerations.len(), 1);
    // No configuration: the well-known label alone; Kubernetes names arm/v7 `arm`.
    let pod = pod_template(v7, &runners);
    assert_eq!(pod.node_selector["kubernetes.io/arch"], "arm");
    assert!(pod.tolerations.is_empty());
}
