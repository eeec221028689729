//! Registry credentials: environment, then docker config (`credHelpers`, `auths`, `credsStore`).
//!
//! Resolved once, before the first request, so every request of a run uses
//! the same credentials and an error can say where they came from.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::error::RegistryError;
use super::helper;
use crate::env::Env;

pub const USERNAME_VAR: &str = "MONOARCH_REGISTRY_USERNAME";
pub const PASSWORD_VAR: &str = "MONOARCH_REGISTRY_PASSWORD";

/// A secret for one registry. `Debug` never shows the values.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Basic {
        username: String,
        password: String,
    },
    /// An OAuth2 refresh token (docker config `identitytoken`).
    IdentityToken(String),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Secret::IdentityToken(_) => f.write_str("IdentityToken(<redacted>)"),
        }
    }
}

/// The credentials for one host and a description of where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub secret: Option<Secret>,
    /// For messages: e.g. "credsStore `pass` (docker-credential-pass) in /home/u/.docker/config.json".
    pub source: String,
}

impl Credentials {
    pub fn anonymous(reason: &str) -> Credentials {
        Credentials {
            secret: None,
            source: format!("none (anonymous: {reason})"),
        }
    }

    /// What a message may show: the source and the user name, never a secret.
    pub fn describe(&self) -> String {
        match &self.secret {
            Some(Secret::Basic { username, .. }) => {
                format!("user `{username}` from {}", self.source)
            }
            Some(Secret::IdentityToken(_)) => format!("an identity token from {}", self.source),
            None => self.source.clone(),
        }
    }
}

/// The docker config file the environment points at.
pub fn docker_config_path(env: &Env) -> Option<PathBuf> {
    if let Some(dir) = env.get("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    env.get("HOME")
        .map(|home| PathBuf::from(home).join(".docker").join("config.json"))
}

/// Resolves the credentials for `host`: `MONOARCH_REGISTRY_USERNAME` and
/// `MONOARCH_REGISTRY_PASSWORD` first, then the docker config as the docker
/// CLI reads it: `credHelpers` for the host, else `credsStore`, else the
/// `auths` entry. A helper answering "credentials not found" means anonymous.
pub fn resolve(host: &str, env: &Env) -> Result<Credentials, RegistryError> {
    match (env.get(USERNAME_VAR), env.get(PASSWORD_VAR)) {
        (Some(username), Some(password)) => {
            return Ok(Credentials {
                secret: Some(Secret::Basic {
                    username: username.to_string(),
                    password: password.to_string(),
                }),
                source: format!("{USERNAME_VAR}/{PASSWORD_VAR}"),
            });
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(RegistryError::Credentials {
                host: host.to_string(),
                source_desc: format!("{USERNAME_VAR}/{PASSWORD_VAR}"),
                message: "only one of the two is set".into(),
            });
        }
        (None, None) => {}
    }
    let Some(path) = docker_config_path(env) else {
        return Ok(Credentials::anonymous(
            "neither DOCKER_CONFIG nor HOME is set",
        ));
    };
    let shown = path.display().to_string();
    let Some(text) = read_config(&path) else {
        return Ok(Credentials::anonymous(&format!("no {shown}")));
    };
    let config: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| RegistryError::Credentials {
            host: host.to_string(),
            source_desc: shown.clone(),
            message: format!("not valid JSON: {e}"),
        })?;
    let error = |source_desc: String, message: String| RegistryError::Credentials {
        host: host.to_string(),
        source_desc,
        message,
    };
    let helper = entry(&config, "credHelpers", host)
        .and_then(|v| v.as_str().map(|h| (h.to_string(), "credHelpers entry")))
        .or_else(|| {
            let store = config.get("credsStore")?.as_str()?;
            (!store.is_empty()).then(|| (store.to_string(), "credsStore"))
        });
    if let Some((name, section)) = helper {
        let source = format!("{section} `{name}` (docker-credential-{name}) in {shown}");
        return match helper::get(&name, &server_address(host), env) {
            Ok(helper::Answer::Found { username, secret }) => Ok(Credentials {
                secret: Some(if username == "<token>" {
                    Secret::IdentityToken(secret)
                } else {
                    Secret::Basic {
                        username,
                        password: secret,
                    }
                }),
                source,
            }),
            Ok(helper::Answer::NotFound) => Ok(Credentials::anonymous(&format!(
                "{source} has no credentials for {host}"
            ))),
            Err(message) => Err(error(source, message)),
        };
    }
    let source = format!("the auths entry for {host} in {shown}");
    match entry(&config, "auths", host) {
        Some(auth) => auth_entry(auth)
            .map(|secret| Credentials {
                secret,
                source: source.clone(),
            })
            .map_err(|message| error(source, message)),
        None => Ok(Credentials::anonymous(&format!(
            "no entry for {host} in {shown}"
        ))),
    }
}

/// The config's bytes; `None` when there is no such file. A config is a few
/// KiB: reading stops at 4 MiB, which then fails as invalid JSON.
fn read_config(path: &Path) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    let mut text = Vec::new();
    file.take(4 * 1024 * 1024).read_to_end(&mut text).ok()?;
    Some(text)
}

