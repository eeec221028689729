//! Configuration: `monoarch.yaml` at the root, `build-config.yaml` per project.

mod gitlab;
mod paths;
mod problem;
mod project;
mod publish;
mod repo;
mod suggest;
mod tag;
mod tekton;
pub(crate) mod url;
mod yaml;

pub use gitlab::GitlabSettings;
pub use problem::{FileProblems, Problems};
pub use project::{PROJECT_CONFIG_FILE, ProjectConfig, load_project};
pub use publish::{Elsewhere, PublishRule};
pub use repo::{REPO_CONFIG_FILE, RepoConfig, Runner};
pub use suggest::closest;
#[cfg(test)]
pub use tekton::TektonRunner;
pub use tekton::{TektonSettings, Toleration};
