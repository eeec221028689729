//! Size caps on every file monoarch reads, and the one reader that enforces
//! them: a file that is too big, not a regular file, or (for repository
//! files) a symlink leading out of the repository is refused before its
//! content is read, so no error can echo what it holds.

use std::fmt;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// `monoarch.yaml`, `build-config.yaml` and the schedule file: written by
/// people, a few KiB at most; 1 MiB leaves room for generated ones.
pub const CONFIG_CAP: u64 = 1 << 20;
/// A Dockerfile read to decide whether a build executes anything.
pub const DOCKERFILE_CAP: u64 = 1 << 20;
/// The GitHub event payload (`$GITHUB_EVENT_PATH`); GitHub caps webhook
/// payloads at 25 MB.
pub const EVENT_CAP: u64 = 32 << 20;
/// `plan.json` as read by `matrix`, `build` and `manifest`: 2,000 projects
/// with ten tags each take about 4 MiB.
pub const PLAN_CAP: u64 = 64 << 20;
/// A build record: a dozen fields.
pub const RECORD_CAP: u64 = 1 << 20;

/// Why a file was not read. The messages never quote the file's content.
#[derive(Debug)]
pub enum ReadError {
    NotFound,
    /// A symlink (or `..`) leads out of the folder the file must stay in.
    Outside {
        target: PathBuf,
    },
    /// A symlink whose target does not exist.
    Dangling,
    /// A folder, device, FIFO or socket.
    NotAFile {
        kind: &'static str,
    },
    TooLarge {
        cap: u64,
    },
    NotUtf8,
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => write!(f, "no such file"),
            ReadError::Outside { target } => write!(
                f,
                "leads outside the repository (to {}); monoarch reads only files inside it: replace the symlink with the file",
                target.display()
            ),
            ReadError::Dangling => write!(
                f,
                "is a symlink to a file that does not exist; replace it with the file"
            ),
            ReadError::NotAFile { kind } => write!(f, "is a {kind}, not a regular file"),
            ReadError::TooLarge { cap } => {
                write!(f, "is larger than the {} limit; shorten it", human(*cap))
            }
            ReadError::NotUtf8 => write!(f, "is not UTF-8 text"),
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound)
    }
}

/// `1 MiB`, `64 MiB`.
pub fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Reads a regular file of at most `cap` bytes as UTF-8 text. Symlinks are
/// followed (the file may live anywhere: an event payload, a plan artifact).
pub fn read_capped(path: &Path, cap: u64) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => missing(path),
        _ => ReadError::Io(e),
    })?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile {
            kind: kind_of(&meta),
        });
    }
    read_open(
        std::fs::File::open(path).map_err(ReadError::Io)?,
        cap,
        meta.len(),
    )
}

/// Reads an opened regular file, at most `cap` bytes; `size` (from its
/// metadata) only sizes the buffer.
fn read_open(file: std::fs::File, cap: u64, size: u64) -> Result<String, ReadError> {
    // Room for the whole file and one byte more: one read takes the text (and,
    // where it falls back to reading on, the next sees its end; without the
    // byte more, a small probe read would come first).
    let room = usize::try_from(size.min(cap) + 1).unwrap_or(usize::MAX);
    let mut bytes = Vec::with_capacity(room);
    // A regular file reads short only at its end: a first read that returns
    // exactly the metadata's size, with room for a byte more, is the whole
    // file, and the read that would see the end is not made (one system call
    // of five per config; 20,000 of them in `plan --all`).
    #[cfg(target_os = "linux")]
    if let Ok(got) = rustix::io::read(&file, rustix::buffer::spare_capacity(&mut bytes))
        && got as u64 == size
        && got < room
    {
        return String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8);
    }
    // One byte over the cap tells "too large" from "exactly the cap"; the
    // metadata size alone is not trusted (procfs files report 0).
    file.take(cap + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge { cap });
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)
}

