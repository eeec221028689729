//! One build job, step by step: guard, source, paths, build and push, verify, record.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::contract::{BuildRecord, RECORD_FORMAT_VERSION};
use crate::contract::{JobPlan, KeySource, Plan, Platform, ProjectPlan, image_name};
use crate::env::Env;

use super::builder::{BuildSpec, BuilderKind, CliArg, Runner, Step, resolve_args};
use super::keyed::{self, Keyed};
use super::paths::{self, Kind};
use super::verify::{Pushed, VerifyError, verify, verify_key};
use super::{BuildError, guard, output, pulls, registry_auth};
use crate::ci::{Ci, Console};
use crate::registry::Registry;
use crate::source;
use crate::store::layout::Layout;
use crate::store::{Store, StoreError};

/// Everything a job needs besides the plan; read once by the command.
pub struct JobOptions<'a> {
    pub builder: BuilderKind,
    /// Registry host to push to (the plan's, or `--registry`).
    pub registry_host: &'a str,
    /// Hosts spoken to over plain HTTP.
    pub insecure: &'a [String],
    pub records_dir: &'a Path,
    pub allow_emulation: bool,
    /// Sources and builder outputs go to `workdir/<project>-<arch>/`.
    pub workdir: &'a Path,
    /// Root of the monorepo, for projects built from their own folder.
    pub repo_root: &'a Path,
    /// This machine's platform (`None`: not in the platform table).
    pub host_platform: Option<Platform>,
    /// The CI system: its log sections and step outputs.
    pub ci: &'a Ci,
    /// Where the job's lines for people go.
    pub console: &'a dyn Console,
    /// Seconds since the epoch, for log section markers (the command's clock).
    pub clock: fn() -> i64,
    /// Push into this OCI image layout instead of the registry (`monoarch run`;
    /// buildah only). `registry_host` is then unused.
    pub layout: Option<&'a Path>,
    /// Held from the push into `layout` to its read-back, when jobs run at once.
    pub layout_lock: Option<&'a std::sync::Mutex<()>>,
    /// The command's one async runtime, for reading the pushed image back.
    pub runtime: &'a tokio::runtime::Runtime,
}

