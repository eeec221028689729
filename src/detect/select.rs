//! From changed paths to projects: pure, so every rule tests without git.

use std::collections::BTreeMap;

use crate::config::RepoConfig;
use crate::contract::Reason;

/// How many files a reason lists before it only counts them.
pub const REASON_FILE_CAP: usize = 10;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSelection {
    /// Selected project names (sorted), each with why.
    pub projects: BTreeMap<String, Vec<Reason>>,
    /// Project folders with changes but no config any more: deleted or renamed away.
    pub removed: Vec<String>,
    /// Changed files that matched a rebuild-everything glob.
    pub global: Vec<String>,
    /// Changed files ignored by the ignore globs.
    pub ignored: usize,
}

/// Applies the ignore and rebuild-all globs and groups the rest by project folder.
/// `exists` says whether a project folder still has its config at HEAD;
/// `all_projects` lists every project, used only when a global trigger fires.
pub fn select_changes(
    paths: &[String],
    config: &RepoConfig,
    exists: impl Fn(&str) -> bool,
    all_projects: impl FnOnce() -> Vec<String>,
) -> ChangeSelection {
    let prefix = format!("{}/", config.projects_dir);
    let mut selection = ChangeSelection::default();
    let mut per_project: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in paths {
        if config.ignore.is_match(path) {
            selection.ignored += 1;
            continue;
        }
        if config.rebuild_all.is_match(path) {
            selection.global.push(path.clone());
            continue;
        }
        if let Some(rest) = path.strip_prefix(&prefix)
            && let Some((name, _)) = rest.split_once('/')
        {
            per_project
                .entry(name.to_string())
                .or_default()
                .push(path.clone());
        }
    }
    for (name, files) in per_project {
        if exists(&name) {
            selection
                .projects
                .insert(name, vec![reason("changed-files", files)]);
        } else {
            selection.removed.push(name);
        }
    }
    if !selection.global.is_empty() {
        let rule = reason("global-trigger", selection.global.clone());
        for name in all_projects() {
            selection
                .projects
                .entry(name)
                .or_default()
                .push(rule.clone());
        }
    }
    selection
}

/// A reason listing at most [`REASON_FILE_CAP`] files.
pub fn reason(rule: &str, mut files: Vec<String>) -> Reason {
    let more = files.len().saturating_sub(REASON_FILE_CAP);
    files.truncate(REASON_FILE_CAP);
    Reason {
        rule: rule.to_string(),
        files,
        more,
        base: None,
        text: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;

    fn config() -> RepoConfig {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("monoarch.yaml"),
            "ignore: ['**/*.md']\nrebuild_all: ['hack/**', 'monoarch.yaml']\n",
        )
        .expect("write config");
        RepoConfig::load(dir.path(), &Env::default()).expect("valid config")
    }

    fn paths(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn groups_by_project_and_ignores_docs() {
        let sel = select_changes(
            &paths(&[
                "projects/a/Dockerfile",
                "projects/a/src/x.c",
                "projects/b/README.md",
                "README.md",
            ]),
            &config(),
            |_| true,
            Vec::new,
        );
        assert_eq!(sel.projects.keys().collect::<Vec<_>>(), vec!["a"]);
        assert_eq!(sel.projects["a"][0].files.len(), 2);
        assert_eq!(sel.ignored, 2);
    }

    #[test]
    fn removed_projects_are_reported_not_selected() {
        let sel = select_changes(
            &paths(&["projects/gone/Dockerfile"]),
            &config(),
            |_| false,
            Vec::new,
        );
        assert!(sel.projects.is_empty());
        assert_eq!(sel.removed, vec!["gone"]);
    }

    #[test]
    fn global_trigger_selects_everything() {
        let sel = select_changes(
            &paths(&["hack/build.sh", "projects/a/x"]),
            &config(),
            |_| true,
            || vec!["a".to_string(), "b".to_string()],
        );
        assert_eq!(sel.projects.len(), 2);
        assert_eq!(
            sel.projects["a"].len(),
            2,
            "a keeps its own reason and gains the global one"
        );
        assert_eq!(sel.projects["b"][0].rule, "global-trigger");
    }

    #[test]
    fn caps_listed_files() {
        let many: Vec<String> = (0..25).map(|i| format!("projects/a/f{i:02}")).collect();
        let sel = select_changes(&many, &config(), |_| true, Vec::new);
        assert_eq!(sel.projects["a"][0].files.len(), REASON_FILE_CAP);
        assert_eq!(sel.projects["a"][0].more, 15);
    }
}
