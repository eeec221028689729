//! Plans for unit tests (job lists, keys): `projects` projects with one job per arch.

use super::Platform;
use super::{
    FORMAT_VERSION, JobPlan, NamingScheme, Plan, ProjectPlan, RegistryTarget, Selection,
    SelectionMode, Trigger,
};

pub fn plan(projects: usize, archs: &[&str]) -> Plan {
    let projects = (0..projects)
        .map(|i| ProjectPlan {
            name: format!("p{i:04}"),
            path: format!("projects/p{i:04}"),
            reasons: Vec::new(),
            upstream: None,
            dockerfile: "Dockerfile".into(),
            context: ".".into(),
            target: None,
            build_args: Vec::new(),
            repository: "r".into(),
            tags: vec![format!("p{i:04}-20260101-abcdef0")],
            jobs: archs
                .iter()
                .map(|a| {
                    let platform = Platform::from_arch(a).expect("known arch");
                    JobPlan {
                        platform,
                        arch: a.to_string(),
                        github_runner: format!("runner-{a}"),
                        gitlab_tags: Vec::new(),
                        tag: format!("p{i:04}-20260101-abcdef0-{a}"),
                        key: None,
                        key_inputs: None,
                        reuse: None,
                        why: None,
                        moved: Vec::new(),
                    }
                })
                .collect(),
            last_tag: None,
            cache: None,
            bases: Vec::new(),
            level: 0,
        })
        .collect();
    Plan {
        format_version: FORMAT_VERSION,
        generator: "test".into(),
        created: "2026-01-01T00:00:00Z".into(),
        date: "20260101".into(),
        commit: "abcdef0".repeat(6),
        sha7: "abcdef0".into(),
        source: None,
        selection: Selection {
            trigger: Trigger::Local,
            mode: SelectionMode::All,
            base: None,
            reason: "test".into(),
        },
        registry: RegistryTarget {
            host: String::new(),
            naming: NamingScheme::SingleRepository,
        },
        projects,
        removed: Vec::new(),
        publish: Default::default(),
        reuse: None,
        unchanged: Vec::new(),
    }
}

/// The same with `len`-character project names (`service-00042------...`).
pub fn with_long_names(mut plan: Plan, len: usize) -> Plan {
    for (i, project) in plan.projects.iter_mut().enumerate() {
        project.name = format!("{:-<len$}", format!("service-{i:05}"));
    }
    plan
}
