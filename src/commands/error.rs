//! The top-level error, and the one match from every error to its exit code.
//!
//! Every module keeps its own typed errors; only this file says which exit
//! code (see [`crate::contract::exit_code`]) each one means. The matches are
//! exhaustive, so a new variant anywhere does not compile until it has a code.

use std::path::PathBuf;

use thiserror::Error;

use super::make_plan::MakePlanError;
use crate::build::BuildError;
use crate::build::builder::{BuilderError, Step};
use crate::build::verify::VerifyError;
use crate::ci::CiError;
use crate::config::Problems;
use crate::contract::PlanFileError;
use crate::contract::exit_code::{self, *};
use crate::git::GitError;
use crate::manifest::{Failure, ManifestError};
use crate::matrix::MatrixError;
use crate::run::{JobFailure, RunFailure};
use crate::store::StoreError;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    PlanFile(#[from] PlanFileError),
    #[error(transparent)]
    MakePlan(#[from] MakePlanError),
    #[error(transparent)]
    Matrix(#[from] MatrixError),
    #[error("{0}")]
    Invalid(Problems),
    #[error("cannot write {path}: {message}")]
    Output { path: String, message: String },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Ci(#[from] CiError),
    #[error(
        "--job-env {var}: the variable is not set; in GitHub Actions set `env: {var}: ${{{{ toJSON(matrix) }}}}`"
    )]
    JobEnvUnset { var: String },
    #[error(
        "projects {first} and {second} both have the tag `{tag}` (the per-project naming scheme), and one OCI layout ({}) names images by tag alone; give each project its own layout (`--projects {first} --layout {first}-layout`) or push to a registry with --registry",
        layout.display()
    )]
    SharedLayoutTag {
        tag: String,
        first: String,
        second: String,
        layout: PathBuf,
    },
    #[error(
        "project {project} builds on {base} (depends_on), which a build pulls from a registry by digest, and an OCI layout is no registry; run with --registry HOST (a local docker-registry will do)"
    )]
    LayoutWithBases { project: String, base: String },
}

impl Error {
    /// The error as it goes to the log: one `error:` line per problem, so each
    /// stands alone in a CI log, and no echoed value can forge a CI command.
    pub fn log_lines(&self) -> String {
        crate::ci::escape::lines("error: ", &self.to_string())
    }

    /// The exit code of this error: the one table.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::PlanFile(_) => INVALID_PLAN,
            Error::MakePlan(MakePlanError::Git(e)) => git_code(e),
            Error::MakePlan(MakePlanError::Config(_)) | Error::Invalid(_) => INVALID_CONFIG,
            Error::MakePlan(MakePlanError::Usage(_)) => USAGE,
            Error::Matrix(
                MatrixError::NoGithubRunner { .. }
                | MatrixError::TooFewJobs { .. }
                | MatrixError::TooLarge { .. }
                | MatrixError::NoSourceUrl { .. }
                | MatrixError::TooManyLevels { .. }
                | MatrixError::LevelsPacked { .. },
            ) => INVALID_CONFIG,
            Error::Output { .. } | Error::Runtime(_) => FAILURE,
            Error::Ci(CiError::Write { .. } | CiError::MultiLine { .. }) => FAILURE,
            Error::Manifest(e) => manifest_code(e),
            Error::Build(e) => build_code(e),
            Error::JobEnvUnset { .. }
            | Error::SharedLayoutTag { .. }
            | Error::LayoutWithBases { .. } => USAGE,
        }
    }
}

fn git_code(e: &GitError) -> i32 {
    match e {
        GitError::Shallow { .. } => SHALLOW_CLONE,
        GitError::NotARepo { .. }
        | GitError::NoHead { .. }
        | GitError::UnknownRef { .. }
        | GitError::Failed { .. } => GIT,
    }
}

fn manifest_code(e: &ManifestError) -> i32 {
    match e {
        ManifestError::UnknownProject { .. } => INVALID_PLAN,
        ManifestError::NoTarget
        | ManifestError::BadTarget(_)
        | ManifestError::BadSetting { .. } => USAGE,
        ManifestError::Registry(_) | ManifestError::Layout(_) => REGISTRY,
        ManifestError::Write { .. } => FAILURE,
    }
}

