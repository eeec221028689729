//! One file per subcommand: argument types and the glue from arguments to stages.

pub mod build;
mod error;
mod make_plan;
pub mod manifest;
pub mod matrix;
mod output;
pub mod plan;
mod resolve;
mod results;
pub mod run;
mod select;
pub mod validate;

pub use error::Error;
pub use make_plan::MakePlanError;
pub use output::{emit, github_output};
pub use select::{SelectArgs, plan_from_flags};