/// Builds, pushes and verifies one job, then writes its build record.
pub fn run_job(
    plan: &Plan,
    project: &ProjectPlan,
    job: &JobPlan,
    opts: &JobOptions<'_>,
    env: &Env,
) -> Result<BuildRecord, BuildError> {
    let started = Instant::now();
    let name = project.name.as_str();
    guard::check(name, job.platform, opts.host_platform, opts.allow_emulation)?;
    if opts.host_platform != Some(job.platform) {
        // Whether anything is emulated depends on the Dockerfile (a `RUN` step); say only what is known.
        tracing::warn!(
            "{name}: building {} on a {} machine; any RUN step needs QEMU/binfmt",
            job.platform,
            opts.host_platform
                .map(|p| p.as_str())
                .unwrap_or("unknown-platform")
        );
    }

    // The bases first: a base this pipeline failed to publish skips the job
    // before anything is fetched, and the key is made of what is pinned.
    if opts.layout.is_some() && !project.bases.is_empty() {
        return Err(BuildError::Plan(format!(
            "{name}: builds on other projects (depends_on), which it pulls from a registry by digest; an OCI layout holds no registry: run with --registry"
        )));
    }
    let bases = if project.bases.is_empty() {
        Vec::new()
    } else {
        let store = open_store(opts, env).map_err(|source| BuildError::Base {
            project: name.to_string(),
            base: project.bases[0].project.clone(),
            reference: opts.registry_host.to_string(),
            message: source.to_string(),
        })?;
        opts.runtime
            .block_on(super::bases::pin(project, opts.registry_host, &store))?
    };

    let job_dir = opts.workdir.join(format!("{name}-{}", job.arch));
    let (root, upstream_commit) = match &project.upstream {
        Some(upstream) => {
            tracing::info!(
                "{name}: fetching {} at {}",
                source::redact_url(&upstream.repo),
                upstream.commit.as_deref().unwrap_or(&upstream.git_ref)
            );
            let fetched = source::fetch(name, upstream, &job_dir.join("source"), env)?;
            tracing::info!("{name}: source at commit {}", fetched.commit);
            (fetched.root, Some(fetched.commit))
        }
        None => (
            paths::resolve(
                name,
                opts.repo_root,
                paths::PROJECT_FOLDER,
                &project.path,
                Kind::Dir,
            )?,
            None,
        ),
    };
    let dockerfile = paths::resolve(
        name,
        &root,
        "dockerfile_path",
        &project.dockerfile,
        Kind::File,
    )?;
    let context = paths::resolve(name, &root, "context_path", &project.context, Kind::Dir)?;
    let key_source = match &upstream_commit {
        Some(commit) => Ok(KeySource::Commit(commit.clone())),
        // Only a keyed plan needs the folder's tree: without reuse, no git is opened here.
        None if plan.reuse.is_none() => Err("reuse is off".to_string()),
        None => in_repo_source(opts.repo_root, &project.path),
    };
    let building = keyed::Building {
        source: key_source,
        dockerfile: &dockerfile,
        bases: &bases,
    };
    let keyed = keyed::make(plan, project, job, building, opts, env);

    let mut args = resolve_args(name, &project.build_args, env)?;
    if !args.secrets.is_empty() {
        // Docker semantics, not ours to change: every builder records the
        // build args a RUN step used in the image history.
        tracing::warn!(
            "{name}: secret build args stay out of logs, but a RUN step that uses one records its value in the image history; for credentials prefer a secret mount"
        );
    }
    let job_dir = prepare_dir(&job_dir)?;
    let auth = registry_auth::write(&job_dir.join("auth"), opts.registry_host, env)?;
    if let Some(auth) = &auth {
        args.secrets.push(auth.password.clone());
        match opts.builder {
            // Kaniko reads `$DOCKER_CONFIG/config.json`.
            BuilderKind::Kaniko => args.child_env.push((
                "DOCKER_CONFIG".to_string(),
                job_dir.join("auth").display().to_string(),
            )),
            BuilderKind::Buildah => {}
            // Changing DOCKER_CONFIG would hide docker's CLI plugins, buildx among them.
            BuilderKind::Buildkit => tracing::warn!(
                "{name}: BuildKit pushes with docker's own login; MONOARCH_REGISTRY_USERNAME/PASSWORD are used only to read the image back"
            ),
        }
    }
    for base in &bases {
        tracing::info!("{name}: builds on {} = {}", base.arg, base.image);
        args.cli.push(CliArg::Literal {
            name: base.arg.clone(),
            value: base.image.clone(),
        });
    }
    if opts.layout.is_some() && opts.builder != BuilderKind::Buildah {
        return Err(BuildError::Plan(format!(
            "{name}: only buildah can write into an OCI layout, not {}",
            opts.builder.name()
        )));
    }
    // In a layout the local name only labels buildah's storage; the tag is what counts.
    let image = format!(
        "{}:{}",
        image_name(opts.registry_host, &project.repository),
        job.tag
    );
    let push_to = opts
        .layout
        .map(|dir| format!("oci:{}:{}", dir.display(), job.tag));
    let mut pull_insecure =
        pulls::insecure_hosts(keyed.as_ref(), project, job, &dockerfile, opts, env);
    // Bases of this repository are pulled from the push registry.
    if !bases.is_empty()
        && crate::registry::is_insecure(opts.registry_host, opts.insecure, env)
        && !pull_insecure.iter().any(|h| h == opts.registry_host)
    {
        pull_insecure.push(opts.registry_host.to_string());
    }
    let spec = BuildSpec {
        context,
        dockerfile,
        target: project.target.clone(),
        platform: job.platform,
        image: image.clone(),
        registry_host: opts.registry_host.to_string(),
        insecure: crate::registry::is_insecure(opts.registry_host, opts.insecure, env),
        build_args: args.cli,
        digest_file: job_dir.join("digest"),
        work_dir: job_dir.clone(),
        auth_file: auth
            .as_ref()
            .filter(|_| opts.builder == BuilderKind::Buildah)
            .map(|a| a.path.clone()),
        push_to: push_to.clone(),
        annotations: keyed
            .as_ref()
            .map(Keyed::annotations)
            .unwrap_or_default()
            .into_iter()
            .chain(bases.iter().map(super::bases::annotation))
            .collect(),
        pull_insecure,
        cache: pulls::cache(project, job, opts, env),
        pull_always: keyed.is_some(),
    };
    let runner = Runner {
        project: name,
        builder: opts.builder,
        style: opts.ci.log_style(),
        clock: opts.clock,
        console: opts.console,
        env,
        child_env: &args.child_env,
        secrets: &args.secrets,
    };
    let mut layout_turn = None;
    for (i, command) in opts.builder.commands(&spec).iter().enumerate() {
        if command.step != Step::Build && layout_turn.is_none() {
            layout_turn = opts
                .layout_lock
                .map(|lock| lock.lock().unwrap_or_else(|p| p.into_inner()));
        }
        runner.run(command, &format!("monoarch-{name}-{}-{i}", job.arch))?;
    }
    let digest = opts.builder.read_digest(&spec)?;
    let config = opts.builder.read_image_id(&spec);

    let pushed = Pushed {
        repository: &project.repository,
        tag: &job.tag,
        digest: &digest,
        platform: job.platform,
        config: config.as_deref(),
    };
    let store = open_store(opts, env).map_err(|source| VerifyError::Read {
        image: push_to.clone().unwrap_or_else(|| image.clone()),
        source,
    })?;
    match &keyed {
        // buildah's --layers (the cache) may record an intermediate image as the base.
        Some(keyed) => opts.runtime.block_on(verify_key(
            &store,
            &pushed,
            &keyed.inputs.key(),
            spec.cache.is_none(),
        ))?,
        None => opts.runtime.block_on(verify(&store, &pushed))?,
    }
    drop(layout_turn);
    let image = push_to.unwrap_or(image);
    tracing::info!(
        "{name}: verified {image}: digest {digest}, platform {}",
        job.platform
    );

    let record = BuildRecord {
        format_version: RECORD_FORMAT_VERSION,
        project: name.to_string(),
        arch: job.arch.clone(),
        platform: job.platform,
        image,
        digest,
        upstream_commit,
        builder: opts.builder.name().to_string(),
        duration_seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        plan_commit: plan.commit.clone(),
        key: keyed.as_ref().map(|k| k.inputs.key()),
        planned_key: keyed.as_ref().and_then(|k| k.planned.clone()),
        key_inputs: keyed.map(|k| k.inputs),
        bases,
    };
    let path = output::write_record(opts.records_dir, &record)?;
    opts.ci.set_outputs(&output::step_outputs(&record))?;
    let built = format!(
        "built {name} {}: {}@{} (record: {})",
        job.platform,
        record.image,
        record.digest,
        path.display()
    );
    opts.console
        .out(&format!("{}\n", crate::ci::escape::text(&built)));
    Ok(record)
}

