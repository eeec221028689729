//! Hands `MONOARCH_REGISTRY_USERNAME` / `_PASSWORD` to the builder as an auth
//! file, so push and read-back use the same credentials and none is on a command line.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::registry::{PASSWORD_VAR, USERNAME_VAR};

use super::BuildError;

/// Credentials from the environment, written for the builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFile {
    /// A docker-config-format file (`{"auths": {...}}`), readable by the owner only.
    pub path: PathBuf,
    /// The password, to be masked in the builder's output.
    pub password: String,
}

/// `{"auths":{"<host>":{"auth":"<base64 user:password>"}}}`.
pub fn auth_json(host: &str, username: &str, password: &str) -> String {
    let auth = base64_encode(format!("{username}:{password}").as_bytes());
    serde_json::json!({ "auths": { host: { "auth": auth } } }).to_string()
}

/// Writes `dir/config.json` when both variables are set; `None` otherwise
/// (the builder then uses its own credentials: docker config, `buildah login`).
pub fn write(dir: &Path, host: &str, env: &Env) -> Result<Option<AuthFile>, BuildError> {
    let (Some(username), Some(password)) = (env.get(USERNAME_VAR), env.get(PASSWORD_VAR)) else {
        return Ok(None);
    };
    let path = dir.join("config.json");
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
    Ok(Some(AuthFile {
        path,
        password: password.to_string(),
    }))
}

/// Standard base64 with padding (the docker config `auth` field).
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"user:pass"), "dXNlcjpwYXNz");
    }

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
    }
}
