//! A cancelled CI job stops monoarch with SIGTERM or SIGINT: registry
//! credentials written for a builder are removed before the process exits.

use tokio::signal::unix::{SignalKind, signal};

use super::Error;
use crate::build::registry_auth;

/// Listens for SIGTERM, SIGINT and SIGHUP on `runtime`; on the first, removes
/// the builders' auth files and exits with 128 + the signal's number.
pub fn remove_secrets_on_signal(runtime: &tokio::runtime::Runtime) -> Result<(), Error> {
    let _inside = runtime.enter();
    let mut term = signal(SignalKind::terminate()).map_err(Error::Runtime)?;
    let mut int = signal(SignalKind::interrupt()).map_err(Error::Runtime)?;
    let mut hup = signal(SignalKind::hangup()).map_err(Error::Runtime)?;
    runtime.spawn(async move {
        let number = tokio::select! {
            _ = term.recv() => 15,
            _ = int.recv() => 2,
            _ = hup.recv() => 1,
        };
        registry_auth::remove_live();
        eprintln!(
            "monoarch: stopped by signal {number}; registry credentials written for the builder were removed"
        );
        std::process::exit(128 + number);
    });
    Ok(())
}
