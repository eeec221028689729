//! `depends_on:` across projects: every named base exists and no project
//! builds on itself through others (a cycle). Per-file checks are in `project.rs`.

use std::collections::BTreeMap;

use super::problem::{FileProblems, Problems};
use super::project::{PROJECT_CONFIG_FILE, ProjectConfig};
use super::suggest::closest;
use crate::contract::NamingScheme;

/// The build argument that carries a base's pinned image: `MONOARCH_BASE_` and
/// the project name in capitals, every character other than a letter or digit as `_`.
pub fn base_arg(project: &str) -> String {
    let name: String = project
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("MONOARCH_BASE_{name}")
}

/// The project whose image `image` (as a `FROM` names it) is, when it is in this
/// repository's registry and repository: one shared repository names it by the
/// tag's project prefix (the longest project name that fits), one repository per
/// project by its path. `names` are every project's.
pub fn project_of_image<'a>(
    image: &str,
    registry: &str,
    repository: &str,
    naming: NamingScheme,
    names: &[&'a str],
) -> Option<&'a str> {
    if registry.is_empty() {
        return None;
    }
    let without_digest = image.split('@').next().unwrap_or(image);
    // A `:` after the last `/` starts the tag (a `:` before it is a port).
    let slash = without_digest.rfind('/').unwrap_or(0);
    let (path, tag) = match without_digest[slash..].find(':') {
        Some(i) => (
            &without_digest[..slash + i],
            &without_digest[slash + i + 1..],
        ),
        None => (without_digest, ""),
    };
    let own = format!("{}/{repository}", registry.trim_end_matches('/'));
    match naming {
        NamingScheme::SingleRepository => {
            if path != own {
                return None;
            }
            names
                .iter()
                .copied()
                .filter(|n| {
                    tag.strip_prefix(*n)
                        .is_some_and(|rest| rest.starts_with('-'))
                })
                .max_by_key(|n| n.len())
        }
        NamingScheme::PerProject => {
            let name = path.strip_prefix(&own)?.strip_prefix('/')?;
            names.iter().copied().find(|n| *n == name)
        }
    }
}

/// What the graph check needs of one project: its file, its bases and where each is written.
#[derive(Debug, Clone)]
pub struct Declared {
    pub name: String,
    pub file: String,
    pub bases: Vec<(String, (u64, u64))>,
}

impl Declared {
    pub fn of(config: &ProjectConfig) -> Declared {
        Declared {
            name: config.name.clone(),
            file: format!("{}/{PROJECT_CONFIG_FILE}", config.path),
            bases: config
                .depends_on
                .iter()
                .cloned()
                .zip(config.depends_on_at.iter().copied())
                .collect(),
        }
    }
}

/// Problems of the dependency graph of `projects`: bases that are none of
/// `names` (every project of the repository, readable or not; `removed` names
/// the ones this change deletes), and cycles, each reported once at the
/// dependency that closes it.
pub fn check_graph(projects: &[Declared], names: &[String], removed: &[String]) -> Problems {
    let by_name: BTreeMap<&str, &Declared> =
        projects.iter().map(|d| (d.name.as_str(), d)).collect();
    let mut problems = Problems::default();
    for project in projects {
        let mut p = FileProblems::new(&project.file);
        for (base, (line, column)) in &project.bases {
            let (base, line, column) = (base.as_str(), *line, *column);
            if names.iter().any(|n| n == base) {
                continue;
            }
            let message = if removed.iter().any(|r| r == base) {
                format!(
                    "`{base}` is removed by this change; remove it from depends_on too, or keep the project"
                )
            } else {
                let hint = closest(base, names.iter().map(String::as_str))
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                format!(
                    "`{base}` is no project (no {base}/{PROJECT_CONFIG_FILE} in the projects folder){hint}"
                )
            };
            p.add(line, column, "depends_on", message);
        }
        problems.extend(p.problems);
    }
    problems.extend(cycles(&by_name));
    problems
}

