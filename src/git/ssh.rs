//! The `ssh` command line for `ssh://` and `git@host:path` upstreams: the SSH
//! agent, a key file from the environment, and host keys always checked.

use std::path::PathBuf;
use std::time::Duration;

use crate::env::Env;

/// A private key file to offer (besides the agent's keys).
pub const KEY_VAR: &str = "MONOARCH_GIT_SSH_KEY";
/// A known_hosts file to check host keys against, instead of `~/.ssh/known_hosts`.
pub const KNOWN_HOSTS_VAR: &str = "MONOARCH_GIT_SSH_KNOWN_HOSTS";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshSettings {
    pub key: Option<PathBuf>,
    pub known_hosts: Option<PathBuf>,
    /// Offer no key at all (neither the agent's nor the key file): for URLs a
    /// pull request controls.
    pub anonymous: bool,
}

impl SshSettings {
    pub fn from_env(env: &Env) -> SshSettings {
        let path = |var| {
            env.get(var)
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from)
        };
        SshSettings {
            key: path(KEY_VAR),
            known_hosts: path(KNOWN_HOSTS_VAR),
            anonymous: false,
        }
    }

    /// The command gitoxide runs (through `sh -c`, with the host and the
    /// remote command appended). `BatchMode` never prompts; an unknown or
    /// changed host key fails (`StrictHostKeyChecking=yes` wins over any
    /// `~/.ssh/config`, as command-line options come first).
    pub fn command(&self, idle: Duration) -> String {
        let secs = idle.as_secs().max(1);
        let mut cmd = vec![
            "ssh".to_string(),
            "-o BatchMode=yes".into(),
            "-o StrictHostKeyChecking=yes".into(),
            "-o LogLevel=ERROR".into(),
            format!("-o ConnectTimeout={secs}"),
            // A silent peer is dropped after about `idle`.
            format!("-o ServerAliveInterval={}", secs.div_ceil(3).max(1)),
            "-o ServerAliveCountMax=3".into(),
        ];
        if self.anonymous {
            cmd.push("-o IdentityAgent=none".into());
            cmd.push("-o IdentitiesOnly=yes".into());
            cmd.push("-o IdentityFile=none".into());
        } else if let Some(key) = &self.key {
            cmd.push(format!("-i {}", quote(&key.to_string_lossy())));
        }
        if let Some(known) = &self.known_hosts {
            cmd.push(format!(
                "-o UserKnownHostsFile={}",
                quote(&known.to_string_lossy())
            ));
            cmd.push("-o GlobalKnownHostsFile=/dev/null".into());
        }
        cmd.join(" ")
    }
}

/// Single-quotes `text` for `sh`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// True for `ssh://...` and scp-like `user@host:path` URLs.
pub fn is_ssh_url(url: &str) -> bool {
    if url.starts_with("ssh://") || url.starts_with("git+ssh://") {
        return true;
    }
    !url.contains("://")
        && url
            .split_once(':')
            .is_some_and(|(host, _)| !host.is_empty() && !host.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys_are_always_checked_and_the_key_file_is_quoted() {
        let env = Env::from_pairs([
            (KEY_VAR, "/keys/it's mine"),
            (KNOWN_HOSTS_VAR, "/etc/monoarch/known_hosts"),
        ]);
        let cmd = SshSettings::from_env(&env).command(Duration::from_secs(30));
        assert!(cmd.starts_with("ssh -o BatchMode=yes -o StrictHostKeyChecking=yes"));
        assert!(cmd.contains(r"-i '/keys/it'\''s mine'"), "{cmd}");
        assert!(cmd.contains("-o UserKnownHostsFile='/etc/monoarch/known_hosts'"));
        assert!(cmd.contains("-o ConnectTimeout=30"));
        assert!(!cmd.contains("StrictHostKeyChecking=no"));
    }

    #[test]
    fn anonymous_offers_no_key() {
        let env = Env::from_pairs([(KEY_VAR, "/keys/id")]);
        let mut settings = SshSettings::from_env(&env);
        settings.anonymous = true;
        let cmd = settings.command(Duration::from_secs(10));
        assert!(cmd.contains("IdentityAgent=none"), "{cmd}");
        assert!(!cmd.contains("/keys/id"), "{cmd}");
    }

    #[test]
    fn ssh_urls() {
        assert!(is_ssh_url("ssh://git@host:2222/r.git"));
        assert!(is_ssh_url("git@github.com:org/r.git"));
        assert!(!is_ssh_url("https://host/r.git"));
        assert!(!is_ssh_url("git://host/r.git"));
        assert!(!is_ssh_url("/srv/repo"));
    }
}
