//! The build key of what a job is about to build (reuse on): made from the
//! source it fetched, the Dockerfile it will build and the bases as their
//! registries name them now, compared with the plan's, and set on the image.

use std::path::Path;

use crate::contract::key::explain;
use crate::contract::{BaseImage, JobPlan, KeyInputs, KeySource, Plan, ProjectPlan};
use crate::env::Env;
use crate::key::inputs::{self, BaseImages, Bases, Job};
use crate::key::{Resolver, image};

use super::job::JobOptions;

/// The key of this build, and the plan's when it differs.
pub struct Keyed {
    pub inputs: KeyInputs,
    /// The plan's key for this job, when it is not `inputs`' (an input moved).
    pub planned: Option<String>,
}

impl Keyed {
    /// What the builder sets on the image.
    pub fn annotations(&self) -> Vec<(String, String)> {
        image::facts(&self.inputs)
    }
}

/// What a job is about to build, as far as its key goes.
pub struct Building<'a> {
    /// The fetched upstream commit or the folder's tree (`Err`: why there is none).
    pub source: Result<KeySource, String>,
    pub dockerfile: &'a Path,
    /// The indexes pinned for the build (`depends_on:`).
    pub bases: &'a [BaseImage],
}

/// Makes the key, or says (as a warning) why this build gets none; it is then
/// built as before and never reused.
pub fn make(
    plan: &Plan,
    project: &ProjectPlan,
    job: &JobPlan,
    building: Building<'_>,
    opts: &JobOptions<'_>,
    env: &Env,
) -> Option<Keyed> {
    plan.reuse.as_ref()?;
    let Building {
        source,
        dockerfile,
        bases,
    } = building;
    let name = &project.name;
    let made = source.and_then(|source| {
        let text = crate::key::read_dockerfile(dockerfile)?;
        let resolver = Resolver::new(env, opts.registry_host, opts.insecure);
        let facts = Job {
            project,
            job,
            source,
            builder: opts.builder.name(),
            build_platform: opts.host_platform.unwrap_or(job.platform),
        };
        opts.runtime.block_on(inputs::make(
            &facts,
            Bases::Dockerfile(&text),
            BaseImages::Pinned(bases),
            env,
            &resolver,
        ))
    });
    let inputs = match made {
        Ok(inputs) => inputs,
        Err(why) => {
            tracing::warn!(
                "{name} {}: no build key ({why}); the image is built without one and is never reused",
                job.platform
            );
            return None;
        }
    };
    let key = inputs.key();
    let planned = job.key.clone().filter(|planned| *planned != key);
    if let Some(planned) = &planned {
        let what = job
            .key_inputs
            .as_ref()
            .map(|before| explain(before, &inputs).join(", "))
            .unwrap_or_default();
        tracing::warn!(
            "{name} {}: the build key differs from the plan's ({planned} -> {key}): {what}; an input moved between plan and build. The image carries the key of what is built now",
            job.platform
        );
    }
    Some(Keyed { inputs, planned })
}
