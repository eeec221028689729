//! Which credential (from the environment) an upstream gets; never printed.
//!
//! A token goes only over `https://`, and only to the host (and port) it
//! belongs to: `MONOARCH_GIT_TOKEN` to `MONOARCH_GIT_TOKEN_HOST`, GitLab's
//! `CI_JOB_TOKEN` to its CI server, `GITHUB_TOKEN` to `GITHUB_SERVER_URL`.

pub use crate::config::url::{has_password, redact_url};
use crate::env::Env;
use crate::git::remote::{Access, HttpToken, Limits, NetError};
use crate::git::ssh::SshSettings;

pub const TOKEN_VAR: &str = "MONOARCH_GIT_TOKEN";
pub const TOKEN_HOST_VAR: &str = "MONOARCH_GIT_TOKEN_HOST";
pub const TOKEN_USER_VAR: &str = "MONOARCH_GIT_USERNAME";
/// Lets `plan --resolve-refs` use credentials on a pull/merge-request plan.
pub const PULL_REQUEST_VAR: &str = "MONOARCH_GIT_CREDENTIALS_ON_PULL_REQUESTS";

/// Whose URLs these are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// URLs from the repository at a pushed commit: credentials as scoped.
    Repository,
    /// URLs a pull or merge request controls: no credentials unless
    /// [`PULL_REQUEST_VAR`] is true.
    PullRequest,
}

/// `scheme`, lowercased host and port of a URL with an authority.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

