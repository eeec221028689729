//! The narrow git layer (gitoxide, no `git` CLI): commits, merge bases and tree diffs.

use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change;
use gix::objs::tree::EntryMode;
use thiserror::Error;

mod delta_bases;
mod folder;
mod noting;
pub mod remote;
pub mod ssh;

/// A commit id.
pub type Oid = gix::ObjectId;

/// What to tell the user when history is missing from a shallow clone.
pub const DEEPEN_HINT: &str = "fetch the full history (GitHub: actions/checkout with `fetch-depth: 0`; GitLab: `GIT_DEPTH: 0`; locally: `git fetch --unshallow`) or rerun with --deepen";

#[derive(Debug, Error)]
pub enum GitError {
    #[error(
        "{path} is not inside a git repository ({message}); run monoarch in the monorepo or pass --repo"
    )]
    NotARepo { path: PathBuf, message: String },
    #[error(
        "the repository at {path} has no commit checked out (HEAD: {message}); commit or check out a branch first"
    )]
    NoHead { path: PathBuf, message: String },
    #[error(
        "base `{git_ref}` is not a commit in this clone; check the name, or fetch it (`git fetch origin {git_ref}`)"
    )]
    UnknownRef { git_ref: String },
    #[error("the clone is shallow and lacks {what}; {DEEPEN_HINT}")]
    Shallow { what: String },
    #[error("git failed while {doing}: {message}")]
    Failed { doing: String, message: String },
}

fn failed(doing: &str) -> impl FnOnce(gix::Error) -> GitError + '_ {
    move |e| GitError::Failed {
        doing: doing.to_string(),
        message: e.to_string(),
    }
}

pub struct Git {
    repo: gix::Repository,
    root: PathBuf,
    /// For `--deepen`, the only network operation here.
    limits: remote::Limits,
}

/// `repo` with monoarch's caches, however it was opened. No object cache:
/// every tree is read once, and copying each object into a cache cost ~15% of
/// the plan stage at 500 changed projects (BENCHMARKS.md). The cache of decoded
/// delta chains keeps only small objects, found by a hash (`delta_bases`).
fn with_caches(mut repo: gix::Repository) -> gix::Repository {
    repo.objects
        .set_pack_cache(|| Box::new(delta_bases::DeltaBases::default()));
    repo
}

impl Git {
    /// Opens the repository that contains `start`.
    pub fn discover(start: &Path) -> Result<Git, GitError> {
        let repo = gix::discover(start).map_err(|e| GitError::NotARepo {
            path: start.to_path_buf(),
            message: e.to_string(),
        })?;
        let root = repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or_else(|| GitError::NotARepo {
                path: start.to_path_buf(),
                message: "it is a bare repository, with no checked-out files".into(),
            })?;
        Ok(Git {
            repo: with_caches(repo),
            root,
            limits: Default::default(),
        })
    }

    /// The repository opened again, with the same options: what the history
    /// walk mapped of the pack index (the kernel maps 64 KB around each commit
    /// read) is let go before the tree diff maps its own, so the two do not add
    /// up in one peak (git itself runs them as two processes).
    pub fn reopened(mut self) -> Result<Git, GitError> {
        let repo =
            gix::open_opts(self.repo.path(), self.repo.open_options().clone()).map_err(|e| {
                GitError::Failed {
                    doing: "opening the repository again".into(),
                    message: e.to_string(),
                }
            })?;
        self.repo = with_caches(repo);
        Ok(self)
    }

    /// Time limits for [`Git::deepen`] (`MONOARCH_GIT_TIMEOUT`, ...).
    pub fn with_limits(mut self, limits: remote::Limits) -> Git {
        self.limits = limits;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn head(&self) -> Result<Oid, GitError> {
        self.repo
            .head_id()
            .map(gix::Id::detach)
            .map_err(|e| GitError::NoHead {
                path: self.root.clone(),
                message: e.to_string(),
            })
    }

    /// Resolves a sha, branch, tag or `origin/x` to a commit present in this clone.
    pub fn resolve(&self, spec: &str) -> Option<Oid> {
        let id = self.repo.rev_parse_single(spec).ok()?;
        let commit = id.object().ok()?.peel_to_commit().ok()?;
        Some(commit.id)
    }

    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow().unwrap_or(false)
    }

    /// The best common ancestor; `None` when there is none or history is missing.
    pub fn merge_base(&self, a: Oid, b: Oid) -> Option<Oid> {
        if a == b {
            return Some(a);
        }
        self.repo
            .merge_base(a, b)
            .ok()
            .flatten()
            .map(gix::Id::detach)
    }

