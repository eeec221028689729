//! "Did you mean" hints for misspelled keys and names.

/// The candidate closest to `input`, if it is close enough to be a typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    let len = input.chars().count();
    candidates
        .into_iter()
        // A typo changes the length by a third at most; skipping the rest
        // keeps the quadratic distance off long inputs.
        .filter(|c| c.len().abs_diff(len) <= c.len().max(len) / 3 + 1)
        .map(|c| (edit_distance(&input, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(input.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_not_strangers() {
        let keys = ["dockerfile_path", "context_path", "platforms", "target"];
        assert_eq!(closest("dockerfile", keys), Some("dockerfile_path"));
        assert_eq!(closest("platform", keys), Some("platforms"));
        assert_eq!(closest("targte", keys), Some("target"));
        assert_eq!(closest("zzzz", keys), None);
    }
}
