//! `monoarch build`: run one job of the plan (or every job of a GitHub matrix entry).

use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args};
use serde::Deserialize;

use super::error::build_code;
use super::results::write_results;
use super::{Context, Error};
use crate::build::builder::{BuilderKind, KANIKO_EXECUTOR};
use crate::build::{BuildError, JobOptions, run_job};
use crate::ci::escape;
use crate::contract::exit_code;
use crate::contract::exit_code::Outcome;
use crate::contract::{
    Chunk, DEFAULT_RECORDS_DIR, JobPlan, Plan, PlanShare, Platform, ProjectPlan, Share, check_of,
    jobs_of, read_plan_share,
};
use crate::env::Env;
use crate::git::Git;

pub const LONG_ABOUT: &str = "Build and push one project for one architecture (one job of the plan).\n\n\
Reads the plan (`--plan`), the upstream repository at the planned ref (or commit, after \
`monoarch plan --resolve-refs`), or the project folder for projects without an upstream. \
Runs the builder (Kaniko, buildah or BuildKit) with its output inside a collapsible log \
section, pushes the arch image `<registry>/<repository>:<arch tag>`, reads it back to check \
digest and platform, and writes the build record `<records>/<project>-<arch>.json` (and \
`digest`, `image`, `upstream-commit`, `record` to $GITHUB_OUTPUT when set, and `platform`, \
`digest`, `image` as files in --results-dir, for Tekton).\n\n\
The job must run on a machine of its architecture unless --allow-emulation is given (or \
MONOARCH_ALLOW_EMULATION=true). Build \
args taken from the environment reach the builder through its environment, never on a \
printed command line. Private upstreams: a token from MONOARCH_GIT_TOKEN (any host, or only \
MONOARCH_GIT_TOKEN_HOST), CI_JOB_TOKEN (to $CI_SERVER_HOST) or GITHUB_TOKEN (to GitHub). Registry credentials: MONOARCH_REGISTRY_USERNAME and \
MONOARCH_REGISTRY_PASSWORD (handed to buildah and Kaniko in an auth file), else the builder's own \
login; the read-back also reads the docker config and its credential helpers.\n\n\
A project built on projects (`depends_on:`) gets each base's index by digest \
(MONOARCH_BASE_<NAME>). When a base this plan rebuilds was not published (its own jobs \
failed), the job is skipped with a warning and exits 0: it is never built on the old base, \
and `monoarch manifest` reports the project skipped.\n\n\
Examples:\n  monoarch build --plan plan.json --project kaniko-executor --arch arm64\n  \
JOB='{\"arch\":\"amd64\",\"chunk\":3,\"chunks\":40}' monoarch build --plan plan.json --job-env JOB\n  \
monoarch build --plan plan.json --chunk 3/40 --arch amd64\n\n\
Exit codes: 6 plan/job not usable, 7 source fetch or paths, 8 builder missing or failed, \
9 registry (push refused, read-back failed), 10 pushed image differs from the plan, \
11 wrong architecture, 12 some jobs of a packed matrix entry failed.";

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("job").required(true).args(["project", "job_env", "chunk"])))]
pub struct BuildArgs {
    /// The plan made by `monoarch plan --format json` or `monoarch matrix --write-plan`.
    #[arg(long, value_name = "FILE", default_value = "plan.json")]
    pub plan: PathBuf,

    /// Project to build (with --arch).
    #[arg(long, value_name = "NAME", requires = "arch")]
    pub project: Option<String>,

    /// Architecture of the job (`amd64`, `arm64`, ...), with --project or --chunk.
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,

    /// Build this share of the plan's projects for --arch: `i/n`, the i-th of n even
    /// runs of the plan's projects in plan order (a packed GitLab child pipeline job).
    #[arg(long, value_name = "I/N", value_parser = Chunk::parse, requires = "arch", conflicts_with = "project")]
    pub chunk: Option<Chunk>,

    /// With --chunk: the digest the job list carries for it; the job stops if the
    /// plan's chunk builds something else.
    #[arg(long, value_name = "HEX", requires = "chunk")]
    pub check: Option<String>,

