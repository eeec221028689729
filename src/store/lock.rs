//! An exclusive lock on a folder (flock on the folder itself, so nothing is
//! left behind in it), taken with a deadline: one writer of an OCI layout's
//! `index.json` at a time, across processes.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "oci:{}: another process has held the layout's lock for {seconds} s (another monoarch writing this layout?); wait for it to finish, or stop it",
        path.display()
    )]
    Busy { path: PathBuf, seconds: u64 },
    #[error(
        "oci:{}: cannot lock the layout folder ({message}); use a layout on a local file system",
        path.display()
    )]
    Failed { path: PathBuf, message: String },
}

/// Held while it lives; the lock goes with the file handle.
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

/// Waits up to `deadline` for the exclusive lock on `dir`.
pub async fn exclusive(dir: &Path, deadline: Duration) -> Result<FolderLock, LockError> {
    let failed = |e: std::io::Error| LockError::Failed {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    let file = File::open(dir).map_err(failed)?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FolderLock { _file: file }),
            Err(TryLockError::WouldBlock) if started.elapsed() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    path: dir.to_path_buf(),
                    seconds: deadline.as_secs(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(failed(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_until_the_deadline() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = exclusive(dir.path(), Duration::from_secs(1))
            .await
            .expect("free");
        let busy = exclusive(dir.path(), Duration::from_millis(100)).await;
        assert!(matches!(busy, Err(LockError::Busy { .. })), "{busy:?}");
        drop(first);
        exclusive(dir.path(), Duration::from_millis(100))
            .await
            .expect("released with the handle");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("read").count(),
            0,
            "no lock file left in the folder"
        );
    }
}
