//! The narrow git layer (git2, no `git` CLI): commits, merge bases and tree diffs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use git2::Oid;
use git2::{ObjectType, Repository, Tree, TreeEntry};
use thiserror::Error;

mod folder;

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

fn failed(doing: &str) -> impl FnOnce(git2::Error) -> GitError + '_ {
    move |e| GitError::Failed {
        doing: doing.to_string(),
        message: e.message().to_string(),
    }
}

pub struct Git {
    repo: Repository,
    root: PathBuf,
}

impl Git {
    /// Opens the repository that contains `start`.
    pub fn discover(start: &Path) -> Result<Git, GitError> {
        let repo = Repository::discover(start).map_err(|e| GitError::NotARepo {
            path: start.to_path_buf(),
            message: e.message().to_string(),
        })?;
        let root = repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or_else(|| GitError::NotARepo {
                path: start.to_path_buf(),
                message: "it is a bare repository, with no checked-out files".into(),
            })?;
        Ok(Git { repo, root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn head(&self) -> Result<Oid, GitError> {
        self.repo
            .head()
            .and_then(|h| h.peel_to_commit())
            .map(|c| c.id())
            .map_err(|e| GitError::NoHead {
                path: self.root.clone(),
                message: e.message().to_string(),
            })
    }

    /// Resolves a sha, branch, tag or `origin/x` to a commit present in this clone.
    pub fn resolve(&self, spec: &str) -> Option<Oid> {
        self.repo
            .revparse_single(spec)
            .ok()
            .and_then(|o| o.peel_to_commit().ok())
            .map(|c| c.id())
    }

    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    pub fn merge_base(&self, a: Oid, b: Oid) -> Option<Oid> {
        self.repo.merge_base(a, b).ok()
    }

    /// True when `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: Oid, descendant: Oid) -> bool {
        ancestor == descendant
            || self
                .repo
                .graph_descendant_of(descendant, ancestor)
                .unwrap_or(false)
    }

    pub fn first_parent(&self, commit: Oid) -> Option<Oid> {
        self.repo.find_commit(commit).ok()?.parent_id(0).ok()
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
        if let Ok(reference) = self.repo.find_reference("refs/remotes/origin/HEAD")
            && let Ok(Some(target)) = reference.symbolic_target()
        {
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
    /// Identical subtrees are skipped by id, so the cost follows the size of the change.
    pub fn changed_paths(&self, base: Oid, head: Oid) -> Result<Vec<String>, GitError> {
        let tree = |oid: Oid| {
            self.repo
                .find_commit(oid)
                .and_then(|c| c.tree())
                .map_err(failed("reading a commit's tree"))
        };
        let (base_tree, head_tree) = (tree(base)?, tree(head)?);
        let mut paths = Vec::new();
        self.diff_trees(Some(&base_tree), Some(&head_tree), "", &mut paths)?;
        paths.sort();
        paths.dedup();
        Ok(paths)
    }

    /// Walks two trees side by side, as `git diff-tree -r` does. Not libgit2's
    /// `diff_tree_to_tree`: its iterator reads every subtree of both sides even
    /// when their ids are equal, which made the cost follow the size of the repo
    /// (2,000 projects: ~8,000 tree reads for a one-file change; see BENCHMARKS.md).
    fn diff_trees(
        &self,
        old: Option<&Tree>,
        new: Option<&Tree>,
        prefix: &str,
        out: &mut Vec<String>,
    ) -> Result<(), GitError> {
        type Sides<'t> = (Option<TreeEntry<'t>>, Option<TreeEntry<'t>>);
        let mut by_name: BTreeMap<Vec<u8>, Sides> = BTreeMap::new();
        for entry in old.into_iter().flat_map(Tree::iter) {
            let name = entry.name_bytes().to_vec();
            by_name.entry(name).or_default().0 = Some(entry);
        }
        for entry in new.into_iter().flat_map(Tree::iter) {
            let name = entry.name_bytes().to_vec();
            by_name.entry(name).or_default().1 = Some(entry);
        }
        let is_tree = |e: &Option<TreeEntry>| {
            e.as_ref()
                .is_some_and(|e| e.kind() == Some(ObjectType::Tree))
        };
        for (name, (a, b)) in by_name {
            if let (Some(a), Some(b)) = (&a, &b)
                && a.id() == b.id()
                && a.filemode() == b.filemode()
            {
                continue;
            }
            let path = format!("{prefix}{}", String::from_utf8_lossy(&name));
            let subtree = |e: &Option<TreeEntry>| match e {
                Some(e) if e.kind() == Some(ObjectType::Tree) => self
                    .repo
                    .find_tree(e.id())
                    .map(Some)
                    .map_err(failed("reading a tree")),
                _ => Ok(None),
            };
            if is_tree(&a) || is_tree(&b) {
                let (ta, tb) = (subtree(&a)?, subtree(&b)?);
                self.diff_trees(ta.as_ref(), tb.as_ref(), &format!("{path}/"), out)?;
            }
            // A file, symlink or submodule on either side (also a file that became a folder).
            if a.is_some() && !is_tree(&a) || b.is_some() && !is_tree(&b) {
                out.push(path);
            }
        }
        Ok(())
    }

    /// Fetches the missing history of a shallow clone from `origin`.
    pub fn deepen(&self) -> Result<(), GitError> {
        let mut remote = self
            .repo
            .find_remote("origin")
            .map_err(failed("finding remote `origin` to deepen the clone"))?;
        let mut options = git2::FetchOptions::new();
        // libgit2's GIT_FETCH_DEPTH_UNSHALLOW.
        options.depth(i32::MAX);
        remote
            .fetch::<&str>(&[], Some(&mut options), None)
            .map_err(failed("fetching the full history from `origin`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_repo_says_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = Git::discover(dir.path())
            .err()
            .expect("a plain folder is not a repo");
        assert!(err.to_string().contains("pass --repo"), "{err}");
    }

    /// Commits the work tree of `repo` as it is (additions, changes, deletions, modes).
    fn commit_all(repo: &Repository, parent: Option<Oid>) -> Oid {
        let mut index = repo.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add all");
        index.update_all(["*"], None).expect("record deletions");
        index.write().expect("write index");
        let tree = repo
            .find_tree(index.write_tree().expect("write tree"))
            .expect("tree");
        let sig = git2::Signature::now("t", "t@example.invalid").expect("signature");
        let parents: Vec<git2::Commit> = parent
            .map(|p| repo.find_commit(p).expect("parent"))
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        repo.commit(None, &sig, &sig, "c", &tree, &parents)
            .expect("commit")
    }

    /// The pruned walk names what libgit2's full diff names: edits deep and
    /// shallow, a deleted folder, a file turned folder, a mode change, a symlink.
    #[test]
    fn changed_paths_match_a_full_tree_diff() {
        use std::os::unix::fs::{PermissionsExt, symlink};
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let repo = Repository::init(root).expect("init");
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        for path in ["a/keep.txt", "a/change.txt", "b/sub/deep.txt", "c/gone.txt"] {
            write(path, path);
        }
        write("d", "a file, later a folder");
        write("e.sh", "echo");
        write("same/dir/f.txt", "untouched");
        let base = commit_all(&repo, None);

        write("a/change.txt", "changed");
        write("b/sub/deep.txt", "changed");
        std::fs::remove_dir_all(root.join("c")).expect("rm c");
        std::fs::remove_file(root.join("d")).expect("rm d");
        write("d/inner.txt", "now a folder");
        std::fs::set_permissions(root.join("e.sh"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        write("new/n.txt", "added");
        symlink("a/keep.txt", root.join("link")).expect("symlink");
        let head = commit_all(&repo, Some(base));

        let git = Git::discover(root).expect("open");
        let walked = git.changed_paths(base, head).expect("changed paths");
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

        let tree = |oid: Oid| repo.find_commit(oid).and_then(|c| c.tree()).expect("tree");
        let diff = repo
            .diff_tree_to_tree(Some(&tree(base)), Some(&tree(head)), None)
            .expect("libgit2 diff");
        let mut full: Vec<String> = diff
            .deltas()
            .flat_map(|d| [d.old_file().path(), d.new_file().path()])
            .flatten()
            .filter_map(|p| p.to_str().map(str::to_string))
            .collect();
        full.sort();
        full.dedup();
        assert_eq!(walked, full);
    }
}
