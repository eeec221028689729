//! Hands `MONOARCH_REGISTRY_USERNAME` / `_PASSWORD` to the builder as an auth
//! file, so push and read-back use the same credentials and none is on a
//! command line. The file lives only as long as its job: it is removed when
//! the job ends, whatever the outcome, and by [`remove_live`] when the
//! process is stopped by a signal.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::env::Env;
use crate::registry::{PASSWORD_VAR, USERNAME_VAR};

use super::BuildError;

/// Auth files of the jobs running now, for [`remove_live`].
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Credentials from the environment, written for the builder; the file is
/// removed when this value is dropped (the job's end, on every path).
#[derive(Debug, PartialEq, Eq)]
pub struct AuthFile {
    /// A docker-config-format file (`{"auths": {...}}`), readable by the owner only.
    pub path: PathBuf,
    /// The password, to be masked in the builder's output.
    pub password: String,
}

impl Drop for AuthFile {
    fn drop(&mut self) {
        remove(&self.path);
        LIVE.lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|p| p != &self.path);
    }
}

/// Removes the auth file of every job still running: the process is being
/// stopped (SIGTERM from a cancelled CI job) and no `Drop` will run.
pub fn remove_live() {
    for path in LIVE.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
        remove(&path);
    }
}

/// Removes an auth file and its folder (which holds nothing else).
fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir(dir);
    }
}

/// `{"auths":{"<host>":{"auth":"<base64 user:password>"}}}`.
pub fn auth_json(host: &str, username: &str, password: &str) -> String {
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    serde_json::json!({ "auths": { host: { "auth": auth } } }).to_string()
}

/// Writes `dir/config.json` when both variables are set; `None` otherwise
/// (the builder then uses its own credentials: docker config, `buildah login`).
pub fn write(dir: &Path, host: &str, env: &Env) -> Result<Option<AuthFile>, BuildError> {
    let (Some(username), Some(password)) = (env.get(USERNAME_VAR), env.get(PASSWORD_VAR)) else {
        return Ok(None);
    };
    let path = dir.join("config.json");
    // Registered before it exists: a signal in between still removes it.
    LIVE.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(path.clone());
    let auth = AuthFile {
        path: path.clone(),
        password: password.to_string(),
    };
    let err = |e: std::io::Error| BuildError::Output {
        what: "registry auth file",
        path: path.clone(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .map_err(err)?;
    file.write_all(auth_json(host, username, password).as_bytes())
        .map_err(err)?;
    Ok(Some(auth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_only_with_both_variables_and_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let none = write(
            dir.path(),
            "r:5000",
            &Env::from_pairs([(USERNAME_VAR, "u")]),
        );
        assert_eq!(none.expect("ok"), None);
        let env = Env::from_pairs([(USERNAME_VAR, "user"), (PASSWORD_VAR, "pass")]);
        let auth = write(dir.path(), "r:5000", &env)
            .expect("ok")
            .expect("written");
        let text = std::fs::read_to_string(&auth.path).expect("read");
        assert_eq!(text, r#"{"auths":{"r:5000":{"auth":"dXNlcjpwYXNz"}}}"#);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&auth.path)
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(auth);
        assert!(
            !dir.path().join("config.json").exists(),
            "removed with its job"
        );
        let again = write(&dir.path().join("auth"), "r:5000", &env)
            .expect("ok")
            .expect("written");
        remove_live();
        assert!(!again.path.exists(), "removed when the process is stopped");
    }
}
