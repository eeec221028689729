//! Kubernetes-safe names for pipeline tasks, params and results made from project names.

use sha2::{Digest, Sha256};

/// The longest DNS-1123 label, the limit for a pipeline task's name.
const MAX_LABEL: usize = 63;

/// `raw` when it already is a DNS-1123 label; otherwise a lowercase, `-`-joined form of
/// it with 8 hex digits of its hash, so two names that clean to the same text stay apart.
pub fn label(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if cleaned == raw && raw.len() <= MAX_LABEL && !raw.starts_with('-') && !raw.ends_with('-') {
        return cleaned;
    }
    let hash = hex::encode(Sha256::digest(raw.as_bytes()));
    let keep = MAX_LABEL - 9;
    let stem: String = cleaned.chars().take(keep).collect();
    let stem = stem.trim_matches('-');
    format!("{stem}-{}", &hash[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_stay() {
        assert_eq!(label("build-alpha-arm64"), "build-alpha-arm64");
    }

    #[test]
    fn unusual_names_are_cleaned_and_kept_apart() {
        let a = label("build-My_App-amd64");
        let b = label("build-my.app-amd64");
        assert!(a.starts_with("build-my-app-amd64-"), "{a}");
        assert_ne!(a, b);
        assert_ne!(a, "build-my-app-amd64");
    }

    #[test]
    fn long_names_fit_a_label() {
        let long = format!("build-{}-amd64", "x".repeat(100));
        let name = label(&long);
        assert!(name.len() <= MAX_LABEL, "{name}");
        assert_ne!(name, label(&format!("build-{}-arm64", "x".repeat(100))));
    }
}
