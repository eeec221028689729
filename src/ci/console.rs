//! The console: where every line meant for people goes. Commands hand the
//! real one down; library code writes through it and never prints itself, so
//! tests can record what a stage said.

#[cfg(test)]
use std::sync::Mutex;

/// Text for the job log. `out` is the command's stdout, `err` its stderr; the
/// text is written as given (callers end their lines).
pub trait Console: Sync {
    fn out(&self, text: &str);
    fn err(&self, text: &str);
}

/// A console that keeps everything, for tests.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct Recorded {
    pub out: Mutex<String>,
    pub err: Mutex<String>,
}

#[cfg(test)]
impl Console for Recorded {
    fn out(&self, text: &str) {
        self.out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_str(text);
    }

    fn err(&self, text: &str) {
        self.err
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_str(text);
    }
}