    /// Name of an environment variable holding a GitHub matrix entry as JSON
    /// (`env: JOB: ${{ toJSON(matrix) }}`); builds its chunk (or its `projects`) for its `arch`.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["project", "arch", "chunk"])]
    pub job_env: Option<String>,

    /// Builder to use (default: /kaniko/executor if present, else buildah, else docker buildx).
    #[arg(long, value_enum)]
    pub builder: Option<BuilderKind>,

    /// Registry host to push to (overrides the plan's).
    #[arg(long, value_name = "HOST")]
    pub registry: Option<String>,

    /// Folder for the build records.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_RECORDS_DIR)]
    pub records: PathBuf,

    /// Build even if this machine's architecture differs from the job's (needs QEMU/binfmt).
    /// Also `MONOARCH_ALLOW_EMULATION=true`.
    #[arg(long)]
    pub allow_emulation: bool,

    /// Folder for sources and builder outputs (default: a temporary folder, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,

    /// Registry host to reach over plain HTTP (repeatable; also MONOARCH_INSECURE_REGISTRIES).
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,

    /// Root of the monorepo, for projects without an upstream (default: the git repository around the current folder).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    /// Also write `platform` (first), `digest` and `image` as files in DIR, as Tekton task
    /// results are (`--results-dir /tekton/results`).
    #[arg(long, value_name = "DIR", conflicts_with = "job_env")]
    pub results_dir: Option<PathBuf>,
}

/// The fields of a GitHub matrix entry a build job needs: its chunk of the plan
/// (what `monoarch matrix` writes) or, written by hand, a list of projects.
#[derive(Debug, Deserialize)]
struct MatrixEntry {
    arch: String,
    #[serde(default)]
    projects: Option<Vec<String>>,
    #[serde(default)]
    chunk: Option<usize>,
    #[serde(default)]
    chunks: Option<usize>,
    #[serde(default)]
    check: Option<String>,
    /// The dependency level the chunk shares (absent: 0).
    #[serde(default)]
    level: u32,
}

/// Which jobs of the plan this build job runs.
enum Selected {
    Projects(Vec<String>),
    /// A chunk of the whole plan (`--chunk`), or of one dependency level (a matrix entry).
    Chunk(Chunk, Option<String>, Option<u32>),
}

