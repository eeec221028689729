//! End-to-end tests: the built binary on real git repositories, a real
//! registry and real builders. All compiled into one test binary.

mod architecture;
mod bench_repo;
mod build;
mod config_messages;
mod contracts;
mod dependencies;
mod detect_cases;
mod error_messages;
mod exit_codes;
mod forged_commands;
mod harness_selftest;
mod hostile_input;
mod hostile_plan;
mod keys;
mod manifest;
mod output_snapshots;
mod pipelines;
mod projects_dir;
mod support;
mod tag_collisions;
mod unknown_base;
mod validate_errors;
