//! monoarch: plan, build and publish multi-architecture images from a directory-per-project monorepo.
//!
//! Modules, in the order data flows (each may use those above it, never those below;
//! ARCHITECTURE.md draws the graph):
//!
//! - contracts and facts: [`contract`] (plan, build record, exit codes, platforms), `env`;
//! - inputs: `config` (the YAML files), `git` (the monorepo's history), `ci` (which CI system);
//! - stages: `detect` (which projects) -> `plan` (the central [`contract::Plan`]) ->
//!   `matrix` (CI jobs) | `build` (one job) | `manifest` (one index per project);
//! - shared I/O below the stages: `source` (upstream fetch), `registry` and `store`
//!   (where images live: a registry or an OCI layout);
//! - on top: `run` (everything on one machine), `commands` and `cli`.

pub mod contract;
pub mod env;

pub mod ci;
pub mod config;
pub mod git;

pub mod registry;
pub mod source;
pub mod store;

pub mod detect;
pub mod plan;

pub mod build;
pub mod manifest;
pub mod matrix;

pub mod run;

pub mod cli;
pub mod commands;
pub mod logging;

pub use commands::Error;
pub use contract::exit_code;

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
