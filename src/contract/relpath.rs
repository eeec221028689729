//! Relative paths in configs and plans: relative, and never leaving their
//! root with `..`.

use std::path::{Component, Path};

use super::quote::shown;

/// Accepts a relative path that stays inside its root (no `..` escape).
pub fn check_relative(path: &str) -> Result<(), String> {
    let shown = shown(path);
    if path.trim().is_empty() {
        return Err("must not be empty; use `.` for the root".to_string());
    }
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with('\\') {
        return Err(format!(
            "`{shown}` is absolute; write it relative to the source root"
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
                    "`{shown}` is absolute; write it relative to the source root"
                ));
            }
        }
        if depth < 0 {
            return Err(format!(
                "`{shown}` leaves the source root with `..`; keep it inside"
            ));
        }
    }
    Ok(())
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
