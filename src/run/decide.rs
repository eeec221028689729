//! Which jobs of a plan this machine can build honestly, and why not the others.

use std::path::Path;

use crate::build::paths::{self, Kind};
use crate::contract::limits::{DOCKERFILE_CAP, read_capped};
use crate::contract::{JobPlan, Platform, ProjectPlan};
use crate::env::Env;
use crate::source;

use super::emulation;
use crate::dockerfile::needs_execution;

/// How (or whether) one job is built here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The machine's own architecture.
    Native,
    /// A foreign architecture whose build executes nothing (no `RUN`).
    NothingExecutes,
    /// A foreign architecture, executed through a registered emulator.
    Emulated,
    /// Not built; the reason is shown to the user.
    Skip(String),
    /// Not built: the plan found a published image with the same key.
    Reused,
}

impl Decision {
    pub fn builds(&self) -> bool {
        !matches!(self, Decision::Skip(_) | Decision::Reused)
    }
}

/// The pure rule, given what was found out about the machine and the Dockerfile.
/// `executes` is only consulted for a foreign architecture without an emulator.
pub fn rule(
    job: Platform,
    host: Option<Platform>,
    emulator: bool,
    executes: impl FnOnce() -> Result<bool, String>,
) -> Decision {
    if host == Some(job) {
        return Decision::Native;
    }
    if emulator {
        return Decision::Emulated;
    }
    let host_name = host.map_or_else(|| std::env::consts::ARCH.to_string(), |h| h.to_string());
    match executes() {
        Ok(false) => Decision::NothingExecutes,
        Ok(true) => Decision::Skip(format!(
            "{job} on a {host_name} machine: the Dockerfile runs commands (RUN) and no emulator for {job} is registered; install qemu-user-static (binfmt) or build it on a {job} runner"
        )),
        Err(why) => Decision::Skip(format!(
            "{job} on a {host_name} machine: no emulator is registered and the Dockerfile could not be read to see whether one is needed ({why})"
        )),
    }
}

/// Where to look for the Dockerfile of a job that might need emulation.
pub struct Probe<'a> {
    pub host: Option<Platform>,
    pub binfmt_dir: &'a Path,
    pub repo_root: &'a Path,
    /// Scratch space for fetching an upstream source (only when it must be read).
    pub workdir: &'a Path,
    pub env: &'a Env,
}

/// Decides one job; reads (and for an upstream, fetches) the Dockerfile only
/// when the answer depends on it.
pub fn decide(project: &ProjectPlan, job: &JobPlan, probe: &Probe<'_>) -> Decision {
    let emulator =
        probe.host != Some(job.platform) && emulation::can_emulate(probe.binfmt_dir, job.platform);
    rule(job.platform, probe.host, emulator, || {
        let text = read_dockerfile(project, probe)?;
        Ok(needs_execution(&text, project.target.as_deref()))
    })
}

fn read_dockerfile(project: &ProjectPlan, probe: &Probe<'_>) -> Result<String, String> {
    let name = project.name.as_str();
    let root = match &project.upstream {
        Some(upstream) => {
            let dest = probe.workdir.join(format!("{name}-probe")).join("source");
            source::fetch(name, upstream, &dest, probe.env)
                .map_err(|e| e.to_string())?
                .root
        }
        None => paths::resolve(
            name,
            probe.repo_root,
            "project folder",
            &project.path,
            Kind::Dir,
        )
        .map_err(|e| e.to_string())?,
    };
    let file = paths::resolve(
        name,
        &root,
        "dockerfile_path",
        &project.dockerfile,
        Kind::File,
    )
    .map_err(|e| e.to_string())?;
    read_capped(&file, DOCKERFILE_CAP).map_err(|e| format!("{}: {e}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        Platform::parse(s).expect("known platform")
    }

    #[test]
    fn native_never_reads_the_dockerfile() {
        let d = rule(p("amd64"), Some(p("amd64")), false, || {
            panic!("read the Dockerfile for a native job")
        });
        assert_eq!(d, Decision::Native);
    }

    #[test]
    fn an_emulator_allows_anything() {
        let d = rule(p("arm64"), Some(p("amd64")), true, || Ok(true));
        assert_eq!(d, Decision::Emulated);
    }

    #[test]
    fn foreign_without_run_builds_and_with_run_is_skipped_with_a_reason() {
        assert_eq!(
            rule(p("arm64"), Some(p("amd64")), false, || Ok(false)),
            Decision::NothingExecutes
        );
        let Decision::Skip(reason) = rule(p("arm64"), Some(p("amd64")), false, || Ok(true)) else {
            panic!("a RUN step without an emulator must be skipped");
        };
        assert_eq!(
            reason,
            "linux/arm64 on a linux/amd64 machine: the Dockerfile runs commands (RUN) and no emulator for linux/arm64 is registered; install qemu-user-static (binfmt) or build it on a linux/arm64 runner"
        );
    }

    #[test]
    fn an_unreadable_dockerfile_is_skipped_not_guessed() {
        let d = rule(p("arm64"), Some(p("amd64")), false, || {
            Err("no such file".into())
        });
        assert!(matches!(d, Decision::Skip(r) if r.ends_with("(no such file)")));
    }
}
