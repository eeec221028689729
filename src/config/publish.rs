//! `publish:` in `monoarch.yaml`: which branches publish, and what other branches do.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::glob::{build_set, parse_glob};
use super::problem::{FileProblems, Problem};
use crate::contract::shown;
use crate::env::Env;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPublish {
    branches: Option<Vec<Spanned<String>>>,
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
        // Checked as the plan will match them, so a glob that would panic
        // globset, or silently match nothing, is an error here.
        let check = |branch: &str| {
            parse_glob(branch).and_then(|glob| {
                build_set(&[glob])
                    .map(drop)
                    .map_err(|faults| faults.into_iter().map(|(_, why)| why).collect())
            })
        };
        let branches = match env.get("MONOARCH_PUBLISH_BRANCHES") {
            Some(list) => {
                let branches: Vec<String> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|b| !b.is_empty())
                    .map(str::to_string)
                    .collect();
                for branch in &branches {
                    if let Err(why) = check(branch) {
                        p.problems.push(Problem {
                            file: "MONOARCH_PUBLISH_BRANCHES".into(),
                            line: 0,
                            column: 0,
                            field: String::new(),
                            message: format!("`{}` {why}", shown(branch)),
                        });
                    }
                }
                branches
            }
            None => {
                let spanned = raw.branches.unwrap_or_default();
                for branch in &spanned {
                    if let Err(why) = check(&branch.value) {
                        let message = format!("`{}` {why}", shown(&branch.value));
                        p.at(branch, "publish.branches", message);
                    }
                }
                spanned.into_iter().map(|s| s.value).collect()
            }
        };
        PublishRule {
            branches,
            elsewhere,
        }
    }
}
