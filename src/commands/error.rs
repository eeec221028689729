//! The top-level error: every module's error, and the exit code each maps to.

use thiserror::Error;

use super::make_plan::MakePlanError;
use crate::config::Problems;
use crate::contract::PlanFileError;
use crate::contract::exit_code;
use crate::git::GitError;
use crate::matrix::MatrixError;

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
    Manifest(#[from] crate::manifest::ManifestError),
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    /// A message already written for the user, with its exit code.
    #[error("{message}")]
    Reported { message: String, code: i32 },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::PlanFile(_) => exit_code::INVALID_PLAN,
            Error::MakePlan(MakePlanError::Git(GitError::Shallow { .. })) => {
                exit_code::SHALLOW_CLONE
            }
            Error::MakePlan(MakePlanError::Git(_)) => exit_code::GIT,
            Error::MakePlan(MakePlanError::Config(_)) | Error::Invalid(_) => {
                exit_code::INVALID_CONFIG
            }
            Error::MakePlan(MakePlanError::UnknownProjects(_)) => exit_code::USAGE,
            Error::Matrix(_) => exit_code::INVALID_CONFIG,
            Error::Output { .. } => exit_code::FAILURE,
            Error::Manifest(e) => e.exit_code(),
            Error::Build(e) => e.exit_code(),
            Error::Reported { code, .. } => *code,
        }
    }
}
