//! Running a docker credential helper (`docker-credential-<name> get`) as the
//! docker CLI does, with a deadline and capped output: "credentials not
//! found" means anonymous; any other failure shows the helper's own message.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::env::Env;

/// What the docker CLI's helper client takes as "no credentials for this
/// server" (docker-credential-helpers `errCredentialsNotFoundMessage`).
pub const NOT_FOUND_MESSAGE: &str = "credentials not found in native keychain";
/// A helper that has not answered by then is killed (ECR's asks AWS, so not less).
const DEADLINE: Duration = Duration::from_secs(60);
/// A helper's answer is a small JSON object; more than this is no answer.
const MAX_OUTPUT: u64 = 1024 * 1024;

/// What a helper said.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Found {
        username: String,
        secret: String,
    },
    /// Exit 1 with [`NOT_FOUND_MESSAGE`]: anonymous, as for the docker CLI.
    NotFound,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Found {
    username: String,
    secret: String,
}

/// Asks `docker-credential-<name>` for the credentials of `server`. The
/// error is a sentence for a person: what failed and what the helper said.
pub fn get(name: &str, server: &str, env: &Env) -> Result<Answer, String> {
    let program = format!("docker-credential-{name}");
    let mut child = Command::new(&program)
        .arg("get")
        .env_clear()
        .envs(env.iter())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("`{program}` is not on PATH; install it"),
            _ => format!("cannot start `{program}`: {e}"),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // As the docker CLI: the server address, no newline. A helper that
        // exits without reading is judged by its answer, not by this write.
        let _ = stdin.write_all(server.as_bytes());
    }
    let (tx, rx) = mpsc::channel();
    for (which, pipe) in [
        (
            0,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            1,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(pipe) = pipe {
                let _ = pipe.take(MAX_OUTPUT + 1).read_to_end(&mut bytes);
            }
            let _ = tx.send((which, bytes));
        });
    }
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < DEADLINE => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{program} get` did not answer within {} s and was stopped",
                    DEADLINE.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for `{program}` failed: {e}")),
        }
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        // A grandchild may keep a pipe open; its output is not waited for.
        match rx.recv_timeout(Duration::from_secs(2)) {
            Ok((0, bytes)) => stdout = bytes,
            Ok((_, bytes)) => stderr = bytes,
            Err(_) => break,
        }
    }
    if stdout.len() as u64 > MAX_OUTPUT {
        return Err(format!(
            "`{program} get` wrote more than {MAX_OUTPUT} bytes; that is no credential"
        ));
    }
    judge(&program, status.code(), &stdout, &stderr)
}

/// The docker CLI's reading of a helper's exit code and output.
fn judge(program: &str, code: Option<i32>, stdout: &[u8], stderr: &[u8]) -> Result<Answer, String> {
    let said = String::from_utf8_lossy(stdout);
    if code == Some(0) {
        // The output holds the secret: never shown, even when malformed.
        let found: Found = serde_json::from_slice(stdout).map_err(|_| {
            format!("`{program} get` exited 0 but its answer is not credentials JSON (`{{\"Username\":...,\"Secret\":...}}`)")
        })?;
        return Ok(Answer::Found {
            username: found.username,
            secret: found.secret,
        });
    }
    if said.trim() == NOT_FOUND_MESSAGE {
        return Ok(Answer::NotFound);
    }
    // On failure helpers write their message to stdout (docker shows it), some to stderr.
    let message = [said.trim(), String::from_utf8_lossy(stderr).trim()]
        .into_iter()
        .filter(|m| !m.is_empty())
        .map(|m| super::body::one_line(&m.chars().take(300).collect::<String>()))
        .collect::<Vec<_>>()
        .join("; ");
    let exit = code.map_or_else(
        || "was killed by a signal".to_string(),
        |c| format!("exited {c}"),
    );
    Err(if message.is_empty() {
        format!("`{program} get` {exit} and said nothing")
    } else {
        format!("`{program} get` {exit}: {message}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docker_cli_reading_of_helper_answers() {
        let p = "docker-credential-x";
        assert_eq!(
            judge(
                p,
                Some(0),
                br#"{"ServerURL":"r","Username":"u","Secret":"s"}"#,
                b""
            ),
            Ok(Answer::Found {
                username: "u".into(),
                secret: "s".into()
            })
        );
        assert_eq!(
            judge(
                p,
                Some(1),
                b"credentials not found in native keychain\n",
                b""
            ),
            Ok(Answer::NotFound)
        );
        assert_eq!(
            judge(
                p,
                Some(1),
                b"error getting credentials: keychain locked\n",
                b""
            ),
            Err(
                "`docker-credential-x get` exited 1: error getting credentials: keychain locked"
                    .into()
            )
        );
        assert_eq!(
            judge(p, Some(3), b"", b""),
            Err("`docker-credential-x get` exited 3 and said nothing".into())
        );
        let bad = judge(p, Some(0), b"user hunter2", b"").expect_err("not JSON");
        assert!(!bad.contains("hunter2"), "{bad}");
    }
}
