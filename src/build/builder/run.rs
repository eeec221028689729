//! Running a builder command: printed (without secrets), output streamed live and masked.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::ci::{Console, LogStyle};
use crate::env::Env;

use super::{BuilderError, BuilderKind, CommandLine};

/// Secrets shorter than this are not masked: masking `a` would garble every line.
const MIN_MASKED_LEN: usize = 4;

/// How builder processes are started for one job.
pub struct Runner<'a> {
    pub project: &'a str,
    pub builder: BuilderKind,
    pub style: LogStyle,
    /// Seconds since the epoch, for GitLab section markers.
    pub clock: fn() -> i64,
    /// Where the command line, section markers and the builder's output go.
    pub console: &'a dyn Console,
    /// The environment the builder inherits (the process snapshot).
    pub env: &'a Env,
    /// Extra variables for the builder: build-arg values passed by name.
    pub child_env: &'a [(String, String)],
    /// Values replaced by `***` in everything the builder prints.
    pub secrets: &'a [String],
}

impl Runner<'_> {
    /// Runs `command` inside a collapsible log section and waits for it.
    pub fn run(&self, command: &CommandLine, section_id: &str) -> Result<(), BuilderError> {
        let title = format!(
            "{} {}: {}",
            self.builder.name(),
            command.step.name(),
            self.project
        );
        let line = |text: &str| self.console.out(&format!("{text}\n"));
        line(&self.style.start(section_id, &title, (self.clock)()));
        let pause = self.style.pause_commands(&unguessable_token());
        if let Some((stop, _)) = &pause {
            line(stop);
        }
        // Inside the pause too: the line echoes build args and names.
        line(&format!("$ {}", shell_line(command)));
        let result = self.spawn_and_stream(command);
        if let Some((_, resume)) = &pause {
            line(resume);
        }
        if let Some(end) = self.style.end(section_id, (self.clock)()) {
            line(&end);
        }
        result
    }

    /// `program` found on the builder's `PATH` as `execvp` would find it, so the
    /// child is started with one `posix_spawn` (std forks, then tries each `PATH`
    /// entry, when it must search a `PATH` it was given); not found: the bare
    /// name, and spawning says so as before.
    fn program_path(&self, program: &str) -> PathBuf {
        if program.contains('/') {
            return PathBuf::from(program);
        }
        let path = self
            .child_env
            .iter()
            .rev()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.as_str())
            .or_else(|| self.env.get("PATH"));
        path.into_iter()
            .flat_map(|path| path.split(':'))
            .map(|dir| Path::new(if dir.is_empty() { "." } else { dir }).join(program))
            .find(|candidate| is_executable(candidate))
            .unwrap_or_else(|| PathBuf::from(program))
    }

    fn spawn_and_stream(&self, command: &CommandLine) -> Result<(), BuilderError> {
        let mut child = Command::new(self.program_path(&command.program))
            .arg0(&command.program)
            .args(&command.args)
            .env_clear()
            .envs(self.env.iter())
            .envs(self.child_env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => BuilderError::Missing {
                    builder: self.builder.name(),
                    program: command.program.clone(),
                    hint: self.builder.install_hint(),
                },
                _ => BuilderError::Spawn {
                    program: command.program.clone(),
                    message: e.to_string(),
                },
            })?;
        let secrets: Vec<&str> = self
            .secrets
            .iter()
            .map(String::as_str)
            .filter(|s| s.len() >= MIN_MASKED_LEN)
            .collect();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        std::thread::scope(|scope| {
            if let Some(out) = stdout {
                scope.spawn(|| copy_masked(out, |t| self.console.out(t), &secrets));
            }
            if let Some(err) = stderr {
                scope.spawn(|| copy_masked(err, |t| self.console.err(t), &secrets));
            }
        });
        let status = child.wait().map_err(|e| BuilderError::Spawn {
            program: command.program.clone(),
            message: e.to_string(),
        })?;
        if status.success() {
            return Ok(());
        }
        Err(BuilderError::Failed {
            project: self.project.to_string(),
            step: command.step.name(),
            program: format!(
                "{} {}",
                command.program,
                command.args.first().map(String::as_str).unwrap_or("")
            ),
            code: status
                .code()
                .map_or_else(|| "on a signal".to_string(), |c| c.to_string()),
            hint: command.step.failure_hint(),
        })
    }
}

