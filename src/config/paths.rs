//! Path settings in config files: relative, and never leaving their root.

use serde_saphyr::Spanned;

pub use crate::contract::check_relative;

use super::problem::FileProblems;

/// A path setting from a config file: `default` when absent, else checked
/// (a problem is recorded, the value kept) and stripped of a trailing `/`.
pub(super) fn relative_setting(
    value: Option<Spanned<String>>,
    field: &str,
    default: &str,
    p: &mut FileProblems,
) -> String {
    match value {
        None => default.to_string(),
        Some(s) => {
            if let Err(why) = check_relative(&s.value) {
                p.at(&s, field, why);
            }
            let trimmed = s.value.trim_end_matches('/');
            if trimmed.is_empty() {
                s.value
            } else {
                trimmed.to_string()
            }
        }
    }
}
