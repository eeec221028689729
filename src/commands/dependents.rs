//! The plan's part of `depends_on:`: every project's declared bases are read
//! (leniently), the graph is checked, and a selected project brings the
//! projects built on it; then each dependent learns which image of each base it uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::load_projects::{Known, load_projects};
use crate::config::{
    Declared, Problems, ProjectConfig, RepoConfig, check_graph, load_project, read_declared,
};
use crate::contract::{Plan, ProjectPlan, Reason, SelectionMode};
use crate::detect;
use crate::plan::{link_bases, project_plan};

/// Selected projects with their reasons.
type Selected = Vec<(ProjectConfig, Vec<Reason>)>;

/// Adds the dependents of the selected projects (not for `--projects` without
/// `--with-dependents`), and checks the dependency graph the plan relies on.
/// Returns the selection and the declared bases of its projects.
pub fn add_dependents(
    root: &Path,
    repo: &RepoConfig,
    mode: SelectionMode,
    with_dependents: bool,
    mut projects: Selected,
    removed: &[String],
) -> Result<(Selected, Vec<Declared>), Problems> {
    if !repo.dependencies {
        // No project may declare a base (each config says so when read): nothing to follow.
        return Ok((projects, Vec::new()));
    }
    if projects.is_empty() {
        // Nothing selected: no dependents to find, and no graph problem is the
        // plan's (only its projects' are): the other configs are not read.
        return Ok((projects, Vec::new()));
    }
    let dir = &repo.projects_dir;
    let selected: BTreeMap<&str, &ProjectConfig> =
        projects.iter().map(|(c, _)| (c.name.as_str(), c)).collect();
    // `--all` has read every folder's config already: the others hold none.
    let others: Vec<String> = match mode {
        SelectionMode::All => Vec::new(),
        _ => detect::list_folders(root, dir)?
            .into_iter()
            .filter(|name| !selected.contains_key(name.as_str()))
            .collect(),
    };
    let mut declared: Vec<Declared> = read_declared(root, dir, &others)?;
    declared.extend(selected.values().map(|config| Declared::of(config)));
    declared.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<String> = declared.iter().map(|d| d.name.clone()).collect();
    let mut problems = Problems::default();

    let follow = match mode {
        SelectionMode::Named => with_dependents,
        SelectionMode::Changes | SelectionMode::Schedule => true,
        SelectionMode::All => false,
    };
    if follow {
        let mut reasons: BTreeMap<String, Vec<Reason>> = projects
            .iter()
            .map(|(c, r)| (c.name.clone(), r.clone()))
            .collect();
        let bases: BTreeMap<String, Vec<String>> = declared
            .iter()
            .map(|d| {
                (
                    d.name.clone(),
                    d.bases.iter().map(|(b, _)| b.clone()).collect(),
                )
            })
            .collect();
        detect::add_dependents(&mut reasons, &bases);
        let before: BTreeSet<String> = projects.iter().map(|(c, _)| c.name.clone()).collect();
        for (config, own) in &mut projects {
            if let Some(all) = reasons.remove(&config.name) {
                *own = all;
            }
        }
        let new: Vec<(String, Vec<Reason>)> = reasons
            .into_iter()
            .filter(|(name, _)| !before.contains(name))
            .collect();
        for (_, reasons, config) in load_projects(root, dir, new, repo, Known::default()) {
            match config {
                Ok(Some(config)) => projects.push((config, reasons)),
                Ok(None) => {}
                Err(p) => problems.extend(p),
            }
        }
    }

    // Only the plan's projects' graph problems stop it: others are `validate`'s.
    let files: BTreeSet<String> = projects.iter().map(|(c, _)| Declared::of(c).file).collect();
    let graph = check_graph(&declared, &names, removed);
    problems.0.extend(
        graph
            .0
            .into_iter()
            .filter(|p| files.contains(&p.file.display().to_string())),
    );
    let own: Vec<Declared> = projects.iter().map(|(c, _)| Declared::of(c)).collect();
    problems.into_result((projects, own))
}

/// Fills the plan's `bases` and levels: bases the plan does not rebuild are
/// read as a plan would make them, for the tag that names their last index.
pub fn link(
    plan: &mut Plan,
    root: &Path,
    repo: &RepoConfig,
    declared: &[Declared],
) -> Result<(), Problems> {
    let inside: BTreeSet<&str> = plan.projects.iter().map(|p| p.name.as_str()).collect();
    let wanted: BTreeSet<&str> = declared
        .iter()
        .flat_map(|d| d.bases.iter().map(|(b, _)| b.as_str()))
        .filter(|b| !inside.contains(b))
        .collect();
    let mut problems = Problems::default();
    let mut outside: Vec<ProjectPlan> = Vec::new();
    for name in wanted {
        match load_project(root, &repo.projects_dir, name, repo) {
            Ok(config) => outside.push(project_plan(
                config,
                Vec::new(),
                repo,
                &plan.date,
                &plan.sha7,
            )),
            Err(p) => problems.extend(p),
        }
    }
    problems.extend(link_bases(&mut plan.projects, declared, &outside));
    problems.into_result(())
}
