//! Tracing set-up: human-readable logs on stderr, level from `-v` or `MONOARCH_LOG`.

use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "monoarch=info",
        1 => "monoarch=debug",
        _ => "monoarch=trace",
    };
    let filter =
        EnvFilter::try_from_env("MONOARCH_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}
