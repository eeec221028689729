//! `monoarch manifest`: verify arch images, publish one multi-arch index per project.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use super::error::stitch_code;
use super::results::write_results;
use super::{Context, Error};
use crate::contract::exit_code;
use crate::contract::{self, Chunk, DEFAULT_RECORDS_DIR, Plan, PlanShare, Share};
use crate::env::Env;
use crate::manifest::{self, ExistingTag, ManifestError, Options, report};
use crate::registry::Registry;
use crate::store::Store;
use crate::store::layout::Layout;

pub const LONG_ABOUT: &str = "Verify the pushed arch images and publish one multi-arch OCI index per project.

Reads the plan (`--plan`), every planned arch image (`{project}-{YYYYMMDD}-{sha7}-{arch}`) from the \
registry or the OCI layout, and the build records in `--records` when that folder exists. Checks each \
image's platform against the plan and its digest against its build record, and that all records name \
the same upstream commit. Then pushes one OCI image index per project and points its tags at it: the \
date-sha tag first, additional tags next, floating tags (`latest`) last; a tag already at the index is \
not written again. A project with a missing architecture gets no tag, unless `--allow-partial`, which \
sets only the date-sha tag.

Tags never move backwards: an additional or floating tag that holds an index of a newer commit (by the \
history of --repo when it has both commits, else by the indexes' `created` time) stays there (status \
`kept newer`, exit 0). The date-sha tag never moves from a complete index to a partial one; holding \
another index (a rerun the same day) it is overwritten, naming the old digest, or with \
`--existing-tag fail` kept and the project failed. No tag moves to an index without images, or to \
another project's.

Writes: the index and tags (registry, or `index.json` of `--target oci:PATH`); a summary table on stdout; \
Markdown to $GITHUB_STEP_SUMMARY and `digest=`/`digests=` to $GITHUB_OUTPUT when set; `--summary-json`.

Credentials: MONOARCH_REGISTRY_USERNAME/MONOARCH_REGISTRY_PASSWORD, else the docker config \
($DOCKER_CONFIG or ~/.docker/config.json: credHelpers, credsStore, auths). Plain HTTP only for \
`--insecure-registry` hosts and MONOARCH_INSECURE_REGISTRIES (comma-separated). Each registry request, \
retries included, ends by MONOARCH_REGISTRY_TIMEOUT seconds (default 120).

Exit codes: 0 all published, 6 a project without platforms, 9 registry failure (after retries, by \
deadline, a refused tag move), 10 verification failure (wrong platform, missing architecture, digest or \
record mismatch, a tag held by another index or project), 12 some projects failed, were published \
partially. A project skipped because a base this plan rebuilds was not published is reported, \
not failed: that base's own jobs failed.

Example: monoarch manifest --plan plan.json --project kaniko-executor --summary-json manifest.json
         monoarch manifest --plan plan.json --registry 127.0.0.1:5000 --insecure-registry 127.0.0.1:5000
         monoarch manifest --plan plan.json --target oci:./images";

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// The plan made by `monoarch plan --format json` / `monoarch matrix --write-plan`.
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,

    /// Stitch only this project (repeatable); default: every project of the plan.
    #[arg(long = "project", value_name = "NAME")]
    pub projects: Vec<String>,

    /// Stitch only this share of the plan's projects: `i/n`, the i-th of n even runs of
    /// the plan's projects in plan order (a packed GitLab child pipeline job).
    #[arg(long, value_name = "I/N", value_parser = Chunk::parse, conflicts_with = "projects")]
    pub chunk: Option<Chunk>,

    /// Stitch only the projects of this dependency level (`projects[].level`): a
    /// workflow that publishes the bases before their dependents build.
    #[arg(long, value_name = "N", conflicts_with_all = ["projects", "chunk"])]
    pub level: Option<u32>,

    /// Folder with the build records (`<project>-<arch>.json`); skipped when absent.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_RECORDS_DIR)]
    pub records: PathBuf,

    /// Publish the date-sha tag even when some architectures are missing.
    #[arg(long)]
    pub allow_partial: bool,

    /// Registry host (overrides the plan's).
    #[arg(long, value_name = "HOST", conflicts_with = "target")]
    pub registry: Option<String>,

    /// Write into a local OCI image layout instead of a registry: `oci:PATH`.
    #[arg(long, value_name = "oci:PATH")]
    pub target: Option<String>,

    /// Speak plain HTTP to this registry host (repeatable).
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure: Vec<String>,

    /// Also write the summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,

    /// Projects stitched at the same time.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,

    /// When the date-sha tag already holds another index (a rerun the same day):
    /// `overwrite` it and name the old digest in the summary (default), or `fail`.
    /// Also MONOARCH_EXISTING_TAG.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub existing_tag: Option<ExistingTag>,

    /// The monorepo clone whose history orders commits, so `latest` never moves
    /// back to an older commit (default: the git repository around the current folder;
    /// without one, or in a shallow clone, the indexes' `created` times decide).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,

    /// With one --project: also write the index digest to DIR/digest, as Tekton task
    /// results are (`--results-dir /tekton/results`); nothing when the project failed.
    #[arg(long, value_name = "DIR")]
    pub results_dir: Option<PathBuf>,
}

