//! Platforms and where their jobs run: the `runners:` of `monoarch.yaml`
//! over the platform table's defaults, and the check of a `platforms:` list
//! that both config files share.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::problem::FileProblems;
use super::tekton::{RawTektonRunner, TektonRunner};
use crate::contract::{PLATFORMS, Platform};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRunner {
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

/// A `platforms:` list, in either config file: each known, listed once, and
/// with a runner to run on.
pub(super) fn platform_list(
    list: &[Spanned<String>],
    has_runner: impl Fn(Platform) -> bool,
    p: &mut FileProblems,
) -> Vec<Platform> {
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
            None => p.at(item, "platforms", unknown_platform(&item.value)),
            Some(platform) if platforms.contains(&platform) => p.at(
                item,
                "platforms",
                format!(
                    "`{}` is listed twice (as `{platform}`); remove one",
                    item.value
                ),
            ),
            Some(platform) if !has_runner(platform) => p.at(item, "platforms", no_runner(platform)),
            Some(platform) => platforms.push(platform),
        }
    }
    platforms
}

/// A platform no job could run on: the same words for both config files.
pub fn no_runner(platform: Platform) -> String {
    format!(
        "`{platform}` has no runner configured; add `runners: {{ {}: {{ github: LABEL, gitlab_tags: [TAG] }} }}` to monoarch.yaml",
        platform.arch()
    )
}

pub fn unknown_platform(value: &str) -> String {
    format!(
        "unknown platform `{value}`; known platforms: {}",
        Platform::known().join(", ")
    )
}

pub(super) fn runners(
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
