//! A `plan.json` is input: an artifact any job (or anyone who can write to
//! the pipeline's storage) may have changed. Every stage that reads one
//! checks again what `monoarch plan` checked when it wrote it: names that
//! become file and folder names, paths that must stay inside their root,
//! repositories, tags and shas. A name like `../x` must never reach a path.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use super::plan::{NamingScheme, Plan, ProjectPlan};
use super::published::find_collisions;
use super::quote::shown;
use super::relpath::check_relative;
use super::tag::{MAX_REPOSITORY_LEN, is_valid_repository, is_valid_tag, registry_host_problem};

/// Every problem of `plan`, each as `field: what is wrong`; empty when sound.
pub fn check_plan(plan: &Plan) -> Vec<String> {
    let everyone: Vec<(&str, u32)> = plan
        .projects
        .iter()
        .map(|p| (p.name.as_str(), p.level))
        .collect();
    let positions: Vec<usize> = (0..plan.projects.len()).collect();
    check_share(plan, &positions, &everyone)
}

/// [`check_plan`] for a job's share: `plan.projects` are the projects at
/// `positions` (ascending) of the file's list, `everyone` is every project's
/// name and level in file order. The shared projects are checked in full; the
/// others only as the shared ones rely on them: names unique, bases on a lower
/// level. Tags published twice are looked for among the shared projects here;
/// the share reader adds those a shared project and another one publish.
pub(super) fn check_share(
    plan: &Plan,
    positions: &[usize],
    everyone: &[(&str, u32)],
) -> Vec<String> {
    let mut out = Vec::new();
    let mut bad = |field: String, message: String| out.push(format!("{field}: {message}"));
    check_head(plan, &mut bad);
    // Name -> level of its first project, as `Plan::project` finds it.
    let mut levels: HashMap<&str, u32> = HashMap::with_capacity(everyone.len());
    let mut shared = plan.projects.iter().zip(positions).peekable();
    for (i, &(name, level)) in everyone.iter().enumerate() {
        let at = format!("projects[{i}]");
        if let Some((project, _)) = shared.next_if(|(_, at)| **at == i) {
            check_project(project, plan.registry.naming, &at, &mut bad);
        }
        match levels.entry(name) {
            Entry::Occupied(_) => bad(
                format!("{at}.name"),
                format!("`{}` is listed twice", shown(name)),
            ),
            Entry::Vacant(slot) => {
                slot.insert(level);
            }
        }
    }
    check_bases(plan, positions, &levels, &mut bad);
    let projects: Vec<&ProjectPlan> = plan.projects.iter().collect();
    for collision in find_collisions(&projects, plan.registry.naming) {
        bad(
            "projects".into(),
            format!(
                "`{}` is published by `{}` and by `{}`; a tag may name one image only",
                shown(&collision.reference),
                shown(&collision.first.0.name),
                shown(&collision.second.0.name)
            ),
        );
    }
    out
}

/// The plan's own fields.
fn check_head(plan: &Plan, bad: &mut impl FnMut(String, String)) {
    if !(plan.date.len() == 8 && plan.date.chars().all(|c| c.is_ascii_digit())) {
        bad(
            "date".into(),
            format!("`{}` is not YYYYMMDD", shown(&plan.date)),
        );
    }
    if !is_hex(&plan.commit, &[40, 64]) {
        bad(
            "commit".into(),
            format!("`{}` is not a full commit sha", shown(&plan.commit)),
        );
    }
    if !is_hex(&plan.sha7, &[7]) || !plan.commit.starts_with(&plan.sha7) {
        bad(
            "sha7".into(),
            format!(
                "`{}` is not the first 7 digits of `commit`",
                shown(&plan.sha7)
            ),
        );
    }
    if !plan.registry.host.is_empty()
        && let Some(why) = registry_host_problem(&plan.registry.host)
    {
        bad("registry.host".into(), why);
    }
    if let Some(source) = &plan.source
        && source.chars().any(char::is_control)
    {
        bad("source".into(), "holds control characters".into());
    }
}

