//! Tracing set-up: human-readable logs on stderr, level from `-v` or `MONOARCH_LOG`.
//!
//! Log messages echo values (refs, URLs, registry answers). Outside a
//! terminal (a CI log) each event is written as one inert line
//! ([`crate::ci::escape`]): no value can start a workflow command or a
//! section marker. Colours only on a terminal.

use std::io::{IsTerminal, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "monoarch=info",
        1 => "monoarch=debug",
        _ => "monoarch=trace",
    };
    let filter =
        EnvFilter::try_from_env("MONOARCH_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let terminal = std::io::stderr().is_terminal();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Stderr { terminal })
        .with_ansi(terminal)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Stderr, with each event made one inert line unless it is a terminal.
#[derive(Clone, Copy)]
struct Stderr {
    terminal: bool,
}

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Stderr;

    fn make_writer(&'a self) -> Stderr {
        *self
    }
}

impl Write for Stderr {
    /// The formatter hands over one whole event, ending in a newline.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut err = std::io::stderr().lock();
        if self.terminal {
            err.write_all(buf)?;
        } else {
            err.write_all(inert_event(buf).as_bytes())?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// One formatted event as one inert line, its final newline kept.
fn inert_event(buf: &[u8]) -> String {
    let text = String::from_utf8_lossy(buf);
    let (event, end) = match text.strip_suffix('\n') {
        Some(event) => (event, "\n"),
        None => (text.as_ref(), ""),
    };
    format!("{}{end}", crate::ci::escape::text(event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_echoing_a_value_stays_one_inert_line() {
        assert_eq!(
            inert_event(b" INFO app: fetching x at v1\n::warning::forged\r##[error]y\n"),
            " INFO app: fetching x at v1\\n::warning::forged\\r##\\[error]y\n"
        );
        assert_eq!(inert_event(b"plain\n"), "plain\n");
    }
}
