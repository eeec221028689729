//! `publish:` in `monoarch.yaml`: which branches publish, and what other branches do.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::problem::FileProblems;
use crate::env::Env;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPublish {
    branches: Option<Vec<String>>,
    elsewhere: Option<Spanned<String>>,
}

/// What a run on a branch that may not publish does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Elsewhere {
    /// Plan and preview only: no job is built.
    #[default]
    Preview,
    /// Build and publish the date-sha tags only; no additional or floating tag moves.
    DateSha,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishRule {
    /// Branch globs that publish every tag; empty = the default branch.
    pub branches: Vec<String>,
    pub elsewhere: Elsewhere,
}

impl PublishRule {
    /// `MONOARCH_PUBLISH_BRANCHES` (comma-separated, e.g. from a CI/CD component input)
    /// wins over the file.
    pub(super) fn resolve(raw: Option<RawPublish>, env: &Env, p: &mut FileProblems) -> Self {
        let raw = raw.unwrap_or_default();
        let elsewhere = match &raw.elsewhere {
            None => Elsewhere::Preview,
            Some(s) => match s.value.as_str() {
                "preview" => Elsewhere::Preview,
                "date-sha" => Elsewhere::DateSha,
                other => {
                    p.at(
                        s,
                        "publish.elsewhere",
                        format!("unknown value `{other}`; use `preview` or `date-sha`"),
                    );
                    Elsewhere::Preview
                }
            },
        };
        let branches = match env.get("MONOARCH_PUBLISH_BRANCHES") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_string)
                .collect(),
            None => raw.branches.unwrap_or_default(),
        };
        for branch in &branches {
            if let Err(e) = globset::Glob::new(branch) {
                p.add(
                    0,
                    0,
                    "publish.branches",
                    format!("invalid branch glob `{branch}`: {}", e.kind()),
                );
            }
        }
        PublishRule {
            branches,
            elsewhere,
        }
    }
}
