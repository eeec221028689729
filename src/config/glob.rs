//! Globs written by users (`ignore`, `rebuild_all`, the schedule file,
//! `--projects`), checked before globset sees them: globset panics or
//! overflows the stack on deeply nested `{}` and fails to build a set whose
//! regex is too large, which must never end in a crash or an empty set.

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Longer than any path a repository holds (Linux's PATH_MAX is 4096).
pub const MAX_GLOB_LEN: usize = 1024;
/// `{a,{b,c}}` nests 2 deep; real globs need one or two levels.
pub const MAX_BRACE_DEPTH: usize = 8;

/// Parses one glob, or says in one sentence why it cannot be used.
pub fn parse_glob(text: &str) -> Result<Glob, String> {
    if text.len() > MAX_GLOB_LEN {
        return Err(format!(
            "is {} characters long; a glob may have at most {MAX_GLOB_LEN}",
            text.len()
        ));
    }
    let depth = brace_depth(text);
    if depth > MAX_BRACE_DEPTH {
        return Err(format!(
            "nests `{{...}}` {depth} levels deep; at most {MAX_BRACE_DEPTH} are allowed: flatten the alternatives"
        ));
    }
    Glob::new(text).map_err(|e| format!("is not a valid glob ({})", e.kind()))
}

/// Builds one set from checked globs. When the set cannot be built (its
/// regex is too large), says which globs are at fault: their indexes and
/// why, or, when each alone is fine, index `None` for the set as a whole.
pub fn build_set(globs: &[Glob]) -> Result<GlobSet, Vec<(Option<usize>, String)>> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        builder.add(glob.clone());
    }
    let whole = match builder.build() {
        Ok(set) => return Ok(set),
        Err(e) => e,
    };
    // Find the culprits one by one: costly, but only on this error path.
    let mut faults = Vec::new();
    for (i, glob) in globs.iter().enumerate() {
        if let Err(e) = GlobSetBuilder::new().add(glob.clone()).build() {
            faults.push((Some(i), too_complex(&e)));
        }
    }
    if faults.is_empty() {
        faults.push((None, too_complex(&whole)));
    }
    Err(faults)
}

fn too_complex(e: &globset::Error) -> String {
    let detail = match e.kind() {
        globset::ErrorKind::Regex(_) => "its regular expression exceeds the size limit".to_string(),
        other => other.to_string(),
    };
    format!("is too complex to match ({detail}); simplify it or split it into several globs")
}

/// The deepest nesting of `{` outside `[...]` classes and `\` escapes, as
/// globset reads them.
fn brace_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => {
                // `[]...]` and `[!]...]`: a `]` first is a literal.
                if chars.peek() == Some(&'!') {
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                }
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
            }
            '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A list of globs compiled into one set.
#[derive(Debug, Clone)]
pub struct Globs {
    set: GlobSet,
}

impl Globs {
    pub fn new(set: GlobSet) -> Globs {
        Globs { set }
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_only_real_braces() {
        assert_eq!(brace_depth("src/**/*.{c,h}"), 1);
        assert_eq!(brace_depth("{a,{b,{c,d}}}"), 3);
        assert_eq!(brace_depth("[{{{{{{{{{{]x"), 0);
        assert_eq!(brace_depth("\\{\\{\\{"), 0);
        assert_eq!(brace_depth("[]{]{x}"), 1);
    }

    #[test]
    fn deep_or_long_globs_are_errors_not_panics() {
        let deep = format!("{}a{}", "{".repeat(60_000), "}".repeat(60_000));
        let err = parse_glob(&deep).expect_err("too long");
        assert!(err.starts_with("is 120001 characters long"), "{err}");
        let nested = format!("{}a{}", "{".repeat(300), "}".repeat(300));
        let err = parse_glob(&nested).expect_err("too deep");
        assert!(err.starts_with("nests `{...}` 300 levels deep"), "{err}");
        let ok = format!("{}a{}", "{".repeat(8), "}".repeat(8));
        let glob = parse_glob(&ok).expect("8 levels are fine");
        let set = build_set(&[glob]).expect("builds");
        assert!(set.is_match("a"));
        assert!(parse_glob("a[").is_err());
    }
}
