//! `monoarch build` and its source fetch, on real git daemons, buildah and a real registry.

mod auth_files;
mod credentials;
mod deadlines;
mod failures;
mod fetch;
mod images;
mod pipeline;
mod ssh;

use std::path::Path;

use monoarch::contract::BuildRecord;

/// The build record at `path`; panics with the path when it is missing or invalid.
fn read_record(path: &Path) -> BuildRecord {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("build record {}: {e}", path.display()));
    serde_json::from_str(&text).expect("record parses")
}
