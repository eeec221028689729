//! Configuration: `monoarch.yaml` at the root, `build-config.yaml` per project.

mod build_arg;
mod declared;
mod depends;
mod gitlab;
mod glob;
mod paths;
mod platforms;
mod problem;
mod project;
mod project_lines;
mod publish;
mod repo;
mod reuse;
mod suggest;
mod tekton;
pub(crate) mod url;
mod yaml;

pub use crate::contract::shown;
pub use declared::read_declared;
pub use depends::{Declared, base_arg, check_graph, project_of_image};
pub use gitlab::GitlabSettings;
pub use glob::{build_set, parse_glob};
pub use platforms::Runner;
pub use problem::{FileProblems, Problem, Problems};
#[cfg(test)]
pub use project::parse_project;
pub use project::{PROJECT_CONFIG_FILE, ProjectConfig, load_project, load_project_if_present};
#[cfg(test)]
pub(crate) use project_lines::agrees as project_lines_agree;
pub use publish::{Elsewhere, PublishRule};
pub use repo::{REPO_CONFIG_FILE, RepoConfig};
pub use suggest::closest;
#[cfg(test)]
pub use tekton::TektonRunner;
pub use tekton::{TektonSettings, Toleration};
