//! Errors that stop the manifest command before any project is stitched.

use std::path::PathBuf;

use crate::registry::RegistryError;

use crate::store::layout::LayoutError;

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("project `{name}` is not in the plan {plan} (it has: {known}); check --project")]
    UnknownProject {
        name: String,
        plan: PathBuf,
        known: String,
    },
    #[error(
        "no registry to publish to: the plan has none; pass --registry HOST, or --target oci:PATH for a local layout"
    )]
    NoTarget,
    #[error("--target `{0}` is not understood; use oci:PATH (an OCI image layout folder)")]
    BadTarget(String),
    #[error("{var}=`{value}` is not understood; set it to {allowed}, or unset it")]
    BadSetting {
        var: &'static str,
        value: String,
        allowed: &'static str,
    },
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error("cannot write {what} {path}: {source}")]
    Write {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}
