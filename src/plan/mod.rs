//! The plan stage: from selected projects and their configs to one [`Plan`].

mod assemble;
mod file;
mod make;
mod model;
mod publish;
mod table;

pub use assemble::{PlanInputs, assemble, is_floating};
pub use file::{PlanFileError, format_version_of, parse_plan, read_plan, to_json, write_plan};
pub use make::{Made, MakePlanError, PlanRequest, load_project, make_plan};
pub use model::*;
pub use publish::{RunBranch, decide as decide_publish};
pub use table::{RunnerColumn, render_table};
