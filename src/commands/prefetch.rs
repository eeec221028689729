//! Reading the changed projects' configs while git still compares trees.
//! gitoxide's diff is breadth-first: the changed folders under the projects
//! folder are met before anything inside them is read, so a second core reads
//! their configs (and looks up the folders their date-sha tags could collide
//! with) while the diff descends. What is read is only used for the projects
//! the selection then chooses, exactly as if it were read afterwards.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Mutex, PoisonError};

use crate::config::{Problems, ProjectConfig, RepoConfig, load_project_if_present};
use crate::contract::NamingScheme;

/// Below this many changed folders the diff is nearly done when they are
/// known: starting a thread costs more than it saves, and they are read after.
const START_AFTER: usize = 8;
/// Folders per reader beyond the first, as [`super::load_projects`] splits them.
const PER_WORKER: usize = 64;

/// What was read while the diff ran.
#[derive(Default)]
pub struct Prefetched {
    /// Each changed folder's config, as [`load_project_if_present`] read it.
    pub configs: HashMap<String, Result<Option<ProjectConfig>, Problems>>,
    /// Folders under the projects folder found absent: `<name>-<date>` and
    /// `<name>-<date>-<sha7>`, the names a date-sha tag could collide with.
    pub absent: HashSet<String>,
}

/// Runs `diff`, which calls its argument with every changed path, and reads
/// the configs of the project folders those paths name on other threads.
pub fn while_diffing<T>(
    root: &Path,
    repo: &RepoConfig,
    (date, sha7): (&str, &str),
    diff: impl FnOnce(&mut dyn FnMut(&[u8])) -> T,
) -> (T, Prefetched) {
    let dir = repo.projects_dir.as_str();
    let prefix = format!("{dir}/");
    let (tx, rx) = channel::<String>();
    let queue = Mutex::new(rx);
    let found = Mutex::new(Prefetched::default());
    let work = || read_queued(&queue, &found, root, repo, (date, sha7));
    let out = std::thread::scope(|scope| {
        let mut sent: HashSet<String> = HashSet::new();
        let mut workers = Vec::new();
        let mut most = None;
        let out = diff(&mut |path: &[u8]| {
            let Some(rest) = path.strip_prefix(prefix.as_bytes()) else {
                return;
            };
            let name = rest.split(|b| *b == b'/').next().unwrap_or(rest);
            // A name that is not UTF-8 is the plan's to refuse, after the diff.
            let Ok(name) = std::str::from_utf8(name) else {
                return;
            };
            if name.is_empty() || sent.contains(name) {
                return;
            }
            sent.insert(name.to_string());
            // The receiver lives until the scope ends: sending cannot fail.
            let _ = tx.send(name.to_string());
            if sent.len() < START_AFTER {
                return;
            }
            // One core diffs, the others read: one more reader per PER_WORKER folders.
            let most = *most.get_or_insert_with(|| {
                std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
            });
            if workers.len() < (sent.len() / PER_WORKER + 1).min(most) {
                workers.push(scope.spawn(work));
            }
        });
        drop(tx);
        // Help read what is left; without workers the caller reads it all.
        if !workers.is_empty() {
            work();
        }
        for worker in workers {
            worker
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
        out
    });
    (
        out,
        found.into_inner().unwrap_or_else(PoisonError::into_inner),
    )
}

fn read_queued(
    queue: &Mutex<Receiver<String>>,
    found: &Mutex<Prefetched>,
    root: &Path,
    repo: &RepoConfig,
    (date, sha7): (&str, &str),
) {
    let dir = repo.projects_dir.as_str();
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(name) = next else {
            return;
        };
        let config = load_project_if_present(root, dir, &name, repo);
        let mut absent = Vec::new();
        if matches!(config, Ok(Some(_))) && repo.naming == NamingScheme::SingleRepository {
            for folder in [format!("{name}-{date}"), format!("{name}-{date}-{sha7}")] {
                if std::fs::symlink_metadata(root.join(dir).join(&folder))
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                {
                    absent.push(folder);
                }
            }
        }
        let mut found = found.lock().unwrap_or_else(PoisonError::into_inner);
        found.configs.insert(name, config);
        found.absent.extend(absent);
    }
}
