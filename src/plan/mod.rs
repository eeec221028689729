//! The plan stage: from selected projects and their configs to one [`Plan`].
//!
//! Pure: the caller (`commands::make_plan`) gathers the git facts and configs.
//! The plan's types and its file format are contracts, in [`crate::contract`].
//!
//! [`Plan`]: crate::contract::Plan

mod assemble;
mod bases;
pub mod collide;
mod keys_view;
mod publish;
mod table;

pub use assemble::{PlanInputs, assemble, date_and_sha7, project_plan};
pub use bases::link as link_bases;
pub use publish::{RunBranch, decide as decide_publish};
pub use table::{RunnerColumn, render_table};
