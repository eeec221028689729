//! Rules for paths written in config files: relative, and never leaving their root.

use std::path::{Component, Path};

use serde_saphyr::Spanned;

use super::problem::FileProblems;

/// Accepts a relative path that stays inside its root (no `..` escape).
pub fn check_relative(path: &str) -> Result<(), String> {
    if path.trim().is_empty() {
        return Err("must not be empty; use `.` for the root".to_string());
    }
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with('\\') {
        return Err(format!(
            "`{path}` is absolute; write it relative to the source root"
        ));
    }
    let mut depth: i64 = 0;
    for component in p.components() {
        match component {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "`{path}` is absolute; write it relative to the source root"
                ));
            }
        }
        if depth < 0 {
            return Err(format!(
                "`{path}` leaves the source root with `..`; keep it inside"
            ));
        }
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("Dockerfile", true)]
    #[case("deploy/Dockerfile", true)]
    #[case(".", true)]
    #[case("a/../b", true)]
    #[case("../Dockerfile", false)]
    #[case("a/../../b", false)]
    #[case("/etc/passwd", false)]
    #[case("", false)]
    fn relative_paths(#[case] path: &str, #[case] ok: bool) {
        assert_eq!(check_relative(path).is_ok(), ok, "{path}");
    }
}
