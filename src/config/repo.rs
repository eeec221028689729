//! `monoarch.yaml`: repo-wide settings, each with a default that works without the file.

use std::collections::BTreeMap;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::gitlab::{GitlabSettings, RawGitlab};
use super::paths::relative_setting;
use super::problem::{FileProblems, Problems};
use super::publish::{PublishRule, RawPublish};
use super::tag::is_valid_repository;
use super::tekton::{RawTekton, RawTektonRunner, TektonRunner, TektonSettings};
use super::yaml;
use crate::contract::{DEFAULT_PLATFORMS, NamingScheme, PLATFORMS, Platform};
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
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRunner {
    github: Option<String>,
    gitlab_tags: Option<Vec<String>>,
    tekton: Option<RawTektonRunner>,
}

/// Where a platform's jobs run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runner {
    /// GitHub `runs-on` label; empty when none is configured.
    pub github: String,
    pub gitlab_tags: Vec<String>,
    /// Extra node labels and tolerations for Tekton build tasks; `None`: only the arch pin.
    pub tekton: Option<TektonRunner>,
}

/// A list of globs compiled into one set.
#[derive(Debug, Clone)]
pub struct Globs {
    set: GlobSet,
}

impl Globs {
    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
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
}

pub const DEFAULT_IGNORE: &[&str] = &["**/*.md"];
pub const DEFAULT_REBUILD_ALL: &[&str] = &[REPO_CONFIG_FILE];

impl RepoConfig {
    /// Reads `monoarch.yaml` at `root` if present; defaults otherwise.
    pub fn load(root: &Path, env: &Env) -> Result<RepoConfig, Problems> {
        let path = root.join(REPO_CONFIG_FILE);
        let mut problems = FileProblems::new(REPO_CONFIG_FILE);
        let raw = match std::fs::read_to_string(&path) {
            Ok(text) => match yaml::parse::<Option<RawRepoConfig>>(&text, &mut problems) {
                Some(raw) => raw.unwrap_or_default(),
                None => return Err(problems.problems),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RawRepoConfig::default(),
            Err(e) => {
                problems.add(0, 0, "", format!("cannot read: {e}"));
                return Err(problems.problems);
            }
        };
        let config = resolve(raw, root, env, &mut problems);
        problems.sort();
        problems.problems.into_result(config)
    }

    pub fn runner(&self, platform: Platform) -> Option<&Runner> {
        self.runners.get(&platform)
    }
}

fn resolve(raw: RawRepoConfig, root: &Path, env: &Env, p: &mut FileProblems) -> RepoConfig {
    let registry = match &raw.registry {
        Some(spanned) => expand_var(spanned, "registry", env, p),
        None => env
            .get("ECR_REGISTRY")
            .or_else(|| env.get("REGISTRY"))
            .unwrap_or_default()
            .to_string(),
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
    let projects_dir = relative_setting(raw.projects_dir, "projects_dir", "projects", p);
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
        Some(list) => list
            .iter()
            .filter_map(|s| match Platform::parse(&s.value) {
                Some(platform) => Some(platform),
                None => {
                    p.at(s, "platforms", unknown_platform(&s.value));
                    None
                }
            })
            .collect(),
    };
    let default_tags = default_platforms
        .first()
        .and_then(|platform| runners.get(platform))
        .map(|runner| runner.gitlab_tags.clone())
        .unwrap_or_default();
    let gitlab = GitlabSettings::resolve(raw.gitlab, &default_tags);
    let publish = PublishRule::resolve(raw.publish, env, p);
    let tekton = super::tekton::resolve_settings(raw.tekton, p);
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
    }
}

pub fn unknown_platform(value: &str) -> String {
    format!(
        "unknown platform `{value}`; known platforms: {}",
        Platform::known().join(", ")
    )
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
    let mut builder = GlobSetBuilder::new();
    for pattern in &patterns {
        match Glob::new(&pattern.value) {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(e) => p.at(
                pattern,
                field,
                format!("invalid glob `{}`: {}", pattern.value, e.kind()),
            ),
        }
    }
    let set = builder.build().unwrap_or_else(|_| GlobSet::empty());
    Globs { set }
}

fn runners(
    raw: Option<BTreeMap<String, Spanned<RawRunner>>>,
    p: &mut FileProblems,
) -> BTreeMap<Platform, Runner> {
    let mut runners: BTreeMap<Platform, Runner> = PLATFORMS
        .iter()
        .filter_map(|facts| {
            let platform = Platform::parse(facts.canonical)?;
            let github = facts.github_runner.unwrap_or_default().to_string();
            let gitlab_tags: Vec<String> =
                facts.gitlab_tags.iter().map(|t| t.to_string()).collect();
            (!github.is_empty() || !gitlab_tags.is_empty()).then_some((
                platform,
                Runner {
                    github,
                    gitlab_tags,
                    tekton: None,
                },
            ))
        })
        .collect();
    for (arch, spanned) in raw.unwrap_or_default() {
        let Some(platform) = Platform::from_arch(&arch) else {
            p.at(
                &spanned,
                &format!("runners.{arch}"),
                unknown_platform(&arch),
            );
            continue;
        };
        let entry = runners.entry(platform).or_insert(Runner {
            github: String::new(),
            gitlab_tags: Vec::new(),
            tekton: None,
        });
        if let Some(github) = &spanned.value.github {
            entry.github = github.clone();
        }
        if let Some(tags) = &spanned.value.gitlab_tags {
            entry.gitlab_tags = tags.clone();
        }
        if let Some(tekton) = super::tekton::resolve_runner(&spanned.value.tekton, &arch, p) {
            entry.tekton = Some(tekton);
        }
    }
    runners
}
