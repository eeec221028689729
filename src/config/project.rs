//! `projects/<name>/build-config.yaml`: how one image is built.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::paths::relative_setting;
use super::platforms::platform_list;
use super::problem::{FileProblems, Problems};
use super::repo::RepoConfig;
use super::yaml;
use crate::contract::limits::{CONFIG_CAP, read_in};
use crate::contract::shown;
use crate::contract::{BuildArg, NamingScheme, Platform, SecretInKey, is_variable_name};
use crate::contract::{MAX_REPOSITORY_LEN, MAX_TAG_LEN, is_valid_repository, is_valid_tag};

pub const PROJECT_CONFIG_FILE: &str = "build-config.yaml";

/// The longest arch suffix in the platform table (`-riscv64`), reserved in tag lengths.
const ARCH_SUFFIX_RESERVE: usize = 8;
/// `-YYYYMMDD-sha7`.
const DATE_SHA_LEN: usize = 17;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProjectConfig {
    pub(super) upstream_repo: Option<Spanned<String>>,
    pub(super) upstream_ref: Option<Spanned<String>>,
    pub(super) dockerfile_path: Option<Spanned<String>>,
    pub(super) target: Option<Spanned<String>>,
    pub(super) context_path: Option<Spanned<String>>,
    pub(super) build_args: Option<Vec<Spanned<RawBuildArg>>>,
    pub(super) platforms: Option<Vec<Spanned<String>>>,
    pub(super) additional_tags: Option<Vec<Spanned<String>>>,
    pub(super) cache: Option<bool>,
    pub(super) depends_on: Option<Vec<Spanned<String>>>,
}

/// One `build_args` item: `NAME=value`, or a mapping (read in `build_arg.rs`).
#[derive(Debug)]
pub(super) enum RawBuildArg {
    Pair(String),
    Map(RawBuildArgMap),
}

#[derive(Debug, Default)]
pub(super) struct RawBuildArgMap {
    pub name: String,
    pub value: Option<String>,
    pub from_env: Option<String>,
    pub secret: Option<bool>,
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamConfig {
    pub repo: String,
    pub git_ref: String,
}

/// A validated project configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectConfig {
    pub name: String,
    /// `projects_dir/name`, `/`-separated.
    pub path: String,
    pub upstream: Option<UpstreamConfig>,
    pub dockerfile: String,
    pub context: String,
    pub target: Option<String>,
    pub build_args: Vec<BuildArg>,
    pub platforms: Vec<Platform>,
    /// As written (`v1.25.3`, `latest`); the plan expands them.
    pub additional_tags: Vec<String>,
    /// Line and column of each of `additional_tags`, for messages.
    pub additional_tag_at: Vec<(u64, u64)>,
    /// The project's `cache:`; `None`: the repo-wide setting.
    pub cache: Option<bool>,
    /// Projects this one builds on (`depends_on:`), as written, each once.
    pub depends_on: Vec<String>,
    /// Line and column of each of `depends_on`, for messages.
    pub depends_on_at: Vec<(u64, u64)>,
}

/// Validates a project folder name: it names files and work folders, and
/// becomes part of image tags (one repository) or the repository path (one
/// repository per project).
pub fn check_project_name(name: &str, repo: &RepoConfig) -> Result<(), String> {
    let name = &name.escape_debug().to_string();
    if !is_valid_tag(name) {
        return Err(format!(
            "folder name `{name}` cannot be used in an image tag; rename it using letters, digits, `_`, `.` and `-` (not starting with `.` or `-`)"
        ));
    }
    if repo.naming == NamingScheme::PerProject {
        let repository = format!("{}/{name}", repo.repository);
        if !is_valid_repository(&repository) {
            return Err(format!(
                "folder name `{name}` cannot be a repository name (`naming: per-project` makes `{repository}`); rename it using lowercase letters and digits, separated by single `.`, `_` or `-`"
            ));
        }
        if repository.len() > MAX_REPOSITORY_LEN {
            return Err(format!(
                "folder name `{name}` makes the repository path `{repository}` longer than {MAX_REPOSITORY_LEN} characters; shorten it"
            ));
        }
    }
    if name.len() + DATE_SHA_LEN + ARCH_SUFFIX_RESERVE > MAX_TAG_LEN {
        return Err(format!(
            "folder name `{name}` is too long: its tags would exceed {MAX_TAG_LEN} characters; shorten it to {} at most",
            MAX_TAG_LEN - DATE_SHA_LEN - ARCH_SUFFIX_RESERVE
        ));
    }
    Ok(())
}

