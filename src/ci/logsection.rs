//! Collapsible log sections: GitHub `::group::`, GitLab section markers, or a plain heading.

use super::escape;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStyle {
    GitHub,
    GitLab,
    Plain,
}

impl LogStyle {
    /// The line that opens a section. `id` must be unique in the job log;
    /// `unix_time` is when it starts (GitLab shows the section's duration).
    /// The title is a value (it names the project): it stays one inert line.
    pub fn start(self, id: &str, title: &str, unix_time: i64) -> String {
        match self {
            LogStyle::GitHub => format!("::group::{}", escape::command_data(title)),
            LogStyle::GitLab => format!(
                "\x1b[0Ksection_start:{unix_time}:{}[collapsed=true]\r\x1b[0K{}",
                section_id(id),
                escape::text(title)
            ),
            LogStyle::Plain => format!("==> {}", escape::text(title)),
        }
    }

    /// GitHub only: the lines that make the runner ignore workflow commands
    /// (`::add-mask::`, `::error::`, ...) in what follows until `resume`, so
    /// a Dockerfile from an upstream cannot issue commands to the job.
    /// `token` must be unguessable by the builder's output.
    pub fn pause_commands(self, token: &str) -> Option<(String, String)> {
        match self {
            LogStyle::GitHub => Some((format!("::stop-commands::{token}"), format!("::{token}::"))),
            LogStyle::GitLab | LogStyle::Plain => None,
        }
    }

    /// The line that closes the section `start` opened; `None` for plain logs.
    pub fn end(self, id: &str, unix_time: i64) -> Option<String> {
        match self {
            LogStyle::GitHub => Some("::endgroup::".to_string()),
            LogStyle::GitLab => Some(format!(
                "\x1b[0Ksection_end:{unix_time}:{}\r\x1b[0K",
                section_id(id)
            )),
            LogStyle::Plain => None,
        }
    }
}

/// GitLab section names allow only `[A-Za-z0-9_.-]`.
fn section_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        insta::assert_snapshot!(
            LogStyle::GitHub.start("build-hello-arm64", "build hello linux/arm64", 7),
            @"::group::build hello linux/arm64"
        );
        assert_eq!(
            LogStyle::GitHub.end("x", 8).as_deref(),
            Some("::endgroup::")
        );
        assert_eq!(
            LogStyle::GitLab.start("build hello:arm64", "Build", 1700000000),
            "\x1b[0Ksection_start:1700000000:build_hello_arm64[collapsed=true]\r\x1b[0KBuild"
        );
        assert_eq!(
            LogStyle::GitLab
                .end("build hello:arm64", 1700000009)
                .as_deref(),
            Some("\x1b[0Ksection_end:1700000009:build_hello_arm64\r\x1b[0K")
        );
        assert_eq!(LogStyle::Plain.end("x", 1), None);
        assert_eq!(
            LogStyle::GitHub.pause_commands("t0k"),
            Some(("::stop-commands::t0k".to_string(), "::t0k::".to_string()))
        );
        assert_eq!(LogStyle::GitLab.pause_commands("t0k"), None);
        // A title (a project name) cannot end the group or start a command.
        assert_eq!(
            LogStyle::GitHub.start("x", "a\n::endgroup::", 1),
            "::group::a%0A::endgroup::"
        );
        assert!(
            !LogStyle::GitLab
                .start("x", "a\r\x1b[0Kb", 1)
                .ends_with("\x1b[0Kb")
        );
    }
}
