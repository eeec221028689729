//! A folder's identity by content: its tree id at a commit, and whether the
//! work tree holds exactly that tree (for build keys of in-repo projects).
//!
//! The comparison reads the files themselves, not the index: every file in
//! the folder is build context, so an untracked or ignored file counts, and
//! git's filters (line endings, LFS) are not undone: a folder that needs them
//! never compares equal, and so never gets a key.

use std::path::Path;

use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;

use super::{Git, GitError, Oid, failed};

impl Git {
    /// The id of the tree at `path` (`/`-separated, relative to the root) in
    /// `commit`; `None` when the commit has no such folder.
    pub fn tree_id(&self, commit: Oid, path: &str) -> Result<Option<Oid>, GitError> {
        let tree = self
            .repo
            .find_commit(commit)
            .map_err(failed("reading a commit"))?
            .tree()
            .map_err(failed("reading a commit's tree"))?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(failed("reading a folder's tree"))?;
        Ok(entry.filter(|e| e.mode().is_tree()).map(|e| e.object_id()))
    }

    /// The first path under `path` (relative to the root) whose work-tree
    /// state differs from `tree`: changed, missing, extra (untracked or
    /// ignored), another mode, or a submodule. `None`: exactly the tree.
    pub fn first_difference(&self, tree: Oid, path: &str) -> Result<Option<String>, GitError> {
        self.compare(tree, &self.root.join(path), path)
    }

    fn compare(&self, tree: Oid, dir: &Path, rel: &str) -> Result<Option<String>, GitError> {
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(failed("reading a tree"))?;
        let decoded = tree.decode().map_err(failed("reading a tree"))?;
        let mut on_disk: Vec<String> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => return Ok(Some(rel.to_string())),
        };
        for entry in &decoded.entries {
            let name = entry.filename.to_str_lossy().into_owned();
            let here = format!("{rel}/{name}");
            on_disk.retain(|n| *n != name);
            let file = dir.join(&name);
            let Ok(meta) = std::fs::symlink_metadata(&file) else {
                return Ok(Some(here));
            };
            let same = match entry.mode.kind() {
                EntryKind::Tree if meta.is_dir() => {
                    match self.compare(entry.oid.to_owned(), &file, &here)? {
                        None => true,
                        deeper => return Ok(deeper),
                    }
                }
                EntryKind::Blob | EntryKind::BlobExecutable if meta.is_file() => {
                    use std::os::unix::fs::PermissionsExt;
                    let executable = meta.permissions().mode() & 0o111 != 0;
                    executable == (entry.mode.kind() == EntryKind::BlobExecutable)
                        && std::fs::read(&file).is_ok_and(|data| self.is_blob(&data, entry.oid))
                }
                EntryKind::Link if meta.is_symlink() => {
                    std::fs::read_link(&file).is_ok_and(|target| {
                        self.is_blob(target.as_os_str().as_encoded_bytes(), entry.oid)
                    })
                }
                // A submodule, or a kind that changed on disk.
                _ => false,
            };
            if !same {
                return Ok(Some(here));
            }
        }
        Ok(on_disk.first().map(|extra| format!("{rel}/{extra}")))
    }

    fn is_blob(&self, data: &[u8], id: &gix::oid) -> bool {
        gix::objs::compute_hash(self.repo.object_hash(), gix::objs::Kind::Blob, data)
            .is_ok_and(|computed| computed == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::tests::{commit_all, git, write_file};

    #[test]
    fn a_folder_tree_follows_its_content_and_the_work_tree_is_checked() {
        use std::os::unix::fs::{PermissionsExt, symlink};
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        let write = |path: &str, text: &str| write_file(root, path, text);
        write("projects/a/Dockerfile", "FROM scratch\n");
        write("projects/a/sub/deep.txt", "deep\n");
        write("projects/b/Dockerfile", "FROM scratch\n");
        write("projects/b/sub/deep.txt", "deep\n");
        write(".gitignore", "*.log\n");
        let first = commit_all(root, "first");
        let git_repo = Git::discover(root).expect("open");
        let a = git_repo
            .tree_id(first, "projects/a")
            .expect("reads")
            .expect("a folder");
        // Same content, same tree: a folder's identity is its content.
        assert_eq!(
            Some(a),
            git_repo.tree_id(first, "projects/b").expect("reads")
        );
        assert_eq!(
            git_repo.tree_id(first, "projects/none").expect("reads"),
            None
        );
        assert_eq!(
            git_repo
                .tree_id(first, "projects/a/Dockerfile")
                .expect("reads"),
            None
        );
        let diff = |path: &str| git_repo.first_difference(a, path).expect("compares");
        assert_eq!(diff("projects/a"), None);

        write("projects/a/build.log", "ignored, yet in the build context");
        assert_eq!(diff("projects/a").as_deref(), Some("projects/a/build.log"));
        std::fs::remove_file(root.join("projects/a/build.log")).expect("rm");
        write("projects/a/sub/deep.txt", "changed\n");
        assert_eq!(
            diff("projects/a").as_deref(),
            Some("projects/a/sub/deep.txt")
        );
        write("projects/a/sub/deep.txt", "deep\n");
        let dockerfile = root.join("projects/a/Dockerfile");
        std::fs::set_permissions(&dockerfile, std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        assert_eq!(diff("projects/a").as_deref(), Some("projects/a/Dockerfile"));
        std::fs::set_permissions(&dockerfile, std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
        std::fs::remove_file(root.join("projects/a/sub/deep.txt")).expect("rm");
        assert_eq!(
            diff("projects/a").as_deref(),
            Some("projects/a/sub/deep.txt")
        );
        write("projects/a/sub/deep.txt", "deep\n");
        assert_eq!(diff("projects/a"), None, "back as committed");

        symlink("Dockerfile", root.join("projects/a/link")).expect("symlink");
        let second = commit_all(root, "second");
        let with_link = git_repo
            .tree_id(second, "projects/a")
            .expect("reads")
            .expect("folder");
        assert_ne!(with_link, a);
        assert_eq!(
            git_repo
                .first_difference(with_link, "projects/a")
                .expect("compares"),
            None
        );
        std::fs::remove_file(root.join("projects/a/link")).expect("rm");
        symlink("sub", root.join("projects/a/link")).expect("symlink");
        assert_eq!(
            git_repo
                .first_difference(with_link, "projects/a")
                .expect("compares")
                .as_deref(),
            Some("projects/a/link")
        );
    }
}
