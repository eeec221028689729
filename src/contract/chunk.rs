//! Chunks: how a CI job that builds or publishes many projects names them without
//! listing them, so a job list stays small whatever the names and the number of
//! projects. Chunk `i/n` is the i-th of `n` runs of the plan's projects, in plan
//! order, whose lengths differ by at most one; each job reads its projects from
//! `plan.json` with [`Chunk::jobs`] or [`Chunk::projects`].

use std::fmt;
use std::ops::Range;

use sha2::{Digest, Sha256};

use super::plan::{JobPlan, Plan, ProjectPlan};

/// One share of the plan's projects: `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub index: usize,
    pub count: usize,
}

impl fmt::Display for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Chunk {
    /// `i/n` with `1 <= i <= n`.
    pub fn parse(text: &str) -> Result<Chunk, String> {
        let parsed = text
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if index >= 1 && index <= count => Ok(Chunk { index, count }),
            _ => Err(format!(
                "`{text}` is not a chunk; write `i/n` with 1 <= i <= n, as the matrix does"
            )),
        }
    }

    /// Every chunk of a split into `count`.
    pub fn all(count: usize) -> impl Iterator<Item = Chunk> {
        (1..=count).map(move |index| Chunk { index, count })
    }

    /// The positions of this chunk among `len` items: the first `len % count`
    /// chunks hold one item more than the others.
    pub fn range(&self, len: usize) -> Range<usize> {
        let (base, extra) = (len / self.count, len % self.count);
        let i = self.index - 1;
        let start = i * base + i.min(extra);
        start..start + base + usize::from(i < extra)
    }

    /// This chunk's projects.
    pub fn projects<'p>(&self, plan: &'p Plan) -> &'p [ProjectPlan] {
        &plan.projects[self.range(plan.projects.len())]
    }

    /// The jobs of architecture `arch` this chunk builds, in plan order.
    pub fn jobs<'p>(&self, plan: &'p Plan, arch: &str) -> Vec<(&'p ProjectPlan, &'p JobPlan)> {
        arch_jobs(self.projects(plan).iter(), arch)
    }

    /// A short digest of what this chunk builds for `arch`, carried by the job
    /// list, so a job handed a different plan fails instead of building other projects.
    pub fn check(&self, plan: &Plan, arch: &str) -> String {
        check_of(&self.jobs(plan, arch))
    }

    /// This chunk of the projects of one dependency level (a GitHub matrix per level).
    /// (The tests' oracle: the GitHub matrix finds a level's projects once.)
    #[cfg(test)]
    pub fn level_projects<'p>(&self, plan: &'p Plan, level: u32) -> Vec<&'p ProjectPlan> {
        let all = level_projects(plan, level);
        all[self.range(all.len())].to_vec()
    }

    /// [`Chunk::jobs`] among the projects of one dependency level.
    /// (The tests' oracle: the GitHub matrix finds a level's projects once.)
    #[cfg(test)]
    pub fn level_jobs<'p>(
        &self,
        plan: &'p Plan,
        level: u32,
        arch: &str,
    ) -> Vec<(&'p ProjectPlan, &'p JobPlan)> {
        arch_jobs(self.level_projects(plan, level).into_iter(), arch)
    }

    /// [`Chunk::check`] among the projects of one dependency level.
    /// (The tests' oracle: the GitHub matrix finds a level's projects once.)
    #[cfg(test)]
    pub fn level_check(&self, plan: &Plan, level: u32, arch: &str) -> String {
        check_of(&self.level_jobs(plan, level, arch))
    }
}

/// The projects of one dependency level, in plan order: in a plan without
/// `depends_on:`, level 0 holds every project.
pub fn level_projects(plan: &Plan, level: u32) -> Vec<&ProjectPlan> {
    plan.projects.iter().filter(|p| p.level == level).collect()
}

fn arch_jobs<'p>(
    projects: impl Iterator<Item = &'p ProjectPlan>,
    arch: &str,
) -> Vec<(&'p ProjectPlan, &'p JobPlan)> {
    projects
        .flat_map(|p| {
            built_jobs(p)
                .filter(|j| j.arch == arch)
                .map(move |j| (p, j))
        })
        .collect()
}

/// The jobs of architecture `arch` of a chunk's projects (`projects`, the
/// chunk's range of a level's members, found once for every chunk).
pub fn jobs_among<'p>(
    projects: &[&'p ProjectPlan],
    arch: &str,
) -> Vec<(&'p ProjectPlan, &'p JobPlan)> {
    arch_jobs(projects.iter().copied(), arch)
}

