//! GitHub Actions `strategy.matrix` JSON: one entry per runner and share of the
//! plan (a [`Chunk`]), within GitHub's 256 jobs per matrix, and small whatever the
//! project names: an entry names its chunk, the build job reads its projects from
//! `plan.json`. A plan with dependency levels gets one matrix per level: the
//! workflow builds and publishes a level before the next one starts.

use serde::{Deserialize, Serialize};

use super::MatrixError;
use crate::contract::{
    Chunk, Plan, archs, check_of, entries_among, fit, jobs_among, level_projects,
};

/// The largest matrix written: far below GitHub's 1 MB per job output, so the
/// output and the workflow around it stay small at any repository size.
pub const MAX_MATRIX_BYTES: usize = 64 * 1024;

/// One matrix entry: one runner and architecture, one share of the projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubEntry {
    /// For people: `alpha amd64`, or `amd64 3/40 (79 projects)`.
    pub name: String,
    pub runner: String,
    pub arch: String,
    pub platform: String,
    /// The share of the plan's projects this entry builds (`3`, of `chunks`).
    pub chunk: usize,
    pub chunks: usize,
    /// The dependency level whose projects the chunk shares (absent: 0, the
    /// only level of a plan without `depends_on:`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub level: u32,
    /// What the share builds, digested: a build job given another plan stops.
    pub check: String,
}

