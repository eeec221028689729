//! GitHub Actions `strategy.matrix` JSON: one entry per runner and share of the
//! plan (a [`Chunk`]), within GitHub's 256 jobs per matrix, and small whatever the
//! project names: an entry names its chunk, the build job reads its projects from
//! `plan.json`.

use serde::{Deserialize, Serialize};

use super::MatrixError;
use crate::contract::{Chunk, Plan, archs, build_entries, fit};

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
    /// What the share builds, digested: a build job given another plan stops.
    pub check: String,
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

/// One entry per job while they fit in `max_jobs`; beyond that, the plan's
/// projects are split into as many chunks as fit, each built per architecture by
/// one entry. No job is dropped. Fails when the JSON would exceed [`MAX_MATRIX_BYTES`].
pub fn github_matrix(plan: &Plan, max_jobs: usize) -> Result<GithubMatrix, MatrixError> {
    super::one_level(plan, "GitHub")?;
    if !plan.publish.builds() {
        // A preview-only run (the branch rule): no job is built.
        return Ok(GithubMatrix {
            include: Vec::new(),
        });
    }
    let archs = archs(plan);
    let count = fit(plan.projects.len(), max_jobs, |n| {
        build_entries(plan, &archs, n)
    })
    .ok_or(MatrixError::TooFewJobs {
        max: max_jobs,
        groups: archs.len(),
    })?;
    let mut include = Vec::new();
    for chunk in Chunk::all(count) {
        for arch in &archs {
            let jobs = chunk.jobs(plan, arch);
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
                check: chunk.check(plan, arch),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::test_plans::{plan, with_long_names};
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

    #[test]
    fn a_matrix_that_cannot_be_small_fails_with_the_fix() {
        let plan = plan(20_000, &["amd64", "arm64"]);
        let err = github_matrix(&plan, 20_000).expect_err("too large");
        let message = err.to_string();
        assert!(message.contains("--max-jobs"), "{message}");
        assert!(matches!(err, MatrixError::TooLarge { .. }), "{err:?}");
    }
}
