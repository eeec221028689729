//! The plan job's outputs together: each level's matrix stays under its own
//! 64 KB cap, but GitHub also caps one job's outputs at 1 MB in total, and
//! `--levels` goes up to 64 (64 x 64 KB is 4 MB).

use super::MatrixError;
use super::github::GithubMatrix;

/// GitHub's limit on the outputs of one job, all of them together.
pub const MAX_JOB_OUTPUTS: usize = 1024 * 1024;

/// Fails, with the fix, when the matrices would not fit in one job's outputs:
/// GitHub would fail the plan job with a message that names no setting.
pub fn check_job_outputs(matrices: &[GithubMatrix]) -> Result<(), MatrixError> {
    // Each matrix, plus `matrix_N=`, `has_jobs_N=false`, `has_projects_N=false`.
    let bytes: usize = matrices.iter().map(|m| m.to_json().len() + 48).sum();
    if bytes > MAX_JOB_OUTPUTS {
        return Err(MatrixError::TooLarge {
            what: "GitHub plan job's outputs (one matrix per level)",
            bytes,
            max: MAX_JOB_OUTPUTS,
            jobs: matrices.iter().map(|m| m.include.len()).sum(),
            limit: "GitHub's 1 MB of outputs per job",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::github::GithubEntry;

    /// `entries` entries with 100-character names: about 250 bytes each.
    fn matrix(entries: usize) -> GithubMatrix {
        GithubMatrix {
            include: (0..entries)
                .map(|i| GithubEntry {
                    name: format!("{i:-<100}"),
                    runner: "ubuntu-24.04".into(),
                    arch: "amd64".into(),
                    platform: "linux/amd64".into(),
                    chunk: i + 1,
                    chunks: entries,
                    level: 1,
                    check: "0123456789ab".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn levels_that_fit_one_by_one_may_not_fit_together() {
        let level = matrix(240);
        let bytes = level.to_json().len();
        assert!(
            (40_000..64 * 1024).contains(&bytes),
            "each within its own cap: {bytes}"
        );
        assert_eq!(check_job_outputs(&vec![level.clone(); 4]), Ok(()));
        let err = check_job_outputs(&vec![level; 30]).expect_err("over 1 MB");
        let message = err.to_string();
        assert!(
            message.starts_with("the GitHub plan job's outputs (one matrix per level) would be ")
                && message.ends_with(
                    "over its 1048576-byte limit (GitHub's 1 MB of outputs per job); pass a lower --max-jobs, so that projects share jobs"
                ),
            "{message}"
        );
    }

    /// Wired into the plan job's matrices: 30 levels of 260 projects with long
    /// names each fit their own cap, and the plan still stops with the fix.
    #[test]
    fn the_matrices_of_a_deep_plan_are_checked_together() {
        use crate::contract::test_plans::{plan, with_long_names};
        use crate::matrix::github_matrices;
        let mut deep = with_long_names(plan(30 * 260, &["amd64"]), 60);
        for (i, project) in deep.projects.iter_mut().enumerate() {
            project.level = (i / 260) as u32;
        }
        let err = github_matrices(&deep, 256, 30).expect_err("over 1 MB together");
        assert!(
            err.to_string().contains("GitHub's 1 MB of outputs per job"),
            "{err}"
        );
        deep.projects.truncate(4 * 260);
        let matrices = github_matrices(&deep, 256, 4).expect("four levels fit");
        assert_eq!(matrices.len(), 4);
    }
}
