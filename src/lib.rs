//! monoarch: plan, build and publish multi-architecture images from a directory-per-project monorepo.
//!
//! Stages: `detect` (which projects) -> `plan` (the central [`plan::Plan`]) ->
//! `matrix` (CI jobs) | `build` (one job) | `manifest` (one index per project).

pub mod build;
pub mod cli;
pub mod commands;
pub mod config;
pub mod detect;
pub mod env;
pub mod error;
pub mod exit_code;
pub mod logging;
pub mod manifest;
pub mod matrix;
pub mod plan;
pub mod platform;
pub mod record;
pub mod registry;
pub mod run;

pub use error::Error;

/// Runs one parsed command line; returns the exit code for a handled outcome.
pub fn run(cli: cli::Cli, env: env::Env) -> Result<i32, Error> {
    use cli::Command;
    match cli.command {
        Command::Plan(args) => commands::plan::run(args, &env),
        Command::Matrix(args) => commands::matrix::run(args, &env),
        Command::Validate(args) => commands::validate::run(args, &env),
        Command::Build(args) => commands::build::run(args, &env),
        Command::Manifest(args) => commands::manifest::run(args, &env),
        Command::Run(args) => commands::run::run(args, &env),
    }
}
