//! The CI system the process runs in, read once at the top from the
//! environment: which system, how its log sections look, where a job's
//! outputs and summary go, and the console that every line for people passes.

mod console;
pub mod escape;
mod logsection;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::env::Env;

pub use console::Console;
#[cfg(test)]
pub use console::Recorded;
pub use logsection::LogStyle;

/// Which CI system runs us, from the variable each one sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    /// `GITHUB_ACTIONS=true`.
    GitHub,
    /// `GITLAB_CI=true`.
    GitLab,
    /// Neither: a person's machine, or a CI system we do not know.
    Local,
}

/// The CI context of one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ci {
    pub system: System,
    /// `$GITHUB_OUTPUT`: `name=value` lines later steps read.
    outputs: Option<PathBuf>,
    /// `$GITHUB_STEP_SUMMARY`: Markdown shown on the run's page.
    summary: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum CiError {
    #[error("cannot write {what} ({}): {source}", path.display())]
    Write {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("output `{name}` has a line break; a step output must be one line")]
    MultiLine { name: String },
}

impl Ci {
    pub fn from_env(env: &Env) -> Ci {
        let system = if env.is_true("GITHUB_ACTIONS") {
            System::GitHub
        } else if env.is_true("GITLAB_CI") {
            System::GitLab
        } else {
            System::Local
        };
        Ci {
            system,
            outputs: env.get("GITHUB_OUTPUT").map(PathBuf::from),
            summary: env.get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        }
    }

    pub fn log_style(&self) -> LogStyle {
        match self.system {
            System::GitHub => LogStyle::GitHub,
            System::GitLab => LogStyle::GitLab,
            System::Local => LogStyle::Plain,
        }
    }

    /// Appends `name=value` lines to `$GITHUB_OUTPUT`, when set. The one
    /// writer of step outputs; a value with a line break is refused, since it
    /// would let the value set other outputs.
    pub fn set_outputs<N: AsRef<str>, V: AsRef<str>>(
        &self,
        pairs: &[(N, V)],
    ) -> Result<(), CiError> {
        let Some(path) = &self.outputs else {
            return Ok(());
        };
        let mut text = String::new();
        for (name, value) in pairs {
            let (name, value) = (name.as_ref(), value.as_ref());
            if value.contains(['\n', '\r']) {
                return Err(CiError::MultiLine {
                    name: name.to_string(),
                });
            }
            text.push_str(&format!("{name}={value}\n"));
        }
        append(path, "$GITHUB_OUTPUT", &text)
    }

    /// Appends Markdown to `$GITHUB_STEP_SUMMARY`, when set.
    pub fn add_summary(&self, markdown: &str) -> Result<(), CiError> {
        match &self.summary {
            Some(path) => append(path, "$GITHUB_STEP_SUMMARY", markdown),
            None => Ok(()),
        }
    }
}

fn append(path: &Path, what: &'static str, text: &str) -> Result<(), CiError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|source| CiError::Write {
            what,
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_is_read_once_from_its_own_variable() {
        let ci = |pairs: &[(&str, &str)]| Ci::from_env(&Env::from_pairs(pairs.iter().copied()));
        assert_eq!(ci(&[("GITHUB_ACTIONS", "true")]).system, System::GitHub);
        assert_eq!(ci(&[("GITLAB_CI", "true")]).system, System::GitLab);
        assert_eq!(ci(&[("CI", "true")]).system, System::Local);
        assert_eq!(
            ci(&[("GITHUB_ACTIONS", "true")]).log_style(),
            LogStyle::GitHub
        );
        assert_eq!(ci(&[("GITLAB_CI", "true")]).log_style(), LogStyle::GitLab);
        assert_eq!(ci(&[]).log_style(), LogStyle::Plain);
    }

    #[test]
    fn outputs_and_summary_are_appended_and_line_breaks_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let summary = dir.path().join("summary");
        let ci = Ci::from_env(&Env::from_pairs([
            ("GITHUB_OUTPUT", out.display().to_string()),
            ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
        ]));
        ci.set_outputs(&[("a", "1"), ("b", "{\"x\":2}")])
            .expect("written");
        ci.set_outputs(&[("c", "3")]).expect("appended");
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "a=1\nb={\"x\":2}\nc=3\n"
        );
        assert!(matches!(
            ci.set_outputs(&[("evil", "x\nother=1")]),
            Err(CiError::MultiLine { .. })
        ));
        ci.add_summary("### one\n").expect("summary");
        assert_eq!(
            std::fs::read_to_string(&summary).expect("read"),
            "### one\n"
        );
        // Outside GitHub nothing is written, and that is no error.
        Ci::from_env(&Env::default())
            .set_outputs(&[("a", "1")])
            .expect("nothing to do");
    }
}
