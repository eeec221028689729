//! `--format dirs`: the selected project folders, one per line (the `dirs.txt` of older scripts).

use crate::contract::Plan;

pub fn dirs(plan: &Plan) -> String {
    plan.projects
        .iter()
        // One line per folder: a name with a line break is escaped, never split.
        .map(|p| format!("{}\n", crate::ci::escape::text(&p.path)))
        .collect()
}
