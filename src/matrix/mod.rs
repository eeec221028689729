//! The matrix stage: CI job lists made from a plan (pure; the command writes them).

mod dirs;
mod github;
mod gitlab;
mod tekton;

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
        "project `{project}` is built from its own folder, so its Tekton build tasks clone the monorepo, but no clone URL is known; pass --source-url URL or set `source:` in monoarch.yaml"
    )]
    NoSourceUrl { project: String },
}