/// The entry for `host` in a config section, by exact key first, then by
/// host name (docker accepts `https://host/v1/` keys).
fn entry<'a>(
    config: &'a serde_json::Value,
    section: &str,
    host: &str,
) -> Option<&'a serde_json::Value> {
    let map = config.get(section)?.as_object()?;
    map.get(host).or_else(|| {
        map.iter()
            .find(|(key, _)| normalize_key(key) == normalize_key(host))
            .map(|(_, value)| value)
    })
}

/// An `auths` entry: `auth` (base64 `user:password`), `identitytoken`, or
/// `username`/`password`; `None` for an empty entry (a credsStore leftover).
fn auth_entry(entry: &serde_json::Value) -> Result<Option<Secret>, String> {
    let field = |name: &str| {
        entry
            .get(name)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    if let Some(token) = field("identitytoken") {
        return Ok(Some(Secret::IdentityToken(token.to_string())));
    }
    if let Some(auth) = field("auth") {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or("its `auth` is not base64 of `user:password`; log in again (`docker login`)")?;
        let (username, password) = decoded
            .split_once(':')
            .ok_or("its `auth` holds no `user:password`; log in again (`docker login`)")?;
        return Ok(Some(Secret::Basic {
            username: username.to_string(),
            password: password.to_string(),
        }));
    }
    Ok(field("username")
        .zip(field("password"))
        .map(|(u, p)| Secret::Basic {
            username: u.to_string(),
            password: p.to_string(),
        }))
}

/// What a helper is asked for: the host, or Docker Hub's historical address.
fn server_address(host: &str) -> String {
    match normalize_key(host) {
        "index.docker.io" => "https://index.docker.io/v1/".to_string(),
        _ => host.to_string(),
    }
}

fn normalize_key(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let key = key.split('/').next().unwrap_or(key);
    match key {
        "docker.io" | "registry-1.docker.io" => "index.docker.io",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with_config(json: &str) -> (tempfile::TempDir, Env) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("config.json"), json).expect("write config");
        let env = Env::from_pairs([("DOCKER_CONFIG", dir.path().display().to_string())]);
        (dir, env)
    }

    #[test]
    fn environment_variables_win() {
        let env = Env::from_pairs([(USERNAME_VAR, "u"), (PASSWORD_VAR, "pw-secret")]);
        let creds = resolve("r.example", &env).expect("resolves");
        assert_eq!(
            creds.secret,
            Some(Secret::Basic {
                username: "u".into(),
                password: "pw-secret".into()
            })
        );
        assert_eq!(
            creds.describe(),
            format!("user `u` from {USERNAME_VAR}/{PASSWORD_VAR}")
        );
        assert!(!format!("{creds:?}").contains("pw-secret"));
    }

    #[test]
    fn auths_entry_is_decoded_and_described() {
        // "alice:s3cret"
        let (_dir, env) =
            env_with_config(r#"{"auths":{"https://r.example/v1/":{"auth":"YWxpY2U6czNjcmV0"}}}"#);
        let creds = resolve("r.example", &env).expect("resolves");
        assert!(
            matches!(&creds.secret, Some(Secret::Basic { username, .. }) if username == "alice")
        );
        assert!(creds.source.starts_with("the auths entry for r.example"));
        assert!(!creds.describe().contains("s3cret"));
    }

    #[test]
    fn missing_entry_is_anonymous() {
        let (_dir, env) = env_with_config(r#"{"auths":{"other.example":{"auth":"YTpi"}}}"#);
        let creds = resolve("r.example", &env).expect("resolves");
        assert_eq!(creds.secret, None);
        assert!(creds.source.contains("no entry for r.example"));
    }

    #[test]
    fn auths_entries_as_docker_writes_them() {
        let secret = |json: &str| auth_entry(&serde_json::from_str(json).expect("json"));
        assert_eq!(secret("{}"), Ok(None));
        assert_eq!(
            secret(r#"{"identitytoken":"tok"}"#),
            Ok(Some(Secret::IdentityToken("tok".into())))
        );
        assert_eq!(
            secret(r#"{"username":"u","password":"p"}"#),
            Ok(Some(Secret::Basic {
                username: "u".into(),
                password: "p".into()
            }))
        );
        assert!(secret(r#"{"auth":"!!"}"#).is_err());
        let config: serde_json::Value =
            serde_json::from_str(r#"{"auths":{"https://index.docker.io/v1/":{"auth":"YTpi"}}}"#)
                .expect("json");
        assert!(entry(&config, "auths", "docker.io").is_some());
        assert_eq!(server_address("docker.io"), "https://index.docker.io/v1/");
        assert_eq!(server_address("r.example:5000"), "r.example:5000");
    }

    #[test]
    fn half_set_environment_is_an_error() {
        let env = Env::from_pairs([(USERNAME_VAR, "u")]);
        assert!(resolve("r.example", &env).is_err());
    }
}
