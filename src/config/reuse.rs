//! `reuse:` and `cache:` in `monoarch.yaml`: build keys and reuse of identical
//! builds, and the builders' registry layer cache. Both are off unless asked for.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::problem::FileProblems;
use crate::contract::Unchanged;
use crate::contract::is_valid_repository;

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawReuse {
    On(bool),
    Map(RawReuseMap),
}

/// Inside an untagged enum the YAML reader keeps no positions: problems
/// point at the `reuse:` value as a whole.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReuseMap {
    enabled: Option<bool>,
    builder: Option<String>,
    unchanged: Option<String>,
}

/// What `reuse:` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReuseConfig {
    pub enabled: bool,
    /// The builder the build jobs use (part of every key); `None`: the CI system's default.
    pub builder: Option<String>,
    pub unchanged: Unchanged,
}

impl Default for ReuseConfig {
    fn default() -> ReuseConfig {
        ReuseConfig {
            enabled: false,
            builder: None,
            unchanged: Unchanged::Retag,
        }
    }
}

pub(super) fn resolve_reuse(raw: Option<Spanned<RawReuse>>, p: &mut FileProblems) -> ReuseConfig {
    let Some(raw) = raw else {
        return ReuseConfig::default();
    };
    let map = match &raw.value {
        RawReuse::On(enabled) => {
            return ReuseConfig {
                enabled: *enabled,
                ..ReuseConfig::default()
            };
        }
        RawReuse::Map(map) => map,
    };
    let builder = map.builder.as_deref().and_then(|b| match b {
        "kaniko" | "buildah" | "buildkit" => Some(b.to_string()),
        other => {
            p.at(
                &raw,
                "reuse.builder",
                format!("unknown builder `{other}`; use `kaniko`, `buildah` or `buildkit`"),
            );
            None
        }
    });
    let unchanged = match map.unchanged.as_deref() {
        None => Unchanged::Retag,
        Some(value) => match value {
            "retag" => Unchanged::Retag,
            "skip" => Unchanged::Skip,
            other => {
                p.at(
                    &raw,
                    "reuse.unchanged",
                    format!("unknown value `{other}`; use `retag` (new date tags on the same images) or `skip` (nothing)"),
                );
                Unchanged::Retag
            }
        },
    };
    ReuseConfig {
        enabled: map.enabled.unwrap_or(true),
        builder,
        unchanged,
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawCache {
    On(bool),
    Map(RawCacheMap),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCacheMap {
    enabled: Option<bool>,
    repository: Option<String>,
}

/// What `cache:` asks for, repo-wide; a project's `cache:` overrides `enabled`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheConfig {
    pub enabled: bool,
    /// Repository for cache layers; `None`: `{repository}/cache` next to the images.
    pub repository: Option<String>,
}

pub(super) fn resolve_cache(raw: Option<Spanned<RawCache>>, p: &mut FileProblems) -> CacheConfig {
    let Some(raw) = raw else {
        return CacheConfig::default();
    };
    match &raw.value {
        RawCache::On(enabled) => CacheConfig {
            enabled: *enabled,
            repository: None,
        },
        RawCache::Map(map) => {
            let repository = map.repository.as_ref().and_then(|r| {
                if is_valid_repository(r) {
                    Some(r.clone())
                } else {
                    p.at(&raw, "cache.repository", format!("`{r}` is not a valid repository name; use lowercase letters, digits and `._-/`"));
                    None
                }
            });
            CacheConfig {
                enabled: map.enabled.unwrap_or(true),
                repository,
            }
        }
    }
}

impl CacheConfig {
    /// The cache repository for a project whose images go to `repository`, if
    /// the cache is on for it (`project` is the project's own `cache:`).
    pub fn repository_for(&self, repository: &str, project: Option<bool>) -> Option<String> {
        project.unwrap_or(self.enabled).then(|| {
            self.repository
                .clone()
                .unwrap_or_else(|| format!("{repository}/cache"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reuse(yaml: &str) -> (ReuseConfig, FileProblems) {
        let mut p = FileProblems::new("monoarch.yaml");
        let raw: Spanned<RawReuse> = serde_saphyr::from_str(yaml).expect("parses");
        (resolve_reuse(Some(raw), &mut p), p)
    }

    #[test]
    fn reuse_defaults_off_and_accepts_a_shorthand() {
        assert!(!ReuseConfig::default().enabled);
        assert!(reuse("true").0.enabled);
        let (config, p) = reuse("builder: kaniko\nunchanged: skip\n");
        assert_eq!(
            config,
            ReuseConfig {
                enabled: true,
                builder: Some("kaniko".into()),
                unchanged: Unchanged::Skip
            }
        );
        assert!(p.problems.is_empty());
        let (_, p) = reuse("builder: podman\nunchanged: never\n");
        let text = p.problems.to_string();
        assert!(
            text.contains("reuse.builder: unknown builder `podman`"),
            "{text}"
        );
        assert!(
            text.contains("reuse.unchanged: unknown value `never`"),
            "{text}"
        );
    }

    #[test]
    fn cache_repository_per_project() {
        let on = CacheConfig {
            enabled: true,
            repository: None,
        };
        assert_eq!(
            on.repository_for("team/app", None).as_deref(),
            Some("team/app/cache")
        );
        assert_eq!(on.repository_for("team/app", Some(false)), None);
        let off = CacheConfig::default();
        assert_eq!(off.repository_for("r", None), None);
        assert_eq!(
            off.repository_for("r", Some(true)).as_deref(),
            Some("r/cache")
        );
    }
}
