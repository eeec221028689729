//! `monoarch.yaml`: repo-wide settings, each with a default that works without the file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::gitlab::{GitlabSettings, RawGitlab};
use super::glob::{Globs, build_set, parse_glob};
use super::paths::{check_projects_dir, relative_setting};
use super::platforms::{RawRunner, Runner, platform_list, runners};
use super::problem::{FileProblems, Problem, Problems};
use super::publish::{PublishRule, RawPublish};
use super::reuse::{CacheConfig, RawCache, RawReuse, ReuseConfig, resolve_cache, resolve_reuse};
use super::tekton::{RawTekton, TektonSettings};
use super::yaml;
use crate::contract::limits::{CONFIG_CAP, read_in};
use crate::contract::{
    DEFAULT_PLATFORMS, NamingScheme, Platform, is_valid_repository, registry_host_problem, shown,
};
use crate::env::Env;

pub const REPO_CONFIG_FILE: &str = "monoarch.yaml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepoConfig {
    registry: Option<Spanned<String>>,
    repository: Option<Spanned<String>>,
    naming: Option<Spanned<String>>,
    source: Option<String>,
    projects_dir: Option<Spanned<String>>,
    schedule_file: Option<Spanned<String>>,
    default_branch: Option<String>,
    ignore: Option<Vec<Spanned<String>>>,
    rebuild_all: Option<Vec<Spanned<String>>>,
    platforms: Option<Vec<Spanned<String>>>,
    runners: Option<BTreeMap<String, Spanned<RawRunner>>>,
    gitlab: Option<RawGitlab>,
    publish: Option<RawPublish>,
    tekton: Option<RawTekton>,
    reuse: Option<Spanned<RawReuse>>,
    cache: Option<Spanned<RawCache>>,
    dependencies: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct RepoConfig {
    /// Registry host; empty when none is configured.
    pub registry: String,
    /// Where an empty `registry` should have come from, for the message that asks for it.
    pub registry_setting: String,
    pub repository: String,
    pub naming: NamingScheme,
    pub source: Option<String>,
    pub projects_dir: String,
    pub schedule_file: String,
    pub default_branch: Option<String>,
    pub ignore: Globs,
    pub rebuild_all: Globs,
    pub default_platforms: Vec<Platform>,
    pub runners: BTreeMap<Platform, Runner>,
    pub gitlab: GitlabSettings,
    pub publish: PublishRule,
    pub tekton: TektonSettings,
    pub reuse: ReuseConfig,
    pub cache: CacheConfig,
    /// `dependencies: true`: projects may declare `depends_on:`, and every plan
    /// reads every project's config to find the dependents of what it selects.
    pub dependencies: bool,
}

pub const DEFAULT_IGNORE: &[&str] = &["**/*.md"];
pub const DEFAULT_REBUILD_ALL: &[&str] = &[REPO_CONFIG_FILE];

impl RepoConfig {
    /// Reads `monoarch.yaml` at `root` if present; defaults otherwise.
    pub fn load(root: &Path, env: &Env) -> Result<RepoConfig, Problems> {
        match read_in(root, REPO_CONFIG_FILE, CONFIG_CAP) {
            Ok(text) => RepoConfig::parse(&text, root, env),
            Err(e) if e.is_not_found() => RepoConfig::parse("", root, env),
            Err(e) => {
                let mut problems = FileProblems::new(REPO_CONFIG_FILE);
                problems.add(0, 0, "", e.to_string());
                Err(problems.problems)
            }
        }
    }

    /// Validates the text of a `monoarch.yaml` (empty: every default) for the
    /// repository at `root`.
    pub fn parse(text: &str, root: &Path, env: &Env) -> Result<RepoConfig, Problems> {
        let mut problems = FileProblems::new(REPO_CONFIG_FILE);
        let Some(raw) = yaml::parse::<Option<RawRepoConfig>>(text, &mut problems) else {
            return Err(problems.problems);
        };
        let config = resolve(raw.unwrap_or_default(), root, env, &mut problems);
        problems.sort();
        problems.problems.into_result(config)
    }

    pub fn runner(&self, platform: Platform) -> Option<&Runner> {
        self.runners.get(&platform)
    }
}

