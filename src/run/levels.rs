//! `run`'s order for projects built on projects: which projects of a level may
//! build (every base they share with the plan was published by this run), and
//! the check that a dependent was built on exactly those indexes.

use std::collections::BTreeMap;

use crate::build::BuildError;
use crate::contract::{BuildRecord, Plan, ProjectPlan};

/// The projects of `level`: those whose rebuilt bases this run published, and
/// the others, each with why it is skipped (its base failed: building it on the
/// base's old image would publish it against the wrong base).
pub fn split<'p>(
    plan: &'p Plan,
    level: u32,
    published: &BTreeMap<String, String>,
) -> (Vec<&'p ProjectPlan>, Vec<(&'p ProjectPlan, String)>) {
    let mut ready = Vec::new();
    let mut blocked = Vec::new();
    for project in plan.projects.iter().filter(|p| p.level == level) {
        let missing: Vec<&str> = project
            .bases
            .iter()
            .filter(|b| b.rebuilt && !published.contains_key(&b.project))
            .map(|b| b.project.as_str())
            .collect();
        if missing.is_empty() {
            ready.push(project);
        } else {
            blocked.push((
                project,
                format!(
                    "not built: its base {} was not published by this run (never built on the old one)",
                    missing.join(", ")
                ),
            ));
        }
    }
    (ready, blocked)
}

/// A dependent's record names, for each base rebuilt by this run, the index this
/// run published; a tag moved by someone else in between is an error.
pub fn check_bases(
    project: &ProjectPlan,
    record: &BuildRecord,
    published: &BTreeMap<String, String>,
) -> Result<(), BuildError> {
    for base in project.bases.iter().filter(|b| b.rebuilt) {
        let used = record.bases.iter().find(|b| b.project == base.project);
        let ours = published.get(&base.project);
        if used.map(|u| &u.digest) != ours {
            return Err(BuildError::Base {
                project: project.name.clone(),
                base: base.project.clone(),
                reference: base.tag.clone(),
                message: format!(
                    "built on {}, but this run published {}; the tag moved during the run (another pipeline?): run again",
                    used.map_or("nothing", |u| u.digest.as_str()),
                    ours.map_or("nothing", String::as_str)
                ),
            });
        }
    }
    Ok(())
}
