//! Small plans for build tests, written as real `plan.json` files.

use std::path::Path;

use monoarch::plan::{
    BuildArg, JobPlan, NamingScheme, Plan, ProjectPlan, Reason, RegistryTarget, Selection,
    SelectionMode, Trigger, Upstream, write_plan,
};
use monoarch::platform::Platform;

pub const PLAN_COMMIT: &str = "abc1234def5678abc1234def5678abc1234def56";

/// One project; jobs for `archs`; tags `{name}-20261120-abc1234[-arch]`.
pub fn project(name: &str, archs: &[&str]) -> ProjectPlan {
    ProjectPlan {
        name: name.to_string(),
        path: format!("projects/{name}"),
        reasons: vec![Reason {
            rule: "named".into(),
            files: vec![],
            more: 0,
        }],
        upstream: None,
        dockerfile: "Dockerfile".into(),
        context: ".".into(),
        target: None,
        build_args: vec![],
        repository: "monoarch".into(),
        tags: vec![format!("{name}-20261120-abc1234")],
        jobs: archs
            .iter()
            .map(|arch| {
                let platform = Platform::from_arch(arch).expect("known arch");
                JobPlan {
                    platform,
                    arch: platform.arch().to_string(),
                    github_runner: platform.facts().github_runner.unwrap_or("none").into(),
                    gitlab_tags: vec![],
                    tag: format!("{name}-20261120-abc1234-{}", platform.arch()),
                }
            })
            .collect(),
    }
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
    });
    p
}

pub fn plan(registry_host: &str, projects: Vec<ProjectPlan>) -> Plan {
    Plan {
        format_version: monoarch::plan::FORMAT_VERSION,
        generator: "test".into(),
        created: "2026-11-20T00:00:00Z".into(),
        date: "20261120".into(),
        commit: PLAN_COMMIT.into(),
        sha7: "abc1234".into(),
        source: None,
        selection: Selection {
            trigger: Trigger::Local,
            mode: SelectionMode::Named,
            base: None,
            reason: "named on the command line".into(),
        },
        registry: RegistryTarget {
            host: registry_host.to_string(),
            naming: NamingScheme::SingleRepository,
        },
        projects,
        removed: vec![],
    }
}

/// Writes `plan` to `dir/plan.json`.
pub fn write(dir: &Path, plan: &Plan) {
    write_plan(&dir.join("plan.json"), plan).expect("write plan.json");
}

/// The host's arch suffix and the other one of amd64/arm64.
pub fn host_and_foreign_arch() -> (&'static str, &'static str) {
    match Platform::host().map(|p| p.arch()) {
        Some("arm64") => ("arm64", "amd64"),
        _ => ("amd64", "arm64"),
    }
}
