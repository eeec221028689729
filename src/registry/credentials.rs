//! Registry credentials: environment, then docker config (`credHelpers`, `auths`, `credsStore`).
//!
//! Resolved once, before the first request, so every request of a run uses
//! the same credentials and an error can say where they came from.

use std::fmt;
use std::path::PathBuf;

use docker_credential::{CredentialRetrievalError, DockerCredential};

use super::error::RegistryError;
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
/// `MONOARCH_REGISTRY_PASSWORD` first, then the docker config. Runs a
/// credential helper when the config names one.
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
                message: "set both variables or neither".into(),
            });
        }
        (None, None) => {}
    }
    let Some(path) = docker_config_path(env) else {
        return Ok(Credentials::anonymous(
            "neither DOCKER_CONFIG nor HOME is set",
        ));
    };
    let Ok(text) = std::fs::read(&path) else {
        return Ok(Credentials::anonymous(&format!("no {}", path.display())));
    };
    let config: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| RegistryError::Credentials {
            host: host.to_string(),
            source_desc: path.display().to_string(),
            message: format!("not valid JSON: {e}"),
        })?;
    let source = describe_source(&config, host, &path.display().to_string());
    match docker_credential::get_credential_from_reader(text.as_slice(), host) {
        Ok(DockerCredential::UsernamePassword(username, password)) => Ok(Credentials {
            secret: Some(Secret::Basic { username, password }),
            source,
        }),
        Ok(DockerCredential::IdentityToken(token)) => Ok(Credentials {
            secret: Some(Secret::IdentityToken(token)),
            source,
        }),
        Err(CredentialRetrievalError::NoCredentialConfigured) => Ok(Credentials::anonymous(
            &format!("no entry for {host} in {}", path.display()),
        )),
        Err(e) => Err(RegistryError::Credentials {
            host: host.to_string(),
            source_desc: source,
            message: helper_message(e),
        }),
    }
}

/// A helper's stdout may hold a secret, so only its stderr is shown.
fn helper_message(e: CredentialRetrievalError) -> String {
    match e {
        CredentialRetrievalError::HelperFailure { helper, stderr, .. } => {
            format!("`{helper} get` failed: {}", stderr.trim())
        }
        CredentialRetrievalError::HelperCommunicationError => {
            "the credential helper could not be run; is `docker-credential-<name>` on PATH?".into()
        }
        other => other.to_string(),
    }
}

/// Names the config entry docker would use for `host` (same order as the
/// `docker_credential` crate: credHelpers, auths, credsStore).
fn describe_source(config: &serde_json::Value, host: &str, path: &str) -> String {
    let find = |section: &str| {
        config
            .get(section)?
            .as_object()?
            .iter()
            .find_map(|(key, value)| {
                (normalize_key(key) == normalize_key(host)).then_some(value.clone())
            })
    };
    if let Some(helper) = find("credHelpers").and_then(|v| v.as_str().map(str::to_string)) {
        return format!("credHelpers entry `{helper}` (docker-credential-{helper}) in {path}");
    }
    let auth_entry = find("auths").filter(|v| v.as_object().is_some_and(|o| !o.is_empty()));
    if auth_entry.is_some() {
        return format!("the auths entry for {host} in {path}");
    }
    if let Some(store) = config.get("credsStore").and_then(|v| v.as_str()) {
        return format!("credsStore `{store}` (docker-credential-{store}) in {path}");
    }
    path.to_string()
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
        let env = Env::from_pairs([(USERNAME_VAR, "u"), (PASSWORD_VAR, "p")]);
        let creds = resolve("r.example", &env).expect("resolves");
        assert_eq!(
            creds.secret,
            Some(Secret::Basic {
                username: "u".into(),
                password: "p".into()
            })
        );
        assert!(!creds.describe().contains('p') || !creds.describe().contains(":p"));
        assert!(format!("{creds:?}").contains("<redacted>"));
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
    fn helper_names_are_described() {
        let config: serde_json::Value = serde_json::from_str(
            r#"{"credsStore":"desktop","credHelpers":{"ecr.example":"ecr-login"}}"#,
        )
        .expect("json");
        assert!(describe_source(&config, "ecr.example", "c.json").contains("ecr-login"));
        assert!(
            describe_source(&config, "other.example", "c.json").contains("credsStore `desktop`")
        );
    }

    #[test]
    fn half_set_environment_is_an_error() {
        let env = Env::from_pairs([(USERNAME_VAR, "u")]);
        assert!(resolve("r.example", &env).is_err());
    }
}
