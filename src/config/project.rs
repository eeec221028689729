//! `projects/<name>/build-config.yaml`: how one image is built.

use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::paths::relative_setting;
use super::problem::{FileProblems, Problems};
use super::repo::{RepoConfig, unknown_platform};
use super::tag::{MAX_TAG_LEN, is_valid_tag};
use super::yaml;
use crate::contract::{BuildArg, Platform};

pub const PROJECT_CONFIG_FILE: &str = "build-config.yaml";

/// The longest arch suffix in the platform table (`-riscv64`), reserved in tag lengths.
const ARCH_SUFFIX_RESERVE: usize = 8;
/// `-YYYYMMDD-sha7`.
const DATE_SHA_LEN: usize = 17;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProjectConfig {
    upstream_repo: Option<Spanned<String>>,
    upstream_ref: Option<Spanned<String>>,
    dockerfile_path: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    context_path: Option<Spanned<String>>,
    build_args: Option<Vec<Spanned<RawBuildArg>>>,
    platforms: Option<Vec<Spanned<String>>>,
    additional_tags: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawBuildArg {
    Pair(String),
    Map(RawBuildArgMap),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuildArgMap {
    name: String,
    value: Option<String>,
    from_env: Option<String>,
    secret: Option<bool>,
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
}

/// Validates a project folder name: it becomes part of image tags.
pub fn check_project_name(name: &str) -> Result<(), String> {
    if !is_valid_tag(name) {
        return Err(format!(
            "folder name `{name}` cannot be used in an image tag; rename it using letters, digits, `_`, `.` and `-` (not starting with `.` or `-`)"
        ));
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
    let rel = format!("{dir}/{name}/{PROJECT_CONFIG_FILE}");
    match std::fs::read_to_string(root.join(&rel)) {
        Ok(text) => parse_project(name, &format!("{dir}/{name}"), &rel, &text, repo),
        Err(e) => {
            let mut p = FileProblems::new(&rel);
            p.add(0, 0, "", format!("cannot read: {e}"));
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
    if let Err(why) = check_project_name(name) {
        p.add(0, 0, "", why);
    }
    let Some(raw) = yaml::parse::<Option<RawProjectConfig>>(text, &mut p) else {
        return Err(p.problems);
    };
    let raw = raw.unwrap_or_default();

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
    for tag in raw.additional_tags.unwrap_or_default() {
        let expanded = format!("{name}-{}", tag.value);
        if !is_valid_tag(&expanded) {
            p.at(&tag, "additional_tags", format!("`{expanded}` is not a valid OCI tag; use letters, digits, `_`, `.` and `-`, at most {MAX_TAG_LEN} characters"));
        } else if additional_tags.contains(&tag.value) {
            p.at(
                &tag,
                "additional_tags",
                format!("`{}` is listed twice; remove one", tag.value),
            );
        } else {
            additional_tags.push(tag.value);
        }
    }

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

fn is_arg_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn build_args(raw: Vec<Spanned<RawBuildArg>>, p: &mut FileProblems) -> Vec<BuildArg> {
    let mut args: Vec<BuildArg> = Vec::new();
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
                (Some(value), None) => BuildArg::Value {
                    name: map.name.clone(),
                    value: value.clone(),
                },
                (None, Some(var)) => BuildArg::FromEnv {
                    name: map.name.clone(),
                    from_env: var.clone(),
                    secret: map.secret.unwrap_or(true),
                },
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
        if !is_arg_name(arg.name()) {
            p.at(
                &item,
                "build_args",
                format!(
                    "`{}` is not a valid build argument name; use letters, digits and `_`",
                    arg.name()
                ),
            );
        } else if let BuildArg::FromEnv { from_env, .. } = &arg
            && !is_arg_name(from_env)
        {
            p.at(
                &item,
                "build_args",
                format!("`{from_env}` is not a valid environment variable name"),
            );
        } else if args.iter().any(|a| a.name() == arg.name()) {
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
    let Some(list) = raw else {
        return repo.default_platforms.clone();
    };
    if list.is_empty() {
        p.add(
            0,
            0,
            "platforms",
            "is empty; list at least one platform or remove the key for the default",
        );
    }
    let mut platforms: Vec<Platform> = Vec::new();
    for item in list {
        match Platform::parse(&item.value) {
            None => p.at(&item, "platforms", unknown_platform(&item.value)),
            Some(platform) if platforms.contains(&platform) => {
                p.at(&item, "platforms", format!("`{}` is listed twice (as `{platform}`); remove one", item.value));
            }
            Some(platform) if repo.runner(platform).is_none() => p.at(
                &item,
                "platforms",
                format!("`{platform}` has no runner configured; add `runners: {{ {}: {{ github: LABEL, gitlab_tags: [TAG] }} }}` to monoarch.yaml", platform.arch()),
            ),
            Some(platform) => platforms.push(platform),
        }
    }
    platforms
}
