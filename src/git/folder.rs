//! A folder's identity by content: its tree id at a commit, and whether the
//! work tree still holds exactly that (for build keys of in-repo projects).

use git2::{ObjectType, StatusOptions};

use super::{Git, GitError, Oid, failed};

impl Git {
    /// The id of the tree at `path` (`/`-separated, relative to the root) in
    /// `commit`; `None` when the commit has no such folder.
    pub fn tree_id(&self, commit: Oid, path: &str) -> Result<Option<Oid>, GitError> {
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(failed("reading a commit's tree"))?;
        match tree.get_path(std::path::Path::new(path)) {
            Ok(entry) if entry.kind() == Some(ObjectType::Tree) => Ok(Some(entry.id())),
            Ok(_) => Ok(None),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(failed("reading a folder's tree")(e)),
        }
    }

    /// The first path under `path` whose work-tree state differs from HEAD:
    /// modified, staged, untracked or ignored (an ignored file is still part of
    /// a build context). `None`: the folder is exactly HEAD's tree.
    pub fn first_difference(&self, path: &str) -> Result<Option<String>, GitError> {
        let mut options = StatusOptions::new();
        options
            .pathspec(path.trim_end_matches('/'))
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(true)
            .recurse_ignored_dirs(true);
        let statuses = self
            .repo
            .statuses(Some(&mut options))
            .map_err(failed("reading the work tree's status"))?;
        Ok(statuses
            .iter()
            .find(|s| !s.status().is_empty())
            .and_then(|s| s.path().ok().map(str::to_string)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_tree_follows_its_content_and_the_work_tree_is_checked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let repo = git2::Repository::init(root).expect("init");
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write("projects/a/Dockerfile", "FROM scratch\n");
        write("projects/b/Dockerfile", "FROM scratch\n");
        write(".gitignore", "*.log\n");
        let commit = |parent: Option<Oid>| {
            let mut index = repo.index().expect("index");
            index
                .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
                .expect("add");
            index.write().expect("write index");
            let tree = repo
                .find_tree(index.write_tree().expect("tree"))
                .expect("tree");
            let sig = git2::Signature::now("t", "t@example.invalid").expect("sig");
            let parents: Vec<git2::Commit> = parent
                .map(|p| repo.find_commit(p).expect("parent"))
                .into_iter()
                .collect();
            let parents: Vec<&git2::Commit> = parents.iter().collect();
            repo.commit(Some("HEAD"), &sig, &sig, "c", &tree, &parents)
                .expect("commit")
        };
        let first = commit(None);
        let git = Git::discover(root).expect("open");
        let a = git.tree_id(first, "projects/a").expect("reads");
        assert!(a.is_some());
        // Same content, same tree: a folder's identity is its content.
        assert_eq!(a, git.tree_id(first, "projects/b").expect("reads"));
        assert_eq!(git.tree_id(first, "projects/none").expect("reads"), None);
        assert_eq!(git.first_difference("projects/a").expect("status"), None);

        write("projects/a/build.log", "ignored, yet in the build context");
        assert_eq!(
            git.first_difference("projects/a")
                .expect("status")
                .as_deref(),
            Some("projects/a/build.log")
        );
        // Another folder's files do not count, nor a sibling that shares the prefix.
        assert_eq!(git.first_difference("projects/b").expect("status"), None);
        write("projects/bb/new.txt", "untracked");
        assert_eq!(git.first_difference("projects/b").expect("status"), None);
        assert!(
            git.first_difference("projects/bb")
                .expect("status")
                .is_some()
        );
        std::fs::remove_file(root.join("projects/a/build.log")).expect("rm");
        write("projects/a/Dockerfile", "FROM scratch\nCOPY x /\n");
        assert!(
            git.first_difference("projects/a")
                .expect("status")
                .is_some()
        );
        let second = commit(Some(first));
        assert_ne!(git.tree_id(second, "projects/a").expect("reads"), a);
        assert_eq!(git.first_difference("projects/a").expect("status"), None);
    }
}