pub fn run(args: BuildArgs, ctx: &Context) -> Result<i32, Error> {
    let env = &ctx.env;
    let (arch, selected) = job_selection(&args, env)?;
    // Only this job's projects are read in full (a plan may list 20,000).
    let share = match &selected {
        Selected::Projects(names) => Share::Named(names),
        Selected::Chunk(chunk, _, level) => Share::Chunk(*chunk, *level),
    };
    let PlanShare { plan, names: known } = read_plan_share(&args.plan, share)?;
    if !plan.publish.builds() {
        return Err(BuildError::Plan(format!(
            "{} is a preview-only plan ({}); nothing may be built from it",
            args.plan.display(),
            plan.publish.reason
        ))
        .into());
    }
    let jobs = match &selected {
        Selected::Projects(names) => select_jobs(&plan, &known, &arch, names, &args.plan)?,
        Selected::Chunk(chunk, check, level) => chunk_jobs(
            &plan,
            known.len(),
            &arch,
            (*chunk, *level),
            check,
            &args.plan,
        )?,
    };
    let registry_host = args
        .registry
        .clone()
        .unwrap_or_else(|| plan.registry.host.clone());
    if registry_host.is_empty() {
        return Err(BuildError::Plan(format!(
            "{} names no registry host; pass --registry HOST",
            args.plan.display()
        ))
        .into());
    }
    let builder = match args.builder {
        Some(b) => b,
        None => BuilderKind::detect(env, Path::new(KANIKO_EXECUTOR)).map_err(BuildError::from)?,
    };
    let temp;
    let workdir = match &args.workdir {
        Some(dir) => dir.clone(),
        None => {
            let base = default_work_base(builder, env);
            temp = tempfile::Builder::new()
                .prefix("monoarch-build-")
                .tempdir_in(&base)
                .map_err(|e| BuildError::Output {
                    what: "work folder in",
                    path: base.clone(),
                    message: format!("{e}; pass --workdir DIR"),
                })?;
            temp.path().to_path_buf()
        }
    };
    let repo_root = args.repo.clone().unwrap_or_else(discover_repo_root);
    let runtime = super::runtime()?;
    super::signals::remove_secrets_on_signal(&runtime)?;
    let options = JobOptions {
        builder,
        registry_host: &registry_host,
        insecure: &args.insecure_registry,
        records_dir: &args.records,
        // The opt-in for teams without runners of every architecture, e.g. a CI variable.
        allow_emulation: args.allow_emulation || env.is_true("MONOARCH_ALLOW_EMULATION"),
        workdir: &workdir,
        repo_root: &repo_root,
        host_platform: Platform::host(),
        ci: &ctx.ci,
        console: &ctx.console,
        clock: ctx.clock,
        layout: None,
        layout_lock: None,
        runtime: &runtime,
    };

    let mut outcomes = Vec::new();
    for (project, job) in &jobs {
        // The platform first: a failed TaskRun still says which platform failed.
        if let Some(dir) = &args.results_dir {
            write_results(dir, &[("platform", job.platform.as_str())])?;
        }
        match run_job(&plan, project, job, &options, env) {
            Ok(record) => {
                if let Some(dir) = &args.results_dir {
                    write_results(dir, &[("digest", &record.digest), ("image", &record.image)])?;
                }
                outcomes.push(Outcome::Done);
            }
            // Its base failed in this pipeline: skipped, not failed (the base's
            // jobs fail; `manifest` reports this project as skipped).
            Err(e @ BuildError::BaseNotPublished { .. }) => {
                super::output::say("warning: ", &e);
                ctx.ci
                    .add_summary(&format!("- skipped: {}\n", escape::text(&e.to_string())))?;
                outcomes.push(Outcome::Done);
            }
            Err(e) if jobs.len() == 1 => return Err(e.into()),
            Err(e) => {
                super::output::say("error: ", &e);
                outcomes.push(Outcome::Failed(build_code(&e)));
            }
        }
    }
    let failed = outcomes.iter().filter(|o| **o != Outcome::Done).count();
    if failed > 0 {
        eprintln!(
            "{failed} of {} jobs failed; their errors are above",
            jobs.len()
        );
    }
    Ok(exit_code::aggregate(outcomes))
}

/// Where the temporary work folder goes. In the Kaniko image that is
/// `/kaniko`: the image may have no `/tmp`, and Kaniko never snapshots or
/// wipes its own folder.
fn default_work_base(builder: BuilderKind, env: &Env) -> PathBuf {
    match (builder, Path::new(KANIKO_EXECUTOR).parent()) {
        (BuilderKind::Kaniko, Some(dir)) if dir.is_dir() => dir.to_path_buf(),
        _ => PathBuf::from(env.get("TMPDIR").unwrap_or("/tmp")),
    }
}

/// `(arch, what)` from `--project/--arch`, `--chunk/--arch` or the `--job-env` variable.
fn job_selection(args: &BuildArgs, env: &Env) -> Result<(String, Selected), Error> {
    let arch = args.arch.clone().unwrap_or_default();
    if let Some(project) = &args.project {
        return Ok((arch, Selected::Projects(vec![project.clone()])));
    }
    if let Some(chunk) = args.chunk {
        return Ok((arch, Selected::Chunk(chunk, args.check.clone(), None)));
    }
    let var = args.job_env.as_deref().unwrap_or_default();
    let text = env.get(var).ok_or_else(|| Error::JobEnvUnset {
        var: var.to_string(),
    })?;
    let entry: MatrixEntry = serde_json::from_str(text).map_err(|e| {
        BuildError::Plan(format!(
            "--job-env {var}: not a matrix entry with `arch` and `chunk`/`chunks` ({e}); pass `toJSON(matrix)` of a `monoarch matrix --format github` matrix"
        ))
    })?;
    let selected = match (entry.projects, entry.chunk, entry.chunks) {
        (Some(projects), None, None) if !projects.is_empty() => Selected::Projects(projects),
        (None, Some(index), Some(count)) => {
            let chunk = Chunk::parse(&format!("{index}/{count}"))
                .map_err(|e| BuildError::Plan(format!("--job-env {var}: {e}")))?;
            Selected::Chunk(chunk, entry.check, Some(entry.level))
        }
        _ => {
            return Err(BuildError::Plan(format!(
                "--job-env {var}: the entry needs `chunk` and `chunks` (as `monoarch matrix` writes them) or a non-empty `projects` list, not both"
            ))
            .into());
        }
    };
    Ok((entry.arch, selected))
}

