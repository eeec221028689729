//! Finding project folders: those under the projects folder that hold a `build-config.yaml`.

use std::path::Path;

use crate::config::PROJECT_CONFIG_FILE;

/// Every project name, sorted. A missing projects folder means no projects.
pub fn list_projects(root: &Path, projects_dir: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(projects_dir)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join(PROJECT_CONFIG_FILE).is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

pub fn project_exists(root: &Path, projects_dir: &str, name: &str) -> bool {
    root.join(projects_dir)
        .join(name)
        .join(PROJECT_CONFIG_FILE)
        .is_file()
}
