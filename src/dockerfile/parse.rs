//! Dockerfile text into stages: instructions joined across `\` continuations,
//! comments dropped, and for each `FROM` what it starts from and what it copies.

/// One `FROM` stage of a Dockerfile, words as written (case kept: image tags
/// are case-sensitive; stage names are compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// `AS name`.
    pub name: Option<String>,
    /// The image or earlier stage it starts from.
    pub base: String,
    /// `FROM --platform=...`, unexpanded.
    pub platform: Option<String>,
    /// Stages or images named by `COPY --from=` / `RUN --mount=...from=`.
    pub copies_from: Vec<String>,
    pub has_run: bool,
}

impl Stage {
    /// Whether this stage is the one `reference` names (`AS` names ignore case).
    pub fn is_named(&self, reference: &str) -> bool {
        self.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(reference))
    }
}

/// The Dockerfile's `ARG`s before the first `FROM` (name, default), and its stages.
pub fn parse(dockerfile: &str) -> (Vec<(String, Option<String>)>, Vec<Stage>) {
    let mut global_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for instruction in instructions(dockerfile) {
        let mut words = instruction.split_whitespace();
        let Some(keyword) = words.next() else {
            continue;
        };
        let rest: Vec<&str> = words.collect();
        match keyword.to_ascii_uppercase().as_str() {
            "FROM" => {
                let platform = rest
                    .iter()
                    .find_map(|w| w.strip_prefix("--platform="))
                    .map(str::to_string);
                let args: Vec<&str> = rest
                    .iter()
                    .copied()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let name = match args.as_slice() {
                    [_, as_kw, name, ..] if as_kw.eq_ignore_ascii_case("as") => {
                        Some(name.to_string())
                    }
                    _ => None,
                };
                stages.push(Stage {
                    name,
                    base: args.first().unwrap_or(&"").to_string(),
                    platform,
                    copies_from: Vec::new(),
                    has_run: false,
                });
            }
            "ARG" if stages.is_empty() => {
                for word in rest {
                    match word.split_once('=') {
                        Some((name, value)) => {
                            global_args.push((name.to_string(), Some(unquote(value).to_string())))
                        }
                        None => global_args.push((word.to_string(), None)),
                    }
                }
            }
            keyword => {
                let Some(stage) = stages.last_mut() else {
                    continue;
                };
                if keyword == "RUN" {
                    stage.has_run = true;
                }
                for word in &rest {
                    if let Some(from) = from_flag(word) {
                        stage.copies_from.push(from);
                    }
                }
            }
        }
    }
    (global_args, stages)
}

fn unquote(value: &str) -> &str {
    let quoted = |q: char| value.len() >= 2 && value.starts_with(q) && value.ends_with(q);
    if quoted('"') || quoted('\'') {
        &value[1..value.len() - 1]
    } else {
        value
    }
}

/// `--from=builder` (COPY) or `from=builder` inside `--mount=...` (RUN).
fn from_flag(word: &str) -> Option<String> {
    if let Some(value) = word.strip_prefix("--from=") {
        return Some(value.to_string());
    }
    let mount = word.strip_prefix("--mount=")?;
    mount
        .split(',')
        .find_map(|kv| kv.strip_prefix("from="))
        .map(str::to_string)
}

/// Logical instructions: continuation lines joined, comment lines dropped.
fn instructions(dockerfile: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue; // comments (and parser directives) may sit inside a continuation
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        if !current.trim().is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.clear();
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// An earlier stage by name or index (`COPY --from=0`).
pub fn lookup(earlier: &[Stage], reference: &str) -> Option<usize> {
    if let Ok(index) = reference.parse::<usize>() {
        return (index < earlier.len()).then_some(index);
    }
    earlier.iter().rposition(|s| s.is_named(reference))
}

/// The stage a build of `target` (or the last stage when `None`) ends in.
pub fn target_stage(stages: &[Stage], target: Option<&str>) -> Option<usize> {
    match target {
        Some(t) => stages.iter().position(|s| s.is_named(t)),
        None => stages.len().checked_sub(1),
    }
}