/// The jobs of one chunk for `arch` (of one level's projects when `level` is
/// given; `plan` holds that chunk's projects of `total`); a chunk with none, or
/// whose digest differs from the one the job list carries, means another plan:
/// an invalid-plan error.
fn chunk_jobs<'p>(
    plan: &'p Plan,
    total: usize,
    arch: &str,
    (chunk, level): (Chunk, Option<u32>),
    check: &Option<String>,
    origin: &Path,
) -> Result<Vec<(&'p ProjectPlan, &'p JobPlan)>, BuildError> {
    let arch = known_arch(arch)?;
    let jobs = jobs_of(&plan.projects, arch);
    let digest = check_of(&jobs);
    let other_plan = |why: String| {
        BuildError::Plan(format!(
            "chunk {chunk}{} of {} ({total} projects) {why}: the job list was made from another plan; build with the plan.json of the same run",
            level
                .filter(|l| *l > 0)
                .map_or(String::new(), |l| format!(" of level {l}")),
            origin.display(),
        ))
    };
    if jobs.is_empty() {
        return Err(other_plan(format!("has no {arch} job")));
    }
    match check {
        Some(want) if *want != digest => Err(other_plan(format!(
            "builds other {arch} jobs than the job list says (check {want}, this plan's {digest})"
        ))),
        _ => Ok(jobs),
    }
}

fn known_arch(arch: &str) -> Result<&'static str, BuildError> {
    Platform::from_arch(arch)
        .map(Platform::arch)
        .ok_or_else(|| {
            BuildError::Plan(format!(
                "unknown architecture `{arch}`; known: {}",
                Platform::known().join(", ")
            ))
        })
}

/// Finds every `(project, job)` in the plan (`known`: every name it lists); any
/// miss is an invalid-plan error.
fn select_jobs<'p>(
    plan: &'p Plan,
    known: &[String],
    arch: &str,
    names: &[String],
    origin: &Path,
) -> Result<Vec<(&'p ProjectPlan, &'p JobPlan)>, BuildError> {
    let arch = known_arch(arch)?;
    names
        .iter()
        .map(|name| {
            let project = plan.project(name).ok_or_else(|| {
                BuildError::Plan(format!(
                    "project `{name}` is not in {} (it has: {}); build from the plan the matrix was made from",
                    origin.display(),
                    if known.is_empty() { "no projects".to_string() } else { known.join(", ") }
                ))
            })?;
            let job = project.job(arch).ok_or_else(|| {
                let archs: Vec<&str> = project.jobs.iter().map(|j| j.arch.as_str()).collect();
                BuildError::Plan(format!(
                    "project `{name}` has no {arch} job in {} (its architectures: {})",
                    origin.display(),
                    archs.join(", ")
                ))
            })?;
            if let Some(reuse) = &job.reuse {
                return Err(BuildError::Plan(format!(
                    "project `{name}` {arch} is not built in {}: it reuses {} ({}), which `monoarch manifest` tags; plan with --rebuild to build it",
                    origin.display(),
                    reuse.digest,
                    job.why.as_deref().unwrap_or("same key")
                )));
            }
            Ok((project, job))
        })
        .collect()
}

/// The work tree of the git repository around the current folder, else the current folder.
fn discover_repo_root() -> PathBuf {
    Git::discover(Path::new("."))
        .map(|git| git.root().to_path_buf())
        .unwrap_or_else(|_| PathBuf::from("."))
}
