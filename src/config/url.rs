//! Upstream URLs as text: finding and hiding the password a URL may carry.

/// `url` without any user name or password in it, safe to print.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_string(),
    }
}

/// True when the URL carries a password (`user:password@`), which would be
/// copied into plans and logs.
pub fn has_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    rest[..end]
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_found_and_redacted() {
        assert_eq!(
            redact_url("https://user:pw@git.example/r.git"),
            "https://***@git.example/r.git"
        );
        assert_eq!(redact_url("https://git.example/r"), "https://git.example/r");
        assert_eq!(
            redact_url("https://git.example/r?a=b@c"),
            "https://git.example/r?a=b@c"
        );
        assert!(has_password("https://user:pw@git.example/r.git"));
        assert!(!has_password("https://user@git.example/r.git"));
        assert!(!has_password("git@github.com:org/r.git"));
        assert!(!has_password("https://git.example/a:b@c"));
    }
}
