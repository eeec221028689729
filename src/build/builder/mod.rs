//! Builder backends (Kaniko, buildah, BuildKit): pure command lines, then a live-streamed run.

pub mod buildah;
mod buildkit;
mod kaniko;
mod run;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::contract::{BuildArg, Platform};
use crate::env::Env;

pub use kaniko::EXECUTOR as KANIKO_EXECUTOR;
pub use run::Runner;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BuilderKind {
    Kaniko,
    Buildah,
    Buildkit,
}

impl BuilderKind {
    pub fn name(self) -> &'static str {
        match self {
            BuilderKind::Kaniko => "kaniko",
            BuilderKind::Buildah => "buildah",
            BuilderKind::Buildkit => "buildkit",
        }
    }

    /// How to get this builder, for the "not installed" error.
    pub fn install_hint(self) -> &'static str {
        match self {
            BuilderKind::Kaniko => {
                "run the job in the Kaniko executor image (it ships /kaniko/executor)"
            }
            BuilderKind::Buildah => "install buildah (Debian/Ubuntu: `apt-get install buildah`)",
            BuilderKind::Buildkit => {
                "install Docker with the buildx plugin (Debian/Ubuntu: `apt-get install docker.io docker-buildx`)"
            }
        }
    }

    /// Every command this builder runs for `spec`, in order.
    pub fn commands(self, spec: &BuildSpec) -> Vec<CommandLine> {
        match self {
            BuilderKind::Kaniko => kaniko::commands(spec),
            BuilderKind::Buildah => buildah::commands(spec),
            BuilderKind::Buildkit => buildkit::commands(spec),
        }
    }

    /// The manifest digest the builder reported for the pushed image.
    pub fn read_digest(self, spec: &BuildSpec) -> Result<String, BuilderError> {
        let text =
            std::fs::read_to_string(&spec.digest_file).map_err(|e| BuilderError::Digest {
                builder: self.name(),
                path: spec.digest_file.clone(),
                message: e.to_string(),
            })?;
        let digest = match self {
            BuilderKind::Buildkit => buildkit::digest_from_metadata(&text),
            BuilderKind::Kaniko | BuilderKind::Buildah => Some(text.trim().to_string()),
        };
        digest
            .filter(|d| is_digest(d))
            .ok_or_else(|| BuilderError::Digest {
                builder: self.name(),
                path: spec.digest_file.clone(),
                message: format!("no `sha256:<64 hex>` digest in {:?}", text.trim()),
            })
    }

    /// The config digest the builder reported (buildah's `--iidfile`), a hint
    /// for the read-back only: `None` when the builder has none or it is no digest.
    pub fn read_image_id(self, spec: &BuildSpec) -> Option<String> {
        match self {
            BuilderKind::Buildah => std::fs::read_to_string(buildah::image_id_file(spec))
                .ok()
                .map(|text| text.trim().to_string())
                .filter(|d| is_digest(d)),
            BuilderKind::Kaniko | BuilderKind::Buildkit => None,
        }
    }

    /// The first builder available here: Kaniko's executor, then buildah, then docker buildx.
    pub fn detect(env: &Env, kaniko_executor: &Path) -> Result<BuilderKind, BuilderError> {
        if kaniko_executor.is_file() {
            return Ok(BuilderKind::Kaniko);
        }
        if on_path(env, "buildah") {
            return Ok(BuilderKind::Buildah);
        }
        if on_path(env, "docker") {
            return Ok(BuilderKind::Buildkit);
        }
        Err(BuilderError::NoneFound)
    }
}

