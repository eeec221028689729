//! Just enough Dockerfile reading for two questions, answered with certainty
//! or not at all: does a build execute anything ([`needs_execution`]), and
//! which images does it pull ([`pulled_images`]).

mod execution;
mod images;
mod parse;

pub use execution::needs_execution;
pub use images::{Known, pulled_images};
