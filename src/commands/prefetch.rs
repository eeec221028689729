//! Reading the changed projects' configs while git still compares trees.
//! gitoxide's diff is breadth-first: the changed folders under the projects
//! folder are met before anything inside them is read, so a second core reads
//! their configs (and looks up the folders their date-sha tags could collide
//! with) while the diff descends. What is read is only used for the projects
//! the selection then chooses, exactly as if it were read afterwards.

use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::folders::Folders;
use super::load_projects::{Known, PER_THREAD};
use crate::config::{RepoConfig, load_project_if_present};
use crate::contract::NamingScheme;

/// Below this many changed folders the diff is nearly done when they are
/// known: starting a thread costs more than it saves, and they are read after.
const START_AFTER: usize = 8;

/// What was read while the diff ran.
#[derive(Default)]
pub struct Prefetched {
    /// Each changed folder's config, as [`load_project_if_present`] read it.
    pub configs: Known,
    /// Folders under the projects folder found absent: `<name>-<date>` and
    /// `<name>-<date>-<sha7>`, the names a date-sha tag could collide with.
    pub absent: HashSet<String>,
    /// The projects folder those were looked up in (and its listing, if made).
    pub folders: Option<Folders>,
    /// For the debug line, when it is on: the time the threads spent reading,
    /// added up, without their waits for the diff's next folder (the work a
    /// plan does that `git diff` has no counterpart for); and how many read.
    pub busy: Option<Duration>,
    pub readers: usize,
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
    let folders = Folders::open(&root.join(dir));
    let timed = tracing::enabled!(tracing::Level::DEBUG);
    let busy = Mutex::new(Duration::ZERO);
    let work = || {
        let spent = read_queued(&queue, &found, &folders, root, repo, (date, sha7), timed);
        *busy.lock().unwrap_or_else(PoisonError::into_inner) += spent;
    };
    let (out, readers) = std::thread::scope(|scope| {
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
            // Two lookups per folder read: the listing is made once they cost more.
            folders.expect(2 * sent.len());
            // The receiver lives until the scope ends: sending cannot fail.
            let _ = tx.send(name.to_string());
            if sent.len() < START_AFTER {
                return;
            }
            // One core diffs, the others read: one more reader per PER_THREAD folders.
            let most = *most.get_or_insert_with(|| {
                std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
            });
            if workers.len() < (sent.len() / PER_THREAD + 1).min(most) {
                workers.push(scope.spawn(work));
            }
        });
        drop(tx);
        // Help read what is left; without workers the caller reads it all.
        let readers = workers.len() + usize::from(!workers.is_empty());
        if !workers.is_empty() {
            work();
        }
        for worker in workers {
            worker
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
        (out, readers)
    });
    let mut found = found.into_inner().unwrap_or_else(PoisonError::into_inner);
    found.folders = Some(folders);
    found.busy = timed.then(|| busy.into_inner().unwrap_or_else(PoisonError::into_inner));
    found.readers = readers;
    (out, found)
}

