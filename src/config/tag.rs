//! Validity rules for OCI tags and repository names.

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
}
