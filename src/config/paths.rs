//! Path settings in config files: relative, and never leaving their root.

use std::path::Path;

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

/// A projects folder that cannot be listed would select no project and exit 0:
/// each way it cannot is a problem of the `projects_dir` setting instead. An
/// unset setting whose default folder is absent is a repository without
/// projects yet; a set one that is absent is a typo.
pub(super) fn check_projects_dir(
    root: &Path,
    dir: &str,
    set: Option<&Spanned<String>>,
    p: &mut FileProblems,
) {
    let mut problem = |message: String| match set {
        Some(s) => p.at(s, "projects_dir", message),
        None => p.add(0, 0, "projects_dir", message),
    };
    let path = root.join(dir);
    // Opening is enough to know it can be listed; names are checked where a
    // listing is made anyway (a full listing here cost ~9% of a large plan).
    match std::fs::read_dir(&path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if set.is_some() {
                problem(format!(
                    "`{dir}` does not exist in the repository; create it with one folder per project, or set projects_dir to the folder that holds them"
                ));
            }
        }
        Err(_) if path.exists() && !path.is_dir() => problem(format!(
            "`{dir}` is a file, not a folder; set projects_dir to the folder that holds one folder per project"
        )),
        Err(e) => problem(format!(
            "`{dir}` cannot be listed ({e}); make it readable to the CI user"
        )),
    }
}