/// Reads queued folders until the queue closes; with `timed`, returns the time
/// spent on them (not in waiting for the next), else zero. Wall time, not the
/// thread's CPU: rustix reads that clock through the vDSO, which crashes under
/// valgrind (rustix issue 1559), and procfs counts it in ticks (10 ms).
fn read_queued(
    queue: &Mutex<Receiver<String>>,
    found: &Mutex<Prefetched>,
    folders: &Folders,
    root: &Path,
    repo: &RepoConfig,
    (date, sha7): (&str, &str),
    timed: bool,
) -> Duration {
    let dir = repo.projects_dir.as_str();
    let mut busy = Duration::ZERO;
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(name) = next else {
            return busy;
        };
        let started = timed.then(Instant::now);
        let config = load_project_if_present(root, dir, &name, repo);
        let mut absent = Vec::new();
        if matches!(config, Ok(Some(_))) && repo.naming == NamingScheme::SingleRepository {
            for folder in [format!("{name}-{date}"), format!("{name}-{date}-{sha7}")] {
                if folders.lacks(&folder) {
                    absent.push(folder);
                }
            }
        }
        let mut found = found.lock().unwrap_or_else(PoisonError::into_inner);
        found.configs.insert(name, Box::new(config));
        found.absent.extend(absent);
        drop(found);
        if let Some(started) = started {
            busy += started.elapsed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;

    /// A repository folder with a valid config in each of `projects`.
    fn repo_with(projects: &[&str]) -> (tempfile::TempDir, RepoConfig) {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in projects {
            let folder = dir.path().join("projects").join(name);
            std::fs::create_dir_all(&folder).expect("mkdir");
            std::fs::write(folder.join("build-config.yaml"), "additional_tags: [v1]\n")
                .expect("config");
            std::fs::write(folder.join("Dockerfile"), "FROM scratch\n").expect("Dockerfile");
        }
        let repo = RepoConfig::parse("", dir.path(), &Env::default()).expect("defaults");
        (dir, repo)
    }

    fn diffing(root: &Path, repo: &RepoConfig, paths: &[&[u8]]) -> Prefetched {
        let ((), found) = while_diffing(root, repo, ("20261120", "abcdef1"), |note| {
            for path in paths {
                note(path);
            }
        });
        found
    }

    #[test]
    fn each_project_folder_a_changed_path_names_is_read_once() {
        let names: Vec<String> = (0..12).map(|i| format!("p{i:02}")).collect();
        let mut all: Vec<&str> = names.iter().map(String::as_str).collect();
        all.push("p05-20261120");
        let (dir, repo) = repo_with(&all);
        let mut paths: Vec<Vec<u8>> = vec![b"projects".to_vec(), b"README.md".to_vec()];
        for name in &names {
            // The folder as a tree change first, then the files below it.
            paths.push(format!("projects/{name}").into_bytes());
            paths.push(format!("projects/{name}/src/main.py").into_bytes());
            paths.push(format!("projects/{name}/Dockerfile").into_bytes());
        }
        paths.push(b"projects/gone/build-config.yaml".to_vec());
        paths.push(b"projects/\xff/x".to_vec());
        paths.push(b"projectsX/p00/y".to_vec());
        let refs: Vec<&[u8]> = paths.iter().map(Vec::as_slice).collect();
        // With the debug line on, as `MONOARCH_LOG=monoarch=debug` turns it on.
        let debug = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::sink)
            .finish();
        let found = tracing::subscriber::with_default(debug, || diffing(dir.path(), &repo, &refs));

        let mut read: Vec<&str> = found.configs.keys().map(String::as_str).collect();
        read.sort_unstable();
        let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
        expected.push("gone");
        expected.sort_unstable();
        assert_eq!(read, expected);
        for name in &names {
            let config = (*found.configs[name]).as_ref().expect("valid config");
            assert_eq!(config.as_ref().expect("present").name, *name);
        }
        assert!(matches!(*found.configs["gone"], Ok(None)));
        // Absent: both date-sha prefixes of every read project, but the folder that exists.
        for name in &names {
            let day = format!("{name}-20261120");
            assert_eq!(found.absent.contains(&day), name != "p05", "{day}");
            assert!(
                found.absent.contains(&format!("{day}-abcdef1")),
                "{day}-abcdef1"
            );
        }
        assert!(!found.absent.iter().any(|n| n.starts_with("gone")));
        // One reader thread beside the caller, which helps once the diff is done;
        // the time they spent reading is what the debug line reports.
        assert_eq!(found.readers, 2);
        assert!(found.busy.is_some_and(|busy| busy > Duration::ZERO));
    }

    #[test]
    fn a_few_folders_are_left_for_the_caller_to_read() {
        let (dir, repo) = repo_with(&["a", "b"]);
        let found = diffing(dir.path(), &repo, &[b"projects/a/x", b"projects/b/y"]);
        assert!(found.configs.is_empty());
        assert!(found.absent.is_empty());
        // Nothing read, and nothing timed with the debug line off.
        assert_eq!((found.readers, found.busy), (0, None));
    }

    #[test]
    fn a_broken_config_is_kept_as_its_problem_not_raised() {
        let names: Vec<String> = (0..START_AFTER).map(|i| format!("p{i}")).collect();
        let all: Vec<&str> = names.iter().map(String::as_str).collect();
        let (dir, repo) = repo_with(&all);
        std::fs::write(
            dir.path().join("projects/p3/build-config.yaml"),
            "additional_tags: [\n",
        )
        .expect("broken config");
        let paths: Vec<Vec<u8>> = names
            .iter()
            .map(|n| format!("projects/{n}/x").into_bytes())
            .collect();
        let refs: Vec<&[u8]> = paths.iter().map(Vec::as_slice).collect();
        let found = diffing(dir.path(), &repo, &refs);
        assert_eq!(found.configs.len(), START_AFTER);
        assert!(found.configs["p3"].is_err());
        assert!(!found.absent.iter().any(|n| n.starts_with("p3-")));
    }
}
