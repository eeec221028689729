//! YAML loading with errors that name the file, line, column and field.

use serde::de::DeserializeOwned;
use serde_saphyr::Error as YamlError;

use super::problem::FileProblems;
use super::suggest::closest;

/// Parses `text`; a parse or shape error becomes one problem in `problems`,
/// in words a config author knows (never serde's or the YAML crate's).
pub fn parse<T: DeserializeOwned>(text: &str, problems: &mut FileProblems) -> Option<T> {
    match serde_saphyr::from_str::<T>(text) {
        Ok(value) => Some(value),
        Err(err) => {
            let err = unwrap(err.without_snippet());
            let (line, column) = err
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            let owner = || key_at_line(text, line).unwrap_or_default();
            let (field, message) = match err {
                YamlError::SerdeUnknownField {
                    field, expected, ..
                } => {
                    let hint = match closest(field, expected.iter().copied()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!("the known keys are {}", list(expected)),
                    };
                    (field.to_string(), format!("unknown key; {hint}"))
                }
                YamlError::SerdeMissingField { field, .. } => {
                    (field.to_string(), "required key is missing; add it".into())
                }
                YamlError::DuplicateMappingKey { key, .. } => match key {
                    Some(key) => (
                        shown_key(key),
                        "appears twice in the same mapping; keep one".into(),
                    ),
                    None => (
                        owner(),
                        "a key appears twice in the same mapping; keep one".into(),
                    ),
                },
                other => (owner(), words(other)),
            };
            problems.add(line, column, &field, message);
            None
        }
    }
}

/// The error an alias wraps is the one that matters.
fn unwrap(err: &YamlError) -> &YamlError {
    match err {
        YamlError::AliasError { error, .. } => unwrap(error),
        other => other,
    }
}

fn shown_key(key: &str) -> String {
    let key: String = key.escape_debug().collect();
    key.chars().take(60).collect()
}

/// What went wrong, in a config author's words.
fn words(err: &YamlError) -> String {
    let message = match err {
        YamlError::Budget { breach, .. } => budget(breach),
        YamlError::AliasReplayCounterOverflow { .. }
        | YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. } => ALIASES.to_string(),
        YamlError::NullIntoString { .. } => "has no value; write one or remove the key".into(),
        YamlError::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | YamlError::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => format!(
            "expected {}, found {}",
            expected_words(expected),
            found_words(unexpected)
        ),
        YamlError::Unexpected { expected, .. } => format!("expected {}", expected_words(expected)),
        YamlError::InvalidScalar { ty, .. } => format!("expected {}", expected_words(ty)),
        YamlError::SerdeInvalidLength { expected, .. } => {
            format!("expected {}", expected_words(expected))
        }
        YamlError::InvalidBooleanStrict { .. } => "expected `true` or `false`".into(),
        YamlError::Eof { .. } => {
            "the file ends in the middle of a value; close the open quote or bracket".into()
        }
        YamlError::MultipleDocuments { .. } => {
            "holds several YAML documents (`---`); keep one".into()
        }
        YamlError::UnsupportedTag { .. }
        | YamlError::TaggedScalarCannotDeserializeIntoString { .. } => {
            "YAML tags (`!name`) are not used here; remove the tag".into()
        }
        YamlError::UnknownAnchor { .. } => {
            "`*name` refers to no `&name` defined above it; define the anchor first".into()
        }
        YamlError::InvalidUtf8Input => "is not UTF-8 text".into(),
        other => clean_message(&other.to_string()),
    };
    if is_jargon(&message) {
        "is not valid here; check this line's YAML against the README".to_string()
    } else {
        message
    }
}

const ALIASES: &str = "expands YAML aliases (`*name`) too often; write the values out";

fn budget(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Depth { .. } => "nests lists or mappings too deep for a config file; flatten it".into(),
        B::Aliases { .. }
        | B::Anchors { .. }
        | B::AliasAnchorRatio { .. }
        | B::RecordedAnchorEvents { .. }
        | B::RecordedAnchorBytes { .. } => ALIASES.into(),
        _ => "has more values than a config file may hold; shorten it".into(),
    }
}

/// serde's "expected ..." phrases as YAML words.
fn expected_words(expected: &str) -> String {
    match expected {
        e if e.starts_with("struct ") || e == "a map" || e.contains("mapping") => {
            "keys and values (`key: value` lines)".into()
        }
        e if e.contains("sequence") => "a list: one `- item` per line, or `[a, b]`".into(),
        "a string" | "string scalar" | "a borrowed string" | "string" => "a single value".into(),
        "a boolean" | "bool" | "boolean" => "`true` or `false`".into(),
        e if e.starts_with('u') || e.starts_with('i') || e.contains("integer") => {
            "a whole number".into()
        }
        other => other.to_string(),
    }
}

/// serde's description of what it found, without quoting the value.
fn found_words(unexpected: &str) -> &'static str {
    match unexpected.split([' ', '`']).next().unwrap_or_default() {
        "string" | "char" => "text",
        "integer" | "floating" => "a number",
        "boolean" => "`true`/`false`",
        "sequence" => "a list",
        "map" => "keys and values",
        "unit" | "null" => "nothing",
        _ => "another kind of value",
    }
}

/// Words that only make sense to a Rust programmer.
fn is_jargon(message: &str) -> bool {
    [
        "Option<",
        "struct ",
        "enum ",
        "Options",
        "deserializ",
        "budget",
        "variant",
        "internal",
        "Raw",
        "serde",
        "borrow",
    ]
    .iter()
    .any(|word| message.contains(word))
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
