//! Projects built on projects: which image of each base a build uses, and the
//! dependency levels (a project in the plan builds after its bases in the plan).

use std::collections::BTreeMap;

use crate::config::{Declared, FileProblems, Problems, base_arg};
use crate::contract::{BasePlan, ProjectPlan};

use super::assemble::is_floating;

/// Fills each project's `bases` and `level`. `declared` holds the `depends_on`
/// of (at least) the plan's projects; `outside` the bases the plan does not
/// build, as a plan would make them: a dependent uses the index their reuse tag
/// or first floating tag names. A base with neither cannot be pinned: a problem.
pub fn link(
    projects: &mut [ProjectPlan],
    declared: &[Declared],
    outside: &[ProjectPlan],
) -> Problems {
    let declared: BTreeMap<&str, &Declared> =
        declared.iter().map(|d| (d.name.as_str(), d)).collect();
    let inside: BTreeMap<String, (String, String)> = projects
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                (p.repository.clone(), p.primary_tag().to_string()),
            )
        })
        .collect();
    let mut problems = Problems::default();
    for project in projects.iter_mut() {
        let Some(own) = declared.get(project.name.as_str()) else {
            continue;
        };
        let mut p = FileProblems::new(&own.file);
        for (base, (line, column)) in &own.bases {
            let pinned = match inside.get(base) {
                Some((repository, tag)) => Some((repository.clone(), tag.clone(), true)),
                None => outside.iter().find(|o| &o.name == base).and_then(|o| {
                    let tag = o.last_tag.clone().or_else(|| floating_tag(o))?;
                    Some((o.repository.clone(), tag, false))
                }),
            };
            match pinned {
                Some((repository, tag, rebuilt)) => project.bases.push(BasePlan {
                    project: base.clone(),
                    arg: base_arg(base),
                    repository,
                    tag,
                    rebuilt,
                }),
                None => p.add(*line, *column, "depends_on", format!("`{base}` is not rebuilt by this plan and has no tag that always names its last published image; give it a floating tag (`additional_tags: [latest]`) or turn on `reuse:`, or select it too")),
            }
        }
        problems.extend(p.problems);
    }
    assign_levels(projects);
    problems
}

/// The first floating tag of a project's index (as written, before the
/// project prefix of one shared repository: `svc-0009-latest` floats).
fn floating_tag(project: &ProjectPlan) -> Option<String> {
    let prefix = format!("{}-", project.name);
    project
        .tags
        .iter()
        .skip(1)
        .find(|t| is_floating(t.strip_prefix(&prefix).unwrap_or(t)))
        .cloned()
}

/// Sets each project's `level`: one more than the highest level among its bases
/// in the plan. Configs were checked for cycles; on a cycle (a hand-made plan)
/// this stops after one pass per project rather than looping.
fn assign_levels(projects: &mut [ProjectPlan]) {
    let index: BTreeMap<&str, usize> = projects
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    let bases: Vec<Vec<usize>> = projects
        .iter()
        .map(|p| {
            p.bases
                .iter()
                .filter(|b| b.rebuilt)
                .filter_map(|b| index.get(b.project.as_str()).copied())
                .collect()
        })
        .collect();
    let mut levels = vec![0u32; projects.len()];
    for _ in 0..projects.len() {
        let mut moved = false;
        for (i, on) in bases.iter().enumerate() {
            let level = on.iter().map(|&b| levels[b] + 1).max().unwrap_or(0);
            if level > levels[i] {
                levels[i] = level;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    for (project, level) in projects.iter_mut().zip(levels) {
        project.level = level;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(name: &str, tags: &[&str]) -> ProjectPlan {
        let mut all = vec![format!("{name}-20261120-abc1234")];
        all.extend(tags.iter().map(|t| format!("{name}-{t}")));
        serde_json::from_value(serde_json::json!({
            "name": name, "path": format!("projects/{name}"), "reasons": [],
            "dockerfile": "Dockerfile", "context": ".", "repository": "images",
            "tags": all, "jobs": [],
        }))
        .expect("a project plan")
    }

    fn declared(name: &str, bases: &[&str]) -> Declared {
        Declared {
            name: name.to_string(),
            file: format!("projects/{name}/build-config.yaml"),
            bases: bases.iter().map(|b| (b.to_string(), (1, 14))).collect(),
        }
    }

    #[test]
    fn levels_of_a_chain_and_a_diamond() {
        // root <- mid <- leaf; root <- left, right <- top (on left and right).
        let names = ["leaf", "left", "mid", "right", "root", "top"];
        let mut projects: Vec<ProjectPlan> = names.iter().map(|n| project(n, &[])).collect();
        let declared = [
            declared("mid", &["root"]),
            declared("leaf", &["mid"]),
            declared("left", &["root"]),
            declared("right", &["root"]),
            declared("top", &["left", "right"]),
        ];
        assert!(link(&mut projects, &declared, &[]).is_empty());
        let levels: Vec<(&str, u32)> = projects
            .iter()
            .map(|p| (p.name.as_str(), p.level))
            .collect();
        assert_eq!(
            levels,
            [
                ("leaf", 2),
                ("left", 1),
                ("mid", 1),
                ("right", 1),
                ("root", 0),
                ("top", 2)
            ]
        );
        let top = &projects[5];
        assert_eq!(top.bases[0].arg, "MONOARCH_BASE_LEFT");
        assert_eq!(
            top.bases[0].tag, "left-20261120-abc1234",
            "this plan's index"
        );
        assert!(top.bases.iter().all(|b| b.rebuilt));
    }

    #[test]
    fn a_base_not_rebuilt_is_used_by_its_floating_tag_or_refused() {
        let mut projects = vec![project("app", &[]), project("tool", &[])];
        let outside = [
            project("base-9", &["v1", "latest"]),
            project("fixed", &["v2"]),
        ];
        let declared = [declared("app", &["base-9"]), declared("tool", &["fixed"])];
        let problems = link(&mut projects, &declared, &outside);
        assert_eq!(
            projects[0].bases[0].tag, "base-9-latest",
            "a digit in the name is no version"
        );
        assert!(!projects[0].bases[0].rebuilt);
        assert_eq!(projects[0].level, 0, "nothing in this plan to wait for");
        assert_eq!(
            problems.to_string(),
            "projects/tool/build-config.yaml:1:14: depends_on: `fixed` is not rebuilt by this plan and has no tag that always names its last published image; give it a floating tag (`additional_tags: [latest]`) or turn on `reuse:`, or select it too"
        );
    }
}