fn resolve(raw: RawRepoConfig, root: &Path, env: &Env, p: &mut FileProblems) -> RepoConfig {
    let registry = match &raw.registry {
        Some(spanned) => {
            let value = expand_var(spanned, "registry", env, p);
            if let Some(why) = (!value.is_empty())
                .then(|| registry_host_problem(&value))
                .flatten()
            {
                p.at(spanned, "registry", why);
            }
            value
        }
        None => {
            let from_env = ["ECR_REGISTRY", "REGISTRY"]
                .into_iter()
                .find_map(|var| env.get(var).map(|value| (var, value)));
            match from_env {
                Some((var, value)) => {
                    if let Some(why) = registry_host_problem(value) {
                        // The value comes from the environment, not the file.
                        p.problems.push(Problem {
                            file: var.into(),
                            line: 0,
                            column: 0,
                            field: String::new(),
                            message: format!(
                                "{why}; fix the variable or set `registry:` in monoarch.yaml"
                            ),
                        });
                    }
                    value.to_string()
                }
                None => String::new(),
            }
        }
    };

    let registry_setting = match raw.registry.as_ref().map(|s| s.value.trim()) {
        Some(value) if value.starts_with('$') => format!(
            "the variable `{}` (monoarch.yaml has `registry: {value}`)",
            value
                .trim_start_matches('$')
                .trim_start_matches('{')
                .trim_end_matches('}')
        ),
        _ => "`registry:` in monoarch.yaml, or the variable `REGISTRY` (or `ECR_REGISTRY`)"
            .to_string(),
    };
    let naming = match &raw.naming {
        None => NamingScheme::SingleRepository,
        Some(s) => match s.value.as_str() {
            "single-repository" => NamingScheme::SingleRepository,
            "per-project" => NamingScheme::PerProject,
            other => {
                p.at(
                    s,
                    "naming",
                    format!("unknown scheme `{other}`; use `single-repository` or `per-project`"),
                );
                NamingScheme::SingleRepository
            }
        },
    };
    let repository = match &raw.repository {
        Some(spanned) => {
            let value = expand_var(spanned, "repository", env, p);
            if !is_valid_repository(&value) {
                p.at(spanned, "repository", format!("`{value}` is not a valid repository name; use lowercase letters, digits and `._-/`"));
            }
            value
        }
        None => default_repository(root, env),
    };
    let source = raw.source.or_else(|| default_source(env));
    let projects_dir_set = raw.projects_dir.clone();
    let projects_dir = relative_setting(raw.projects_dir, "projects_dir", "projects", p);
    // An absolute or escaping value has its problem already; never list it.
    if crate::contract::check_relative(&projects_dir).is_ok() {
        check_projects_dir(root, &projects_dir, projects_dir_set.as_ref(), p);
    }
    let schedule_file =
        relative_setting(raw.schedule_file, "schedule_file", "rebuild-weekly.txt", p);
    let ignore = globs(raw.ignore, "ignore", DEFAULT_IGNORE, p);
    let rebuild_all = globs(raw.rebuild_all, "rebuild_all", DEFAULT_REBUILD_ALL, p);
    let runners = runners(raw.runners, p);
    let default_platforms: Vec<Platform> = match raw.platforms {
        None => DEFAULT_PLATFORMS
            .iter()
            .filter_map(|s| Platform::parse(s))
            .collect(),
        Some(list) => platform_list(&list, |platform| runners.contains_key(&platform), p),
    };
    let default_tags = default_platforms
        .first()
        .and_then(|platform| runners.get(platform))
        .map(|runner| runner.gitlab_tags.clone())
        .unwrap_or_default();
    let gitlab = GitlabSettings::resolve(raw.gitlab, &default_tags);
    let publish = PublishRule::resolve(raw.publish, env, p);
    let tekton = super::tekton::resolve_settings(raw.tekton, p);
    let reuse = resolve_reuse(raw.reuse, p);
    let cache = resolve_cache(raw.cache, p);
    RepoConfig {
        registry,
        registry_setting,
        repository,
        naming,
        source,
        projects_dir,
        schedule_file,
        default_branch: raw.default_branch,
        ignore,
        rebuild_all,
        default_platforms,
        runners,
        gitlab,
        publish,
        tekton,
        reuse,
        cache,
        dependencies: raw.dependencies.unwrap_or(false),
    }
}

/// `$VAR` or `${VAR}` as the whole value reads the environment variable.
fn expand_var(spanned: &Spanned<String>, field: &str, env: &Env, p: &mut FileProblems) -> String {
    let value = spanned.value.trim();
    let name = value
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .or_else(|| value.strip_prefix('$'));
    match name {
        Some(name) => match env.get(name) {
            Some(v) => v.to_string(),
            None if field == "registry" => String::new(),
            None => {
                p.at(
                    spanned,
                    field,
                    format!("environment variable `{name}` is not set; set it or write the value"),
                );
                String::new()
            }
        },
        None => value.to_string(),
    }
}

/// On GitHub `owner/name` of the repository (GHCR wants the owner); elsewhere the folder name.
fn default_repository(root: &Path, env: &Env) -> String {
    if let Some(repo) = env.get("GITHUB_REPOSITORY") {
        let lower = repo.to_ascii_lowercase();
        if is_valid_repository(&lower) {
            return lower;
        }
    }
    let name = root
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("monoarch")
        .to_ascii_lowercase()
        .replace(
            |c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
            "-",
        );
    if is_valid_repository(&name) {
        name
    } else {
        "monoarch".to_string()
    }
}

fn default_source(env: &Env) -> Option<String> {
    if let (Some(server), Some(repo)) = (env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"))
    {
        return Some(format!("{server}/{repo}"));
    }
    env.get("CI_PROJECT_URL").map(str::to_string)
}

fn globs(
    value: Option<Vec<Spanned<String>>>,
    field: &str,
    defaults: &[&str],
    p: &mut FileProblems,
) -> Globs {
    let patterns: Vec<Spanned<String>> = match value {
        Some(list) => list,
        None => defaults
            .iter()
            .map(|d| {
                Spanned::new(
                    d.to_string(),
                    serde_saphyr::Location::UNKNOWN,
                    serde_saphyr::Location::UNKNOWN,
                )
            })
            .collect(),
    };
    let mut globs = Vec::new();
    let mut kept: Vec<&Spanned<String>> = Vec::new();
    for pattern in &patterns {
        match parse_glob(&pattern.value) {
            Ok(glob) => {
                globs.push(glob);
                kept.push(pattern);
            }
            Err(why) => p.at(pattern, field, format!("`{}` {why}", shown(&pattern.value))),
        }
    }
    // A set that cannot be built is an error, never an empty set: an empty
    // `ignore` would build on every README change, an empty `rebuild_all`
    // would miss global changes.
    let set = build_set(&globs).unwrap_or_else(|faults| {
        for (index, why) in faults {
            match index.and_then(|i| kept.get(i)) {
                Some(pattern) => p.at(pattern, field, format!("`{}` {why}", shown(&pattern.value))),
                None => p.add(
                    0,
                    0,
                    field,
                    format!("these {} globs together {why}", kept.len()),
                ),
            }
        }
        globset::GlobSet::empty()
    });
    Globs::new(set)
}