fn on_path(env: &Env, program: &str) -> bool {
    env.get("PATH")
        .map(|path| std::env::split_paths(path).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

fn is_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Everything a builder needs for one job; paths are absolute and already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSpec {
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    pub target: Option<String>,
    pub platform: Platform,
    /// `host/repository:tag` to push.
    pub image: String,
    /// The registry host of `image`.
    pub registry_host: String,
    /// Push over plain HTTP (the host is listed as insecure).
    pub insecure: bool,
    pub build_args: Vec<CliArg>,
    /// Where the builder writes the pushed digest (a metadata file for BuildKit).
    pub digest_file: PathBuf,
    /// This job's folder (fetched source, digest file, auth file).
    pub work_dir: PathBuf,
    /// Registry credentials in docker-config format, for buildah's `--authfile`
    /// (Kaniko gets the folder as `DOCKER_CONFIG` instead).
    pub auth_file: Option<PathBuf>,
    /// Push here instead of `docker://{image}` (buildah only; `oci:PATH:TAG` for `monoarch run`).
    pub push_to: Option<String>,
    /// Manifest annotations (the build key); Kaniko, which cannot annotate, gets them as labels.
    pub annotations: Vec<(String, String)>,
    /// Hosts other than the push host that the build pulls from over plain HTTP (bases, cache).
    pub pull_insecure: Vec<String>,
    /// The registry layer cache (`cache:`), when on.
    pub cache: Option<Cache>,
    /// Pull every base from its registry even when a local copy exists (a
    /// keyed build: the key names the registry's digests). Kaniko always does.
    pub pull_always: bool,
}

/// Where a builder keeps its layer cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    /// `host/repository` of the cache.
    pub repository: String,
    /// BuildKit's cache tag in it (one per project and architecture).
    pub tag: String,
    /// Whether the cache is in a registry (`--cache-from/--cache-to`); `false`:
    /// only the builder's local layers (buildah before 1.27, or an OCI layout run).
    pub remote: bool,
}

/// A build argument as it appears on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliArg {
    /// `--build-arg NAME=value`: a plain value from the plan.
    Literal { name: String, value: String },
    /// `--build-arg NAME`: the builder reads the value from its environment,
    /// so it never appears on a command line.
    FromEnv { name: String },
}

impl CliArg {
    pub fn flag_value(&self) -> String {
        match self {
            CliArg::Literal { name, value } => format!("{name}={value}"),
            CliArg::FromEnv { name } => name.clone(),
        }
    }
}

/// The plan's build args as command-line args, plus the environment the
/// builder process needs for the `FromEnv` ones and the values to mask in
/// its output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedArgs {
    pub cli: Vec<CliArg>,
    pub child_env: Vec<(String, String)>,
    pub secrets: Vec<String>,
}

pub fn resolve_args(
    project: &str,
    args: &[BuildArg],
    env: &Env,
) -> Result<ResolvedArgs, BuilderError> {
    let mut out = ResolvedArgs::default();
    for arg in args {
        match arg {
            BuildArg::Value { name, value } => out.cli.push(CliArg::Literal {
                name: name.clone(),
                value: value.clone(),
            }),
            BuildArg::FromEnv {
                name,
                from_env,
                secret,
                ..
            } => {
                let value = env
                    .get(from_env)
                    .ok_or_else(|| BuilderError::ArgEnvMissing {
                        project: project.to_string(),
                        arg: name.clone(),
                        var: from_env.clone(),
                    })?;
                out.cli.push(CliArg::FromEnv { name: name.clone() });
                out.child_env.push((name.clone(), value.to_string()));
                if *secret {
                    out.secrets.push(value.to_string());
                }
            }
        }
    }
    Ok(out)
}

/// One process to run. `step` says which part of the job it is, for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    pub step: Step,
    pub program: String,
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Build,
    Push,
    /// Build and push in one process (Kaniko, BuildKit).
    BuildAndPush,
}

impl Step {
    /// What to look at when this step's process fails.
    pub fn failure_hint(self) -> &'static str {
        match self {
            Step::Build => "its output is above",
            Step::Push => {
                "the registry refused the push or was unreachable (output above); check the push credentials (MONOARCH_REGISTRY_USERNAME/PASSWORD or the builder's own login) and the registry host"
            }
            Step::BuildAndPush => "its output above shows whether the build or the push failed",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Step::Build => "build",
            Step::Push => "push",
            Step::BuildAndPush => "build and push",
        }
    }
}

#[derive(Debug, Error)]
pub enum BuilderError {
    #[error(
        "no builder found: install buildah (`apt-get install buildah`), run in the Kaniko executor image, or install docker buildx; or name one with --builder"
    )]
    NoneFound,
    #[error("{builder} is not installed (`{program}` not found); {hint}")]
    Missing {
        builder: &'static str,
        program: String,
        hint: &'static str,
    },
    #[error("cannot start `{program}`: {message}")]
    Spawn { program: String, message: String },
    #[error("{project}: {step} failed: `{program}` exited {code}; {hint}")]
    Failed {
        project: String,
        step: &'static str,
        program: String,
        code: String,
        hint: &'static str,
    },
    #[error("{builder} reported no digest in {path}: {message}")]
    Digest {
        builder: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error(
        "{project}: build arg {arg} takes its value from ${var}, which is not set; set it in the job's environment (e.g. from a CI secret)"
    )]
    ArgEnvMissing {
        project: String,
        arg: String,
        var: String,
    },
}

#[cfg(test)]
mod tests;