/// Reads and validates `projects_dir/name/build-config.yaml`.
pub fn load_project(
    root: &Path,
    dir: &str,
    name: &str,
    repo: &RepoConfig,
) -> Result<ProjectConfig, Problems> {
    load_project_if_present(root, dir, name, repo)?.ok_or_else(|| {
        let rel = format!("{dir}/{name}/{PROJECT_CONFIG_FILE}");
        let mut p = FileProblems::new(&rel);
        p.add(
            0,
            0,
            "",
            crate::contract::limits::ReadError::NotFound.to_string(),
        );
        p.problems
    })
}

/// Like [`load_project`], but a folder without the config file is `Ok(None)`: it is
/// no project (any more). One read, no `stat` first.
pub fn load_project_if_present(
    root: &Path,
    dir: &str,
    name: &str,
    repo: &RepoConfig,
) -> Result<Option<ProjectConfig>, Problems> {
    let rel = format!("{dir}/{name}/{PROJECT_CONFIG_FILE}");
    match read_in(root, &rel, CONFIG_CAP) {
        Ok(text) => parse_project(name, &format!("{dir}/{name}"), &rel, &text, repo).map(Some),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => {
            let mut p = FileProblems::new(&rel);
            p.add(0, 0, "", e.to_string());
            Err(p.problems)
        }
    }
}

/// Parses and validates one project's config text; `file` is the path shown in errors.
pub fn parse_project(
    name: &str,
    path: &str,
    file: &str,
    text: &str,
    repo: &RepoConfig,
) -> Result<ProjectConfig, Problems> {
    let mut p = FileProblems::new(file);
    if let Err(why) = check_project_name(name, repo) {
        p.add(0, 0, "", why);
    }
    // The common shapes are read line by line; the parser reads the rest and words every error.
    let raw = match super::project_lines::read(text) {
        Some(raw) => raw,
        None => match yaml::parse::<Option<RawProjectConfig>>(text, &mut p) {
            Some(raw) => raw.unwrap_or_default(),
            None => return Err(p.problems),
        },
    };

    let upstream = match (&raw.upstream_repo, &raw.upstream_ref) {
        (Some(repo_url), Some(git_ref)) => {
            check_repo_url(repo_url, &mut p);
            if git_ref.value.trim().is_empty() || git_ref.value.contains(char::is_whitespace) {
                p.at(
                    git_ref,
                    "upstream_ref",
                    "must be a tag, branch or full commit sha without spaces",
                );
            }
            Some(UpstreamConfig {
                repo: repo_url.value.trim().to_string(),
                git_ref: git_ref.value.trim().to_string(),
            })
        }
        (Some(repo_url), None) => {
            check_repo_url(repo_url, &mut p);
            p.at(
                repo_url,
                "upstream_ref",
                "is required with `upstream_repo`; add the tag, branch or commit sha to build",
            );
            None
        }
        (None, Some(git_ref)) => {
            p.at(
                git_ref,
                "upstream_ref",
                "has no `upstream_repo`; add the repository URL or remove this key",
            );
            None
        }
        (None, None) => None,
    };

    let dockerfile = relative_setting(raw.dockerfile_path, "dockerfile_path", "Dockerfile", &mut p);
    let context = relative_setting(raw.context_path, "context_path", ".", &mut p);
    let target = raw.target.map(|t| {
        if t.value.trim().is_empty() || t.value.contains(char::is_whitespace) {
            p.at(
                &t,
                "target",
                "must be the name of a Dockerfile stage, without spaces",
            );
        }
        t.value
    });
    let build_args = build_args(raw.build_args.unwrap_or_default(), &mut p);
    let platforms = platforms(raw.platforms, repo, &mut p);
    let mut additional_tags: Vec<String> = Vec::new();
    let mut additional_tag_at: Vec<(u64, u64)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for tag in raw.additional_tags.unwrap_or_default() {
        // The tag as published: with the project prefix in one shared repository.
        let published = match repo.naming {
            NamingScheme::SingleRepository => format!("{name}-{}", tag.value),
            NamingScheme::PerProject => tag.value.clone(),
        };
        if tag.value.trim().is_empty() {
            p.at(
                &tag,
                "additional_tags",
                "is empty; write the tag or remove the item",
            );
        } else if !is_valid_tag(&published) {
            let shown = shown(&published);
            p.at(&tag, "additional_tags", format!("`{shown}` is not a valid OCI tag; use letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, at most {MAX_TAG_LEN} characters"));
        } else if !seen.insert(tag.value.clone()) {
            p.at(
                &tag,
                "additional_tags",
                format!("`{}` is listed twice; remove one", tag.value),
            );
        } else {
            additional_tag_at.push((tag.referenced.line(), tag.referenced.column()));
            additional_tags.push(tag.value);
        }
    }

    // Off, no plan looks for dependents: a declaration would be silently ignored.
    if !repo.dependencies
        && let Some(first) = raw.depends_on.as_ref().and_then(|list| list.first())
    {
        p.at(
            first,
            "depends_on",
            "needs `dependencies: true` in monoarch.yaml (then every plan reads every project's config to find the projects built on what changed)",
        );
    }
    let (depends_on, depends_on_at) =
        super::declared::depends_on(name, raw.depends_on, &build_args, &mut p);

    p.sort();
    p.problems.into_result(ProjectConfig {
        name: name.to_string(),
        path: path.to_string(),
        upstream,
        dockerfile,
        context,
        target,
        build_args,
        platforms,
        additional_tags,
        additional_tag_at,
        cache: raw.cache,
        depends_on,
        depends_on_at,
    })
}

