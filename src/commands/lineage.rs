//! The monorepo's history as the manifest stage asks it: which of two commits
//! came later, so a moving tag never goes back to an older commit's index.

use std::cmp::Ordering;
use std::path::Path;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::git::Git;
use crate::manifest::Lineage;

/// The clone around a folder, opened on the first question (most runs ask
/// none: opening it starts libgit2 and its TLS set-up), locked for the
/// stitching tasks that share it.
struct History {
    start: PathBuf,
    git: OnceLock<Option<Mutex<Git>>>,
}

impl Lineage for History {
    fn compare(&self, ours: &str, theirs: &str) -> Option<Ordering> {
        let git = self.git.get_or_init(|| match Git::discover(&self.start) {
            Ok(git) => Some(Mutex::new(git)),
            Err(e) => {
                tracing::debug!("no history to order indexes by: {e}");
                None
            }
        });
        let git = git.as_ref()?.lock().unwrap_or_else(|p| p.into_inner());
        // Only full shas: a short or symbolic name is no commit identity.
        let commit = |sha: &str| {
            (sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| git.resolve(sha))
                .flatten()
        };
        let (ours, theirs) = (commit(ours)?, commit(theirs)?);
        if ours == theirs {
            Some(Ordering::Equal)
        } else if git.is_ancestor(ours, theirs) {
            Some(Ordering::Greater)
        } else if git.is_ancestor(theirs, ours) {
            Some(Ordering::Less)
        } else {
            None
        }
    }
}

/// The history of the repository around `start`; without one (or in a
/// clone that lacks the commits) indexes are ordered by their `created` time.
pub fn lineage(start: &Path) -> Arc<dyn Lineage> {
    Arc::new(History {
        start: start.to_path_buf(),
        git: OnceLock::new(),
    })
}
