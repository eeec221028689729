//! Finding project folders: those under the projects folder that hold a `build-config.yaml`.

use std::ffi::OsString;
use std::path::Path;

use crate::config::{FileProblems, PROJECT_CONFIG_FILE, Problems, REPO_CONFIG_FILE};

/// A name in the projects folder that is not UTF-8 is named, never skipped:
/// skipping it would leave that project out of every selection, silently.
/// (`RepoConfig::load` has already checked that the folder can be listed.)
pub fn not_utf8(projects_dir: &str, name: &str) -> Problems {
    let mut p = FileProblems::new(REPO_CONFIG_FILE);
    p.add(
        0,
        0,
        "projects_dir",
        format!(
            "`{projects_dir}` holds `{name}`, whose name is not UTF-8 text; rename it (project names are lowercase letters, digits, `.`, `_` and `-`)"
        ),
    );
    p.problems
}

/// The entry names as text, or the problem of the first that is not.
fn names(projects_dir: &str, raw: Vec<OsString>) -> Result<Vec<String>, Problems> {
    let mut names = Vec::with_capacity(raw.len());
    for name in raw {
        match name.into_string() {
            Ok(name) => names.push(name),
            Err(name) => return Err(not_utf8(projects_dir, &name.to_string_lossy())),
        }
    }
    names.sort();
    Ok(names)
}

/// Every project name, sorted. A missing projects folder means no projects.
pub fn list_projects(root: &Path, projects_dir: &str) -> Result<Vec<String>, Problems> {
    let Ok(entries) = std::fs::read_dir(root.join(projects_dir)) else {
        return Ok(Vec::new());
    };
    let raw = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join(PROJECT_CONFIG_FILE).is_file())
        .map(|e| e.file_name())
        .collect();
    names(projects_dir, raw)
}

/// Every folder under the projects folder, sorted, from the folder listing alone
/// (no `stat` per entry): the candidates a run that selects every project reads
/// the config of; a folder without one is no project.
pub fn list_folders(root: &Path, projects_dir: &str) -> Result<Vec<String>, Problems> {
    let Ok(entries) = std::fs::read_dir(root.join(projects_dir)) else {
        return Ok(Vec::new());
    };
    let raw = entries
        .filter_map(Result::ok)
        .filter(|e| match e.file_type() {
            Ok(t) if t.is_symlink() => e.path().is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => false,
        })
        .map(|e| e.file_name())
        .collect();
    names(projects_dir, raw)
}
