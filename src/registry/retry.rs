//! Retry policy: bounded exponential backoff, honouring `Retry-After`, and
//! one deadline for a request with all its retries.

use std::time::{Duration, Instant};

/// Env var: the deadline of one registry request, retries included, in seconds.
pub const TIMEOUT_VAR: &str = "MONOARCH_REGISTRY_TIMEOUT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries of one request, the first included.
    pub attempts: u32,
    /// Wait before the second try; doubled for each further one.
    pub initial: Duration,
    /// No single wait is longer than this, whatever `Retry-After` asks for.
    pub max_wait: Duration,
    /// One try, from connecting to the body's last byte, ends after this.
    pub attempt_timeout: Duration,
    /// All tries of one request (waits included) end by this deadline.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            initial: Duration::from_millis(250),
            max_wait: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(60),
            deadline: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// How long to wait after failed try number `attempt` (1-based).
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        retry_after.unwrap_or(exp).min(self.max_wait)
    }
}

impl RetryPolicy {
    /// The default policy with the deadline from `MONOARCH_REGISTRY_TIMEOUT`
    /// (whole seconds, at least 1), when set.
    pub fn with_timeout(value: Option<&str>) -> Result<RetryPolicy, String> {
        let mut policy = RetryPolicy::default();
        if let Some(value) = value {
            let secs = value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| {
                    format!(
                        "{TIMEOUT_VAR}=`{value}` is not a whole number of seconds; set e.g. {TIMEOUT_VAR}=120, or unset it"
                    )
                })?;
            policy.deadline = Duration::from_secs(secs);
            policy.attempt_timeout = policy.attempt_timeout.min(policy.deadline);
        }
        Ok(policy)
    }
}

/// The clock of one request: when its tries must stop.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    started: Instant,
    total: Duration,
}

impl Deadline {
    pub fn start(policy: &RetryPolicy) -> Deadline {
        Deadline {
            started: Instant::now(),
            total: policy.deadline,
        }
    }

    pub fn remaining(&self) -> Duration {
        self.total.saturating_sub(self.started.elapsed())
    }

    pub fn total(&self) -> Duration {
        self.total
    }
}

/// Parses a `Retry-After` value given in seconds. (The HTTP-date form is
/// rare from registries; it falls back to the exponential wait.)
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Whether an HTTP status is worth another try.
pub fn is_transient(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            attempts: 6,
            initial: Duration::from_millis(100),
            max_wait: Duration::from_millis(500),
            ..RetryPolicy::default()
        };
        let waits: Vec<u128> = (1..=5).map(|a| p.wait(a, None).as_millis()).collect();
        assert_eq!(waits, vec![100, 200, 400, 500, 500]);
    }

    #[test]
    fn retry_after_wins_but_is_bounded() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.wait(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(p.wait(1, Some(Duration::from_secs(3600))), p.max_wait);
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn the_deadline_comes_from_the_environment() {
        let p = RetryPolicy::with_timeout(Some("3")).expect("valid");
        assert_eq!(p.deadline, Duration::from_secs(3));
        assert_eq!(p.attempt_timeout, Duration::from_secs(3));
        assert_eq!(
            RetryPolicy::with_timeout(None).expect("default"),
            RetryPolicy::default()
        );
        for bad in ["0", "-1", "2.5", "soon"] {
            let e = RetryPolicy::with_timeout(Some(bad)).expect_err(bad);
            assert!(e.contains(TIMEOUT_VAR), "{e}");
        }
    }

    #[test]
    fn transient_statuses() {
        assert!(is_transient(503) && is_transient(429) && is_transient(500));
        assert!(!is_transient(404) && !is_transient(401) && !is_transient(400));
    }
}