/// The jobs of architecture `arch` that `projects` (a chunk's, read as a job's
/// share of the plan) build, in order.
pub fn jobs_of<'p>(projects: &'p [ProjectPlan], arch: &str) -> Vec<(&'p ProjectPlan, &'p JobPlan)> {
    arch_jobs(projects.iter(), arch)
}

/// The digest [`Chunk::check`] makes of a chunk's jobs.
pub fn check_of(jobs: &[(&ProjectPlan, &JobPlan)]) -> String {
    let mut hash = Sha256::new();
    for (project, job) in jobs {
        hash.update(project.name.as_bytes());
        hash.update(b"\0");
        hash.update(job.tag.as_bytes());
        hash.update(b"\n");
    }
    hex::encode(&hash.finalize()[..6])
}

/// The jobs of a project that CI builds: the one place that decides it, for the
/// job lists and for the build jobs that read their share back.
/// A reused job is not built: `manifest` tags the image the plan found.
pub fn built_jobs(project: &ProjectPlan) -> impl Iterator<Item = &JobPlan> {
    project.build_jobs()
}

/// The architectures a plan builds, in first-seen order.
pub fn archs(plan: &Plan) -> Vec<&str> {
    let mut archs: Vec<&str> = Vec::new();
    for job in plan.projects.iter().flat_map(built_jobs) {
        if !archs.contains(&job.arch.as_str()) {
            archs.push(&job.arch);
        }
    }
    archs
}

/// The largest chunk count (at most one project per chunk) whose CI jobs, counted
/// by `jobs_for(count)`, fit in `max`; `None` when even one chunk is too many.
/// The job count grows with the chunk count, so a binary search finds it.
pub fn fit(projects: usize, max: usize, jobs_for: impl Fn(usize) -> usize) -> Option<usize> {
    if projects == 0 || jobs_for(projects) <= max {
        return Some(projects.max(1));
    }
    if jobs_for(1) > max {
        return None;
    }
    let (mut fits, mut too_many) = (1, projects);
    while too_many - fits > 1 {
        let mid = fits + (too_many - fits) / 2;
        if jobs_for(mid) <= max {
            fits = mid;
        } else {
            too_many = mid;
        }
    }
    Some(fits)
}

/// How many (chunk, arch) pairs have something to build when the plan is split in `count`.
pub fn build_entries(plan: &Plan, archs: &[&str], count: usize) -> usize {
    entries_among(&plan.projects.iter().collect::<Vec<_>>(), archs, count)
}

/// [`build_entries`] among some of the plan's projects (a dependency level's,
/// found once by the caller).
pub fn entries_among(all: &[&ProjectPlan], archs: &[&str], count: usize) -> usize {
    Chunk::all(count)
        .map(|chunk| {
            let projects = &all[chunk.range(all.len())];
            archs
                .iter()
                .filter(|arch| {
                    projects
                        .iter()
                        .any(|p| built_jobs(p).any(|j| j.arch == **arch))
                })
                .count()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_item_once_and_differ_by_at_most_one() {
        for len in [0, 1, 7, 300, 20_000] {
            for count in [1, 2, 3, 128, 256] {
                let ranges: Vec<Range<usize>> = Chunk::all(count).map(|c| c.range(len)).collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges[count - 1].end, len);
                assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
                let sizes: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
                let (min, max) = (sizes.iter().min(), sizes.iter().max());
                assert!(max.zip(min).is_some_and(|(a, b)| a - b <= 1), "{sizes:?}");
            }
        }
    }

    #[test]
    fn parses_what_it_prints_and_refuses_the_rest() {
        let chunk = Chunk::parse("3/40").expect("valid");
        assert_eq!((chunk.index, chunk.count), (3, 40));
        assert_eq!(chunk.to_string(), "3/40");
        for bad in ["0/4", "5/4", "3", "a/b", "3/0", ""] {
            assert!(Chunk::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fit_finds_the_largest_count_within_the_limit() {
        // Two jobs per chunk: 10 projects in at most 7 jobs is 3 chunks.
        assert_eq!(fit(10, 7, |n| 2 * n), Some(3));
        assert_eq!(fit(10, 20, |n| 2 * n), Some(10));
        assert_eq!(fit(10, 1, |n| 2 * n), None);
        assert_eq!(fit(0, 1, |n| 2 * n), Some(1));
    }
}
