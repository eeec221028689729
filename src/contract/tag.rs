//! Validity rules for OCI tags, repository names and registry hosts: the
//! grammar of the distribution spec, shared by the config checks and the
//! re-validation of a `plan.json`.

/// The longest tag the OCI distribution spec allows.
pub const MAX_TAG_LEN: usize = 128;

/// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`, the OCI distribution spec's tag grammar.
pub fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    tag.len() <= MAX_TAG_LEN
        && (first.is_ascii_alphanumeric() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// A repository path: `/`-separated components of `[a-z0-9]+([._-][a-z0-9]+)*`.
pub fn is_valid_repository(repo: &str) -> bool {
    !repo.is_empty() && repo.split('/').all(is_valid_component)
}

fn is_valid_component(component: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut separator = String::new();
    let mut seen_alnum = false;
    for c in component.chars() {
        if alnum(c) {
            if !separator.is_empty() && !is_separator(&separator) {
                return false;
            }
            separator.clear();
            seen_alnum = true;
        } else if matches!(c, '.' | '_' | '-') && seen_alnum {
            separator.push(c);
        } else {
            return false;
        }
    }
    seen_alnum && separator.is_empty()
}

/// `.`, `_`, `__` or a run of `-`, the separators the spec allows.
fn is_separator(s: &str) -> bool {
    matches!(s, "." | "_" | "__") || s.chars().all(|c| c == '-')
}

/// The longest repository path most registries accept (Docker Hub, ECR, Harbor).
pub const MAX_REPOSITORY_LEN: usize = 255;

/// Why `host` is not a registry host (`ghcr.io`, `127.0.0.1:5000`,
/// `[::1]:5000`), or `None` when it is one. No scheme, path, user or space:
/// the repository path goes in `repository`.
pub fn registry_host_problem(host: &str) -> Option<String> {
    let shown = host.escape_debug();
    let what = format!("`{shown}` is not a registry host");
    if host.contains("://") {
        return Some(format!(
            "{what}; drop the scheme (`ghcr.io`, not `https://ghcr.io`); use --insecure-registry for plain HTTP"
        ));
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("{what}; remove the spaces and line breaks"));
    }
    if host.contains('/') {
        return Some(format!(
            "{what}; write the host (and port) alone and put the path in `repository`"
        ));
    }
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((v6, tail))
                if !v6.is_empty() && v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':') =>
            {
                (v6, tail.strip_prefix(':'))
            }
            _ => {
                return Some(format!(
                    "{what}; an IPv6 address goes in brackets: `[::1]:5000`"
                ));
            }
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let name_ok = !name.is_empty()
        && (host.starts_with('[')
            || name.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            }));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    (!(name_ok && port_ok)).then(|| {
        format!("{what}; use a host name or address with an optional port, e.g. `ghcr.io` or `127.0.0.1:5000`")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("kaniko-v1.25.3", true)]
    #[case("_x", true)]
    #[case("x", true)]
    #[case(".x", false)]
    #[case("-x", false)]
    #[case("a b", false)]
    #[case("a/b", false)]
    #[case("", false)]
    fn tags(#[case] tag: &str, #[case] valid: bool) {
        assert_eq!(is_valid_tag(tag), valid);
    }

    #[test]
    fn tag_length_limit() {
        assert!(is_valid_tag(&"a".repeat(128)));
        assert!(!is_valid_tag(&"a".repeat(129)));
    }

    #[rstest]
    #[case("monoarch", true)]
    #[case("team/kaniko-executor", true)]
    #[case("a.b_c", true)]
    #[case("Upper", false)]
    #[case("a//b", false)]
    #[case("-a", false)]
    #[case("a--b", true)]
    fn repositories(#[case] repo: &str, #[case] valid: bool) {
        assert_eq!(is_valid_repository(repo), valid);
    }

    #[rstest]
    #[case("ghcr.io", true)]
    #[case("127.0.0.1:5000", true)]
    #[case("123.dkr.ecr.us-east-1.amazonaws.com", true)]
    #[case("[::1]:5000", true)]
    #[case("localhost", true)]
    #[case("https://ghcr.io", false)]
    #[case("ghcr.io/org", false)]
    #[case("ghcr .io", false)]
    #[case("ghcr.io\n", false)]
    #[case("host:0", false)]
    #[case("host:99999", false)]
    #[case("-host", false)]
    #[case("", false)]
    #[case("a..b", false)]
    fn registry_hosts(#[case] host: &str, #[case] valid: bool) {
        assert_eq!(registry_host_problem(host).is_none(), valid, "{host:?}");
    }
}
