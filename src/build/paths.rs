//! Resolving `dockerfile_path` and `context_path` inside the source, refusing escapes.

use std::path::{Component, Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PathError {
    #[error(
        "{project}: {field} `{value}` leaves the source folder; use a relative path inside the source, without `..` above its root"
    )]
    Escapes {
        project: String,
        field: &'static str,
        value: String,
    },
    #[error(
        "{project}: {field} `{value}` is a symlink that points outside the source (to {target}); a build may only read files inside its source"
    )]
    SymlinkEscape {
        project: String,
        field: &'static str,
        value: String,
        target: PathBuf,
    },
    #[error(
        "{project}: {field} `{value}` not found in {root}; {}",
        missing_hint(field)
    )]
    Missing {
        project: String,
        field: &'static str,
        value: String,
        root: PathBuf,
    },
    #[error("{project}: {field} `{value}` is not a {expected}")]
    WrongKind {
        project: String,
        field: &'static str,
        value: String,
        expected: &'static str,
    },
}

fn missing_hint(field: &str) -> &'static str {
    if field == PROJECT_FOLDER {
        "run monoarch build in the monorepo checkout the plan was made from, or pass --repo DIR"
    } else {
        "check the path in build-config.yaml against the source at the planned ref"
    }
}

/// The `field` name for a project's own folder in the monorepo.
pub const PROJECT_FOLDER: &str = "project folder";

/// What a resolved path must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
}

/// Resolves `value` (relative, `/`-separated) inside `root` and returns the
/// real path. `field` names the config key in errors.
pub fn resolve(
    project: &str,
    root: &Path,
    field: &'static str,
    value: &str,
    kind: Kind,
) -> Result<PathBuf, PathError> {
    let err_escape = || PathError::Escapes {
        project: project.to_string(),
        field,
        value: value.to_string(),
    };
    // Lexical check first: catches `../x` even when the target does not exist.
    let mut depth: usize = 0;
    let mut rel = PathBuf::new();
    for component in Path::new(value).components() {
        match component {
            Component::Normal(part) => {
                depth += 1;
                rel.push(part);
            }
            Component::CurDir => {}
            Component::ParentDir => {
                depth = depth.checked_sub(1).ok_or_else(err_escape)?;
                rel.pop();
            }
            Component::RootDir | Component::Prefix(_) => return Err(err_escape()),
        }
    }
    let real_root = root.canonicalize().map_err(|_| PathError::Missing {
        project: project.to_string(),
        field,
        value: value.to_string(),
        root: root.to_path_buf(),
    })?;
    let joined = real_root.join(&rel);
    // canonicalize follows every symlink on the way; the result must stay inside.
    let real = joined.canonicalize().map_err(|_| {
        // A dangling symlink whose target lies outside is still an escape.
        match std::fs::read_link(&joined) {
            Ok(target)
                if !lexical(&joined.parent().unwrap_or(&real_root).join(&target))
                    .starts_with(&real_root) =>
            {
                PathError::SymlinkEscape {
                    project: project.to_string(),
                    field,
                    value: value.to_string(),
                    target,
                }
            }
            _ => PathError::Missing {
                project: project.to_string(),
                field,
                value: value.to_string(),
                root: root.to_path_buf(),
            },
        }
    })?;
    if !real.starts_with(&real_root) {
        return Err(PathError::SymlinkEscape {
            project: project.to_string(),
            field,
            value: value.to_string(),
            target: real,
        });
    }
    let ok = match kind {
        Kind::File => real.is_file(),
        Kind::Dir => real.is_dir(),
    };
    if !ok {
        return Err(PathError::WrongKind {
            project: project.to_string(),
            field,
            value: value.to_string(),
            expected: match kind {
                Kind::File => "file",
                Kind::Dir => "folder",
            },
        });
    }
    Ok(real)
}

/// Removes `.` and folds `..` without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("src");
        std::fs::create_dir_all(root.join("deploy")).expect("mkdir");
        std::fs::write(root.join("deploy/Dockerfile"), "FROM scratch\n").expect("write");
        std::fs::write(dir.path().join("outside"), "FROM scratch\n").expect("write");
        (dir, root)
    }

    #[test]
    fn plain_paths_resolve() {
        let (_dir, root) = tree();
        let real = resolve(
            "p",
            &root,
            "dockerfile_path",
            "deploy/Dockerfile",
            Kind::File,
        )
        .expect("inside");
        assert!(real.ends_with("deploy/Dockerfile"));
        let ctx = resolve("p", &root, "context_path", ".", Kind::Dir).expect("root");
        assert_eq!(ctx, root.canonicalize().expect("canonical"));
        let back = resolve("p", &root, "context_path", "deploy/..", Kind::Dir).expect("root");
        assert_eq!(back, ctx);
    }

    #[test]
    fn dotdot_escape_is_refused_even_if_target_exists() {
        let (_dir, root) = tree();
        let err =
            resolve("p", &root, "dockerfile_path", "../outside", Kind::File).expect_err("escape");
        assert!(matches!(err, PathError::Escapes { .. }), "{err}");
        let err =
            resolve("p", &root, "context_path", "deploy/../../", Kind::Dir).expect_err("escape");
        assert!(matches!(err, PathError::Escapes { .. }), "{err}");
        let err = resolve("p", &root, "context_path", "/etc", Kind::Dir).expect_err("absolute");
        assert!(matches!(err, PathError::Escapes { .. }), "{err}");
    }

    #[test]
    fn symlink_out_of_the_source_is_refused() {
        let (dir, root) = tree();
        symlink(dir.path().join("outside"), root.join("Dockerfile")).expect("symlink");
        symlink(dir.path(), root.join("up")).expect("symlink");
        symlink("../../nowhere", root.join("dangling")).expect("symlink");
        for (field, value, kind) in [
            ("dockerfile_path", "Dockerfile", Kind::File),
            ("context_path", "up", Kind::Dir),
            ("dockerfile_path", "up/outside", Kind::File),
            ("dockerfile_path", "dangling", Kind::File),
        ] {
            let err = resolve("p", &root, field, value, kind).expect_err(value);
            assert!(
                matches!(err, PathError::SymlinkEscape { .. }),
                "{value}: {err}"
            );
        }
    }

    #[test]
    fn symlink_inside_the_source_is_fine() {
        let (_dir, root) = tree();
        symlink("deploy/Dockerfile", root.join("Dockerfile")).expect("symlink");
        let real = resolve("p", &root, "dockerfile_path", "Dockerfile", Kind::File).expect("ok");
        assert!(real.ends_with("deploy/Dockerfile"));
    }

    #[test]
    fn missing_and_wrong_kind_are_named() {
        let (_dir, root) = tree();
        let err = resolve("p", &root, "dockerfile_path", "Nope", Kind::File).expect_err("missing");
        assert!(matches!(err, PathError::Missing { .. }), "{err}");
        assert!(err.to_string().contains("`Nope` not found"), "{err}");
        let err = resolve("p", &root, "dockerfile_path", "deploy", Kind::File).expect_err("dir");
        assert!(matches!(err, PathError::WrongKind { .. }), "{err}");
    }
}
