//! Native-architecture guard: a job builds only on a machine of its own architecture.

use crate::contract::Platform;

use super::BuildError;

/// Fails unless `host` runs `job` natively, or emulation is explicitly allowed.
///
/// `host` is `None` when this machine's CPU is not in the platform table; that
/// can never be a native match.
pub fn check(
    project: &str,
    job: Platform,
    host: Option<Platform>,
    allow_emulation: bool,
) -> Result<(), BuildError> {
    if allow_emulation || host == Some(job) {
        return Ok(());
    }
    Err(BuildError::WrongArch {
        project: project.to_string(),
        platform: job,
        host: host.map_or_else(|| std::env::consts::ARCH.to_string(), |h| h.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        Platform::parse(s).expect("known platform")
    }

    #[test]
    fn native_job_passes() {
        assert!(check("a", p("linux/arm64"), Some(p("linux/arm64")), false).is_ok());
    }

    #[test]
    fn foreign_job_fails_with_both_platforms_named() {
        let err = check("hello", p("linux/arm64"), Some(p("linux/amd64")), false)
            .expect_err("arm64 job on amd64 host");
        let text = err.to_string();
        assert!(text.contains("hello"), "{text}");
        assert!(text.contains("linux/arm64"), "{text}");
        assert!(text.contains("linux/amd64"), "{text}");
        assert!(text.contains("--allow-emulation"), "{text}");
    }

    #[test]
    fn emulation_flag_lets_a_foreign_job_through() {
        assert!(check("a", p("linux/arm64"), Some(p("linux/amd64")), true).is_ok());
    }

    #[test]
    fn unknown_host_is_never_native() {
        assert!(check("a", p("linux/amd64"), None, false).is_err());
    }
}
