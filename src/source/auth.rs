//! Which token (from the environment) a private upstream gets; never printed.

use crate::env::Env;

/// Credentials for one upstream URL. `var` names where the secret came from,
/// for error messages; `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub var: &'static str,
    pub username: String,
    pub secret: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token(from {}, user {})", self.var, self.username)
    }
}

/// The token to send to `url`, if any. A CI system's own token only goes to
/// that system's host: a GitLab job token must never reach github.com.
pub fn token_for(url: &str, env: &Env) -> Option<Token> {
    let host = https_host(url)?;
    if let Some(secret) = env.get("MONOARCH_GIT_TOKEN") {
        let allowed = env
            .get("MONOARCH_GIT_TOKEN_HOST")
            .is_none_or(|h| h.eq_ignore_ascii_case(&host));
        if allowed {
            return Some(Token {
                var: "MONOARCH_GIT_TOKEN",
                username: env
                    .get("MONOARCH_GIT_USERNAME")
                    .unwrap_or("oauth2")
                    .to_string(),
                secret: secret.to_string(),
            });
        }
    }
    if let (Some(secret), Some(server)) = (env.get("CI_JOB_TOKEN"), env.get("CI_SERVER_HOST"))
        // GitLab sets CI_SERVER_HOST without the port (that is CI_SERVER_PORT).
        && server.eq_ignore_ascii_case(host_name(&host))
    {
        return Some(Token {
            var: "CI_JOB_TOKEN",
            username: "gitlab-ci-token".to_string(),
            secret: secret.to_string(),
        });
    }
    let github_host = env
        .get("GITHUB_SERVER_URL")
        .and_then(https_host)
        .unwrap_or_else(|| "github.com".to_string());
    if github_host.eq_ignore_ascii_case(&host) {
        for var in ["GITHUB_TOKEN", "GH_TOKEN"] {
            if let Some(secret) = env.get(var) {
                return Some(Token {
                    var,
                    username: "x-access-token".to_string(),
                    secret: secret.to_string(),
                });
            }
        }
    }
    None
}

/// The host (with port) of an `http(s)://` URL; `None` for other schemes.
fn https_host(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split('/').next()?;
    let host = authority.rsplit('@').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// `host` without a `:port`.
fn host_name(host: &str) -> &str {
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// `url` without any password in it, safe to print.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitlab_job_token_goes_only_to_its_own_server() {
        let env = Env::from_pairs([
            ("CI_JOB_TOKEN", "glt-secret"),
            ("CI_SERVER_HOST", "gitlab.example.com"),
        ]);
        let t = token_for("https://gitlab.example.com/group/repo.git", &env).expect("token");
        assert_eq!(
            (t.var, t.username.as_str()),
            ("CI_JOB_TOKEN", "gitlab-ci-token")
        );
        assert_eq!(token_for("https://github.com/org/repo", &env), None);
        assert!(token_for("https://gitlab.example.com:8443/group/repo.git", &env).is_some());
        assert_eq!(
            token_for("https://gitlab.example.com.evil/r.git", &env),
            None
        );
    }

    #[test]
    fn github_token_goes_only_to_github() {
        let env = Env::from_pairs([("GITHUB_TOKEN", "ghs-secret")]);
        let t = token_for("https://github.com/org/repo", &env).expect("token");
        assert_eq!(
            (t.var, t.username.as_str()),
            ("GITHUB_TOKEN", "x-access-token")
        );
        assert_eq!(token_for("https://gitlab.com/org/repo", &env), None);
        let ghes = Env::from_pairs([
            ("GITHUB_TOKEN", "ghs-secret"),
            ("GITHUB_SERVER_URL", "https://ghe.corp.example"),
        ]);
        assert!(token_for("https://ghe.corp.example/org/repo", &ghes).is_some());
        assert_eq!(token_for("https://github.com/org/repo", &ghes), None);
    }

    #[test]
    fn explicit_token_can_be_pinned_to_a_host() {
        let env = Env::from_pairs([("MONOARCH_GIT_TOKEN", "pat")]);
        assert_eq!(
            token_for("https://git.example/r", &env).map(|t| t.username),
            Some("oauth2".to_string())
        );
        let pinned = Env::from_pairs([
            ("MONOARCH_GIT_TOKEN", "pat"),
            ("MONOARCH_GIT_TOKEN_HOST", "git.example"),
        ]);
        assert!(token_for("https://git.example/r", &pinned).is_some());
        assert_eq!(token_for("https://other.example/r", &pinned), None);
    }

    #[test]
    fn no_token_for_git_or_ssh_urls() {
        let env = Env::from_pairs([("MONOARCH_GIT_TOKEN", "pat")]);
        assert_eq!(token_for("git://127.0.0.1:9418/r", &env), None);
        assert_eq!(token_for("git@github.com:org/r.git", &env), None);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let env = Env::from_pairs([("MONOARCH_GIT_TOKEN", "pat-123")]);
        let t = token_for("https://git.example/r", &env).expect("token");
        assert!(!format!("{t:?}").contains("pat-123"));
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("https://user:pw@git.example/r.git"),
            "https://***@git.example/r.git"
        );
        assert_eq!(redact_url("https://git.example/r"), "https://git.example/r");
    }
}
