//! One file per subcommand: argument types and the glue from arguments to stages.

pub mod build;
pub mod manifest;
pub mod matrix;
mod output;
pub mod plan;
mod resolve;
mod results;
pub mod run;
mod select;
pub mod validate;

pub use output::{emit, github_output};
pub use select::plan_from_flags;