/// An in-repo project's source identity: its folder's tree at HEAD, if clean.
fn in_repo_source(root: &Path, path: &str) -> Result<KeySource, String> {
    let git = crate::git::Git::discover(root).map_err(|e| e.to_string())?;
    let head = git.head().map_err(|e| e.to_string())?;
    crate::key::folder_source(&git, head, path)
}

/// Where the image was pushed: the layout of `monoarch run`, else the registry.
fn open_store(opts: &JobOptions<'_>, env: &Env) -> Result<Store, StoreError> {
    Ok(match opts.layout {
        Some(dir) => Store::Layout(Layout::open(dir)?),
        None => Store::Registry(Box::new(Registry::new(
            opts.registry_host,
            opts.insecure,
            env,
        )?)),
    })
}

/// Makes sure the job's folder exists (the digest file goes there).
fn prepare_dir(dir: &Path) -> Result<PathBuf, BuildError> {
    std::fs::create_dir_all(dir).map_err(|e| BuildError::Output {
        what: "work folder",
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    // A digest file left by an earlier run must not pass for this one's, and
    // credentials left by a run that was killed outright go now.
    let _ = std::fs::remove_file(dir.join("digest"));
    let _ = std::fs::remove_file(dir.join("image-id"));
    let _ = std::fs::remove_dir_all(dir.join("auth"));
    Ok(dir.to_path_buf())
}