/// 128 random bits as hex, from the OS-seeded keys of std's hasher.
/// A regular file someone may execute (what `execvp` would run).
fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn unguessable_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    (0..2)
        .map(|_| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u8(0);
            format!("{:016x}", h.finish())
        })
        .collect()
}

/// Copies `from` line by line (so output stays live) with every secret masked.
fn copy_masked(from: impl Read, to: impl Fn(&str), secrets: &[&str]) {
    let mut reader = BufReader::new(from);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                to(&mask(&String::from_utf8_lossy(&line), secrets));
            }
        }
    }
}

fn mask(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .fold(text.to_string(), |acc, secret| acc.replace(secret, "***"))
}

/// The command as a copy-pasteable shell line (single-quoted where needed).
pub fn shell_line(command: &CommandLine) -> String {
    std::iter::once(command.program.as_str())
        .chain(command.args.iter().map(String::as_str))
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A shell word for the printed command line. A word with control
/// characters gets bash's `$'...'` quoting: the line stays one line (no value
/// can start another, see [`crate::ci::escape`]) and still pastes into a shell.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@%+".contains(&b));
    if plain {
        return word.to_string();
    }
    if !word.chars().any(char::is_control) {
        return format!("'{}'", word.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for c in word.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            '\x1b' => out.push_str(r"\e"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::Recorded;

    #[test]
    fn masks_secrets_in_streamed_output() {
        let input = b"step 1\nTOKEN is hunter22 here\nlast line without newline hunter22";
        let console = Recorded::default();
        copy_masked(&input[..], |t| console.out(t), &["hunter22"]);
        assert_eq!(
            console.out.into_inner().expect("not poisoned"),
            "step 1\nTOKEN is *** here\nlast line without newline ***"
        );
    }

    #[test]
    fn the_builder_is_found_on_its_path_as_execvp_would() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (first, second) = (dir.path().join("a"), dir.path().join("b"));
        for folder in [&first, &second] {
            std::fs::create_dir(folder).expect("folder");
            std::fs::write(folder.join("buildah"), "#!/bin/sh\n").expect("write");
        }
        // The first is not executable: execvp goes on to the next entry.
        let run = second.join("buildah");
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let path = format!("{}:{}", first.display(), second.display());
        let env = Env::from_pairs([("PATH", path.as_str())]);
        let console = Recorded::default();
        let runner = Runner {
            project: "p",
            builder: BuilderKind::Buildah,
            style: LogStyle::Plain,
            clock: || 0,
            console: &console,
            env: &env,
            child_env: &[],
            secrets: &[],
        };
        assert_eq!(runner.program_path("buildah"), run);
        assert_eq!(runner.program_path("missing"), PathBuf::from("missing"));
        assert_eq!(runner.program_path("./buildah"), PathBuf::from("./buildah"));
        let elsewhere = [("PATH".to_string(), first.display().to_string())];
        let runner = Runner {
            child_env: &elsewhere,
            ..runner
        };
        assert_eq!(runner.program_path("buildah"), PathBuf::from("buildah"));
    }

    #[test]
    fn tokens_differ_each_time() {
        let (a, b) = (unguessable_token(), unguessable_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(quote("--platform=linux/arm64"), "--platform=linux/arm64");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a\n::warning::x"), r"$'a\n::warning::x'");
        assert_eq!(quote("it's\r\x1b\u{85}"), r"$'it\'s\r\e\u0085'");
    }
}