fn origin(url: &str) -> Option<Origin> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit('@').next()?;
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let default = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => 0,
    };
    let port = match port {
        Some(p) if !p.is_empty() => p.parse().ok()?,
        _ => default,
    };
    (!host.is_empty()).then(|| Origin {
        scheme,
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// `host` or `host:port` (https assumed) as a pin.
fn pinned(pin: &str) -> Option<Origin> {
    let pin = pin.trim();
    if pin.contains("://") {
        origin(pin)
    } else {
        origin(&format!("https://{pin}"))
    }
}

/// Where GitLab's job token belongs: `CI_SERVER_URL`, else protocol, host and port.
fn gitlab_server(env: &Env) -> Option<Origin> {
    if let Some(url) = env.get("CI_SERVER_URL") {
        return origin(url);
    }
    let host = env.get("CI_SERVER_HOST")?;
    let protocol = env.get("CI_SERVER_PROTOCOL").unwrap_or("https");
    let port = env
        .get("CI_SERVER_PORT")
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    origin(&format!("{protocol}://{host}{port}"))
}

fn github_server(env: &Env) -> Option<Origin> {
    origin(env.get("GITHUB_SERVER_URL").unwrap_or("https://github.com"))
}

/// The token to offer `url`, if any: only for `https://` and the token's own host.
pub fn token_for(url: &str, env: &Env) -> Option<HttpToken> {
    let target = origin(url).filter(|o| o.scheme == "https")?;
    let https_and =
        |server: Option<Origin>| server.is_some_and(|s| s.scheme == "https" && s == target);
    if let Some(secret) = env.get(TOKEN_VAR)
        && https_and(env.get(TOKEN_HOST_VAR).and_then(pinned))
    {
        return Some(HttpToken {
            var: TOKEN_VAR,
            username: env.get(TOKEN_USER_VAR).unwrap_or("oauth2").to_string(),
            secret: secret.to_string(),
        });
    }
    if let Some(secret) = env.get("CI_JOB_TOKEN")
        && https_and(gitlab_server(env))
    {
        return Some(HttpToken {
            var: "CI_JOB_TOKEN",
            username: "gitlab-ci-token".to_string(),
            secret: secret.to_string(),
        });
    }
    if https_and(github_server(env)) {
        for var in ["GITHUB_TOKEN", "GH_TOKEN"] {
            if let Some(secret) = env.get(var) {
                return Some(HttpToken {
                    var,
                    username: "x-access-token".to_string(),
                    secret: secret.to_string(),
                });
            }
        }
    }
    None
}

/// Why no token went to `url` although one is set; for the error hint.
pub fn withheld(url: &str, env: &Env) -> Option<String> {
    let target = origin(url)?;
    if target.scheme != "https" && env.get(TOKEN_VAR).is_some() {
        return Some(format!(
            "${TOKEN_VAR} is never sent over {}://; use the https:// URL",
            target.scheme
        ));
    }
    if env.get(TOKEN_VAR).is_some() {
        return Some(match env.get(TOKEN_HOST_VAR) {
            None => format!(
                "${TOKEN_VAR} is set but goes only to the host named in ${TOKEN_HOST_VAR}; set {TOKEN_HOST_VAR}={}{}",
                target.host,
                if target.port == 443 {
                    String::new()
                } else {
                    format!(":{}", target.port)
                }
            ),
            Some(pin) => format!("${TOKEN_VAR} goes only to {pin} (${TOKEN_HOST_VAR})"),
        });
    }
    None
}

/// The settings for connecting to `url`: deadlines, the scoped token, ssh and roots.
pub fn access_for(url: &str, env: &Env, trust: Trust) -> Result<Access, NetError> {
    let limits = Limits::from_env(env)?;
    let roots = crate::tls::extra_roots(env.get(crate::tls::CA_FILE_VAR)).map_err(|e| {
        NetError::Setting {
            var: crate::tls::CA_FILE_VAR,
            message: e.message,
        }
    })?;
    let mut ssh = SshSettings::from_env(env);
    let mut token = token_for(url, env);
    if trust == Trust::PullRequest && !env.is_true(PULL_REQUEST_VAR) {
        token = None;
        ssh.anonymous = true;
    }
    Ok(Access {
        limits,
        token,
        ssh,
        roots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(url: &str, env: &Env) -> Option<&'static str> {
        token_for(url, env).map(|t| t.var)
    }

    #[test]
    fn gitlab_job_token_goes_only_to_its_own_server_over_https() {
        let env = Env::from_pairs([
            ("CI_JOB_TOKEN", "glt-secret"),
            ("CI_SERVER_URL", "https://gitlab.example.com"),
        ]);
        assert_eq!(
            var("https://gitlab.example.com/g/r.git", &env),
            Some("CI_JOB_TOKEN")
        );
        assert_eq!(var("http://gitlab.example.com/g/r.git", &env), None);
        assert_eq!(var("https://gitlab.example.com:8443/g/r.git", &env), None);
        assert_eq!(var("https://gitlab.example.com.evil/r.git", &env), None);
        assert_eq!(var("https://github.com/org/repo", &env), None);
        let port = Env::from_pairs([
            ("CI_JOB_TOKEN", "glt-secret"),
            ("CI_SERVER_HOST", "gitlab.example.com"),
            ("CI_SERVER_PORT", "8443"),
        ]);
        assert_eq!(
            var("https://gitlab.example.com:8443/g/r.git", &port),
            Some("CI_JOB_TOKEN")
        );
        assert_eq!(var("https://gitlab.example.com/g/r.git", &port), None);
        let plain = Env::from_pairs([
            ("CI_JOB_TOKEN", "glt-secret"),
            ("CI_SERVER_URL", "http://gitlab.example.com"),
        ]);
        assert_eq!(var("http://gitlab.example.com/g/r.git", &plain), None);
    }

    #[test]
    fn github_token_goes_only_to_its_server() {
        let env = Env::from_pairs([("GITHUB_TOKEN", "ghs-secret")]);
        let t = token_for("https://github.com/org/repo", &env).expect("token");
        assert_eq!(
            (t.var, t.username.as_str()),
            ("GITHUB_TOKEN", "x-access-token")
        );
        assert_eq!(var("https://gitlab.com/org/repo", &env), None);
        assert_eq!(var("http://github.com/org/repo", &env), None);
        let ghes = Env::from_pairs([
            ("GITHUB_TOKEN", "ghs-secret"),
            ("GITHUB_SERVER_URL", "https://ghe.corp.example"),
        ]);
        assert_eq!(
            var("https://ghe.corp.example/org/repo", &ghes),
            Some("GITHUB_TOKEN")
        );
        assert_eq!(var("https://github.com/org/repo", &ghes), None);
    }

    #[test]
    fn explicit_token_needs_its_pinned_host() {
        let unpinned = Env::from_pairs([(TOKEN_VAR, "pat")]);
        assert_eq!(var("https://git.example/r", &unpinned), None);
        assert!(
            withheld("https://git.example/r", &unpinned)
                .is_some_and(|w| w.contains("MONOARCH_GIT_TOKEN_HOST=git.example"))
        );
        let pinned = Env::from_pairs([(TOKEN_VAR, "pat"), (TOKEN_HOST_VAR, "git.example")]);
        let t = token_for("https://git.example/r", &pinned).expect("token");
        assert_eq!(t.username, "oauth2");
        assert_eq!(var("https://other.example/r", &pinned), None);
        assert_eq!(var("https://git.example:8443/r", &pinned), None);
        assert_eq!(var("http://git.example/r", &pinned), None);
        let port = Env::from_pairs([(TOKEN_VAR, "pat"), (TOKEN_HOST_VAR, "127.0.0.1:8443")]);
        assert_eq!(var("https://127.0.0.1:8443/r.git", &port), Some(TOKEN_VAR));
        assert_eq!(var("https://127.0.0.1:9443/r.git", &port), None);
    }

    #[test]
    fn no_token_for_git_or_ssh_urls() {
        let env = Env::from_pairs([(TOKEN_VAR, "pat"), (TOKEN_HOST_VAR, "github.com")]);
        assert_eq!(var("git://github.com/r", &env), None);
        assert_eq!(var("git@github.com:org/r.git", &env), None);
        assert_eq!(var("ssh://git@github.com/org/r.git", &env), None);
    }

    #[test]
    fn pull_requests_get_no_credentials_unless_allowed() {
        let env = Env::from_pairs([("GITHUB_TOKEN", "ghs"), ("MONOARCH_GIT_SSH_KEY", "/k")]);
        let pr = access_for("https://github.com/o/r", &env, Trust::PullRequest).expect("access");
        assert!(pr.token.is_none() && pr.ssh.anonymous);
        let push = access_for("https://github.com/o/r", &env, Trust::Repository).expect("access");
        assert!(push.token.is_some() && !push.ssh.anonymous);
        let env = Env::from_pairs([("GITHUB_TOKEN", "ghs"), (PULL_REQUEST_VAR, "true")]);
        let allowed =
            access_for("https://github.com/o/r", &env, Trust::PullRequest).expect("access");
        assert!(allowed.token.is_some());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let env = Env::from_pairs([(TOKEN_VAR, "pat-123"), (TOKEN_HOST_VAR, "git.example")]);
        let t = token_for("https://git.example/r", &env).expect("token");
        assert!(!format!("{t:?}").contains("pat-123"));
    }
}
