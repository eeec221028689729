//! Just enough Dockerfile reading to tell whether a build executes anything.
//!
//! A build with no `RUN` in the stages it needs only copies files and writes
//! metadata, so it is the same on any build machine: such a job may be built
//! for a foreign architecture without an emulator. Anything we cannot read with
//! certainty counts as "runs something", never the other way round.

/// One `FROM` stage of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stage {
    /// `AS name`, lowercased (stage names are case-insensitive).
    name: Option<String>,
    /// The image or earlier stage it starts from, lowercased.
    base: String,
    /// Stages or images named by `COPY --from=` / `RUN --mount=...from=`.
    copies_from: Vec<String>,
    has_run: bool,
}

/// Whether building `target` (or the last stage when `None`) executes a `RUN`
/// step in any stage it depends on.
pub fn needs_execution(dockerfile: &str, target: Option<&str>) -> bool {
    let stages = parse(dockerfile);
    let Some(start) = (match target {
        Some(t) => stages
            .iter()
            .position(|s| s.name.as_deref() == Some(&t.to_ascii_lowercase())),
        None => stages.len().checked_sub(1),
    }) else {
        // No stages, or a target the file does not define: the build will fail
        // anyway; do not claim it is safe to build without emulation.
        return true;
    };
    let mut seen = vec![false; stages.len()];
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        let stage = &stages[i];
        if stage.has_run {
            return true;
        }
        for reference in std::iter::once(&stage.base).chain(&stage.copies_from) {
            if let Some(dep) = lookup(&stages[..i], reference) {
                todo.push(dep);
            }
        }
    }
    false
}

/// An earlier stage by name or index (`COPY --from=0`).
fn lookup(earlier: &[Stage], reference: &str) -> Option<usize> {
    if let Ok(index) = reference.parse::<usize>() {
        return (index < earlier.len()).then_some(index);
    }
    earlier
        .iter()
        .rposition(|s| s.name.as_deref() == Some(reference))
}

/// Splits the file into instructions (joining `\` continuations, dropping
/// comments) and groups them into stages.
fn parse(dockerfile: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for instruction in instructions(dockerfile) {
        let mut words = instruction.split_whitespace();
        let Some(keyword) = words.next() else {
            continue;
        };
        let rest: Vec<&str> = words.collect();
        match keyword.to_ascii_uppercase().as_str() {
            "FROM" => {
                let args: Vec<&str> = rest
                    .iter()
                    .copied()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let name = match args.as_slice() {
                    [_, as_kw, name, ..] if as_kw.eq_ignore_ascii_case("as") => {
                        Some(name.to_ascii_lowercase())
                    }
                    _ => None,
                };
                stages.push(Stage {
                    name,
                    base: args.first().unwrap_or(&"").to_ascii_lowercase(),
                    copies_from: Vec::new(),
                    has_run: false,
                });
            }
            keyword => {
                let Some(stage) = stages.last_mut() else {
                    continue; // ARG before the first FROM
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
    stages
}

/// `--from=builder` (COPY) or `from=builder` inside `--mount=...` (RUN).
fn from_flag(word: &str) -> Option<String> {
    if let Some(value) = word.strip_prefix("--from=") {
        return Some(value.to_ascii_lowercase());
    }
    let mount = word.strip_prefix("--mount=")?;
    mount
        .split(',')
        .find_map(|kv| kv.strip_prefix("from="))
        .map(str::to_ascii_lowercase)
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

#[cfg(test)]
mod tests {
    use super::needs_execution;

    #[test]
    fn scratch_and_copy_runs_nothing() {
        assert!(!needs_execution(
            "FROM scratch\nCOPY hello /hello\nCMD [\"/hello\"]\n",
            None
        ));
    }

    #[test]
    fn a_run_step_runs_something() {
        assert!(needs_execution("FROM busybox\nRUN echo hi > /x\n", None));
        assert!(needs_execution("from busybox\n  run \\\n  echo hi\n", None));
    }

    #[test]
    fn comments_and_continuations_are_not_instructions() {
        let file = "FROM scratch\n# RUN this is a comment\nCOPY a \\\n  # RUN inside a continuation\n  /a\n";
        assert!(!needs_execution(file, None));
    }

    #[test]
    fn only_stages_the_target_needs_count() {
        let file = "FROM busybox AS tools\nRUN make\n\
                    FROM scratch AS plain\nCOPY x /x\n\
                    FROM scratch AS withtools\nCOPY --from=tools /bin/x /x\n";
        assert!(!needs_execution(file, Some("plain")));
        assert!(needs_execution(file, Some("withtools")));
        assert!(needs_execution(file, Some("tools")));
        // The last stage is the default target.
        assert!(needs_execution(file, None));
    }

    #[test]
    fn stage_bases_and_indexes_are_followed() {
        let file = "FROM busybox\nRUN true\nFROM 0 AS next\nCOPY a /a\nFROM scratch\nCOPY --from=0 /a /a\n";
        assert!(needs_execution(file, Some("next")));
        assert!(needs_execution(file, None));
    }

    #[test]
    fn an_unknown_target_or_empty_file_is_not_called_safe() {
        assert!(needs_execution(
            "FROM scratch\nCOPY a /a\n",
            Some("missing")
        ));
        assert!(needs_execution("", None));
    }
}
