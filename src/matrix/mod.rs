//! The matrix stage: CI job lists made from a plan (pure; the command writes them).

mod dirs;
mod github;
mod gitlab;
#[cfg(test)]
mod gitlab_tests;
mod tekton;
#[cfg(test)]
mod test_plans;

pub use dirs::dirs;
pub use github::github_matrix;
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
}
