//! YAML loading with errors that name the file, line, column and field.

use serde::de::DeserializeOwned;
use serde_saphyr::Error as YamlError;

use super::problem::FileProblems;
use super::suggest::closest;

/// Parses `text`; a parse or shape error becomes one problem in `problems`.
pub fn parse<T: DeserializeOwned>(text: &str, problems: &mut FileProblems) -> Option<T> {
    match serde_saphyr::from_str::<T>(text) {
        Ok(value) => Some(value),
        Err(err) => {
            let err = err.without_snippet();
            let (line, column) = err
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            match err {
                YamlError::SerdeUnknownField {
                    field, expected, ..
                } => {
                    let hint = match closest(field, expected.iter().copied()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!("the known keys are {}", list(expected)),
                    };
                    problems.add(line, column, field, format!("unknown key; {hint}"));
                }
                YamlError::SerdeMissingField { field, .. } => {
                    problems.add(line, column, field, "required key is missing; add it");
                }
                other => {
                    let field = key_at_line(text, line).unwrap_or_default();
                    problems.add(line, column, &field, clean_message(&other.to_string()));
                }
            }
            None
        }
    }
}

fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Drops the location suffix the YAML crate adds; ours goes in front.
fn clean_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message).trim();
    let first = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    let first = first.trim_start_matches("error: ");
    // Say what to write, in YAML words a config author knows.
    match first {
        "expected sequence start" => {
            "expected a list: one `- item` per line, or `[a, b]`".to_string()
        }
        "expected mapping start" => "expected keys and values (`key: value` lines)".to_string(),
        other => other.to_string(),
    }
}

/// The mapping key that owns `line` (1-based): the key on that line, or the
/// nearest less-indented key above it (for list items and nested values).
pub fn key_at_line(text: &str, line: u64) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let index = usize::try_from(line).ok()?.checked_sub(1)?;
    let current = lines.get(index)?;
    if let Some(key) = key_of(current) {
        return Some(key);
    }
    let indent = indentation(current);
    lines[..index]
        .iter()
        .rev()
        .filter(|l| !l.trim().is_empty() && indentation(l) < indent.max(1))
        .find_map(|l| key_of(l))
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '-']).len()
}

fn key_of(line: &str) -> Option<String> {
    let body = line.trim_start().trim_start_matches("- ").trim_start();
    let colon = body.find(':')?;
    let key = &body[..colon];
    let is_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    is_key.then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_owning_key() {
        let text = "platforms:\n  - linux/amd64\n  - 7\ntarget: x\n";
        assert_eq!(key_at_line(text, 3).as_deref(), Some("platforms"));
        assert_eq!(key_at_line(text, 4).as_deref(), Some("target"));
    }
}
