//! The top-level error: every module's error, and the exit code each maps to.

use thiserror::Error;

use crate::exit_code;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    PlanFile(#[from] crate::plan::PlanFileError),
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),
    /// A message already written for the user, with its exit code.
    #[error("{message}")]
    Reported { message: String, code: i32 },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::PlanFile(_) => exit_code::INVALID_PLAN,
            Error::Build(e) => e.exit_code(),
            Error::Manifest(e) => e.exit_code(),
            Error::Reported { code, .. } => *code,
        }
    }
}
