//! Opening a file below a folder in one system call (Linux `openat2` with
//! `RESOLVE_BENEATH`): the kernel refuses any `..` or symlink that would leave
//! the folder while it resolves the path, so what is opened is inside, with no
//! window between a check and the `open`. [`super::limits::read_in`] uses it
//! for the thousands of configs a plan reads; elsewhere, or where the kernel
//! or a seccomp filter refuses the call, it takes its `/proc` check.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags, ResolveFlags, open, openat2};
use rustix::io::Errno;

/// What [`open_beneath`] found.
pub enum Beneath {
    Opened(std::fs::File),
    /// The path leads out of the folder (or through a `/proc` magic link):
    /// the careful path says exactly why, or reads it when an absolute link
    /// points back inside.
    Refused,
    /// Nothing there (`ENOENT`): a missing file or folder on the way, or a
    /// symlink inside the folder to something missing.
    Missing,
    /// `openat2` is not available here, or failed otherwise: use another way.
    Unknown,
}

/// Opens `rel` for reading, resolved below `root` by the kernel. Whatever it
/// is: the caller checks the opened file's type before reading. `O_NONBLOCK`
/// makes opening a named pipe return at once instead of waiting for a
/// writer; it changes nothing for a regular file.
pub fn open_beneath(root: &Path, rel: &Path) -> Beneath {
    let Some(dir) = root_fd(root) else {
        return Beneath::Unknown;
    };
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
    match openat2(&*dir, rel, flags, Mode::empty(), resolve) {
        Ok(fd) => Beneath::Opened(std::fs::File::from(fd)),
        Err(Errno::XDEV | Errno::LOOP) => Beneath::Refused,
        Err(Errno::NOENT) => Beneath::Missing,
        Err(_) => Beneath::Unknown,
    }
}

/// `root` opened once per process for the root in use (a plan reads every
/// config under one root); shared by the threads that read configs. A root
/// renamed afterwards is still read where it went: inside the same folder.
fn root_fd(root: &Path) -> Option<Arc<OwnedFd>> {
    static LAST: Mutex<Option<(PathBuf, Arc<OwnedFd>)>> = Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((given, fd)) = last.as_ref()
        && given == root
    {
        return Some(Arc::clone(fd));
    }
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let fd = Arc::new(open(root, flags, Mode::empty()).ok()?);
    *last = Some((root.to_path_buf(), Arc::clone(&fd)));
    Some(fd)
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::os::unix::fs::symlink;

    use super::*;

    fn opened(root: &Path, rel: &str) -> Option<String> {
        match open_beneath(root, Path::new(rel)) {
            Beneath::Opened(mut file) => {
                let mut text = String::new();
                file.read_to_string(&mut text).expect("read");
                Some(text)
            }
            Beneath::Refused | Beneath::Missing => None,
            Beneath::Unknown => panic!("{rel}: openat2 unavailable (Linux 5.6 or later needed)"),
        }
    }

    #[test]
    fn the_kernel_keeps_the_path_below_the_root() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("projects/app")).expect("mkdir");
        std::fs::write(root.join("projects/app/build-config.yaml"), "a: 1\n").expect("write");
        std::fs::write(dir.path().join("secret"), "s3cret").expect("write");
        symlink("app", root.join("projects/same")).expect("symlink");
        symlink("../../secret", root.join("projects/up")).expect("symlink");
        symlink(dir.path(), root.join("projects/abs")).expect("symlink");

        assert_eq!(
            opened(&root, "projects/app/build-config.yaml").as_deref(),
            Some("a: 1\n")
        );
        assert_eq!(
            opened(&root, "projects/same/build-config.yaml").as_deref(),
            Some("a: 1\n")
        );
        for rel in [
            "projects/up",
            "projects/abs/secret",
            "projects/../../secret",
        ] {
            assert_eq!(opened(&root, rel), None, "{rel}");
        }
        // A second root in the same process gets its own folder.
        let other = dir.path().join("other");
        std::fs::create_dir(&other).expect("mkdir");
        std::fs::write(other.join("x"), "other\n").expect("write");
        assert_eq!(opened(&other, "x").as_deref(), Some("other\n"));
        assert_eq!(
            opened(&root, "projects/app/build-config.yaml").as_deref(),
            Some("a: 1\n")
        );
    }
}
