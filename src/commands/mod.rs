//! One file per subcommand: argument types and the glue from arguments to stages.

mod base_images;
pub mod build;
mod context;
mod dependents;
mod error;
mod folders;
mod keys;
mod lineage;
mod load_projects;
mod make_plan;
pub mod manifest;
pub mod matrix;
mod output;
pub mod plan;
mod prefetch;
mod resolve;
mod results;
pub mod run;
mod select;
mod signals;
pub mod validate;

pub use context::Context;
pub use error::Error;

/// The one async runtime of a command that talks to registries.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}
