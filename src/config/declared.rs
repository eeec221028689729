//! `depends_on:` read from a project's config: strictly with the rest of the
//! file (`project.rs` calls [`depends_on`]), and leniently from every project,
//! for a plan looking for the projects built on the ones it selected.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::problem::FileProblems;
use super::project::PROJECT_CONFIG_FILE;
use super::yaml;
use crate::contract::BuildArg;
use crate::contract::limits::{CONFIG_CAP, read_in};

/// `depends_on:` as far as one file can tell: names, each once, not itself, and
/// no hand-set build arg in the way of a base's `MONOARCH_BASE_*` (the graph is
/// checked across projects in `depends.rs`).
pub(super) fn depends_on(
    name: &str,
    raw: Option<Vec<Spanned<String>>>,
    build_args: &[BuildArg],
    p: &mut FileProblems,
) -> (Vec<String>, Vec<(u64, u64)>) {
    let (mut names, mut at) = (Vec::new(), Vec::new());
    let mut args: HashSet<String> = HashSet::new();
    for base in raw.unwrap_or_default() {
        let value = base.value.trim();
        let arg = super::depends::base_arg(value);
        if value.is_empty() {
            p.at(
                &base,
                "depends_on",
                "is empty; write the project's folder name or remove the item",
            );
        } else if value == name {
            p.at(
                &base,
                "depends_on",
                format!("`{value}` is this project; a project cannot build on itself"),
            );
        } else if names.iter().any(|n| n == value) {
            p.at(
                &base,
                "depends_on",
                format!("`{value}` is listed twice; remove one"),
            );
        } else if !args.insert(arg.clone()) {
            p.at(&base, "depends_on", format!("`{value}` gives the same build arg `{arg}` as another base; rename one of the projects"));
        } else if build_args.iter().any(|a| a.name() == arg) {
            p.at(&base, "depends_on", format!("build_args sets `{arg}`, which monoarch sets to `{value}`'s image; remove it from build_args"));
        } else {
            at.push((base.referenced.line(), base.referenced.column()));
            names.push(value.to_string());
        }
    }
    (names, at)
}

/// Only `depends_on:` of a config, read leniently (other keys are `validate`'s
/// business): what a plan needs of every project to find dependents.
#[derive(Debug, Default, Deserialize)]
struct RawDependsOn {
    depends_on: Option<Vec<Spanned<String>>>,
}

/// The `depends_on:` of every project in `names`, in order, on every core: a
/// plan reads them all to find dependents. Folders without a config are no
/// project and left out. A config that cannot be read, or that may declare
/// bases but does not parse, is a problem: the plan cannot tell whether that
/// project builds on one it selected, and leaving it out would not rebuild it.
pub fn read_declared(
    root: &Path,
    dir: &str,
    names: &[String],
) -> Result<Vec<super::Declared>, super::Problems> {
    // `read_in`: a `stat` and, on Linux, one `openat2` the kernel resolves
    // inside the repository.
    let read = |name: &String| -> Option<Result<super::Declared, super::Problems>> {
        let file = format!("{dir}/{name}/{PROJECT_CONFIG_FILE}");
        match read_in(root, &file, CONFIG_CAP) {
            Ok(text) => Some(declared_in(name, file, &text)),
            Err(e) if e.is_not_found() => None,
            Err(e) => {
                let mut p = FileProblems::new(&file);
                p.add(0, 0, "", format!("{e}; {UNSEEN}"));
                Some(Err(p.problems))
            }
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = cores.min(names.len() / 256).max(1);
    let results: Vec<Result<super::Declared, super::Problems>> = if threads == 1 {
        names.iter().filter_map(read).collect()
    } else {
        let per = names.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = names
                .chunks(per)
                .map(|part| scope.spawn(move || part.iter().filter_map(read).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    let mut declared = Vec::with_capacity(results.len());
    let mut problems = super::Problems::default();
    for result in results {
        match result {
            Ok(d) => declared.push(d),
            Err(p) => problems.extend(p),
        }
    }
    problems.into_result(declared)
}

/// Why an unreadable config of a project outside the selection stops a plan.
const UNSEEN: &str = "a plan with `dependencies: true` reads every project's `depends_on:` to find the projects built on a changed one, so it stops rather than miss one: fix the file (`monoarch validate` lists its problems)";

/// One config's `depends_on:`, leniently: other keys are `validate`'s, but a
/// config that may declare bases and does not parse is a problem.
fn declared_in(name: &str, file: String, text: &str) -> Result<super::Declared, super::Problems> {
    let mut bases = Vec::new();
    // Most configs declare nothing: no YAML parse for them. A key can only be
    // `depends_on` without those bytes through a double-quoted escape (`\x5f`).
    if text.contains("depends_on") || text.contains('\\') {
        let mut found = FileProblems::new(&file);
        match yaml::parse::<Option<RawDependsOn>>(text, &mut found) {
            Some(raw) => {
                bases = raw
                    .and_then(|r| r.depends_on)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|b| {
                        let at = (b.referenced.line(), b.referenced.column());
                        (b.value.trim().to_string(), at)
                    })
                    .collect();
            }
            None => {
                for problem in &mut found.problems.0 {
                    problem.message = format!("{}; {UNSEEN}", problem.message);
                }
                return Err(found.problems);
            }
        }
    }
    Ok(super::Declared {
        name: name.to_string(),
        file,
        bases,
    })
}