    /// True when `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: Oid, descendant: Oid) -> bool {
        self.merge_base(ancestor, descendant) == Some(ancestor)
    }

    pub fn first_parent(&self, commit: Oid) -> Option<Oid> {
        self.repo
            .find_commit(commit)
            .ok()?
            .parent_ids()
            .next()
            .map(gix::Id::detach)
    }

    /// The default branch: `configured`, else `origin/HEAD`, else main/master (remote first).
    pub fn default_branch(
        &self,
        configured: Option<&str>,
        extra: &[String],
    ) -> Option<(String, Oid)> {
        let mut candidates: Vec<String> = Vec::new();
        if let Some(name) = configured {
            candidates.push(format!("origin/{name}"));
            candidates.push(name.to_string());
        }
        candidates.extend(extra.iter().cloned());
        if let Ok(Some(reference)) = self.repo.try_find_reference("refs/remotes/origin/HEAD")
            && let gix::refs::TargetRef::Symbolic(target) = reference.target()
        {
            let target = target.as_bstr().to_str_lossy();
            candidates.push(target.trim_start_matches("refs/remotes/").to_string());
        }
        for name in ["origin/main", "origin/master", "main", "master"] {
            candidates.push(name.to_string());
        }
        candidates
            .into_iter()
            .find_map(|name| self.resolve(&name).map(|oid| (name, oid)))
    }

    /// Paths (old and new side, `/`-separated) that differ between two commits.
    /// gitoxide's tree diff walks both trees side by side, as `git diff-tree -r`
    /// does, and skips identical subtrees by id, so the cost follows the size of
    /// the change, not of the repository.
    #[cfg(test)]
    pub fn changed_paths(&self, base: Oid, head: Oid) -> Result<Vec<String>, GitError> {
        self.changed_paths_noting(base, head, |_| {})
    }

    /// [`Self::changed_paths`], telling `note` each changed path (folders too,
    /// as they are met) while the diff runs: the walk is breadth-first, so the
    /// changed folders of a level are known before anything below them is read,
    /// and the caller can start work on them in parallel.
    pub fn changed_paths_noting(
        &self,
        base: Oid,
        head: Oid,
        note: impl FnMut(&[u8]),
    ) -> Result<Vec<String>, GitError> {
        let tree = |oid: Oid| {
            self.repo
                .find_commit(oid)
                .and_then(|c| c.tree())
                .map_err(failed("reading a commit's tree"))
        };
        let (base_tree, head_tree) = (tree(base)?, tree(head)?);
        let mut recorder = noting::Noting::new(note);
        gix::diff::tree(
            gix::objs::TreeRefIter::from_bytes(&base_tree.data, self.repo.object_hash()),
            gix::objs::TreeRefIter::from_bytes(&head_tree.data, self.repo.object_hash()),
            gix::diff::tree::State::default(),
            &self.repo.objects,
            &mut recorder,
        )
        .map_err(|e| GitError::Failed {
            doing: "comparing two trees".into(),
            message: e.to_string(),
        })?;
        let mut paths: Vec<String> = recorder
            .into_records()
            .into_iter()
            .filter_map(|change| {
                // A folder is named through the files below it; a file, symlink
                // or submodule on either side is a change (also a file that
                // became a folder).
                let (modes, path) = match change {
                    Change::Addition {
                        entry_mode, path, ..
                    }
                    | Change::Deletion {
                        entry_mode, path, ..
                    } => ([entry_mode, entry_mode], path),
                    Change::Modification {
                        previous_entry_mode,
                        entry_mode,
                        path,
                        ..
                    } => ([previous_entry_mode, entry_mode], path),
                };
                let not_tree = |m: &EntryMode| !m.is_tree();
                modes
                    .iter()
                    .any(not_tree)
                    .then(|| path.to_str_lossy().into_owned())
            })
            .collect();
        paths.sort();
        paths.dedup();
        Ok(paths)
    }

    /// Fetches the missing history of a shallow clone from `origin`, with the
    /// repository's own git configuration (e.g. the `http.extraHeader` that
    /// actions/checkout sets) and monoarch's deadlines.
    pub fn deepen(&self) -> Result<(), GitError> {
        remote::deepen(&self.root, &self.limits).map_err(|e| GitError::Failed {
            doing: "fetching the full history from `origin`".into(),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn not_a_repo_says_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = Git::discover(dir.path())
            .err()
            .expect("a plain folder is not a repo");
        assert!(err.to_string().contains("pass --repo"), "{err}");
    }

    pub(crate) fn git(root: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(root)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("run git (install git)");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Writes `text` at `path` below `root`, making its folders.
    pub(crate) fn write_file(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// Commits the work tree as it is (additions, changes, deletions, modes).
    pub(crate) fn commit_all(root: &Path, message: &str) -> Oid {
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "--allow-empty", "-m", message]);
        Oid::from_hex(git(root, &["rev-parse", "HEAD"]).as_bytes()).expect("sha")
    }

    /// The walk names what `git diff --name-only --no-renames` names: edits deep
    /// and shallow, a deleted folder, a file turned folder, a mode change, a symlink.
    #[test]
    fn changed_paths_match_git_diff() {
        use std::os::unix::fs::{PermissionsExt, symlink};
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        let write = |path: &str, text: &str| write_file(root, path, text);
        for path in ["a/keep.txt", "a/change.txt", "b/sub/deep.txt", "c/gone.txt"] {
            write(path, path);
        }
        write("d", "a file, later a folder");
        write("e.sh", "echo");
        write("same/dir/f.txt", "untouched");
        let base = commit_all(root, "base");

        write("a/change.txt", "changed");
        write("b/sub/deep.txt", "changed");
        std::fs::remove_dir_all(root.join("c")).expect("rm c");
        std::fs::remove_file(root.join("d")).expect("rm d");
        write("d/inner.txt", "now a folder");
        std::fs::set_permissions(root.join("e.sh"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        write("new/n.txt", "added");
        symlink("a/keep.txt", root.join("link")).expect("symlink");
        let head = commit_all(root, "head");

        let repo = Git::discover(root).expect("open");
        let walked = repo.changed_paths(base, head).expect("changed paths");
        let expected = [
            "a/change.txt",
            "b/sub/deep.txt",
            "c/gone.txt",
            "d",
            "d/inner.txt",
            "e.sh",
            "link",
            "new/n.txt",
        ];
        assert_eq!(walked, expected);
        let by_git = git(
            root,
            &[
                "diff",
                "--name-only",
                "--no-renames",
                &base.to_string(),
                &head.to_string(),
            ],
        );
        let mut by_git: Vec<&str> = by_git.lines().collect();
        by_git.sort_unstable();
        assert_eq!(walked, by_git);
    }

    /// Opened again (as a plan does between the history walk and the diff), a
    /// repository answers as before, from a linked worktree and packed too.
    #[test]
    fn reopened_answers_as_before_in_a_linked_worktree() {
        let dir = tempfile::tempdir().expect("temp dir");
        let main = dir.path().join("main");
        std::fs::create_dir(&main).expect("mkdir");
        git(&main, &["init", "-q", "-b", "main"]);
        write_file(&main, "projects/a/x", "1");
        let base = commit_all(&main, "base");
        let linked = dir.path().join("linked");
        git(
            &main,
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                "feature",
                linked.to_str().expect("utf-8"),
            ],
        );
        write_file(&linked, "projects/a/x", "2");
        write_file(&linked, "projects/b/y", "new");
        let head = commit_all(&linked, "feature");
        git(&main, &["gc", "-q"]);

        let opened = Git::discover(&linked.join("projects")).expect("open");
        let before = (
            opened.head().expect("head"),
            opened.merge_base(base, head),
            opened.changed_paths(base, head).expect("diff"),
        );
        let reopened = opened.reopened().expect("reopen");
        assert_eq!(reopened.root(), linked.canonicalize().expect("real path"));
        let after = (
            reopened.head().expect("head"),
            reopened.merge_base(base, head),
            reopened.changed_paths(base, head).expect("diff"),
        );
        assert_eq!(before, after);
        assert_eq!(after.0, head);
        assert_eq!(after.1, Some(base));
        assert_eq!(after.2, ["projects/a/x", "projects/b/y"]);
    }

    /// Merge base, ancestry, first parent and name resolution on a small fork.
    #[test]
    fn history_questions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        let c1 = commit_all(root, "c1");
        let c2 = commit_all(root, "c2");
        git(root, &["checkout", "-q", "-b", "feature"]);
        let f1 = commit_all(root, "f1");
        git(root, &["checkout", "-q", "main"]);
        let c3 = commit_all(root, "c3");
        git(root, &["tag", "-a", "v1", "-m", "annotated"]);
        let repo = Git::discover(root).expect("open");
        assert_eq!(repo.merge_base(f1, c3), Some(c2));
        assert!(repo.is_ancestor(c1, f1));
        assert!(!repo.is_ancestor(f1, c3));
        assert_eq!(repo.first_parent(c2), Some(c1));
        assert_eq!(repo.first_parent(c1), None);
        assert_eq!(repo.resolve("v1"), Some(c3), "an annotated tag peels");
        assert_eq!(repo.resolve("feature"), Some(f1));
        assert_eq!(repo.resolve(&c1.to_string()[..10]), Some(c1));
        assert_eq!(repo.resolve("no-such-branch"), None);
        assert_eq!(repo.head().expect("head"), c3);
        assert_eq!(
            repo.default_branch(None, &[]).map(|(n, _)| n),
            Some("main".to_string())
        );
        assert!(!repo.is_shallow());
    }
}
