//! The module graph of `src/` only goes down: each top-level module uses only
//! modules of lower layers (ARCHITECTURE.md draws the same table).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level modules by layer, lowest first. A module may use any module of a
/// lower layer and none of its own layer or above: so no cycle, and no stage
/// reaches a later one (matrix, build and manifest are siblings).
const LAYERS: &[&[&str]] = &[
    // Contracts and facts every layer may use.
    &["contract", "env", "tls"],
    // Inputs and the narrow I/O layers.
    &["ci", "config", "dockerfile", "git", "registry"],
    &["source", "store"],
    // The stages, in flow order (keys and reuse beside detection).
    &["detect", "key"],
    &["plan"],
    &["matrix", "build", "manifest"],
    // On top.
    &["run"],
    &["commands", "logging"],
    // Tests only: the parsers' fuzzer.
    &["fuzz"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// `module -> modules it names as crate::<name>`, from the text of every file
/// below `src/<module>` (or `src/<module>.rs`), unit tests included.
fn edges(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("below src");
            let first = rel.components().next().expect("a component");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if matches!(module.as_str(), "lib" | "main") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            let used = edges.entry(module.clone()).or_default();
            for name in crate_paths(&text) {
                if name != module {
                    used.insert(name);
                }
            }
        }
    }
    edges
}

/// The first segment of every `crate::x` path, including `crate::{x, y}`.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                names.insert(name);
            }
        }
    }
    names
}

#[test]
fn every_module_uses_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = edges(&src);
    let mut problems = Vec::new();
    for (module, used) in &edges {
        let Some(own) = layer_of(module) else {
            problems.push(format!(
                "src/{module} is in no layer: add it to LAYERS here and to ARCHITECTURE.md"
            ));
            continue;
        };
        for other in used {
            match layer_of(other) {
                Some(layer) if layer < own => {}
                Some(_) => problems.push(format!(
                    "{module} uses crate::{other}, which is not below it; move the shared part down (contract, store, source) or the caller up"
                )),
                None => problems.push(format!("{module} uses crate::{other}, which is in no layer")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check must have seen the stages it is about.
    for stage in ["detect", "plan", "build", "manifest", "matrix"] {
        assert!(edges.contains_key(stage), "no module {stage} found in src/");
    }
}

#[test]
fn crate_paths_are_found_in_groups_and_alone() {
    let names = crate_paths("use crate::{env::Env, contract};\nlet x = crate::plan::Plan;\n");
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        vec!["contract", "env", "plan"]
    );
}