/// Reads `rel` (relative, `/`-separated) inside `root`, refusing any path
/// or symlink that leads out of `root` before a byte is read.
///
/// A plan reads thousands of configs: on Linux the common case is one
/// `openat2` that the kernel resolves below `root` ([`super::beneath`]) and
/// an `fstat` of what it opened (only a regular file is read: no folder,
/// device or FIFO). Elsewhere, or where that call is refused: a `stat`, an
/// `open` and one `readlink` of the opened file's `/proc/self/fd` entry
/// (what was opened is what is checked), with `root` resolved once per
/// process. Every refusal, and systems without `/proc`, take the resolving
/// path below, which says exactly why.
pub fn read_in(root: &Path, rel: &str, cap: u64) -> Result<String, ReadError> {
    let path = Path::new(rel);
    if !stays_inside(path) {
        return Err(ReadError::Outside {
            target: path.to_path_buf(),
        });
    }
    #[cfg(target_os = "linux")]
    match super::beneath::open_beneath(root, path) {
        super::beneath::Beneath::Opened(file) => {
            // `fstat`, not `File::metadata`'s `statx` with an empty path.
            return match rustix::fs::fstat(&file) {
                Ok(st) if rustix::fs::FileType::from_raw_mode(st.st_mode).is_file() => {
                    read_open(file, cap, u64::try_from(st.st_size).unwrap_or(0))
                }
                // Not a regular file: the careful path names what it is.
                _ => read_in_resolved(root, path, cap),
            };
        }
        super::beneath::Beneath::Missing => return Err(missing(&root.join(path))),
        super::beneath::Beneath::Refused => return read_in_resolved(root, path, cap),
        super::beneath::Beneath::Unknown => {}
    }
    // Only here is the joined path needed: not built for every config above.
    let joined = root.join(path);
    let size = match std::fs::metadata(&joined) {
        Ok(meta) if meta.is_file() => meta.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing(&joined)),
        _ => return read_in_resolved(root, path, cap),
    };
    let file = std::fs::File::open(&joined).map_err(ReadError::Io)?;
    let opened = std::os::fd::AsRawFd::as_raw_fd(&file);
    let (Ok(real_root), Ok(real)) = (
        real_root(root),
        std::fs::read_link(format!("/proc/self/fd/{opened}")),
    ) else {
        return read_in_resolved(root, path, cap);
    };
    if !real.starts_with(&real_root) {
        return Err(ReadError::Outside { target: real });
    }
    read_open(file, cap, size)
}

/// Nothing at `path` to read: a symlink to nothing, or no file at all.
fn missing(path: &Path) -> ReadError {
    match std::fs::symlink_metadata(path) {
        Ok(_) => ReadError::Dangling,
        Err(_) => ReadError::NotFound,
    }
}

/// `read_in` by resolving `root` and the whole path first: exact about why a
/// path is refused (outside before "not a file").
fn read_in_resolved(root: &Path, path: &Path, cap: u64) -> Result<String, ReadError> {
    let real_root = root.canonicalize().map_err(ReadError::Io)?;
    let joined = real_root.join(path);
    let real = match joined.canonicalize() {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing(&joined)),
        Err(e) => return Err(ReadError::Io(e)),
    };
    if !real.starts_with(&real_root) {
        return Err(ReadError::Outside { target: real });
    }
    read_capped(&real, cap)
}

/// No root, prefix or `..` that climbs above the start.
fn stays_inside(path: &Path) -> bool {
    path.components()
        .try_fold(0usize, |depth, c| match c {
            Component::Normal(_) => Some(depth + 1),
            Component::CurDir => Some(depth),
            Component::ParentDir => depth.checked_sub(1),
            Component::RootDir | Component::Prefix(_) => None,
        })
        .is_some()
}

