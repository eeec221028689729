//! The projects folder, asked whether names a date-sha tag could collide with
//! exist (two per changed project, `<name>-<date>` and `<name>-<date>-<sha7>`).
//!
//! Almost every answer is "no", and a `lstat` of a name that is not there costs
//! 1 µs when the kernel has looked that name up before and 5 µs when not (as in
//! CI, where each commit brings a new sha), against 0.31 µs per name to list
//! the folder (ext4, 2,000 and 20,000 folders, timed in C). So the folder is
//! listed once when the lookups a run expects cost more than that, and looked
//! up name by name otherwise (a few changes, or 20,000 projects).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

/// Names listed for the price of one lookup: between the measured ratios of a
/// name the kernel has looked up before (3) and one it has not (16).
const LISTED_PER_LOOKUP: usize = 8;

/// The projects folder, opened once, shared by the threads that ask.
pub struct Folders {
    path: PathBuf,
    /// `O_PATH` handle: each lookup resolves one name, not the whole path
    /// from `/` again (1.5 against 2.5 µs per lookup, timed from Python).
    fd: Option<OwnedFd>,
    /// Folders in it, from its link count (2 + subfolders on ext4, XFS and
    /// tmpfs); unknown where the count says 1 (btrfs, overlayfs).
    subfolders: Option<usize>,
    /// How many lookups the run expects in all, as the caller learns it.
    expected: AtomicUsize,
    /// Every name in the folder, listed once worth it; `None`: could not be
    /// listed (or held far more than its folders), looked up one by one.
    listing: OnceLock<Option<HashSet<Box<str>>>>,
}

impl Folders {
    pub fn open(path: &Path) -> Folders {
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::empty()).ok();
        let links = fd.as_ref().and_then(|fd| rustix::fs::fstat(fd).ok());
        Folders {
            path: path.to_path_buf(),
            subfolders: links
                .and_then(|st| usize::try_from(st.st_nlink).ok())
                .and_then(|n| n.checked_sub(2)),
            fd,
            expected: AtomicUsize::new(0),
            listing: OnceLock::new(),
        }
    }

    /// The run now expects `lookups` lookups in all (it only grows).
    pub fn expect(&self, lookups: usize) {
        self.expected.fetch_max(lookups, Ordering::Relaxed);
    }

    /// Nothing at all named `name` (one path component) in the folder: from
    /// the listing once there is one, else by one `lstat` (a link is
    /// something: it is read as usual).
    pub fn lacks(&self, name: &str) -> bool {
        if let Some(names) = self.listed() {
            return !names.contains(name);
        }
        match &self.fd {
            Some(fd) => {
                rustix::fs::statat(fd, name, AtFlags::SYMLINK_NOFOLLOW).err() == Some(Errno::NOENT)
            }
            None => std::fs::symlink_metadata(self.path.join(name))
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound),
        }
    }

    /// The listing, made by the first caller once the expected lookups cost
    /// more than it (the others wait for it, then use it).
    fn listed(&self) -> Option<&HashSet<Box<str>>> {
        if let Some(done) = self.listing.get() {
            return done.as_ref();
        }
        let subfolders = self.subfolders?;
        let expected = self.expected.load(Ordering::Relaxed);
        if expected.saturating_mul(LISTED_PER_LOOKUP) < subfolders {
            return None;
        }
        self.listing
            .get_or_init(|| {
                let names = list(&self.path, subfolders);
                tracing::debug!(
                    listed = names.as_ref().map(HashSet::len),
                    expected,
                    "projects folder listed once: cheaper than looking up each name"
                );
                names
            })
            .as_ref()
    }
}

/// Every name in `path` that is text (a name that is not cannot be asked
/// for); `None` if it cannot be read, or holds more than twice its folders
/// and a thousand entries besides: files the link count does not show, which
/// would make the listing dearer than the lookups.
fn list(path: &Path, subfolders: usize) -> Option<HashSet<Box<str>>> {
    let most = subfolders.saturating_mul(2).saturating_add(1024);
    let mut names = HashSet::with_capacity(subfolders + 2);
    for (seen, entry) in std::fs::read_dir(path).ok()?.enumerate() {
        let entry = entry.ok()?;
        if seen == most {
            return None;
        }
        if let Ok(name) = entry.file_name().into_string() {
            names.insert(name.into_boxed_str());
        }
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in names {
            std::fs::create_dir(dir.path().join(name)).expect("mkdir");
        }
        dir
    }

    #[test]
    fn looks_up_one_by_one_until_a_listing_costs_less() {
        let names: Vec<String> = (0..40).map(|i| format!("p{i:02}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let dir = folder(&refs);
        std::fs::write(dir.path().join("file"), "").expect("file");
        std::os::unix::fs::symlink("p00", dir.path().join("link")).expect("link");
        let mut folders = Folders::open(dir.path());
        // What ext4, XFS and tmpfs say, whatever this temp folder is on.
        folders.subfolders = Some(40);

        // 4 lookups expected: 32 names listed cost less than 40.
        folders.expect(4);
        assert!(!folders.lacks("p01") && folders.lacks("p01-20261120"));
        assert!(folders.listing.get().is_none(), "looked up, not listed");
        // Made after the answers above: a lookup sees it, as a listing would.
        std::fs::create_dir(dir.path().join("late")).expect("mkdir");
        assert!(!folders.lacks("late"));

        folders.expect(5);
        for name in ["p00", "p39", "file", "link", "late"] {
            assert!(!folders.lacks(name), "{name} is there");
        }
        for name in ["p40", "p00-20261120", "P00", ""] {
            assert!(folders.lacks(name), "{name:?} is not");
        }
        let listed = folders
            .listing
            .get()
            .expect("listed")
            .as_ref()
            .expect("read");
        assert_eq!(listed.len(), 43);
        // Fewer expected later changes nothing: the listing stays.
        folders.expect(1);
        assert!(folders.lacks("p40") && !folders.lacks("p01"));
    }

    #[test]
    fn subfolders_are_counted_from_the_links_where_the_file_system_counts_them() {
        let dir = folder(&["a", "b", "c"]);
        std::fs::write(dir.path().join("file"), "").expect("file");
        let links =
            std::os::unix::fs::MetadataExt::nlink(&std::fs::metadata(dir.path()).expect("stat"));
        let folders = Folders::open(dir.path());
        match links {
            5 => assert_eq!(folders.subfolders, Some(3)),
            1 => assert_eq!(folders.subfolders, None),
            other => panic!("a folder with 3 subfolders has {other} links"),
        }
    }

    #[test]
    fn a_folder_whose_count_says_nothing_or_that_holds_many_files_is_looked_up() {
        let dir = folder(&["a"]);
        for i in 0..1030 {
            std::fs::write(dir.path().join(format!("f{i}")), "").expect("file");
        }
        let mut folders = Folders::open(dir.path());
        folders.subfolders = Some(1);
        folders.expect(usize::MAX);
        assert!(!folders.lacks("a") && !folders.lacks("f1029") && folders.lacks("b"));
        assert!(
            matches!(folders.listing.get(), Some(None)),
            "too many to list"
        );

        let gone = Folders::open(&dir.path().join("missing"));
        assert_eq!(gone.subfolders, None);
        gone.expect(usize::MAX);
        assert!(gone.lacks("a"));
        assert!(gone.listing.get().is_none());
    }
}
