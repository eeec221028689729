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

/// Every folder under the projects folder, sorted, from the folder listing alone
/// (no `stat` per entry): the candidates a run that selects every project reads
/// the config of; a folder without one is no project.
pub fn list_folders(root: &Path, projects_dir: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(projects_dir)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| match e.file_type() {
            Ok(t) if t.is_symlink() => e.path().is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => false,
        })
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}
