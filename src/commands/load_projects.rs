//! Reading the chosen projects' configs: on every core, in the chosen order.

use std::collections::HashMap;
use std::path::Path;

use crate::config::Problems;
use crate::config::{ProjectConfig, RepoConfig, load_project_if_present};
use crate::contract::Reason;

/// Below this many configs one thread reads them all: starting threads costs more.
/// [`super::prefetch`] adds its readers by the same measure.
pub(super) const PER_THREAD: usize = 64;

/// One chosen project's config: `Ok(None)` when its folder holds none.
pub type Loaded = (String, Vec<Reason>, Result<Option<ProjectConfig>, Problems>);

/// A config read before, keyed by project name (see [`super::prefetch`]).
/// Boxed: a config is 320 bytes, and a table of them moved them all each
/// time it grew (500 configs: 0.7 MB copied into memory touched for the first time).
pub type Known = HashMap<String, Box<Result<Option<ProjectConfig>, Problems>>>;

/// The config of each chosen project: taken from `known` when it was read
/// before, else read, split over the machine's cores; the results keep the
/// order of `chosen`.
pub fn load_projects(
    root: &Path,
    dir: &str,
    chosen: Vec<(String, Vec<Reason>)>,
    repo: &RepoConfig,
    mut known: Known,
) -> Vec<Loaded> {
    if known.is_empty() {
        return read_all(root, dir, chosen, repo);
    }
    // In `chosen`'s order, each unread one held by an empty entry until it is read.
    let mut loaded: Vec<Loaded> = Vec::with_capacity(chosen.len());
    let mut unread = Vec::new();
    let mut at = Vec::new();
    for (name, reasons) in chosen {
        match known.remove(&name) {
            Some(config) => loaded.push((name, reasons, *config)),
            None => {
                at.push(loaded.len());
                loaded.push((String::new(), Vec::new(), Ok(None)));
                unread.push((name, reasons));
            }
        }
    }
    for (i, read) in at.into_iter().zip(read_all(root, dir, unread, repo)) {
        loaded[i] = read;
    }
    loaded
}

fn read_all(
    root: &Path,
    dir: &str,
    chosen: Vec<(String, Vec<Reason>)>,
    repo: &RepoConfig,
) -> Vec<Loaded> {
    let load = |(name, reasons): (String, Vec<Reason>)| {
        let config = load_project_if_present(root, dir, &name, repo);
        (name, reasons, config)
    };
    // Fewer than two threads' worth: no need to ask how many cores there are.
    let threads = match chosen.len() / PER_THREAD {
        0 | 1 => 1,
        wanted => std::thread::available_parallelism().map_or(1, |cores| wanted.min(cores.get())),
    };
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
