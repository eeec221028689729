//! The build stage: one project x architecture, from its source to a verified arch image.
//!
//! Steps, each its own module: [`guard`] (native architecture), [`crate::source`]
//! (fetch at the exact ref), [`paths`] (Dockerfile and context inside the
//! source), [`builder`] (Kaniko, buildah or BuildKit), [`verify`] (read the
//! pushed image back), [`output`] (the build record). [`job`] runs them in order.

mod bases;
pub mod builder;
pub mod guard;
pub mod job;
mod keyed;
pub mod output;
pub mod paths;
mod pulls;
pub mod registry_auth;
pub mod verify;

use std::path::PathBuf;

use thiserror::Error;

use crate::contract::Platform;

pub use job::{JobOptions, run_job};

/// Why a build job failed: each variant says which step, and maps to its exit code.
#[derive(Debug, Error)]
pub enum BuildError {
    #[error(
        "{project}: this job is for {platform} but this machine is {host}: the job landed on the wrong runner; run it on a {platform} runner, or pass --allow-emulation to build under emulation (QEMU/binfmt)"
    )]
    WrongArch {
        project: String,
        platform: Platform,
        host: String,
    },
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error(transparent)]
    Path(#[from] paths::PathError),
    #[error(transparent)]
    Builder(#[from] builder::BuilderError),
    #[error(transparent)]
    Verify(#[from] verify::VerifyError),
    /// The plan or the job selection does not fit together.
    #[error("{0}")]
    Plan(String),
    #[error("{project}: cannot read its base {base} ({reference}): {message}")]
    Base {
        project: String,
        base: String,
        reference: String,
        message: String,
    },
    /// A base this plan rebuilds has no index in the registry: its build or
    /// manifest job failed, so the dependent is skipped, never built on the old base.
    #[error(
        "{project}: skipped, not built: its base {base} was not published by this pipeline ({reference} does not exist; see the base's build and manifest jobs); a dependent is never built on its base's old image"
    )]
    BaseNotPublished {
        project: String,
        base: String,
        reference: String,
    },
    #[error(transparent)]
    Ci(#[from] crate::ci::CiError),
    #[error("cannot write {what} {path}: {message}")]
    Output {
        what: &'static str,
        path: PathBuf,
        message: String,
    },
}
