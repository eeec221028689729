//! Runs a list of tasks on a bounded number of threads, each task once all the
//! tasks it waits for have succeeded. Today `run`'s build jobs wait for nothing;
//! dependency levels (a base image built before the images on it) fit as `after`.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

/// One unit of work and the tasks (by index) it waits for.
#[derive(Debug, Clone)]
pub struct Task<T> {
    pub item: T,
    pub after: Vec<usize>,
}

/// What became of one task.
#[derive(Debug, PartialEq, Eq)]
pub enum Done<R> {
    Ran(R),
    /// Not run: this task (by index) failed or was not run itself.
    Blocked(usize),
}

struct State<R> {
    ready: VecDeque<usize>,
    waiting_on: Vec<usize>,
    results: Vec<Option<Done<R>>>,
    running: usize,
    left: usize,
}

/// Runs every task with `work` on up to `threads` threads (at least one), in list
/// order among the ready ones; a task whose `ok` result is false blocks every task
/// that waits for it, directly or not. Results come back in list order.
///
/// Panics if `after` names a task that does not exist or the tasks wait in a circle:
/// callers build the list, and such a list is their bug.
pub fn run_all<T, R>(
    tasks: &[Task<T>],
    threads: usize,
    work: impl Fn(usize, &T) -> R + Sync,
    ok: impl Fn(&R) -> bool + Sync,
) -> Vec<Done<R>>
where
    T: Sync,
    R: Send,
{
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); tasks.len()];
    for (i, task) in tasks.iter().enumerate() {
        for &before in &task.after {
            assert!(
                before < tasks.len(),
                "task {i} waits for unknown task {before}"
            );
            dependents[before].push(i);
        }
    }
    let state = Mutex::new(State {
        ready: (0..tasks.len())
            .filter(|&i| tasks[i].after.is_empty())
            .collect(),
        waiting_on: tasks.iter().map(|t| t.after.len()).collect(),
        results: (0..tasks.len()).map(|_| None).collect(),
        running: 0,
        left: tasks.len(),
    });
    let wake = Condvar::new();
    let worker = || {
        loop {
            let index = {
                let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    if let Some(i) = s.ready.pop_front() {
                        s.running += 1;
                        break i;
                    }
                    if s.left == 0 {
                        return;
                    }
                    assert!(s.running > 0, "tasks wait for each other in a circle");
                    s = wake.wait(s).unwrap_or_else(|p| p.into_inner());
                }
            };
            let result = work(index, &tasks[index].item);
            let succeeded = ok(&result);
            let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
            s.running -= 1;
            s.left -= 1;
            s.results[index] = Some(Done::Ran(result));
            if succeeded {
                for &next in &dependents[index] {
                    s.waiting_on[next] -= 1;
                    if s.waiting_on[next] == 0 && s.results[next].is_none() {
                        s.ready.push_back(next);
                    }
                }
            } else {
                block(&mut s, &dependents, index);
            }
            wake.notify_all();
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, tasks.len().max(1)) {
            scope.spawn(worker);
        }
    });
    state
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .results
        .into_iter()
        .map(|r| r.expect("every task ran or was blocked"))
        .collect()
}

/// Marks every task that waits for `failed`, directly or not, as blocked by it.
fn block<R>(s: &mut State<R>, dependents: &[Vec<usize>], failed: usize) {
    let mut stack = dependents[failed].clone();
    while let Some(i) = stack.pop() {
        if s.results[i].is_none() {
            s.results[i] = Some(Done::Blocked(failed));
            s.left -= 1;
            stack.extend(dependents[i].iter().copied());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn tasks(after: &[&[usize]]) -> Vec<Task<usize>> {
        after
            .iter()
            .enumerate()
            .map(|(i, a)| Task {
                item: i,
                after: a.to_vec(),
            })
            .collect()
    }

    #[test]
    fn runs_independent_tasks_at_once_but_never_more_than_asked() {
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let results = run_all(
            &tasks(&[&[], &[], &[], &[], &[], &[]]),
            3,
            |_, item| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
                item * 10
            },
            |_| true,
        );
        assert_eq!(
            results,
            (0..6).map(|i| Done::Ran(i * 10)).collect::<Vec<_>>()
        );
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_task_starts_after_what_it_waits_for_and_a_failure_blocks_its_dependents() {
        // 0 -> 1 -> 3, 2 fails -> 4 -> 5; 6 waits for 1 and 2.
        let order = Mutex::new(Vec::new());
        let results = run_all(
            &tasks(&[&[], &[0], &[], &[1], &[2], &[4], &[1, 2]]),
            4,
            |_, item| {
                order.lock().expect("lock").push(*item);
                *item != 2
            },
            |ok| *ok,
        );
        let order = order.into_inner().expect("lock");
        let at = |i| order.iter().position(|&x| x == i);
        assert!(at(0) < at(1) && at(1) < at(3), "{order:?}");
        assert_eq!(results[2], Done::Ran(false));
        assert_eq!(results[4], Done::Blocked(2));
        assert_eq!(results[5], Done::Blocked(2));
        assert_eq!(results[6], Done::Blocked(2));
        assert_eq!(results[3], Done::Ran(true));
        assert_eq!(order.len(), 4, "blocked tasks never run: {order:?}");
    }

    #[test]
    fn no_tasks_and_one_thread_are_fine() {
        assert!(run_all(&tasks(&[]), 4, |_, i| *i, |_| true).is_empty());
        let results = run_all(&tasks(&[&[], &[0]]), 1, |_, i| *i, |_| true);
        assert_eq!(results, vec![Done::Ran(0), Done::Ran(1)]);
    }
}