/// The code of a failed build job.
pub fn build_code(e: &BuildError) -> i32 {
    match e {
        BuildError::WrongArch { .. } => WRONG_ARCH,
        BuildError::Source(_) | BuildError::Path(_) => SOURCE,
        BuildError::Builder(BuilderError::Failed { step, .. }) if *step == Step::Push.name() => {
            REGISTRY
        }
        BuildError::Builder(
            BuilderError::NoneFound
            | BuilderError::Missing { .. }
            | BuilderError::Spawn { .. }
            | BuilderError::Failed { .. }
            | BuilderError::Digest { .. }
            | BuilderError::ArgEnvMissing { .. },
        ) => BUILD,
        // A layout is a local folder (`monoarch run`): failing to read it back is no registry failure.
        BuildError::Verify(VerifyError::Read {
            source: StoreError::Registry(_),
            ..
        }) => REGISTRY,
        BuildError::Verify(VerifyError::Read {
            source: StoreError::Layout(_),
            ..
        }) => FAILURE,
        BuildError::Verify(
            VerifyError::DigestMismatch { .. }
            | VerifyError::PlatformMismatch { .. }
            | VerifyError::NoPlatformEntry { .. }
            | VerifyError::Key { .. },
        ) => VERIFY,
        BuildError::Plan(_) => INVALID_PLAN,
        // Not there, or not readable: the registry's answer decides the build.
        BuildError::Base { .. } => REGISTRY,
        // `build` reports it as skipped (exit 0) and never gets here; `run` skips
        // such projects before building. Should it surface: not everything was built.
        BuildError::BaseNotPublished { .. } => exit_code::PARTIAL,
        BuildError::Output { .. } | BuildError::Ci(_) => FAILURE,
    }
}

/// The code of a project that `manifest` did not publish in full.
pub fn stitch_code(f: &Failure) -> i32 {
    match f {
        Failure::Problem(_)
        | Failure::Record { .. }
        | Failure::Missing { .. }
        | Failure::Incomplete { .. }
        | Failure::Reused { .. } => VERIFY,
        Failure::Read { source, .. } | Failure::Tag { source, .. } => store_code(source),
        Failure::TagHeld { .. } | Failure::ForeignTag { .. } => VERIFY,
        Failure::Immutable { .. } => REGISTRY,
        Failure::NoTags { .. } | Failure::NoPlatforms { .. } | Failure::NotInPlan { .. } => {
            INVALID_PLAN
        }
        Failure::Internal(_) => FAILURE,
        // Skipped, not failed: its base's own jobs carry the failure.
        Failure::BaseNotPublished { .. } => exit_code::PARTIAL,
    }
}

fn store_code(e: &StoreError) -> i32 {
    match e {
        StoreError::Registry(_) | StoreError::Layout(_) => REGISTRY,
    }
}

/// The code of a project that `run` did not publish.
pub fn run_code(f: &RunFailure) -> i32 {
    match f {
        RunFailure::Job {
            failure: JobFailure::Skipped(_),
            ..
        } => exit_code::PARTIAL,
        RunFailure::Job {
            failure: JobFailure::Build(e),
            ..
        } => build_code(e),
        RunFailure::Stitch(f) => stitch_code(f),
        RunFailure::OpenStore(_) => REGISTRY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Platform;

    fn arm64() -> Platform {
        Platform::parse("linux/arm64").expect("known")
    }

    #[test]
    fn build_failures_map_to_their_step() {
        let push = BuildError::Builder(BuilderError::Failed {
            project: "a".into(),
            step: Step::Push.name(),
            program: "buildah push".into(),
            code: "1".into(),
            hint: "",
        });
        let build = BuildError::Builder(BuilderError::Failed {
            project: "a".into(),
            step: Step::Build.name(),
            program: "buildah bud".into(),
            code: "1".into(),
            hint: "",
        });
        let wrong = BuildError::WrongArch {
            project: "a".into(),
            platform: arm64(),
            host: "linux/amd64".into(),
        };
        let mismatch = BuildError::Verify(VerifyError::PlatformMismatch {
            image: "i".into(),
            expected: arm64(),
            found: "linux/amd64".into(),
        });
        let codes: Vec<i32> = [push, build, wrong, mismatch]
            .iter()
            .map(build_code)
            .collect();
        assert_eq!(codes, vec![REGISTRY, BUILD, WRONG_ARCH, VERIFY]);
        assert_eq!(
            Error::Build(BuildError::Plan("x".into())).exit_code(),
            INVALID_PLAN
        );
    }

    #[test]
    fn a_skipped_job_is_partial_and_a_failed_one_keeps_its_code() {
        let skipped = RunFailure::Job {
            project: "a".into(),
            platform: arm64(),
            failure: JobFailure::Skipped("no emulator".into()),
        };
        assert_eq!(run_code(&skipped), PARTIAL);
        let missing = Failure::Missing {
            project: "a".into(),
            reference: "r:t".into(),
            platform: arm64(),
        };
        assert_eq!(run_code(&RunFailure::Stitch(missing)), VERIFY);
        assert_eq!(
            stitch_code(&Failure::NotInPlan {
                project: "a".into()
            }),
            INVALID_PLAN
        );
    }

    #[test]
    fn usage_errors_are_typed_not_reported_strings() {
        let e = Error::JobEnvUnset { var: "JOB".into() };
        assert_eq!(e.exit_code(), USAGE);
        assert_eq!(
            e.to_string(),
            "--job-env JOB: the variable is not set; in GitHub Actions set `env: JOB: ${{ toJSON(matrix) }}`"
        );
    }
}