pub fn run(args: ManifestArgs, ctx: &Context) -> Result<i32, Error> {
    let env = &ctx.env;
    let (plan, names) = plan_and_names(&args)?;
    let target = open_target(&plan, &args, env)?;
    let options = Options {
        allow_partial: args.allow_partial,
        records_dir: Some(args.records.clone()),
        existing_tag: existing_tag(args.existing_tag, env)?,
        lineage: super::lineage::lineage(&args.repo),
    };
    let runtime = super::runtime()?;
    let target = Arc::new(target);
    let reports = runtime.block_on(manifest::stitch_all(
        Arc::new(plan),
        names,
        target.clone(),
        options,
        usize::from(args.jobs),
    ));
    if let Store::Registry(registry) = target.as_ref() {
        tracing::info!("{} registry requests", registry.requests_sent());
    }

    for r in &reports {
        let prefix = if r.status == report::ProjectStatus::Skipped {
            "warning: "
        } else {
            "error: "
        };
        for e in &r.failures {
            super::output::say(prefix, e);
        }
        for n in &r.notes {
            super::output::say("note: ", n);
        }
    }
    print!("{}", report::table(&reports));
    ctx.ci.add_summary(&report::markdown(&reports))?;
    ctx.ci.set_outputs(&report::step_outputs(&reports))?;
    if let (Some(dir), [only]) = (&args.results_dir, reports.as_slice())
        && only.status != report::ProjectStatus::Failed
        && let Some(digest) = &only.index_digest
    {
        write_results(dir, &[("digest", digest)])?;
    }
    if let Some(path) = &args.summary_json {
        std::fs::write(path, report::summary_json(&reports)).map_err(|source| {
            ManifestError::Write {
                what: "summary",
                path: path.clone(),
                source,
            }
        })?;
    }
    Ok(exit_code::aggregate(
        reports.iter().map(|r| r.outcome(stitch_code)),
    ))
}

/// `--existing-tag`, else `MONOARCH_EXISTING_TAG`, else `overwrite`.
fn existing_tag(flag: Option<ExistingTag>, env: &Env) -> Result<ExistingTag, ManifestError> {
    use clap::ValueEnum;
    match (flag, env.get(EXISTING_TAG_VAR)) {
        (Some(policy), _) => Ok(policy),
        (None, None) => Ok(ExistingTag::default()),
        (None, Some(value)) => {
            ExistingTag::from_str(value, true).map_err(|_| ManifestError::BadSetting {
                var: EXISTING_TAG_VAR,
                value: value.to_string(),
                allowed: "overwrite or fail",
            })
        }
    }
}

/// Env var: the default of `--existing-tag`.
const EXISTING_TAG_VAR: &str = "MONOARCH_EXISTING_TAG";

/// The plan and the projects to stitch. A job that stitches a level, a chunk or
/// named projects reads only those in full (a plan may list 20,000).
fn plan_and_names(args: &ManifestArgs) -> Result<(Plan, Vec<String>), Error> {
    let share = match (args.level, args.chunk) {
        // A level the plan does not use is nothing to do (a workflow's spare level).
        (Some(level), _) => Share::Level(level),
        (None, Some(chunk)) => Share::Chunk(chunk, None),
        (None, None) if !args.projects.is_empty() => Share::Named(&args.projects),
        (None, None) => {
            let plan = contract::read_plan(&args.plan)?;
            let names = plan.projects.iter().map(|p| p.name.clone()).collect();
            return Ok((plan, names));
        }
    };
    let PlanShare { plan, names: known } = contract::read_plan_share(&args.plan, share)?;
    if args.projects.is_empty() {
        let names = plan.projects.iter().map(|p| p.name.clone()).collect();
        return Ok((plan, names));
    }
    if let Some(name) = args.projects.iter().find(|n| plan.project(n).is_none()) {
        return Err(ManifestError::UnknownProject {
            name: name.clone(),
            plan: args.plan.clone(),
            known: if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            },
        }
        .into());
    }
    let mut names = args.projects.clone();
    names.dedup();
    Ok((plan, names))
}

fn open_target(plan: &Plan, args: &ManifestArgs, env: &Env) -> Result<Store, ManifestError> {
    if let Some(target) = &args.target {
        let path = target
            .strip_prefix("oci:")
            .filter(|p| !p.is_empty())
            .ok_or_else(|| ManifestError::BadTarget(target.clone()))?;
        return Ok(Store::Layout(Layout::open(Path::new(path))?));
    }
    let host = args
        .registry
        .as_deref()
        .unwrap_or(&plan.registry.host)
        .trim_end_matches('/');
    if host.is_empty() {
        return Err(ManifestError::NoTarget);
    }
    Ok(Store::Registry(Box::new(Registry::new(
        host,
        &args.insecure,
        env,
    )?)))
}
