//! Reading the chosen projects' configs: on every core, in the chosen order.

use std::path::Path;

use crate::config::Problems;
use crate::config::{ProjectConfig, RepoConfig, load_project_if_present};
use crate::contract::Reason;

/// Below this many configs one thread reads them all: starting threads costs more.
const PER_THREAD: usize = 64;

/// One chosen project's config: `Ok(None)` when its folder holds none.
pub type Loaded = (String, Vec<Reason>, Result<Option<ProjectConfig>, Problems>);

/// Reads the config of each chosen project, split over the machine's cores; the
/// results keep the order of `chosen`.
pub fn load_projects(
    root: &Path,
    dir: &str,
    chosen: Vec<(String, Vec<Reason>)>,
    repo: &RepoConfig,
) -> Vec<Loaded> {
    let load = |(name, reasons): (String, Vec<Reason>)| {
        let config = load_project_if_present(root, dir, &name, repo);
        (name, reasons, config)
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = cores.min(chosen.len() / PER_THREAD).max(1);
    if threads == 1 {
        return chosen.into_iter().map(load).collect();
    }
    let per = chosen.len().div_ceil(threads);
    let mut parts: Vec<Vec<(String, Vec<Reason>)>> = Vec::new();
    let mut rest = chosen.into_iter();
    loop {
        let part: Vec<_> = rest.by_ref().take(per).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(load).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}
