//! Matching a configured ref (tag, branch, full sha) against what a remote advertises.

/// What a configured `upstream_ref` points at on the remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// A full commit sha: fetched by id.
    Commit(String),
    /// An advertised ref (`refs/tags/v1`) and the commit it peels to.
    Ref { name: String, commit: String },
}

impl Wanted {
    pub fn commit(&self) -> &str {
        match self {
            Wanted::Commit(c) | Wanted::Ref { commit: c, .. } => c,
        }
    }
}

/// True for a full SHA-1 or SHA-256 object id.
pub fn is_full_sha(reference: &str) -> bool {
    matches!(reference.len(), 40 | 64) && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Finds `reference` among advertised `(name, oid)` pairs, in git's order:
/// the exact ref name, then a tag, then a branch. An annotated tag is peeled
/// to its commit through the remote's `^{}` entry.
pub fn match_ref(reference: &str, advertised: &[(String, String)]) -> Option<Wanted> {
    if is_full_sha(reference) {
        return Some(Wanted::Commit(reference.to_ascii_lowercase()));
    }
    let lookup = |name: &str| advertised.iter().find(|(n, _)| n == name).map(|(_, o)| o);
    let candidates = if reference.starts_with("refs/") {
        vec![reference.to_string()]
    } else {
        vec![
            format!("refs/tags/{reference}"),
            format!("refs/heads/{reference}"),
        ]
    };
    candidates.into_iter().find_map(|name| {
        let oid = lookup(&name)?;
        let commit = lookup(&format!("{name}^{{}}")).unwrap_or(oid).clone();
        Some(Wanted::Ref { name, commit })
    })
}

/// A hint for a ref that was not found: close names the remote does have.
pub fn not_found_hint(reference: &str, advertised: &[(String, String)]) -> String {
    if reference.len() >= 7
        && reference.len() < 40
        && reference.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return "it looks like an abbreviated sha: give the full 40-character commit sha"
            .to_string();
    }
    let lower = reference.to_ascii_lowercase();
    let mut close: Vec<&str> = advertised
        .iter()
        .filter_map(|(n, _)| {
            let short = n
                .strip_prefix("refs/tags/")
                .or_else(|| n.strip_prefix("refs/heads/"))?;
            (!short.ends_with("^{}") && short.to_ascii_lowercase().contains(&lower))
                .then_some(short)
        })
        .collect();
    close.sort_unstable();
    close.dedup();
    close.truncate(5);
    if close.is_empty() {
        "check upstream_ref: use a tag, a branch or a full commit sha".to_string()
    } else {
        format!("did you mean {}?", close.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adv() -> Vec<(String, String)> {
        [
            ("HEAD", "c1"),
            ("refs/heads/main", "c1"),
            ("refs/heads/v1.0", "c9"),
            ("refs/tags/v1.0", "t1"),
            ("refs/tags/v1.0^{}", "c2"),
            ("refs/tags/light", "c3"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    #[test]
    fn annotated_tag_is_peeled_and_preferred_over_a_branch() {
        assert_eq!(
            match_ref("v1.0", &adv()),
            Some(Wanted::Ref {
                name: "refs/tags/v1.0".into(),
                commit: "c2".into()
            })
        );
    }

    #[test]
    fn lightweight_tag_branch_and_full_name() {
        assert_eq!(
            match_ref("light", &adv()).map(|w| w.commit().to_string()),
            Some("c3".into())
        );
        assert_eq!(
            match_ref("main", &adv()).map(|w| w.commit().to_string()),
            Some("c1".into())
        );
        assert_eq!(
            match_ref("refs/heads/v1.0", &adv()).map(|w| w.commit().to_string()),
            Some("c9".into())
        );
    }

    #[test]
    fn full_sha_needs_no_listing() {
        let sha = "0123456789abcdef0123456789ABCDEF01234567";
        assert_eq!(
            match_ref(sha, &[]),
            Some(Wanted::Commit(sha.to_ascii_lowercase()))
        );
    }

    #[test]
    fn missing_ref_and_hints() {
        assert_eq!(match_ref("v2.0", &adv()), None);
        assert_eq!(not_found_hint("v1", &adv()), "did you mean v1.0?");
        assert!(not_found_hint("0123abc", &adv()).contains("full 40-character"));
        assert!(not_found_hint("zzz", &adv()).contains("tag, a branch or a full commit sha"));
    }
}