/// Each base names a valid image and arg; one the plan rebuilds is in the plan,
/// on a lower level, so every reader can trust the order.
fn check_bases(
    plan: &Plan,
    positions: &[usize],
    levels: &HashMap<&str, u32>,
    bad: &mut impl FnMut(String, String),
) {
    for (project, i) in plan.projects.iter().zip(positions) {
        for (j, base) in project.bases.iter().enumerate() {
            let at = format!("projects[{i}].bases[{j}]");
            if !base.arg.starts_with("MONOARCH_BASE_") || !is_variable_name(&base.arg) {
                bad(
                    format!("{at}.arg"),
                    format!(
                        "`{}` is not a MONOARCH_BASE_<NAME> build arg",
                        shown(&base.arg)
                    ),
                );
            }
            if !is_valid_repository(&base.repository) || !is_valid_tag(&base.tag) {
                bad(
                    at.clone(),
                    format!(
                        "`{}:{}` is not an image reference",
                        shown(&base.repository),
                        shown(&base.tag)
                    ),
                );
            }
            let level = levels.get(base.project.as_str()).copied();
            match (base.rebuilt, level) {
                (true, Some(level)) if level < project.level => {}
                (true, _) => bad(
                    format!("{at}.project"),
                    format!(
                        "`{}` is marked rebuilt but is not in the plan on a lower level than `{}`",
                        shown(&base.project),
                        shown(&project.name)
                    ),
                ),
                (false, Some(_)) => bad(
                    format!("{at}.rebuilt"),
                    format!(
                        "`{}` is in the plan, so `{}` must build on this plan's image of it",
                        shown(&base.project),
                        shown(&project.name)
                    ),
                ),
                (false, None) => {}
            }
        }
    }
}