/// `root` resolved, once per process for the root in use (a plan reads every
/// config under one root). A root moved afterwards makes reads fail as outside.
fn real_root(root: &Path) -> std::io::Result<PathBuf> {
    static LAST: std::sync::Mutex<Option<(PathBuf, PathBuf)>> = std::sync::Mutex::new(None);
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((given, real)) = last.as_ref()
        && given == root
    {
        return Ok(real.clone());
    }
    let real = root.canonicalize()?;
    *last = Some((root.to_path_buf(), real.clone()));
    Ok(real)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "folder"
    } else if t.is_fifo() {
        "named pipe"
    } else if t.is_socket() {
        "socket"
    } else if t.is_char_device() || t.is_block_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn caps_kinds_and_escapes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("ok.txt"), "hello").expect("write");
        std::fs::write(dir.path().join("secret"), "s3cret").expect("write");
        symlink(dir.path().join("secret"), root.join("out")).expect("symlink");
        symlink("ok.txt", root.join("in")).expect("symlink");
        symlink("nowhere", root.join("dangling")).expect("symlink");
        std::fs::write(root.join("bin"), [0xff, 0xfe]).expect("write");

        assert_eq!(read_in(&root, "ok.txt", 5).expect("fits"), "hello");
        assert_eq!(read_in(&root, "in", 5).expect("inside link"), "hello");
        assert!(matches!(
            read_in(&root, "ok.txt", 4),
            Err(ReadError::TooLarge { cap: 4 })
        ));
        let outside = read_in(&root, "out", 100).expect_err("escape");
        assert!(matches!(outside, ReadError::Outside { .. }));
        assert!(!outside.to_string().contains("s3cret"));
        // Through a linked folder, and `..` after a link: the opened file is checked.
        std::fs::create_dir(dir.path().join("elsewhere")).expect("mkdir");
        symlink(dir.path(), root.join("up")).expect("symlink");
        symlink(dir.path().join("elsewhere"), root.join("away")).expect("symlink");
        for rel in ["up/secret", "away/../secret"] {
            let err = read_in(&root, rel, 100).expect_err(rel);
            assert!(matches!(err, ReadError::Outside { .. }), "{rel}: {err}");
        }
        assert!(matches!(
            read_in(&root, "up", 100),
            Err(ReadError::Outside { .. })
        ));
        assert!(matches!(
            read_in(&root, "../secret", 100),
            Err(ReadError::Outside { .. })
        ));
        assert!(matches!(
            read_in(&root, "dangling", 100),
            Err(ReadError::Dangling)
        ));
        assert!(matches!(
            read_in(&root, "sub", 100),
            Err(ReadError::NotAFile { kind: "folder" })
        ));
        // A named pipe is named, not waited on (no writer ever comes).
        let made = std::process::Command::new("mkfifo")
            .arg(root.join("pipe"))
            .status()
            .expect("mkfifo");
        assert!(made.success());
        assert!(matches!(
            read_in(&root, "pipe", 100),
            Err(ReadError::NotAFile { kind: "named pipe" })
        ));
        symlink("sub/nowhere", root.join("dangling-in-sub")).expect("symlink");
        assert!(matches!(
            read_in(&root, "dangling-in-sub", 100),
            Err(ReadError::Dangling)
        ));
        assert!(matches!(
            read_in(&root, "missing/below", 100),
            Err(ReadError::NotFound)
        ));
        assert!(matches!(
            read_in(&root, "missing", 100),
            Err(ReadError::NotFound)
        ));
        assert!(matches!(
            read_in(&root, "bin", 100),
            Err(ReadError::NotUtf8)
        ));
        assert!(matches!(
            read_capped(Path::new("/dev/zero"), 100),
            Err(ReadError::NotAFile { kind: "device" })
        ));
        assert_eq!(human(CONFIG_CAP), "1 MiB");
        assert_eq!(human(PLAN_CAP), "64 MiB");
    }

    /// Every size around the cap reads whole or is refused, whether the first
    /// read took the file (its size known) or more reads were needed.
    #[test]
    fn sizes_around_the_cap_and_files_whose_size_is_unknown() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cap = 64 * 1024;
        for len in [0, 1, 4095, 4096, 4097, cap - 1, cap, cap + 1, 3 * cap] {
            let text: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            std::fs::write(dir.path().join("f"), &text).expect("write");
            for got in [
                read_in(dir.path(), "f", cap),
                read_capped(&dir.path().join("f"), cap),
            ] {
                match got {
                    Ok(read) if len <= cap => {
                        assert!(read == text, "{len} bytes read as {}", read.len())
                    }
                    Err(ReadError::TooLarge { cap: c }) if len > cap => assert_eq!(c, cap),
                    other => panic!("{len} bytes: {other:?}"),
                }
            }
        }
        // procfs reports size 0 for files that have text: read to their end.
        let status = read_capped(Path::new("/proc/self/status"), 1 << 20).expect("status");
        assert!(
            status.starts_with("Name:") && status.contains("\nPid:"),
            "{status}"
        );
        assert!(matches!(
            read_capped(Path::new("/proc/self/status"), 8),
            Err(ReadError::TooLarge { cap: 8 })
        ));
    }
}
