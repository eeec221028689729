//! Whether a build executes anything.
//!
//! A build with no `RUN` in the stages it needs only copies files and writes
//! metadata, so it is the same on any build machine: such a job may be built
//! for a foreign architecture without an emulator. Anything we cannot read with
//! certainty counts as "runs something", never the other way round.

use super::parse::{lookup, parse, target_stage};

/// Whether building `target` (or the last stage when `None`) executes a `RUN`
/// step in any stage it depends on.
pub fn needs_execution(dockerfile: &str, target: Option<&str>) -> bool {
    let (_, stages) = parse(dockerfile);
    let Some(start) = target_stage(&stages, target) else {
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
