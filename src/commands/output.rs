//! Where command output goes: stdout or `--output FILE`, and `$GITHUB_OUTPUT`.

use std::io::Write;
use std::path::Path;

use super::Error;
use crate::env::Env;

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

/// Appends `name=value` lines to the file named by `$GITHUB_OUTPUT`, when set.
/// Values must be single-line (JSON is written compact).
pub fn github_output(env: &Env, pairs: &[(&str, &str)]) -> Result<(), Error> {
    let Some(path) = env.get("GITHUB_OUTPUT") else {
        return Ok(());
    };
    let mut text = String::new();
    for (name, value) in pairs {
        debug_assert!(!value.contains('\n'));
        text.push_str(&format!("{name}={value}\n"));
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::Output {
            path: format!("$GITHUB_OUTPUT ({path})"),
            message: e.to_string(),
        })
}
