//! Configuration: `monoarch.yaml` at the root, `build-config.yaml` per project.

mod build_arg;
mod glob;
mod paths;
mod problem;
mod project;
mod repo;
mod suggest;
mod tekton;
mod yaml;

pub use crate::contract::shown;
pub use crate::contract::{is_valid_repository, is_valid_tag};
pub use glob::{Globs, MAX_BRACE_DEPTH, MAX_GLOB_LEN, build_set, parse_glob};
pub use paths::check_relative;
pub use problem::{FileProblems, Problem, Problems};
pub use project::{
    PROJECT_CONFIG_FILE, ProjectConfig, UpstreamConfig, check_project_name, load_project,
    parse_project,
};
pub use repo::{GitlabSettings, REPO_CONFIG_FILE, RepoConfig, Runner};
pub use suggest::closest;
pub use tekton::{TektonRunner, TektonSettings, Toleration};
