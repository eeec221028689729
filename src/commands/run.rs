//! `monoarch run`: plan, build every job with buildah, push, stitch, summary — on one machine.

use std::path::{Path, PathBuf};

use clap::Args;

use super::error::run_code;
use super::keys::{LookIn, apply_keys};
use super::select::SelectArgs;
use super::select::plan_from_flags;
use super::{Context, Error};
use crate::build::BuildError;
use crate::build::builder::{BuilderError, BuilderKind};
use crate::contract::exit_code;
use crate::contract::{DEFAULT_RECORDS_DIR, Platform};
use crate::manifest::report;
use crate::run::emulation::BINFMT_MISC;
use crate::run::{RunOptions, RunTarget, run_plan, shared_tag};

pub const LONG_ABOUT: &str = "Run the whole pipeline on this machine: plan, build every job with \
buildah, push, stitch one multi-arch index per project, print the summary.\n\n\
Reads the git history, `monoarch.yaml` and the selected projects exactly as `monoarch plan` \
does (same selection flags), and the upstream sources. Writes the images into a local OCI \
image layout (`--layout`, default `./oci-layout`; no server needed) or, with `--registry`, \
pushes them to that registry; build records go to `--records`.\n\n\
The machine's own architecture is always built. Another architecture is built only when its \
Dockerfile runs nothing (no RUN in the stages it needs) or an emulator for it is registered \
(binfmt_misc, e.g. qemu-user-static); otherwise the job is reported as skipped with the reason, \
and its project is not published.\n\n\
Builds up to --jobs jobs at the same time (default: the machine's cores), each job's output \
printed whole when it ends.\n\n\
Examples:\n  monoarch run --all\n  monoarch run --base origin/main --layout /tmp/images\n  \
monoarch run --all --registry 127.0.0.1:5000 --insecure-registry 127.0.0.1:5000\n\n\
Exit codes: 0 every project published, 12 some projects not published (skipped or failed \
jobs), or the failure's own code when every project failed alike (8 build, 9 registry, ...).";

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub select: SelectArgs,

    /// Write into this OCI image layout folder (the default target, unless --registry is given).
    #[arg(long, value_name = "PATH", conflicts_with = "registry")]
    pub layout: Option<PathBuf>,

    /// Registry host to reach over plain HTTP (repeatable; also MONOARCH_INSECURE_REGISTRIES).
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,

    /// Folder for the build records.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_RECORDS_DIR)]
    pub records: PathBuf,

    /// Folder for sources and builder outputs (default: a temporary folder, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,

    /// Build jobs run at the same time (default: this machine's cores). Each job's
    /// output is printed whole when it ends; with 1, it streams live.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

/// The default layout folder, relative to the working directory.
pub const DEFAULT_LAYOUT: &str = "oci-layout";

pub fn run(args: RunArgs, ctx: &Context) -> Result<i32, Error> {
    let env = &ctx.env;
    let mut made = plan_from_flags(&args.select, ctx)?;
    let target = match &args.select.registry {
        Some(host) => RunTarget::Registry {
            host: host.clone(),
            insecure: args.insecure_registry.clone(),
        },
        None => RunTarget::Layout(absolute(
            args.layout.as_deref().unwrap_or(Path::new(DEFAULT_LAYOUT)),
        )?),
    };
    let look_in = match &target {
        RunTarget::Registry { insecure, .. } => LookIn::Registry {
            insecure: insecure.clone(),
        },
        RunTarget::Layout(dir) => LookIn::Layout(dir.clone()),
    };
    apply_keys(&mut made, look_in, ctx)?;
    let plan = made.plan;
    for unchanged in &plan.unchanged {
        println!(
            "unchanged, left alone: {} ({})",
            unchanged.name,
            crate::ci::escape::text(&unchanged.reason)
        );
    }
    if plan.projects.is_empty() {
        println!(
            "nothing to build: {}",
            crate::ci::escape::text(&plan.selection.reason)
        );
        return Ok(exit_code::SUCCESS);
    }
    if let (RunTarget::Layout(dir), Some((tag, first, second))) = (&target, shared_tag(&plan)) {
        return Err(Error::SharedLayoutTag {
            tag,
            first,
            second,
            layout: dir.clone(),
        });
    }
    if let (RunTarget::Layout(_), Some(project)) =
        (&target, plan.projects.iter().find(|p| !p.bases.is_empty()))
    {
        return Err(Error::LayoutWithBases {
            project: project.name.clone(),
            base: project.bases[0].project.clone(),
        });
    }
    // Fail once, up front, rather than once per job.
    let buildah_found = env
        .get("PATH")
        .is_some_and(|path| std::env::split_paths(path).any(|dir| dir.join("buildah").is_file()));
    if !buildah_found {
        return Err(BuildError::from(BuilderError::Missing {
            builder: BuilderKind::Buildah.name(),
            program: "buildah".into(),
            hint: BuilderKind::Buildah.install_hint(),
        })
        .into());
    }
    let temp;
    let workdir = match &args.workdir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("monoarch-run-")
                .tempdir_in(env.get("TMPDIR").unwrap_or("/tmp"))
                .map_err(|e| Error::Output {
                    path: env.get("TMPDIR").unwrap_or("/tmp").to_string(),
                    message: format!("cannot make a work folder: {e}"),
                })?;
            temp.path().to_path_buf()
        }
    };
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    println!(
        "monoarch run: {} project(s), {} job(s), {jobs} at a time -> {}",
        plan.projects.len(),
        plan.job_count(),
        match &target {
            RunTarget::Registry { host, .. } => crate::ci::escape::text(host).into_owned(),
            RunTarget::Layout(dir) => format!(
                "oci:{}",
                crate::ci::escape::text(&dir.display().to_string())
            ),
        }
    );
    let runtime = super::runtime()?;
    super::signals::remove_secrets_on_signal(&runtime)?;
    let options = RunOptions {
        target,
        repo_root: &made.root,
        lineage: super::lineage::lineage(&made.root),
        workdir: &workdir,
        records_dir: &args.records,
        host: Platform::host(),
        binfmt_dir: Path::new(BINFMT_MISC),
        ci: &ctx.ci,
        console: &ctx.console,
        clock: ctx.clock,
        runtime: &runtime,
        jobs,
    };
    let outcome = run_plan(&plan, &options, env);
    println!();
    print!("{}", outcome.jobs_table);
    println!();
    for r in &outcome.projects {
        for e in &r.failures {
            super::output::say("error: ", e);
        }
        for n in &r.notes {
            super::output::say("note: ", n);
        }
    }
    print!("{}", report::table(&outcome.projects));
    Ok(exit_code::aggregate(
        outcome.projects.iter().map(|r| r.outcome(run_code)),
    ))
}

/// buildah and skopeo resolve `oci:` paths against their own working folder; make it absolute.
fn absolute(path: &Path) -> Result<PathBuf, Error> {
    std::path::absolute(path).map_err(|e| Error::Output {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}
