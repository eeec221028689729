//! How a message quotes a value monoarch did not write (a config value, a
//! field of a plan or event): control characters escaped, so a line break
//! cannot start a forged log line, and at most 60 characters.

pub fn shown(value: &str) -> String {
    let escaped: String = value.escape_debug().collect();
    match escaped.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &escaped[..cut]),
        None => escaped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_cuts() {
        assert_eq!(shown("a\n::warning::x"), "a\\n::warning::x");
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(shown(&"x".repeat(100)), format!("{}...", "x".repeat(60)));
    }
}
