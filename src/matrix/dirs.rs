//! `--format dirs`: the selected project folders, one per line (the `dirs.txt` of older scripts).

use crate::contract::Plan;

pub fn dirs(plan: &Plan) -> String {
    plan.projects
        .iter()
        .map(|p| format!("{}\n", p.path))
        .collect()
}
