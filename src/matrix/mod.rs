//! The matrix stage: CI job lists made from a plan (pure; the command writes them).

mod dirs;
mod github;
mod gitlab;
#[cfg(test)]
mod gitlab_tests;
mod tekton;

pub use dirs::dirs;
pub use github::github_matrices;
pub use gitlab::gitlab_pipeline;
pub use tekton::{TektonInput, tekton_pipelineruns};

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MatrixError {
    #[error(
        "project `{project}` builds {platform}, which has no GitHub runner; set `runners: {{ {arch}: {{ github: LABEL }} }}` in monoarch.yaml"
    )]
    NoGithubRunner {
        project: String,
        platform: String,
        arch: String,
    },
    #[error(
        "--max-jobs {max} is too small for {groups} runner groups; it must be at least {groups}"
    )]
    TooFewJobs { max: usize, groups: usize },
    #[error(
        "the {what} would be {bytes} bytes for {jobs} jobs, over its {max}-byte limit ({limit}); pass a lower --max-jobs, so that projects share jobs"
    )]
    TooLarge {
        what: &'static str,
        bytes: usize,
        max: usize,
        jobs: usize,
        limit: &'static str,
    },
    #[error(
        "project `{project}` is built from its own folder, so its Tekton build tasks clone the monorepo, but no clone URL is known; pass --source-url URL or set `source:` in monoarch.yaml"
    )]
    NoSourceUrl { project: String },
    #[error(
        "the plan has dependency levels, so its GitLab child pipeline needs one job per project and architecture and one per project ({needed}), over --max-jobs {max}; raise --max-jobs to {needed}, or publish the bases first (`--projects BASE`) and plan again"
    )]
    LevelsPacked { max: usize, needed: usize },
    #[error(
        "the plan has {needed} dependency levels ({chain}, each building on the next) and the GitHub workflow runs {have} (`monoarch matrix --levels {have}`): give .github/workflows/monoarch.yml a `build-level-N` and `manifest-level-N` job for every level up to {last} (copy the last pair, raising N in it, as ci-templates/github/workflows/monoarch.yml shows) and pass `--levels {needed}`; or publish the bases first (`--projects BASE`), then plan again", last = needed - 1
    )]
    TooManyLevels {
        needed: u32,
        have: u32,
        chain: String,
    },
}
