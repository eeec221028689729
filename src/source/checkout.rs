//! Checking out a fetched commit into the work folder (gitoxide's worktree
//! checkout: attributes and filters applied, paths validated like git's).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::refs::Wanted;

/// The commit the fetched ref (or the wanted sha) peels to, if it arrived.
pub fn peel_commit(dest: &Path, wanted: &Wanted, local_ref: &str) -> Option<gix::ObjectId> {
    let repo = gix::open_opts(dest, gix::open::Options::isolated()).ok()?;
    let spec = match wanted {
        Wanted::Ref { .. } => local_ref,
        Wanted::Commit(sha) => sha.as_str(),
    };
    let id = repo.rev_parse_single(spec).ok()?;
    let commit = id.object().ok()?.peel_to_commit().ok()?;
    Some(commit.id)
}

/// Writes the tree of `commit` into the (empty) work tree of the repository at
/// `dest`, records it in the index and detaches HEAD at `commit`.
pub fn checkout(dest: &Path, commit: gix::ObjectId) -> Result<(), gix::Error> {
    let repo = gix::open_opts(dest, gix::open::Options::isolated())?;
    let tree = repo.find_commit(commit)?.tree_id()?;
    let mut index = repo.index_from_tree(&tree)?;
    let mut options =
        repo.checkout_options(gix::worktree::stack::state::attributes::Source::IdMapping)?;
    options.destination_is_initially_empty = true;
    let workdir = repo.workdir().unwrap_or(dest).to_path_buf();
    let objects = repo
        .objects
        .clone()
        .into_arc()
        .map_err(|e| gix::Error::from_error(e))?;
    let outcome = gix::worktree::state::checkout(
        &mut index,
        &workdir,
        objects,
        &gix::progress::Discard,
        &gix::progress::Discard,
        &AtomicBool::new(false),
        options,
    )?;
    if let Some(first) = outcome.errors.first() {
        return Err(gix::Error::from_error(std::io::Error::other(format!(
            "cannot write {}: {}",
            first.path, first.error
        ))));
    }
    index.write(Default::default())?;
    std::fs::write(repo.git_dir().join("HEAD"), format!("{commit}\n"))
        .map_err(gix::Error::from_error)?;
    Ok(())
}
