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
mod yaml;

pub use gitlab::{DEFAULT_BUILD_IMAGE, GitlabSettings};
pub use paths::check_relative;
pub use problem::{FileProblems, Problem, Problems};
pub use project::{
    PROJECT_CONFIG_FILE, ProjectConfig, UpstreamConfig, check_project_name, load_project,
    parse_project,
};
pub use publish::{Elsewhere, PublishRule};
pub use repo::{Globs, REPO_CONFIG_FILE, RepoConfig, Runner};
pub use suggest::closest;
pub use tag::{is_valid_repository, is_valid_tag};
pub use tekton::{TektonRunner, TektonSettings, Toleration};