/// Depth-first over names in order; an edge back into the current path closes a cycle.
fn cycles(by_name: &BTreeMap<&str, &Declared>) -> Problems {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = by_name.keys().map(|&n| (n, Mark::New)).collect();
    let mut problems = Problems::default();
    for &start in by_name.keys() {
        if mark[start] != Mark::New {
            continue;
        }
        // (project, index of the next base to follow)
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        mark.insert(start, Mark::OnPath);
        while let Some(&mut (name, ref mut next)) = path.last_mut() {
            let declared = by_name[name];
            let Some((base, (line, column))) = declared.bases.get(*next) else {
                mark.insert(name, Mark::Done);
                path.pop();
                continue;
            };
            let (base, line, column) = (base.as_str(), *line, *column);
            *next += 1;
            match mark.get(base).copied() {
                Some(Mark::New) => {
                    mark.insert(base, Mark::OnPath);
                    path.push((base, 0));
                }
                Some(Mark::OnPath) => {
                    let from = path.iter().position(|(n, _)| *n == base).unwrap_or(0);
                    let mut ring: Vec<&str> = path[from..].iter().map(|(n, _)| *n).collect();
                    ring.push(base);
                    let mut p = FileProblems::new(&declared.file);
                    p.add(line, column, "depends_on", format!("`{base}` makes a cycle ({}): a project cannot build on itself; remove one of these dependencies", ring.join(" -> ")));
                    problems.extend(p.problems);
                }
                // Done, or no project (reported above).
                _ => {}
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(name: &str, bases: &[&str]) -> Declared {
        Declared {
            name: name.to_string(),
            file: format!("projects/{name}/build-config.yaml"),
            bases: bases
                .iter()
                .enumerate()
                .map(|(i, b)| (b.to_string(), (i as u64 + 2, 5)))
                .collect(),
        }
    }

    fn names(all: &[Declared]) -> Vec<String> {
        all.iter().map(|d| d.name.clone()).collect()
    }

    fn lines(p: Problems) -> Vec<String> {
        p.0.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn base_arg_names() {
        assert_eq!(base_arg("python-base"), "MONOARCH_BASE_PYTHON_BASE");
        assert_eq!(base_arg("a.b_c9"), "MONOARCH_BASE_A_B_C9");
    }

    #[test]
    fn images_of_projects_are_recognised() {
        let names = ["python", "python-base", "web"];
        let single = |image| {
            project_of_image(
                image,
                "reg.test:5000",
                "images",
                NamingScheme::SingleRepository,
                &names,
            )
        };
        assert_eq!(
            single("reg.test:5000/images:python-base-latest"),
            Some("python-base")
        );
        assert_eq!(single("reg.test:5000/images:python-3.12"), Some("python"));
        assert_eq!(single("reg.test:5000/images:web-1@sha256:ab"), Some("web"));
        assert_eq!(single("reg.test:5000/other:web-1"), None);
        assert_eq!(single("docker.io/library/python:3.12"), None);
        assert_eq!(single("reg.test:5000/images:nobody-latest"), None);
        let per = |image| {
            project_of_image(
                image,
                "reg.test:5000",
                "images",
                NamingScheme::PerProject,
                &names,
            )
        };
        assert_eq!(per("reg.test:5000/images/web:latest"), Some("web"));
        assert_eq!(per("reg.test:5000/images/web"), Some("web"));
        assert_eq!(per("reg.test:5000/images/nobody:1"), None);
        let none = project_of_image(
            "images:web-1",
            "",
            "images",
            NamingScheme::SingleRepository,
            &names,
        );
        assert_eq!(
            none, None,
            "no registry configured: nothing to compare with"
        );
    }

    #[test]
    fn a_chain_and_a_diamond_are_fine() {
        let all = [
            declared("root", &[]),
            declared("mid", &["root"]),
            declared("leaf", &["mid"]),
            declared("left", &["root"]),
            declared("right", &["root"]),
            declared("top", &["left", "right"]),
        ];
        assert!(check_graph(&all, &names(&all), &[]).is_empty());
    }

    #[test]
    fn unknown_and_removed_bases_name_file_and_line() {
        let all = [
            declared("python-base", &[]),
            declared("app", &["pyhton-base", "gone"]),
        ];
        assert_eq!(
            lines(check_graph(&all, &names(&all), &["gone".to_string()])),
            [
                "projects/app/build-config.yaml:2:5: depends_on: `pyhton-base` is no project (no pyhton-base/build-config.yaml in the projects folder); did you mean `python-base`?",
                "projects/app/build-config.yaml:3:5: depends_on: `gone` is removed by this change; remove it from depends_on too, or keep the project",
            ]
        );
    }

    #[test]
    fn a_cycle_is_reported_once_with_its_path() {
        let all = [
            declared("a", &["b"]),
            declared("b", &["c"]),
            declared("c", &["a"]),
            declared("d", &["a"]),
        ];
        assert_eq!(
            lines(check_graph(&all, &names(&all), &[])),
            [
                "projects/c/build-config.yaml:2:5: depends_on: `a` makes a cycle (a -> b -> c -> a): a project cannot build on itself; remove one of these dependencies"
            ]
        );
    }
}
