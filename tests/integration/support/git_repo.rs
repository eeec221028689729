//! Real git repositories in temp dirs, driven by the real `git` command.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

pub struct GitRepo {
    dir: TempDir,
}

impl GitRepo {
    /// A new repository on branch `main` with a test identity and no commits.
    pub fn new() -> GitRepo {
        let dir = tempfile::tempdir().expect("temp dir for a git repo");
        let repo = GitRepo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "monoarch test"]);
        repo.git(&["config", "user.email", "test@monoarch.invalid"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders), relative to the repo root.
    pub fn write(&self, rel: &str, contents: &str) -> &GitRepo {
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent folders");
        }
        fs::write(&path, contents).expect("write file");
        self
    }

    /// Replaces `rel` with a symlink to `target` (committed as a symlink).
    pub fn symlink(&self, rel: &str, target: &Path) -> &GitRepo {
        let path = self.dir.path().join(rel);
        if path.is_dir() && !path.is_symlink() {
            fs::remove_dir_all(&path).expect("remove the folder the link replaces");
        } else if path.exists() || path.is_symlink() {
            fs::remove_file(&path).expect("remove the file the link replaces");
        }
        std::os::unix::fs::symlink(target, &path).expect("symlink");
        self
    }

    pub fn remove(&self, rel: &str) -> &GitRepo {
        let path = self.dir.path().join(rel);
        if path.is_dir() {
            fs::remove_dir_all(&path).expect("remove folder");
        } else {
            fs::remove_file(&path).expect("remove file");
        }
        self
    }

    /// Stages everything and commits; returns the new commit's full sha.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.head()
    }

    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs git in the repo; panics with git's stderr when it fails; returns trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        run_git(self.dir.path(), args)
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Mirrors every branch and tag to the bare repository `<base>/<name>.git`
    /// (created when missing), as a test server serves it; returns its path.
    pub fn mirror_to(&self, base: &Path, name: &str) -> PathBuf {
        let bare = base.join(format!("{name}.git"));
        if !bare.exists() {
            run_git(base, &["init", "-q", "--bare", &format!("{name}.git")]);
        }
        self.git(&["push", "-q", "--mirror", &bare.display().to_string()]);
        bare
    }
}

pub fn run_git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
