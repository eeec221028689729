//! What a build pulls besides its source: the registries it reaches over
//! plain HTTP (bases, cache) and the registry layer cache (`cache:`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::contract::{BuildArg, JobPlan, ProjectPlan, image_name};
use crate::dockerfile::{Known, pulled_images};
use crate::env::Env;

use super::builder::{BuilderKind, Cache};
use super::job::JobOptions;
use super::keyed::Keyed;

/// Hosts this build pulls from over plain HTTP besides the push host: its
/// bases' (from the key, else read from the Dockerfile as far as it can be)
/// and the cache's, when listed as insecure.
pub fn insecure_hosts(
    keyed: Option<&Keyed>,
    project: &ProjectPlan,
    job: &JobPlan,
    dockerfile: &Path,
    opts: &JobOptions<'_>,
    env: &Env,
) -> Vec<String> {
    let bases: Vec<String> = match keyed {
        Some(k) => k.inputs.bases.iter().map(|b| b.name.clone()).collect(),
        None => unkeyed_bases(project, job, dockerfile, opts),
    };
    let mut hosts: Vec<String> = bases
        .iter()
        .filter_map(|name| crate::key::reference::parse(name).ok())
        .map(|r| r.host)
        .chain(project.cache.iter().map(|_| opts.registry_host.to_string()))
        .filter(|h| crate::registry::is_insecure(h, opts.insecure, env))
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// The images a Dockerfile names, with plain build args only (values read
/// from the environment stay unknown); nothing when it cannot be read.
fn unkeyed_bases(
    project: &ProjectPlan,
    job: &JobPlan,
    dockerfile: &Path,
    opts: &JobOptions<'_>,
) -> Vec<String> {
    let Ok(text) = crate::key::read_dockerfile(dockerfile) else {
        return Vec::new();
    };
    let mut args = BTreeMap::new();
    let mut unknown = Vec::new();
    for arg in &project.build_args {
        match arg {
            BuildArg::Value { name, value } => {
                args.insert(name.clone(), value.clone());
            }
            BuildArg::FromEnv { name, .. } => unknown.push(name.clone()),
        }
    }
    let known = Known {
        args: &args,
        unknown: &unknown,
        target: job.platform,
        build: opts.host_platform.unwrap_or(job.platform),
    };
    pulled_images(&text, project.target.as_deref(), &known)
        .map(|images| images.into_iter().map(|i| i.name).collect())
        .unwrap_or_default()
}

/// The layer cache of this job, if the plan turned it on for the project.
pub fn cache(
    project: &ProjectPlan,
    job: &JobPlan,
    opts: &JobOptions<'_>,
    env: &Env,
) -> Option<Cache> {
    let repository = project.cache.as_ref()?;
    // An OCI layout run has no registry for the cache: buildah's local layers only.
    let remote = opts.layout.is_none()
        && match opts.builder {
            BuilderKind::Buildah => {
                let version = std::process::Command::new("buildah")
                    .arg("--version")
                    .env_clear()
                    .envs(env.iter())
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                let supported = super::builder::buildah::supports_remote_cache(&version);
                if !supported {
                    tracing::warn!(
                        "{}: `{}` has no --cache-from/--cache-to (buildah 1.27 and later); using its local layer cache only",
                        project.name,
                        version.trim()
                    );
                }
                supported
            }
            BuilderKind::Kaniko | BuilderKind::Buildkit => true,
        };
    Some(Cache {
        repository: image_name(opts.registry_host, repository),
        tag: format!("{}-{}", project.name, job.arch),
        remote,
    })
}
