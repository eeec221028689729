//! The contracts every stage shares: the plan (`plan.json`), the build record,
//! the exit codes, the platform table, the OCI name grammar and the size caps
//! on what monoarch reads.
//!
//! A leaf: nothing here imports another module of the crate, so any stage may
//! use it without bending the flow detect -> plan -> matrix | build | manifest.

mod bases;
#[cfg(target_os = "linux")]
mod beneath;
mod chunk;
pub mod exit_code;
pub mod key;
pub mod limits;
mod plan;
mod plan_check;
mod plan_file;
mod plan_share;
mod plan_skim;
mod platform;
mod published;
mod quote;
mod record;
mod relpath;
#[cfg(test)]
mod schema;
mod tag;
#[cfg(test)]
pub(crate) mod test_plans;

pub use chunk::{
    Chunk, archs, build_entries, built_jobs, check_of, entries_among, fit, jobs_among, jobs_of,
    level_projects,
};
pub use key::{KeyArg, KeyBase, KeyInputs, KeySource};
pub use plan::{
    BasePlan, BuildArg, FORMAT_VERSION, JobPlan, MovedBase, NamingScheme, Plan, ProjectPlan,
    Publish, PublishMode, Reason, RegistryTarget, RemovedProject, Reuse, ReuseSettings,
    SecretInKey, Selection, SelectionMode, Trigger, Unchanged, UnchangedProject, Upstream,
    image_name,
};
pub use plan_check::{check_plan, is_variable_name};
#[cfg(test)]
pub use plan_file::parse_plan;
pub use plan_file::{PlanFileError, read_plan, to_json, write_json, write_plan};
#[cfg(test)]
pub use plan_share::parse_plan_share;
pub use plan_share::{PlanShare, Share, read_plan_share};
pub use platform::{DEFAULT_PLATFORMS, PLATFORMS, Platform, PlatformFacts};
pub use published::{Collision, Source, find_collisions};
pub use quote::shown;
pub use record::{
    BaseImage, BuildRecord, DEFAULT_RECORDS_DIR, RECORD_FORMAT_VERSION, RecordError,
    RecordMismatch, cross_check, read_record,
};
pub use relpath::check_relative;
pub use tag::{
    MAX_REPOSITORY_LEN, MAX_TAG_LEN, is_valid_repository, is_valid_tag, registry_host_problem,
};
