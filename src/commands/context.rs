//! What every command reads once, at the top, and hands down as values: the
//! environment, the CI context, the clock, and the console.

use chrono::{DateTime, Utc};

use crate::ci::{Ci, Console};
use crate::env::Env;

pub struct Context {
    pub env: Env,
    pub ci: Ci,
    /// The instant the command started: the plan's time (unless
    /// `SOURCE_DATE_EPOCH` says otherwise).
    pub now: DateTime<Utc>,
    /// Seconds since the epoch at the moment of the call, for log section
    /// markers (GitLab shows each section's duration).
    pub clock: fn() -> i64,
    pub console: Terminal,
}

impl Context {
    /// The context of this process: its environment and the system clock.
    pub fn new(env: Env) -> Context {
        Context {
            ci: Ci::from_env(&env),
            env,
            now: Utc::now(),
            clock: || Utc::now().timestamp(),
            console: Terminal,
        }
    }
}

/// The process's stdout and stderr.
pub struct Terminal;

impl Console for Terminal {
    fn out(&self, text: &str) {
        print!("{text}");
    }

    fn err(&self, text: &str) {
        eprint!("{text}");
    }
}