fn check_project(
    project: &ProjectPlan,
    naming: NamingScheme,
    at: &str,
    bad: &mut impl FnMut(String, String),
) {
    let name = &project.name;
    // The name becomes file and folder names (`<name>-<arch>`): the tag
    // grammar allows no `/` and no leading `.`, so no `..` either.
    if !is_valid_tag(name) {
        bad(
            format!("{at}.name"),
            format!(
                "`{}` is not a project name (letters, digits, `_`, `.`, `-`; no `/`, not starting with `.` or `-`)",
                shown(name)
            ),
        );
    }
    if let Err(why) = check_relative(&project.path) {
        bad(format!("{at}.path"), why);
    }
    if project.path.chars().any(char::is_control) {
        bad(format!("{at}.path"), "holds control characters".into());
    }
    if !is_valid_repository(&project.repository) || project.repository.len() > MAX_REPOSITORY_LEN {
        bad(
            format!("{at}.repository"),
            format!("`{}` is not a repository name", shown(&project.repository)),
        );
    }
    if naming == NamingScheme::PerProject && !project.repository.ends_with(&format!("/{name}")) {
        bad(
            format!("{at}.repository"),
            format!(
                "`{}` is not the project's own repository (`naming: per-project`)",
                shown(&project.repository)
            ),
        );
    }
    if project.tags.is_empty() {
        bad(
            format!("{at}.tags"),
            "is empty; every project has its date-sha tag".into(),
        );
    }
    for (j, tag) in project.tags.iter().enumerate() {
        if !is_valid_tag(tag) {
            bad(
                format!("{at}.tags[{j}]"),
                format!("`{}` is not a valid tag", shown(tag)),
            );
        }
    }
    for (field, value) in [
        ("dockerfile", &project.dockerfile),
        ("context", &project.context),
    ] {
        if let Err(why) = check_relative(value) {
            bad(format!("{at}.{field}"), why);
        }
    }
    if let Some(target) = &project.target
        && (target.is_empty() || target.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        bad(
            format!("{at}.target"),
            format!("`{}` is not a stage name", shown(target)),
        );
    }
    if let Some(upstream) = &project.upstream {
        let known = ["https://", "http://", "ssh://", "git://", "file://", "git@"];
        let url = &upstream.repo;
        if !known.iter().any(|k| url.starts_with(k))
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            bad(format!("{at}.upstream.repo"), "is not a git URL".into());
        }
        let git_ref = &upstream.git_ref;
        if git_ref.is_empty()
            || git_ref.starts_with('-')
            || git_ref.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            bad(
                format!("{at}.upstream.ref"),
                format!("`{}` is not a tag, branch or sha", shown(git_ref)),
            );
        }
        if let Some(commit) = &upstream.commit
            && !is_hex(commit, &[40, 64])
        {
            bad(
                format!("{at}.upstream.commit"),
                format!("`{}` is not a full commit sha", shown(commit)),
            );
        }
    }
    for (j, arg) in project.build_args.iter().enumerate() {
        let names = match arg {
            super::plan::BuildArg::Value { name, .. } => vec![name],
            super::plan::BuildArg::FromEnv { name, from_env, .. } => vec![name, from_env],
        };
        for value in names.into_iter().filter(|v| !is_variable_name(v)) {
            bad(
                format!("{at}.build_args[{j}]"),
                format!("`{}` is not a variable name", shown(value)),
            );
        }
    }
    if let Some(tag) = &project.last_tag
        && !is_valid_tag(tag)
    {
        bad(
            format!("{at}.last_tag"),
            format!("`{}` is not a valid tag", shown(tag)),
        );
    }
    if let Some(cache) = &project.cache
        && (!is_valid_repository(cache) || cache.len() > MAX_REPOSITORY_LEN)
    {
        bad(
            format!("{at}.cache"),
            format!("`{}` is not a repository name", shown(cache)),
        );
    }
    let mut platforms = HashSet::new();
    for (j, job) in project.jobs.iter().enumerate() {
        check_keyed_job(job, &format!("{at}.jobs[{j}]"), bad);
        if job.arch != job.platform.arch() {
            bad(
                format!("{at}.jobs[{j}].arch"),
                format!("`{}` is not the arch of {}", shown(&job.arch), job.platform),
            );
        }
        if !platforms.insert(job.platform) {
            bad(
                format!("{at}.jobs[{j}]"),
                format!("{} is listed twice", job.platform),
            );
        }
        if !is_valid_tag(&job.tag) {
            bad(
                format!("{at}.jobs[{j}].tag"),
                format!("`{}` is not a valid tag", shown(&job.tag)),
            );
        }
        let label = std::iter::once(&job.github_runner).chain(&job.gitlab_tags);
        if label.into_iter().any(|l| l.chars().any(char::is_control)) {
            bad(
                format!("{at}.jobs[{j}]"),
                "a runner label holds control characters".into(),
            );
        }
    }
}

/// A job's key and reused image: a digest is a `sha256:` and 64 hex digits
/// (it becomes a path in an OCI layout), a media type one of the manifests'.
fn check_keyed_job(job: &super::plan::JobPlan, at: &str, bad: &mut impl FnMut(String, String)) {
    let digest = |d: &str| d.strip_prefix("sha256:").is_some_and(|h| is_hex(h, &[64]));
    if let Some(key) = &job.key
        && !digest(key)
    {
        bad(
            format!("{at}.key"),
            format!("`{}` is not a sha256 digest", shown(key)),
        );
    }
    if let Some(reuse) = &job.reuse {
        if !digest(&reuse.digest) {
            bad(
                format!("{at}.reuse.digest"),
                format!("`{}` is not a sha256 digest", shown(&reuse.digest)),
            );
        }
        let manifests = [
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
        ];
        if !manifests.contains(&reuse.media_type.as_str()) {
            bad(
                format!("{at}.reuse.media_type"),
                format!(
                    "`{}` is not an image manifest type",
                    shown(&reuse.media_type)
                ),
            );
        }
        if job.key.is_none() {
            bad(
                format!("{at}.reuse"),
                "a reused job needs the key it was found by".into(),
            );
        }
    }
}

fn is_hex(value: &str, lengths: &[usize]) -> bool {
    lengths.contains(&value.len()) && value.chars().all(|c| c.is_ascii_hexdigit())
}

/// A build argument or environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
