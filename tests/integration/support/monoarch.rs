//! Runs the built `monoarch` binary the way a user or CI job would.

use std::path::Path;
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from_output(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit code {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn success(self) -> Run {
        self.expect_code(0)
    }

    /// Exit code, stdout and stderr together, for a snapshot: what a person
    /// reading the CI log sees. `dir` (a temp dir) is shown as `[DIR]`.
    pub fn transcript(&self, dir: &Path) -> String {
        let redact = |text: &str| text.replace(&dir.display().to_string(), "[DIR]");
        format!(
            "exit code: {}\n--- stdout\n{}--- stderr\n{}",
            self.code,
            redact(&self.stdout),
            redact(&self.stderr)
        )
    }
}

/// A `monoarch` invocation with a clean environment: no CI variables leak in
/// from the machine running the tests, only what the test sets.
pub struct Monoarch {
    command: Command,
}

impl Monoarch {
    pub fn new(dir: &Path) -> Monoarch {
        // MONOARCH_TEST_BIN: run the tests against another build (e.g. main's,
        // to see a test fail without the fix it comes with).
        let binary = std::env::var_os("MONOARCH_TEST_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_monoarch").into());
        let mut command = Command::new(binary);
        command.current_dir(dir).env_clear();
        for keep in ["PATH", "HOME", "TMPDIR", "LANG"] {
            if let Some(value) = std::env::var_os(keep) {
                command.env(keep, value);
            }
        }
        command.env("SOURCE_DATE_EPOCH", "1795132800"); // 2026-11-20T00:00:00Z
        Monoarch { command }
    }

    pub fn args<I, S>(mut self, args: I) -> Monoarch
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn arg_path(mut self, path: &Path) -> Monoarch {
        self.command.arg(path);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Monoarch {
        self.command.env(key, value);
        self
    }

    /// Starts it without waiting (stdout dropped, stderr piped), for tests
    /// that run several at once.
    pub fn spawn(mut self) -> std::process::Child {
        self.command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start monoarch")
    }

    /// Runs it with stderr and stdout into one stream, in the order written,
    /// as a CI runner reads a job's output; the log is in `stdout`.
    pub fn run_merged(mut self) -> Run {
        let file = tempfile::tempfile().expect("temp file for the log");
        let err = file.try_clone().expect("clone the log handle");
        let status = self
            .command
            .stdout(std::process::Stdio::from(file.try_clone().expect("clone")))
            .stderr(std::process::Stdio::from(err))
            .status()
            .expect("run monoarch");
        let mut log = Vec::new();
        use std::io::{Read, Seek};
        let mut file = file;
        file.rewind().expect("rewind the log");
        file.read_to_end(&mut log).expect("read the log");
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&log).into_owned(),
            stderr: String::new(),
        }
    }

    pub fn run(mut self) -> Run {
        Run::from_output(self.command.output().expect("run monoarch"))
    }
}
