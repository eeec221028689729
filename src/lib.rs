//! monoarch: plan, build and publish multi-architecture images from a directory-per-project monorepo.
//!
//! Modules, in the order data flows (each may use those above it, never those below;
//! ARCHITECTURE.md draws the graph):
//!
//! - contracts and facts: [`contract`] (plan, build record, exit codes, platforms), `env`, `tls`
//!   (the one TLS stack);
//! - inputs: `config` (the YAML files), `dockerfile` (what a build pulls and runs), `git`
//!   (the monorepo's history), `ci` (which CI system);
//! - stages: `detect` (which projects), `key` (build keys and reuse) -> `plan` (the central [`contract::Plan`]) ->
//!   `matrix` (CI jobs) | `build` (one job) | `manifest` (one index per project);
//! - shared I/O below the stages: `source` (upstream fetch), `registry` and `store`
//!   (where images live: a registry or an OCI layout);
//! - on top: `run` (everything on one machine), `commands` and `cli`.
//!
//! Public are only what the binary and the integration tests use: the
//! contracts, the environment snapshot, the command line, the upstream fetch
//! (tested on its own against real git servers) and [`run`]. Everything else
//! is private, so the compiler reports what nothing uses.

pub mod contract;
pub mod env;
pub mod tls;

mod ci;
mod config;
mod dockerfile;
mod git;

mod registry;
pub mod source;
mod store;

mod detect;
mod key;
mod plan;

mod build;
mod manifest;
mod matrix;

mod run;

pub mod cli;
mod commands;
pub mod logging;

#[cfg(test)]
mod fuzz;

pub use commands::Error;
pub use contract::exit_code;

/// Runs one parsed command line; returns the exit code for a handled outcome.
/// The environment, CI context and clock are read here, once.
pub fn run(cli: cli::Cli, env: env::Env) -> Result<i32, Error> {
    use cli::Command;
    let ctx = commands::Context::new(env);
    match cli.command {
        Command::Plan(args) => commands::plan::run(args, &ctx),
        Command::Matrix(args) => commands::matrix::run(args, &ctx),
        Command::Validate(args) => commands::validate::run(args, &ctx),
        Command::Build(args) => commands::build::run(args, &ctx),
        Command::Manifest(args) => commands::manifest::run(args, &ctx),
        Command::Run(args) => commands::run::run(args, &ctx),
    }
}
