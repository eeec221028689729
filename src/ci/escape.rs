//! Echoed values made inert for the CI log that shows them.
//!
//! A CI runner reads a job's output line by line for commands: GitHub for
//! `::name::` at the start of a line and `##[name]` anywhere in one, GitLab
//! for `section_start:`/`section_end:` markers after `\r\e[0K`. A value
//! monoarch echoes (a build arg, a project, tag or ref name, a registry's
//! message) must never start such a line or carry such a marker. Lines
//! split at `\n` and at `\r` (the runners split at both), so every control
//! character in a value is written escaped, and `##[` is broken up. Each
//! line monoarch writes starts with its own fixed text (`error: `, `$ `, a
//! table cell), never with a value, so `::` cannot lead a line either.

use std::borrow::Cow;

/// `value` with control characters written as escapes (`\n`, `\r`, `\t`,
/// `\e`, `\xNN`, `\u{NNNN}`), `##[` as `##\[` and a leading `::` as
/// `\::` (a table's first cell starts its line): one inert line.
pub fn text(value: &str) -> Cow<'_, str> {
    let leads = value.trim_start().starts_with("::");
    if !leads && !value.chars().any(needs_escape) && !value.contains("##[") {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x1b' => out.push_str("\\e"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    let out = out.replace("##[", "##\\[");
    Cow::Owned(if leads { format!("\\{out}") } else { out })
}

/// Control characters, and the Unicode line and paragraph separators.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// A message for the log, one `prefix`ed line per line of `message` (a
/// multi-line message is a list of problems, one a line), each made inert.
pub fn lines(prefix: &str, message: &str) -> String {
    message
        .strip_suffix('\n')
        .unwrap_or(message)
        .split('\n')
        .map(|line| {
            format!(
                "{prefix}{}\n",
                text(line.strip_suffix('\r').unwrap_or(line))
            )
        })
        .collect()
}

/// A value as the data of a GitHub workflow command (`::group::<data>`): the
/// runner decodes `%25`, `%0D` and `%0A`, so line breaks stay inside it.
pub fn command_data(value: &str) -> String {
    let escaped = value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    text(&escaped).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_start_a_line_or_carry_a_marker() {
        assert_eq!(text("plain value"), "plain value");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
        assert_eq!(
            text("x\n::warning::forged\r::add-mask::y"),
            "x\\n::warning::forged\\r::add-mask::y"
        );
        assert_eq!(text("a ##[error]b"), "a ##\\[error]b");
        assert_eq!(text(" ::error::x"), "\\ ::error::x");
        assert_eq!(text("a::b"), "a::b");
        assert_eq!(
            text("\x1b[0Ksection_start:1:x\r\x1b[0K"),
            "\\e[0Ksection_start:1:x\\r\\e[0K"
        );
        assert_eq!(text("tab\there\u{7f}\u{2028}"), "tab\\there\\x7f\\u{2028}");
    }

    #[test]
    fn messages_keep_their_lines_and_lose_injected_ones() {
        assert_eq!(
            lines("error: ", "first\nsecond\r\n"),
            "error: first\nerror: second\n"
        );
        assert_eq!(lines("note: ", "a\rb"), "note: a\\rb\n");
    }

    #[test]
    fn command_data_is_percent_encoded() {
        assert_eq!(
            command_data("50% x\n::endgroup::"),
            "50%25 x%0A::endgroup::"
        );
    }
}
