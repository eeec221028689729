//! GitHub Actions `strategy.matrix` JSON, packed to fit GitHub's 256-job limit.

use serde::{Deserialize, Serialize};

use super::MatrixError;
use crate::contract::Plan;

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
    if !plan.publish.builds() {
        // A preview-only run (the branch rule): no job is built.
        return Ok(GithubMatrix {
            include: Vec::new(),
        });
    }
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
    // Share the entry budget between groups in proportion to their jobs (at
    // least one each), so packing keeps as much parallelism as GitHub allows.
    let total = singles.len();
    let mut budgets: Vec<usize> = groups
        .iter()
        .map(|(_, p)| (max_jobs * p.len() / total).clamp(1, p.len()))
        .collect();
    let mut spare = max_jobs.saturating_sub(budgets.iter().sum());
    while spare > 0 {
        // The group with the most jobs per entry gets the next entry.
        let Some(i) = (0..groups.len())
            .filter(|&i| budgets[i] < groups[i].1.len())
            .max_by_key(|&i| groups[i].1.len().div_ceil(budgets[i]))
        else {
            break;
        };
        budgets[i] += 1;
        spare -= 1;
    }
    let mut include = Vec::new();
    for (((runner, arch, platform), projects), chunks) in groups.into_iter().zip(budgets) {
        // Spread evenly: chunk sizes differ by at most one.
        let (base, extra) = (projects.len() / chunks, projects.len() % chunks);
        let mut rest = projects.as_slice();
        for i in 0..chunks {
            let take = base + usize::from(i < extra);
            let (chunk, tail) = rest.split_at(take);
            rest = tail;
            include.push(GithubEntry {
                name: format!(
                    "{arch} {}/{chunks} ({take} project{})",
                    i + 1,
                    if take == 1 { "" } else { "s" }
                ),
                runner: runner.clone(),
                arch: arch.clone(),
                platform: platform.clone(),
                projects: chunk.to_vec(),
            });
        }
    }
    Ok(GithubMatrix { include })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Platform;
    use crate::contract::{
        FORMAT_VERSION, JobPlan, NamingScheme, ProjectPlan, RegistryTarget, Selection,
        SelectionMode, Trigger,
    };
    use rstest::rstest;

    fn plan(projects: usize, archs: &[&str]) -> Plan {
        let projects = (0..projects)
            .map(|i| ProjectPlan {
                name: format!("p{i:04}"),
                path: format!("projects/p{i:04}"),
                reasons: Vec::new(),
                upstream: None,
                dockerfile: "Dockerfile".into(),
                context: ".".into(),
                target: None,
                build_args: Vec::new(),
                repository: "r".into(),
                tags: vec![format!("p{i:04}-20260101-abcdef0")],
                jobs: archs
                    .iter()
                    .map(|a| {
                        let platform = Platform::from_arch(a).expect("known arch");
                        JobPlan {
                            platform,
                            arch: a.to_string(),
                            github_runner: format!("runner-{a}"),
                            gitlab_tags: Vec::new(),
                            tag: format!("p{i:04}-20260101-abcdef0-{a}"),
                        }
                    })
                    .collect(),
            })
            .collect();
        Plan {
            format_version: FORMAT_VERSION,
            generator: "test".into(),
            created: "2026-01-01T00:00:00Z".into(),
            date: "20260101".into(),
            commit: "abcdef0".repeat(6),
            sha7: "abcdef0".into(),
            source: None,
            selection: Selection {
                trigger: Trigger::Local,
                mode: SelectionMode::All,
                base: None,
                reason: "test".into(),
            },
            registry: RegistryTarget {
                host: String::new(),
                naming: NamingScheme::SingleRepository,
            },
            projects,
            removed: Vec::new(),
            publish: Default::default(),
        }
    }

    /// Every (project, arch) job appears exactly once, whatever the packing.
    fn assert_all_jobs_once(plan: &Plan, matrix: &GithubMatrix) {
        let mut seen: Vec<(String, String)> = matrix
            .include
            .iter()
            .flat_map(|e| e.projects.iter().map(move |p| (p.clone(), e.arch.clone())))
            .collect();
        seen.sort();
        let mut want: Vec<(String, String)> = plan
            .projects
            .iter()
            .flat_map(|p| p.jobs.iter().map(move |j| (p.name.clone(), j.arch.clone())))
            .collect();
        want.sort();
        assert_eq!(seen, want);
    }

    #[rstest]
    #[case(10, 256, 20)]
    #[case(128, 256, 256)]
    #[case(129, 256, 256)]
    #[case(1000, 256, 256)]
    #[case(2000, 256, 256)]
    #[case(7, 3, 3)]
    fn fits_and_keeps_every_job(
        #[case] projects: usize,
        #[case] max: usize,
        #[case] max_entries: usize,
    ) {
        let plan = plan(projects, &["amd64", "arm64"]);
        let matrix = github_matrix(&plan, max).expect("fits");
        assert!(
            matrix.include.len() <= max_entries,
            "{} entries",
            matrix.include.len()
        );
        assert!(matrix.include.len() <= max);
        assert_all_jobs_once(&plan, &matrix);
        for entry in &matrix.include {
            assert_eq!(
                entry.runner,
                format!("runner-{}", entry.arch),
                "one runner per entry"
            );
        }
    }

    #[test]
    fn packed_entries_are_even() {
        let plan = plan(300, &["amd64", "arm64"]);
        let matrix = github_matrix(&plan, 256).expect("fits");
        assert_eq!(
            matrix.include.len(),
            256,
            "packing keeps all the parallelism allowed"
        );
        let sizes: Vec<usize> = matrix.include.iter().map(|e| e.projects.len()).collect();
        let (min, max) = (sizes.iter().min().copied(), sizes.iter().max().copied());
        assert_eq!((min, max), (Some(2), Some(3)), "{sizes:?}");
    }

    #[test]
    fn too_few_jobs_for_the_runner_groups() {
        let plan = plan(3, &["amd64", "arm64"]);
        assert_eq!(
            github_matrix(&plan, 1),
            Err(MatrixError::TooFewJobs { max: 1, groups: 2 })
        );
    }
}
