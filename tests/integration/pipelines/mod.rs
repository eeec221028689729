//! The CI templates and `monoarch run`: validators, wiring, end to end.

mod generated;
mod templates;
