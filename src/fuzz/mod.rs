//! A corpus fuzzer for every parser of user or CI input (issue 8): the two
//! config files, the schedule file and globs, `plan.json`, the GitHub event
//! and the Dockerfile reader. Each target mutates the committed inputs in
//! `fuzz/corpus/<target>/` for a bounded number of cases and checks that the
//! parser never panics, and that what it says is one line per problem in a
//! config author's words. A failing input is written to
//! `target/fuzz-failures/` and named in the panic.
//!
//! Deterministic by default; `MONOARCH_FUZZ_CASES` (per target) and
//! `MONOARCH_FUZZ_SEED` widen a run by hand:
//! `MONOARCH_FUZZ_CASES=200000 MONOARCH_FUZZ_SEED=$RANDOM cargo test --lib fuzz`.
//!
//! No cargo-fuzz: it needs a nightly toolchain, and a dependency such as
//! proptest adds compile time to every CI run for what these ~200 lines do.

mod mutate;
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

pub use mutate::Mutator;

/// Cases per target when `MONOARCH_FUZZ_CASES` is unset.
const DEFAULT_CASES: u64 = 1500;

/// Words only a Rust programmer understands: never in a message.
const JARGON: &[&str] = &[
    "untagged enum",
    "variant",
    "DuplicateKeyPolicy",
    "budget breached",
    "Option<",
    "struct ",
    "deserializ",
    "Raw",
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// The committed inputs of `target`, sorted by name.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .collect();
    files.sort();
    let inputs: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("corpus file"))
        .collect();
    assert!(!inputs.is_empty(), "empty corpus {}", dir.display());
    inputs
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `check` on every corpus input as it is, then on mutated ones.
/// `check` returns the messages the parser produced, which must be clean.
fn fuzz(target: &str, dictionary: &[&str], check: impl Fn(&str) -> Vec<String>) {
    let corpus = corpus(target);
    let cases = env_u64("MONOARCH_FUZZ_CASES", DEFAULT_CASES);
    let seed = env_u64("MONOARCH_FUZZ_SEED", 0x6d6f_6e6f_6172_6368);
    let mut mutator = Mutator::new(seed ^ target.len() as u64, dictionary);
    let originals = corpus.iter().cloned();
    let mutants = (0..cases).map(|_| mutator.mutate(&corpus));
    for (n, input) in originals.chain(mutants).enumerate() {
        let text = String::from_utf8_lossy(&input).into_owned();
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&text)));
        let problem = match outcome {
            Err(_) => Some("panicked".to_string()),
            Ok(messages) => messages.iter().find_map(|m| unclean(m)),
        };
        if let Some(problem) = problem {
            let saved = save(target, n, &input);
            panic!(
                "fuzz target `{target}`, case {n}: {problem}; input saved to {} ({:?})",
                saved.display(),
                text.chars().take(200).collect::<String>()
            );
        }
    }
}

/// Why a message is not fit for a CI log, if it is not.
fn unclean(message: &str) -> Option<String> {
    if message.contains(['\n', '\r']) {
        return Some(format!("a message spans lines: {message:?}"));
    }
    JARGON
        .iter()
        .find(|word| message.contains(*word))
        .map(|word| format!("jargon {word:?} in {message:?}"))
}

fn save(target: &str, n: usize, input: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    let path = dir.join(format!("{target}-{n}"));
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(&path, input);
    path
}
