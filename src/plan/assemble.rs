//! Pure plan assembly: configs, reasons, date and sha in; the [`Plan`] out.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::config::{ProjectConfig, RepoConfig};
use crate::contract::{
    FORMAT_VERSION, JobPlan, NamingScheme, Plan, ProjectPlan, Publish, Reason, RegistryTarget,
    RemovedProject, Selection, Upstream,
};

/// Everything the plan is made from, gathered by the caller.
pub struct PlanInputs<'a> {
    pub repo: &'a RepoConfig,
    /// Full sha of HEAD.
    pub commit: String,
    pub created: DateTime<Utc>,
    pub selection: Selection,
    /// Selected projects with their reasons; any order (the plan sorts them).
    pub projects: Vec<(ProjectConfig, Vec<Reason>)>,
    pub removed: Vec<RemovedProject>,
}

/// A tag is floating when it names no version (`latest`, `stable`): it moves last.
pub fn is_floating(tag: &str) -> bool {
    !tag.chars().any(|c| c.is_ascii_digit())
}

/// `YYYYMMDD` and the short sha of a plan made at `created` for `commit`.
pub fn date_and_sha7(created: DateTime<Utc>, commit: &str) -> (String, String) {
    (
        created.format("%Y%m%d").to_string(),
        commit.chars().take(7).collect(),
    )
}

pub fn assemble(inputs: PlanInputs) -> Plan {
    let repo = inputs.repo;
    let (date, sha7) = date_and_sha7(inputs.created, &inputs.commit);
    let mut projects: Vec<ProjectPlan> = inputs
        .projects
        .into_iter()
        .map(|(config, reasons)| project_plan(config, reasons, repo, &date, &sha7))
        .collect();
    projects.sort_by(|a, b| a.name.cmp(&b.name));
    let mut removed = inputs.removed;
    removed.sort_by(|a, b| a.name.cmp(&b.name));
    Plan {
        format_version: FORMAT_VERSION,
        generator: format!("monoarch {}", env!("CARGO_PKG_VERSION")),
        created: inputs.created.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        date,
        commit: inputs.commit,
        sha7,
        source: repo.source.clone(),
        selection: inputs.selection,
        registry: RegistryTarget {
            host: repo.registry.clone(),
            naming: repo.naming,
        },
        projects,
        removed,
        publish: Publish::default(),
        reuse: None,
        unchanged: Vec::new(),
    }
}

/// One project's part of the plan: its repository, tags and jobs.
pub fn project_plan(
    config: ProjectConfig,
    reasons: Vec<Reason>,
    repo: &RepoConfig,
    date: &str,
    sha7: &str,
) -> ProjectPlan {
    // Per-project repositories need no project prefix in their tags.
    let (repository, prefix) = match repo.naming {
        NamingScheme::SingleRepository => (repo.repository.clone(), format!("{}-", config.name)),
        NamingScheme::PerProject => (
            format!("{}/{}", repo.repository, config.name),
            String::new(),
        ),
    };
    let primary = format!("{prefix}{date}-{sha7}");
    let (floating, fixed): (Vec<&String>, Vec<&String>) =
        config.additional_tags.iter().partition(|t| is_floating(t));
    let mut tags = vec![primary.clone()];
    let mut seen: HashSet<String> = HashSet::from([primary.clone()]);
    for tag in fixed.into_iter().chain(floating) {
        let full = format!("{prefix}{tag}");
        if seen.insert(full.clone()) {
            tags.push(full);
        }
    }
    let jobs = config
        .platforms
        .iter()
        .map(|&platform| {
            let runner = repo.runner(platform);
            JobPlan {
                platform,
                arch: platform.arch().to_string(),
                github_runner: runner.map(|r| r.github.clone()).unwrap_or_default(),
                gitlab_tags: runner.map(|r| r.gitlab_tags.clone()).unwrap_or_default(),
                tag: format!("{primary}-{}", platform.arch()),
                key: None,
                key_inputs: None,
                reuse: None,
                why: None,
                moved: Vec::new(),
            }
        })
        .collect();
    let cache = repo.cache.repository_for(&repository, config.cache);
    let last_tag = repo
        .reuse
        .enabled
        .then(|| crate::key::last_tag(repo.naming, &config.name));
    ProjectPlan {
        name: config.name,
        path: config.path,
        reasons,
        upstream: config.upstream.map(|u| Upstream {
            repo: u.repo,
            git_ref: u.git_ref,
            commit: None,
        }),
        dockerfile: config.dockerfile,
        context: config.context,
        target: config.target,
        build_args: config.build_args,
        repository,
        tags,
        jobs,
        last_tag,
        cache,
        // Filled by `bases::pin` once the whole plan is known.
        bases: Vec::new(),
        level: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floating_tags() {
        assert!(is_floating("latest"));
        assert!(is_floating("stable"));
        assert!(!is_floating("v1.25.3"));
        assert!(!is_floating("2024"));
    }
}