fn is_zero(level: &u32) -> bool {
    *level == 0
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

/// The matrix of a plan without levels: see [`github_matrices`].
#[cfg(test)]
fn github_matrix(plan: &Plan, max_jobs: usize) -> Result<GithubMatrix, MatrixError> {
    let mut matrices = github_matrices(plan, max_jobs, 1)?;
    Ok(matrices.remove(0))
}

/// One matrix per dependency level, for a workflow that runs `levels` of them
/// one after the other (empty matrices for the levels the plan does not use).
/// A plan with more levels fails with the fix: its deepest projects would
/// otherwise never be built.
pub fn github_matrices(
    plan: &Plan,
    max_jobs: usize,
    levels: u32,
) -> Result<Vec<GithubMatrix>, MatrixError> {
    let needed = plan.levels();
    if needed > levels.max(1) {
        return Err(MatrixError::TooManyLevels {
            needed,
            have: levels.max(1),
            chain: deepest_chain(plan),
        });
    }
    let matrices = (0..levels.max(1))
        .map(|level| level_matrix(plan, level, max_jobs))
        .collect::<Result<Vec<_>, _>>()?;
    super::github_outputs::check_job_outputs(&matrices)?;
    Ok(matrices)
}

/// One entry per job of the level while they fit in `max_jobs`; beyond that,
/// the level's projects are split into as many chunks as fit, each built per
/// architecture by one entry. No job is dropped. Fails when the JSON would
/// exceed [`MAX_MATRIX_BYTES`].
fn level_matrix(plan: &Plan, level: u32, max_jobs: usize) -> Result<GithubMatrix, MatrixError> {
    if !plan.publish.builds() {
        // A preview-only run (the branch rule): no job is built.
        return Ok(GithubMatrix {
            include: Vec::new(),
        });
    }
    let archs = archs(plan);
    let members = level_projects(plan, level);
    let projects = members.len();
    let count = fit(projects, max_jobs, |n| entries_among(&members, &archs, n)).ok_or(
        MatrixError::TooFewJobs {
            max: max_jobs,
            groups: archs.len(),
        },
    )?;
    let mut include = Vec::new();
    for chunk in Chunk::all(count) {
        for arch in &archs {
            // The level's members are found once, not once per chunk.
            let jobs = jobs_among(&members[chunk.range(projects)], arch);
            let Some((first, job)) = jobs.first() else {
                continue;
            };
            let mut runners = jobs.iter().map(|(_, j)| j.github_runner.as_str());
            if job.github_runner.is_empty() || runners.any(|r| r != job.github_runner) {
                return Err(MatrixError::NoGithubRunner {
                    project: first.name.clone(),
                    platform: job.platform.to_string(),
                    arch: job.arch.clone(),
                });
            }
            let name = match jobs.as_slice() {
                [(project, _)] => format!("{} {arch}", project.name),
                _ => format!("{arch} {chunk} ({} projects)", jobs.len()),
            };
            include.push(GithubEntry {
                name,
                runner: job.github_runner.clone(),
                arch: arch.to_string(),
                platform: job.platform.to_string(),
                chunk: chunk.index,
                chunks: chunk.count,
                level,
                check: check_of(&jobs),
            });
        }
    }
    let mut matrix = GithubMatrix { include };
    if matrix.to_json().len() > MAX_MATRIX_BYTES {
        // Long project names: name entries by their chunk alone.
        for entry in &mut matrix.include {
            entry.name = format!("{} {}/{}", entry.arch, entry.chunk, entry.chunks);
        }
    }
    let bytes = matrix.to_json().len();
    if bytes > MAX_MATRIX_BYTES {
        return Err(MatrixError::TooLarge {
            what: "GitHub matrix",
            bytes,
            max: MAX_MATRIX_BYTES,
            jobs: matrix.include.len(),
            limit: "monoarch's own, far below GitHub's 1 MB per job output",
        });
    }
    Ok(matrix)
}

/// A chain from a project of the deepest level down to level 0, each project
/// building on the next (`leaf -> mid -> root`): what makes the levels.
fn deepest_chain(plan: &Plan) -> String {
    let Some(mut at) = plan.projects.iter().max_by_key(|p| p.level) else {
        return String::new();
    };
    let mut chain = vec![at.name.as_str()];
    while at.level > 0 {
        let below = at
            .bases
            .iter()
            .filter(|b| b.rebuilt)
            .find_map(|b| plan.project(&b.project).filter(|p| p.level + 1 == at.level));
        let Some(next) = below else { break };
        chain.push(next.name.as_str());
        at = next;
    }
    chain.join(" -> ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::test_plans::{plan, with_long_names};
    use rstest::rstest;

    /// Every (project, arch) job appears exactly once, whatever the packing, when each
    /// entry's chunk is read back from the plan as a build job does.
    fn assert_all_jobs_once(plan: &Plan, matrix: &GithubMatrix) {
        let mut seen: Vec<(String, String)> = Vec::new();
        for e in &matrix.include {
            let chunk = Chunk {
                index: e.chunk,
                count: e.chunks,
            };
            assert_eq!(chunk.check(plan, &e.arch), e.check, "{e:?}");
            let jobs = chunk.jobs(plan, &e.arch);
            assert!(!jobs.is_empty(), "{e:?}");
            seen.extend(jobs.iter().map(|(p, j)| (p.name.clone(), j.arch.clone())));
        }
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
    #[case(7, 3, 2)]
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
        let sizes: Vec<usize> = matrix
            .include
            .iter()
            .map(|e| {
                let chunk = Chunk {
                    index: e.chunk,
                    count: e.chunks,
                };
                chunk.jobs(&plan, &e.arch).len()
            })
            .collect();
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

    /// Issue 11: the matrix stays small at any size. 20,000 projects with
    /// 40-character names, two architectures: under 64 KB, every job once.
    #[test]
    fn twenty_thousand_projects_with_long_names_fit_in_64_kb() {
        let mut plan = with_long_names(plan(20_000, &["amd64", "arm64"]), 40);
        assert_eq!(plan.projects[19_999].name.len(), 40);
        let matrix = github_matrix(&plan, 256).expect("fits");
        let bytes = matrix.to_json().len();
        assert!(bytes < MAX_MATRIX_BYTES, "{bytes} bytes");
        assert_eq!(matrix.include.len(), 256);
        assert_all_jobs_once(&plan, &matrix);
        // Single-project entries keep the project's name, whatever its length.
        plan.projects.truncate(100);
        let matrix = github_matrix(&plan, 256).expect("fits");
        assert!(
            matrix.include[0].name.starts_with("service-00000"),
            "{:?}",
            matrix.include[0]
        );
    }

    /// `p0000 <- p0001 <- p0002` (each on the one before) and the rest on level 0.
    fn chain(projects: usize) -> Plan {
        let mut plan = plan(projects, &["amd64", "arm64"]);
        for i in 1..3 {
            let base = plan.projects[i - 1].name.clone();
            plan.projects[i].level = i as u32;
            plan.projects[i].bases = vec![crate::contract::BasePlan {
                project: base.clone(),
                arg: format!("MONOARCH_BASE_{}", base.to_uppercase()),
                repository: "r".into(),
                tag: format!("{base}-20260101-abcdef0"),
                rebuilt: true,
            }];
        }
        plan
    }

    #[test]
    fn one_matrix_per_level_each_with_its_own_projects_only() {
        let plan = chain(300);
        let matrices = github_matrices(&plan, 256, 4).expect("fits");
        assert_eq!(matrices.len(), 4);
        let mut seen: Vec<(String, String)> = Vec::new();
        for (level, matrix) in (0u32..).zip(&matrices) {
            for e in &matrix.include {
                assert_eq!(e.level, level, "{e:?}");
                let chunk = Chunk {
                    index: e.chunk,
                    count: e.chunks,
                };
                assert_eq!(chunk.level_check(&plan, level, &e.arch), e.check);
                let jobs = chunk.level_jobs(&plan, level, &e.arch);
                assert!(!jobs.is_empty(), "{e:?}");
                assert!(jobs.iter().all(|(p, _)| p.level == level));
                seen.extend(jobs.iter().map(|(p, j)| (p.name.clone(), j.arch.clone())));
            }
        }
        assert_eq!(matrices[1].include.len(), 2, "p0001 on two archs");
        assert_eq!(matrices[2].include[0].name, "p0002 amd64");
        assert!(matrices[3].include.is_empty(), "a spare level");
        // Level 0 is packed within the 256 entries; every job is built once.
        assert!(matrices[0].include.len() <= 256);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 600);
        // A level-0 entry's JSON carries no `level`: a plan without levels prints as before.
        assert!(!matrices[0].to_json().contains("\"level\""));
        assert!(matrices[1].to_json().contains("\"level\":1"));
    }

    #[test]
    fn more_levels_than_the_workflow_runs_fail_naming_the_chain() {
        let plan = chain(5);
        let err = github_matrices(&plan, 256, 2).expect_err("three levels");
        assert_eq!(
            err,
            MatrixError::TooManyLevels {
                needed: 3,
                have: 2,
                chain: "p0002 -> p0001 -> p0000".into()
            }
        );
        assert!(github_matrix(&plan, 256).is_err(), "one level by default");
        assert_eq!(github_matrices(&plan, 256, 3).map(|m| m.len()), Ok(3));
    }

    #[test]
    fn a_matrix_that_cannot_be_small_fails_with_the_fix() {
        let plan = plan(20_000, &["amd64", "arm64"]);
        let err = github_matrix(&plan, 20_000).expect_err("too large");
        let message = err.to_string();
        assert!(message.contains("--max-jobs"), "{message}");
        assert!(matches!(err, MatrixError::TooLarge { .. }), "{err:?}");
    }
}
