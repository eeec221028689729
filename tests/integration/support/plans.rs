//! Plans for tests, built from the plan types (the same contract `monoarch plan` writes).

use std::path::{Path, PathBuf};

use monoarch::contract::Platform;
use monoarch::contract::{
    BuildArg, FORMAT_VERSION, JobPlan, NamingScheme, Plan, ProjectPlan, RegistryTarget, Selection,
    SelectionMode, Trigger, Upstream,
};

pub const DATE: &str = "20261120";
pub const COMMIT: &str = "abc1234def5678abc1234def5678abc1234def56";
pub const SHA7: &str = "abc1234";
pub const REPOSITORY: &str = "monoarch";

/// A project with jobs for `archs` and `extra` additional tags (`latest` last).
pub fn project(name: &str, archs: &[&str], extra: &[&str]) -> ProjectPlan {
    let primary = format!("{name}-{DATE}-{SHA7}");
    let mut tags = vec![primary.clone()];
    tags.extend(extra.iter().map(|t| format!("{name}-{t}")));
    ProjectPlan {
        name: name.to_string(),
        path: format!("projects/{name}"),
        reasons: vec![],
        upstream: Some(Upstream {
            repo: format!("https://git.example/{name}.git"),
            git_ref: "v1.0.0".into(),
            commit: None,
        }),
        dockerfile: "Dockerfile".into(),
        context: ".".into(),
        target: None,
        build_args: vec![],
        repository: REPOSITORY.into(),
        tags,
        jobs: archs
            .iter()
            .map(|arch| {
                let platform = Platform::from_arch(arch).expect("known arch");
                JobPlan {
                    platform,
                    arch: arch.to_string(),
                    github_runner: platform.facts().github_runner.unwrap_or("none").into(),
                    gitlab_tags: vec![],
                    tag: format!("{primary}-{arch}"),
                    key: None,
                    key_inputs: None,
                    reuse: None,
                    why: None,
                    moved: vec![],
                }
            })
            .collect(),
        last_tag: None,
        cache: None,
        bases: Vec::new(),
        level: 0,
    }
}

pub fn plan(host: &str, projects: Vec<ProjectPlan>) -> Plan {
    Plan {
        format_version: FORMAT_VERSION,
        generator: "monoarch tests".into(),
        created: "2026-11-20T00:00:00Z".into(),
        date: DATE.into(),
        commit: COMMIT.into(),
        sha7: SHA7.into(),
        source: Some("https://git.example/monorepo".into()),
        selection: Selection {
            trigger: Trigger::Local,
            mode: SelectionMode::All,
            base: None,
            reason: "every project (test)".into(),
        },
        registry: RegistryTarget {
            host: host.into(),
            naming: NamingScheme::SingleRepository,
        },
        projects,
        removed: vec![],
        publish: Default::default(),
        reuse: None,
        unchanged: vec![],
    }
}

pub fn write(dir: &Path, plan: &Plan) -> PathBuf {
    let path = dir.join("plan.json");
    monoarch::contract::write_plan(&path, plan).expect("write plan");
    path
}

/// A project built from its own folder (no upstream), with only the date-sha tag.
pub fn local_project(name: &str, archs: &[&str]) -> ProjectPlan {
    let mut p = project(name, archs, &[]);
    p.upstream = None;
    p
}

pub fn with_upstream(mut p: ProjectPlan, repo: &str, git_ref: &str) -> ProjectPlan {
    p.upstream = Some(Upstream {
        repo: repo.to_string(),
        git_ref: git_ref.to_string(),
        commit: None,
    });
    p
}

pub fn with_secret_arg(mut p: ProjectPlan, name: &str, from_env: &str) -> ProjectPlan {
    p.build_args.push(BuildArg::FromEnv {
        name: name.into(),
        from_env: from_env.into(),
        secret: true,
        key: None,
    });
    p
}

/// The host's arch suffix and the other one of amd64/arm64.
pub fn host_and_foreign_arch() -> (&'static str, &'static str) {
    match Platform::host().map(|p| p.arch()) {
        Some("arm64") => ("arm64", "amd64"),
        _ => ("amd64", "arm64"),
    }
}
