//! Process exit codes: part of the CLI's API. This table is the one source of
//! the `--help` list and the README's table (a test keeps the README in step);
//! `commands::Error::exit_code` is the one match from an error to its code.
//!
//! Scripts rely on these values; never renumber one, only add new ones.

/// Everything requested was done.
pub const SUCCESS: i32 = 0;
/// An unexpected failure (a bug, or an I/O error with no better category).
pub const FAILURE: i32 = 1;
/// The command line was wrong (unknown flag, missing argument).
pub const USAGE: i32 = 2;
/// A `build-config.yaml`, `monoarch.yaml` or `rebuild-weekly.txt` is invalid.
pub const INVALID_CONFIG: i32 = 3;
/// Git could not answer: no repository, unknown ref, unreadable history.
pub const GIT: i32 = 4;
/// The clone is too shallow to contain the base commit; fetch deeper.
pub const SHALLOW_CLONE: i32 = 5;
/// The plan file is missing, unreadable, of another format version, or lacks the job asked for.
pub const INVALID_PLAN: i32 = 6;
/// Fetching the upstream source failed (ref not found, network, credentials).
pub const SOURCE: i32 = 7;
/// The builder is missing or exited non-zero.
pub const BUILD: i32 = 8;
/// The registry refused or failed a request (after retries).
pub const REGISTRY: i32 = 9;
/// A pushed image is not what the plan says (wrong platform, digest mismatch).
pub const VERIFY: i32 = 10;
/// The job is for another CPU architecture than this machine's (wrong runner).
pub const WRONG_ARCH: i32 = 11;
/// Some projects succeeded and some failed; see the summary.
pub const PARTIAL: i32 = 12;

/// One documented exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Documented {
    pub code: i32,
    /// A few words, for the list in `--help`.
    pub short: &'static str,
    /// The README's sentence.
    pub meaning: &'static str,
}

/// Every exit code, in order.
pub const TABLE: &[Documented] = &[
    Documented {
        code: SUCCESS,
        short: "ok",
        meaning: "success",
    },
    Documented {
        code: FAILURE,
        short: "unexpected",
        meaning: "unexpected failure",
    },
    Documented {
        code: USAGE,
        short: "usage",
        meaning: "usage error (bad flag, `--projects` or `$MONOARCH_PROJECTS` name that matches nothing, `--registry` that is no host)",
    },
    Documented {
        code: INVALID_CONFIG,
        short: "invalid config",
        meaning: "invalid configuration (`build-config.yaml`, `monoarch.yaml`, schedule file, `SOURCE_DATE_EPOCH`, registry variables; two projects publishing one tag; the CI event file or a base sha the CI system sent; in CI, a run that builds without a registry)",
    },
    Documented {
        code: GIT,
        short: "git",
        meaning: "git problem (not a repository, unknown base ref)",
    },
    Documented {
        code: SHALLOW_CLONE,
        short: "shallow clone",
        meaning: "shallow clone lacks the base: fetch deeper",
    },
    Documented {
        code: INVALID_PLAN,
        short: "invalid plan",
        meaning: "invalid plan file (unreadable, over 64 MiB, other format version, a field `monoarch plan` would not write, unknown project or arch)",
    },
    Documented {
        code: SOURCE,
        short: "source fetch",
        meaning: "upstream source could not be fetched",
    },
    Documented {
        code: BUILD,
        short: "build",
        meaning: "builder missing or failed",
    },
    Documented {
        code: REGISTRY,
        short: "registry",
        meaning: "registry refused or failed a request",
    },
    Documented {
        code: VERIFY,
        short: "verification",
        meaning: "verification failed (wrong platform, digest mismatch)",
    },
    Documented {
        code: WRONG_ARCH,
        short: "wrong architecture",
        meaning: "job is for another architecture than this machine's",
    },
    Documented {
        code: PARTIAL,
        short: "partial success",
        meaning: "partial success: some projects failed, or `manifest --allow-partial` published an index lacking an architecture",
    },
];

/// `0 ok, 1 unexpected, ...`: the list `--help` shows.
pub fn help_list() -> String {
    let items: Vec<String> = TABLE
        .iter()
        .map(|d| format!("{} {}", d.code, d.short))
        .collect();
    items.join(", ")
}

/// The README's table, in Markdown.
pub fn markdown_table() -> String {
    let mut out = String::from("| code | meaning |\n| --- | --- |\n");
    for d in TABLE {
        out.push_str(&format!("| {} | {} |\n", d.code, d.meaning));
    }
    out
}

/// What became of one unit of a command that does several (a build job, a project).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Done in part on purpose (`manifest --allow-partial`).
    Partial,
    /// Failed with this exit code.
    Failed(i32),
}

/// The one rule for commands that do several units (`build` of a packed
/// matrix entry, `manifest`, `run`): 0 when every unit is done; the failure's
/// own code when every unit failed with the same code; else [`PARTIAL`].
pub fn aggregate(outcomes: impl IntoIterator<Item = Outcome>) -> i32 {
    let outcomes: Vec<Outcome> = outcomes.into_iter().collect();
    if outcomes.iter().all(|o| *o == Outcome::Done) {
        return SUCCESS;
    }
    match outcomes.first() {
        Some(Outcome::Failed(code)) if outcomes.iter().all(|o| *o == Outcome::Failed(*code)) => {
            *code
        }
        _ => PARTIAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::*;

    #[test]
    fn one_rule_for_several_units() {
        assert_eq!(aggregate([]), SUCCESS);
        assert_eq!(aggregate([Done, Done]), SUCCESS);
        assert_eq!(aggregate([Failed(VERIFY)]), VERIFY);
        assert_eq!(aggregate([Failed(BUILD), Failed(BUILD)]), BUILD);
        assert_eq!(aggregate([Done, Failed(REGISTRY)]), PARTIAL);
        assert_eq!(aggregate([Partial]), PARTIAL);
        assert_eq!(aggregate([Failed(VERIFY), Failed(REGISTRY)]), PARTIAL);
    }

    #[test]
    fn the_table_lists_every_code_once_in_order() {
        let codes: Vec<i32> = TABLE.iter().map(|d| d.code).collect();
        assert_eq!(codes, (SUCCESS..=PARTIAL).collect::<Vec<_>>());
        assert!(help_list().starts_with("0 ok, 1 unexpected, 2 usage"));
    }
}
