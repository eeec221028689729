//! A real `git daemon` on 127.0.0.1 serving test-made repositories over `git://`
//! (libgit2 cannot fetch shallow over `file://`).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::git_repo::{GitRepo, run_git};
use super::registry::free_port;

pub struct GitDaemon {
    child: Child,
    port: u16,
    base: TempDir,
}

impl GitDaemon {
    /// Starts a daemon.
    pub fn start() -> GitDaemon {
        crate::support::tools::require("git");
        let base = tempfile::tempdir().expect("temp dir for git daemon");
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new("git")
                .arg("daemon")
                .arg("--reuseaddr")
                .arg("--export-all")
                .arg("--informative-errors")
                .arg("--listen=127.0.0.1")
                .arg(format!("--port={port}"))
                .arg(format!("--base-path={}", base.path().display()))
                .arg(base.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start git daemon");
            let mut child = child;
            if wait_ready(&mut child, port) {
                return GitDaemon { child, port, base };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("git daemon did not start in 5 tries");
    }

    /// Publishes (or updates) `repo` as `<name>.git`, every branch and tag; returns its URL.
    pub fn publish(&self, repo: &GitRepo, name: &str) -> String {
        let bare = self.bare_path(name);
        if !bare.exists() {
            run_git(
                self.base.path(),
                &["init", "-q", "--bare", &format!("{name}.git")],
            );
        }
        repo.git(&["push", "-q", "--mirror", &bare.display().to_string()]);
        self.url(name)
    }

    /// Sets a config value in the served bare repository (e.g. `uploadpack.allowAnySHA1InWant`).
    pub fn config(&self, name: &str, key: &str, value: &str) {
        run_git(&self.bare_path(name), &["config", key, value]);
    }

    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}.git", self.port)
    }

    fn bare_path(&self, name: &str) -> PathBuf {
        self.base.path().join(format!("{name}.git"))
    }
}

/// True once the server `child` accepts connections on `port`; false if it died or took too long.
pub fn wait_ready(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
