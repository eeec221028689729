//! The contracts every stage shares: the plan (`plan.json`), the build record,
//! the exit codes and the platform table.
//!
//! A leaf: nothing here imports another module of the crate, so any stage may
//! use it without bending the flow detect -> plan -> matrix | build | manifest.

pub mod exit_code;
mod plan;
mod plan_file;
mod platform;
mod record;
#[cfg(test)]
mod schema;

pub use plan::{
    BuildArg, FORMAT_VERSION, JobPlan, NamingScheme, Plan, ProjectPlan, Publish, PublishMode,
    Reason, RegistryTarget, RemovedProject, Selection, SelectionMode, Trigger, Upstream,
    image_name,
};
pub use plan_file::{PlanFileError, read_plan, to_json, write_plan};
pub use platform::{DEFAULT_PLATFORMS, PLATFORMS, Platform, PlatformFacts};
pub use record::{
    BuildRecord, DEFAULT_RECORDS_DIR, RECORD_FORMAT_VERSION, RecordError, RecordMismatch,
    cross_check, read_record,
};
