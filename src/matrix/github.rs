//! GitHub Actions `strategy.matrix` JSON, packed to fit GitHub's 256-job limit.

use serde::{Deserialize, Serialize};

use super::MatrixError;
use crate::plan::Plan;

/// One matrix entry: one runner, one architecture, one or more projects built in turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubEntry {
    pub name: String,
    pub runner: String,
    pub arch: String,
    pub platform: String,
    pub projects: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubMatrix {
    pub include: Vec<GithubEntry>,
}

impl GithubMatrix {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a matrix always serializes")
    }
}

/// One entry per job while they fit in `max_jobs`; beyond that, jobs of one
/// runner and architecture share entries, as evenly as possible. No job is dropped.
pub fn github_matrix(plan: &Plan, max_jobs: usize) -> Result<GithubMatrix, MatrixError> {
    // (runner, arch, platform) -> projects, in first-seen order for stable output.
    let mut groups: Vec<((String, String, String), Vec<String>)> = Vec::new();
    let mut singles: Vec<GithubEntry> = Vec::new();
    for project in &plan.projects {
        for job in &project.jobs {
            if job.github_runner.is_empty() {
                return Err(MatrixError::NoGithubRunner {
                    project: project.name.clone(),
                    platform: job.platform.to_string(),
                    arch: job.arch.clone(),
                });
            }
            let key = (
                job.github_runner.clone(),
                job.arch.clone(),
                job.platform.to_string(),
            );
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, projects)) => projects.push(project.name.clone()),
                None => groups.push((key, vec![project.name.clone()])),
            }
            singles.push(GithubEntry {
                name: format!("{} {}", project.name, job.arch),
                runner: job.github_runner.clone(),
                arch: job.arch.clone(),
                platform: job.platform.to_string(),
                projects: vec![project.name.clone()],
            });
        }
    }
    if singles.len() <= max_jobs {
        return Ok(GithubMatrix { include: singles });
    }
    if groups.len() > max_jobs {
        return Err(MatrixError::TooFewJobs {
            max: max_jobs,
            groups: groups.len(),
        });
    }
    // The smallest chunk size whose entry count fits.
    let total = singles.len();
    let mut size = total.div_ceil(max_jobs);
    while groups
        .iter()
        .map(|(_, p)| p.len().div_ceil(size))
        .sum::<usize>()
        > max_jobs
    {
        size += 1;
    }
    let mut include = Vec::new();
    for ((runner, arch, platform), projects) in groups {
        let chunks = projects.len().div_ceil(size);
        // Spread evenly: chunk sizes differ by at most one.
        let (base, extra) = (projects.len() / chunks, projects.len() % chunks);
        let mut rest = projects.as_slice();
        for i in 0..chunks {
            let take = base + usize::from(i < extra);
            let (chunk, tail) = rest.split_at(take);
            rest = tail;
            include.push(GithubEntry {
                name: format!("{arch} {}/{chunks} ({take} projects)", i + 1),
                runner: runner.clone(),
                arch: arch.clone(),
                platform: platform.clone(),
                projects: chunk.to_vec(),
            });
        }
    }
    Ok(GithubMatrix { include })
}
