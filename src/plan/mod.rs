//! The plan stage: from selected projects and their configs to one [`Plan`].

mod file;
mod model;

pub use file::{PlanFileError, parse_plan, read_plan, to_json, write_plan};
pub use model::*;
