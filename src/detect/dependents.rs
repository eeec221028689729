//! Projects built on selected projects: a change to a base selects every project
//! that builds on it, directly or not, each with the chain that explains why.

use std::collections::{BTreeMap, VecDeque};

use crate::contract::Reason;

/// Adds to `selected` every project that depends on a selected one, transitively.
/// `bases` maps each project of the repository to the projects it builds on.
/// A project already selected for its own reason gains the dependency reason too.
pub fn add_dependents(
    selected: &mut BTreeMap<String, Vec<Reason>>,
    bases: &BTreeMap<String, Vec<String>>,
) {
    let mut dependents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (project, on) in bases {
        for base in on {
            dependents.entry(base).or_default().push(project);
        }
    }
    // Breadth first from the selected projects, so each dependent's reason names
    // the shortest chain to a project selected for its own reason.
    let roots: Vec<String> = selected.keys().cloned().collect();
    let mut why: BTreeMap<String, String> = roots
        .iter()
        .map(|r| (r.clone(), format!("{r}, {}", root_phrase(&selected[r]))))
        .collect();
    let mut queue: VecDeque<String> = roots.into_iter().collect();
    while let Some(base) = queue.pop_front() {
        for &dependent in dependents.get(base.as_str()).into_iter().flatten() {
            let chain = why[&base].clone();
            let entry = selected.entry(dependent.to_string()).or_default();
            if entry.iter().any(|r| r.rule == DEPENDS_ON) {
                continue;
            }
            entry.push(Reason {
                rule: DEPENDS_ON.to_string(),
                files: Vec::new(),
                more: 0,
                base: Some(base.clone()),
                text: Some(format!("depends on {chain}")),
            });
            if !why.contains_key(dependent) {
                why.insert(
                    dependent.to_string(),
                    format!("{dependent}, which depends on {chain}"),
                );
                queue.push_back(dependent.to_string());
            }
        }
    }
}

/// The rule of a reason added here.
const DEPENDS_ON: &str = "depends-on";

/// How a project selected for its own reason is described at the end of a chain.
fn root_phrase(reasons: &[Reason]) -> &'static str {
    let rules = |rule: &str| reasons.iter().any(|r| r.rule == rule);
    if rules("changed-files") {
        "which changed"
    } else if rules("schedule") {
        "which is scheduled"
    } else if rules("named") {
        "which is named"
    } else {
        "which is rebuilt"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::reason;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        edges
            .iter()
            .map(|(p, on)| (p.to_string(), on.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn texts(selected: &BTreeMap<String, Vec<Reason>>) -> Vec<String> {
        selected
            .iter()
            .flat_map(|(name, reasons)| {
                reasons.iter().map(move |r| match &r.text {
                    Some(t) => format!("{name}: {t}"),
                    None => format!("{name}: {}", r.rule),
                })
            })
            .collect()
    }

    #[test]
    fn a_change_at_the_root_selects_every_level_with_the_chain() {
        // python-base <- app-base <- web; python-base <- worker; diamond: top on web and worker.
        let bases = graph(&[
            ("python-base", &[]),
            ("app-base", &["python-base"]),
            ("web", &["app-base"]),
            ("worker", &["python-base"]),
            ("top", &["web", "worker"]),
            ("other", &[]),
        ]);
        let mut selected = BTreeMap::from([(
            "python-base".to_string(),
            vec![reason(
                "changed-files",
                vec!["projects/python-base/Dockerfile".into()],
            )],
        )]);
        add_dependents(&mut selected, &bases);
        assert_eq!(
            texts(&selected),
            [
                "app-base: depends on python-base, which changed",
                "python-base: changed-files",
                "top: depends on worker, which depends on python-base, which changed",
                "web: depends on app-base, which depends on python-base, which changed",
                "worker: depends on python-base, which changed",
            ]
        );
    }

    #[test]
    fn a_change_at_a_leaf_selects_the_leaf_only() {
        let bases = graph(&[("base", &[]), ("leaf", &["base"])]);
        let mut selected =
            BTreeMap::from([("leaf".to_string(), vec![reason("changed-files", vec![])])]);
        add_dependents(&mut selected, &bases);
        assert_eq!(texts(&selected), ["leaf: changed-files"]);
    }

    #[test]
    fn a_selected_dependent_keeps_its_reason_and_gains_the_base() {
        let bases = graph(&[("base", &[]), ("app", &["base"])]);
        let mut selected = BTreeMap::from([
            ("base".to_string(), vec![reason("schedule", vec![])]),
            ("app".to_string(), vec![reason("changed-files", vec![])]),
        ]);
        add_dependents(&mut selected, &bases);
        assert_eq!(
            texts(&selected),
            [
                "app: changed-files",
                "app: depends on base, which is scheduled",
                "base: schedule"
            ]
        );
    }
}
