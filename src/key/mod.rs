//! Build keys and reuse: what decides a job's image ([`inputs`]), what a
//! published image says it was built from ([`image`]), and the plan's pass
//! that reuses identical builds ([`decide`]).
//!
//! Keys are made twice: by the plan (to find an identical published image),
//! and by the build job just before it builds (what the image is annotated
//! with). The two differ only when an input moved in between, which the build
//! job reports. Base images are asked of their registries ([`resolve`]); the
//! key format itself is a contract ([`crate::contract::key`]).

pub mod decide;
pub mod image;
pub mod inputs;
pub mod lookup;
pub mod reference;
pub mod resolve;

use std::path::Path;

use crate::contract::{KeySource, NamingScheme, Plan};
use crate::git::{Git, Oid};

pub use decide::{Options, Sources, apply};
pub use resolve::Resolver;

/// The tag that points at a project's last published index: where the next
/// plan looks for keys. Set by `manifest` after every complete publish.
pub fn last_tag(naming: NamingScheme, project: &str) -> String {
    match naming {
        NamingScheme::SingleRepository => format!("{project}-monoarch-last"),
        NamingScheme::PerProject => "monoarch-last".to_string(),
    }
}

/// The identity of an in-repo project's folder: its tree at `commit`, if the
/// work tree holds exactly that (every file in the folder is build context).
pub fn folder_source(git: &Git, commit: Oid, path: &str) -> Result<KeySource, String> {
    let tree = git
        .tree_id(commit, path)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{path} is not in commit {commit}"))?;
    match git
        .first_difference(tree, path)
        .map_err(|e| e.to_string())?
    {
        None => Ok(KeySource::Tree(tree.to_string())),
        Some(file) => Err(format!(
            "{file} is not as committed (a changed, untracked or ignored file is part of the build context); commit or remove it for a key"
        )),
    }
}

/// A Dockerfile larger than this is not read (no real one comes close).
const MAX_DOCKERFILE: u64 = 1024 * 1024;

/// A Dockerfile's text, capped; `Err` names the file.
pub fn read_dockerfile(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_DOCKERFILE + 1).read_to_string(&mut text))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if text.len() as u64 > MAX_DOCKERFILE {
        return Err(format!(
            "{} is larger than {MAX_DOCKERFILE} bytes; it is not read",
            path.display()
        ));
    }
    Ok(text)
}

/// Per project of `plan`: its source identity and, in-repo, its Dockerfile.
pub fn sources(plan: &Plan, git: &Git, root: &Path, head: Oid) -> Sources {
    plan.projects
        .iter()
        .map(|project| {
            let (source, dockerfile) = match &project.upstream {
                Some(upstream) => (
                    upstream
                        .commit
                        .clone()
                        .map(KeySource::Commit)
                        .ok_or_else(|| "the upstream ref is not resolved to a commit".to_string()),
                    None,
                ),
                None => {
                    let folder = root.join(&project.path);
                    let dockerfile = folder.join(&project.dockerfile);
                    // A committed symlink could point anywhere; read only inside the folder.
                    let inside = match (dockerfile.canonicalize(), folder.canonicalize()) {
                        (Ok(file), Ok(folder)) => file.starts_with(folder),
                        _ => false,
                    };
                    let source = folder_source(git, head, &project.path).and_then(|s| {
                        if inside {
                            Ok(s)
                        } else {
                            Err(format!(
                                "{} is missing or leaves the project folder",
                                project.dockerfile
                            ))
                        }
                    });
                    (source, Some(dockerfile))
                }
            };
            (project.name.clone(), source, dockerfile)
        })
        .collect()
}
