//! Where command output goes: stdout or `--output FILE`; log lines to stderr.

use std::io::Write;
use std::path::Path;

use super::Error;
use crate::ci::escape;

/// Writes `message` to stderr as `prefix`ed lines (`error: `, `note: `), every
/// echoed value in it made inert for the CI log.
pub fn say(prefix: &str, message: &dyn std::fmt::Display) {
    eprint!("{}", escape::lines(prefix, &message.to_string()));
}

/// Writes `text` to `path`, or to stdout when `path` is `None` or `-`.
pub fn emit(path: Option<&Path>, text: &str) -> Result<(), Error> {
    match path {
        Some(p) if p.as_os_str() != "-" => std::fs::write(p, text).map_err(|e| Error::Output {
            path: p.display().to_string(),
            message: e.to_string(),
        }),
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| Error::Output {
                    path: "stdout".into(),
                    message: e.to_string(),
                })
        }
    }
}

/// Like [`emit`], with the text written by `write` as it is made.
pub fn emit_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let (name, result) = match path {
        Some(p) if p.as_os_str() != "-" => (
            p.display().to_string(),
            std::fs::File::create(p).and_then(|mut f| write(&mut f)),
        ),
        _ => ("stdout".to_string(), write(&mut std::io::stdout().lock())),
    };
    result.map_err(|e| Error::Output {
        path: name,
        message: e.to_string(),
    })
}