fn check_repo_url(url: &Spanned<String>, p: &mut FileProblems) {
    let value = url.value.trim();
    if super::url::has_password(value) {
        // Never echoed: the message names the host only.
        let shown = super::url::redact_url(value);
        p.at(url, "upstream_repo", format!("`{shown}` holds a password; it would be copied into plan.json and logs, and everyone who can read this repository can read it: remove `user:password@` and set MONOARCH_GIT_TOKEN with MONOARCH_GIT_TOKEN_HOST (or use CI_JOB_TOKEN / GITHUB_TOKEN)"));
        return;
    }
    let known = ["https://", "http://", "ssh://", "git://", "file://", "git@"];
    if !known.iter().any(|prefix| value.starts_with(prefix)) || value.contains(char::is_whitespace)
    {
        p.at(url, "upstream_repo", format!("`{value}` is not a git URL; use https://host/org/repo (or ssh://, git@host:org/repo)"));
    }
}

fn build_args(raw: Vec<Spanned<RawBuildArg>>, p: &mut FileProblems) -> Vec<BuildArg> {
    let mut args: Vec<BuildArg> = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    for item in raw {
        let arg = match &item.value {
            RawBuildArg::Pair(pair) => match pair.split_once('=') {
                Some((name, value)) => BuildArg::Value {
                    name: name.to_string(),
                    value: value.to_string(),
                },
                None => {
                    p.at(&item, "build_args", format!("`{pair}` has no `=`; write `NAME=value`, or `{{name: {pair}, from_env: VARIABLE}}` to read it from the environment"));
                    continue;
                }
            },
            RawBuildArg::Map(map) => match (&map.value, &map.from_env) {
                (Some(_), None) if map.key.is_some() => {
                    p.at(&item, "build_args", format!("`{}`: `key` is for secret args read with `from_env`; a plain value enters the key as it is", map.name));
                    continue;
                }
                (Some(value), None) => BuildArg::Value {
                    name: map.name.clone(),
                    value: value.clone(),
                },
                (None, Some(var)) => {
                    let secret = map.secret.unwrap_or(true);
                    let key = match (map.key.as_deref(), secret) {
                        (None, _) => None,
                        (Some("name"), true) => Some(SecretInKey::Name),
                        (Some("hmac"), true) => Some(SecretInKey::Hmac),
                        (Some(_), false) => {
                            p.at(&item, "build_args", format!("`{}`: `key` is for secret args; a non-secret one enters the key by its value", map.name));
                            continue;
                        }
                        (Some(other), true) => {
                            p.at(&item, "build_args", format!("`{}`: unknown key mode `{other}`; use `name` (the value does not change the image) or `hmac` (it does: needs MONOARCH_KEY_SALT)", map.name));
                            continue;
                        }
                    };
                    BuildArg::FromEnv {
                        name: map.name.clone(),
                        from_env: var.clone(),
                        secret,
                        key,
                    }
                }
                _ => {
                    p.at(
                        &item,
                        "build_args",
                        format!("`{}` needs exactly one of `value` and `from_env`", map.name),
                    );
                    continue;
                }
            },
        };
        if !is_variable_name(arg.name()) {
            p.at(
                &item,
                "build_args",
                format!(
                    "`{}` is not a valid build argument name; use letters, digits and `_`",
                    arg.name()
                ),
            );
        } else if let BuildArg::FromEnv { from_env, .. } = &arg
            && !is_variable_name(from_env)
        {
            p.at(
                &item,
                "build_args",
                format!("`{from_env}` is not a valid environment variable name"),
            );
        } else if !names.insert(arg.name().to_string()) {
            p.at(
                &item,
                "build_args",
                format!("`{}` is set twice; keep one", arg.name()),
            );
        } else {
            args.push(arg);
        }
    }
    args
}

fn platforms(
    raw: Option<Vec<Spanned<String>>>,
    repo: &RepoConfig,
    p: &mut FileProblems,
) -> Vec<Platform> {
    match raw {
        None => repo.default_platforms.clone(),
        Some(list) => platform_list(&list, |platform| repo.runner(platform).is_some(), p),
    }
}
