//! One file per subcommand: argument types and the glue from arguments to stages.

pub mod build;
pub mod manifest;
pub mod matrix;
pub mod plan;
pub mod validate;
