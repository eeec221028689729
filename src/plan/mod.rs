//! The plan stage: from selected projects and their configs to one [`Plan`].
//!
//! Pure: the caller (`commands::make_plan`) gathers the git facts and configs.
//! The plan's types and its file format are contracts, in [`crate::contract`].
//!
//! [`Plan`]: crate::contract::Plan

mod assemble;
mod table;

pub use assemble::{PlanInputs, assemble, is_floating};
pub use table::render_table;
