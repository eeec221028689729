//! The plan's reuse pass: a key for every job it can make one for, the image
//! of the project's last index for that platform, and the verdict, with why.

use std::path::PathBuf;
use std::sync::Arc;

use crate::contract::key::explain;
use crate::contract::{
    JobPlan, KeyInputs, KeySource, MovedBase, Plan, ProjectPlan, SelectionMode, Unchanged,
    UnchangedProject,
};
use crate::env::Env;
use crate::store::Store;

use super::inputs::{self, BaseImages, Bases, Decided, Job};
use super::lookup::{self, Candidate, Published};
use super::resolve::Resolver;

/// What the pass needs besides the plan.
pub struct Options {
    pub env: Env,
    /// Where earlier builds are looked for; `Err` says why nothing can be.
    pub store: Result<Arc<Store>, String>,
    pub resolver: Arc<Resolver>,
    /// `--rebuild`: keys are made, nothing is reused.
    pub rebuild: bool,
    /// Projects looked up at once.
    pub jobs: usize,
}

/// A project's source identity as the plan's git work found it: the folder's
/// tree for in-repo projects (`Err`: why there is none), or the upstream commit.
pub type Sources = Vec<(String, Result<KeySource, String>, Option<PathBuf>)>;

/// Fills in `key`, `reuse`, `why` and `moved` of every job, and moves scheduled
/// projects that need nothing to `unchanged` when asked to. `sources` holds,
/// per project, its source identity and (in-repo) its Dockerfile's path.
pub async fn apply(plan: &mut Plan, sources: Sources, options: Options) {
    let Some(settings) = plan.reuse.clone() else {
        return;
    };
    let options = Arc::new(options);
    let limit = Arc::new(tokio::sync::Semaphore::new(options.jobs.max(1)));
    let host: Arc<str> = plan.registry.host.as_str().into();
    let mut sources: Vec<Option<_>> = sources.into_iter().map(Some).collect();
    // Level by level: a dependent's key needs the image its base reuses, which
    // is decided on the base's (lower) level. Nothing waits without `depends_on:`.
    let mut decided: Arc<Decided> = Arc::default();
    for level in 0..plan.levels() {
        let mut tasks = tokio::task::JoinSet::new();
        for (position, project) in plan.projects.iter().enumerate() {
            if project.level != level {
                continue;
            }
            let Some((_, source, dockerfile)) = sources[position].take() else {
                continue;
            };
            let (project, options, limit, builder) = (
                project.clone(),
                options.clone(),
                limit.clone(),
                settings.builder.clone(),
            );
            let (host, decided) = (host.clone(), decided.clone());
            tasks.spawn(async move {
                let _permit = limit
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                let images = BaseImages::Plan {
                    host: &host,
                    decided: &decided,
                };
                let jobs =
                    project_jobs(&project, source, dockerfile, &builder, images, &options).await;
                (position, jobs)
            });
        }
        let mut next = Decided::clone(&decided);
        while let Some(joined) = tasks.join_next().await {
            // A panic here is a bug; the project's jobs then simply stay unkeyed (built).
            if let Ok((position, jobs)) = joined {
                let project = &mut plan.projects[position];
                let reused = jobs
                    .iter()
                    .filter_map(|j| Some((j.platform, j.reuse.as_ref()?.digest.clone())));
                next.entry(project.name.clone()).or_default().extend(reused);
                project.jobs = jobs;
            }
        }
        decided = Arc::new(next);
    }
    if settings.unchanged == Unchanged::Skip && plan.selection.mode == SelectionMode::Schedule {
        let order: std::collections::HashMap<String, usize> = plan
            .projects
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        let (unchanged, changed): (Vec<ProjectPlan>, Vec<ProjectPlan>) =
            std::mem::take(&mut plan.projects)
                .into_iter()
                .partition(|p| !p.jobs.is_empty() && p.jobs.iter().all(|j| j.reuse.is_some()));
        // A project that stays builds on its rebuilt bases by this plan's tag:
        // they stay too (retagged), or that tag would never be published.
        let (needed, unchanged) = needed_bases(&changed, unchanged);
        plan.projects = changed;
        plan.projects.extend(needed);
        plan.projects.sort_by_key(|p| order.get(&p.name).copied());
        plan.unchanged = unchanged
            .into_iter()
            .map(|p| UnchangedProject {
                reason: p.jobs[0].why.clone().unwrap_or_default(),
                name: p.name,
            })
            .collect();
    }
}

/// Splits `unchanged` into the projects a remaining one builds on (directly
/// or not) and the rest.
fn needed_bases(
    staying: &[ProjectPlan],
    unchanged: Vec<ProjectPlan>,
) -> (Vec<ProjectPlan>, Vec<ProjectPlan>) {
    let mut wanted: std::collections::BTreeSet<String> = staying
        .iter()
        .flat_map(|p| p.bases.iter().filter(|b| b.rebuilt))
        .map(|b| b.project.clone())
        .collect();
    let (mut needed, mut rest): (Vec<ProjectPlan>, Vec<ProjectPlan>) = (Vec::new(), unchanged);
    loop {
        let (more, left): (Vec<ProjectPlan>, Vec<ProjectPlan>) =
            rest.into_iter().partition(|p| wanted.contains(&p.name));
        rest = left;
        if more.is_empty() {
            return (needed, rest);
        }
        for p in &more {
            wanted.extend(
                p.bases
                    .iter()
                    .filter(|b| b.rebuilt)
                    .map(|b| b.project.clone()),
            );
        }
        needed.extend(more);
    }
}

async fn project_jobs(
    project: &ProjectPlan,
    source: Result<KeySource, String>,
    dockerfile: Option<PathBuf>,
    builder: &str,
    images: BaseImages<'_>,
    options: &Options,
) -> Vec<JobPlan> {
    let published: Result<Option<Published>, String> = match (&options.store, &project.last_tag) {
        (Ok(store), Some(tag)) => deadline(lookup::published(store, project, tag)).await,
        (Err(why), _) => Err(why.clone()),
        (_, None) => Ok(None),
    };
    let text = dockerfile.map(|path| super::read_dockerfile(&path));
    let mut jobs = Vec::new();
    for job in &project.jobs {
        let candidate: Result<Candidate, String> = match (&published, &options.store) {
            (Ok(Some(published)), Ok(store)) => {
                deadline(lookup::candidate(store, project, published, job.platform)).await
            }
            (Ok(None), _) => Err(format!(
                "no earlier build found ({} is not there yet)",
                project.last_tag.as_deref().unwrap_or_default()
            )),
            (Err(why), _) | (_, Err(why)) => Err(why.clone()),
        };
        let inputs = match &source {
            Err(why) => Err(why.clone()),
            Ok(source) => {
                let facts = Job {
                    project,
                    job,
                    source: source.clone(),
                    builder,
                    build_platform: job.platform,
                };
                job_inputs(&facts, text.as_ref(), &candidate, &images, options).await
            }
        };
        jobs.push(verdict(job.clone(), inputs, candidate, options.rebuild));
    }
    jobs
}

/// An earlier-build lookup that takes longer than the base lookups' deadline
/// is abandoned: the job is then built.
async fn deadline<T>(lookup: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(super::resolve::DEADLINE, lookup)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "the registry gave no answer within {}s",
                super::resolve::DEADLINE.as_secs()
            ))
        })
}

async fn job_inputs(
    job: &Job<'_>,
    dockerfile: Option<&Result<String, String>>,
    candidate: &Result<Candidate, String>,
    images: &BaseImages<'_>,
    options: &Options,
) -> Result<KeyInputs, String> {
    let bases = match (dockerfile, candidate) {
        (Some(Ok(text)), _) => Bases::Dockerfile(text),
        (Some(Err(why)), _) => return Err(why.clone()),
        // An upstream: the plan does not fetch it; an earlier build of the same
        // commit and settings read the same Dockerfile and listed its images.
        (None, Ok(c)) if inputs::same_build_file(&c.key.inputs, job, &options.env) => {
            Bases::Listed(&c.key.inputs.bases)
        }
        (None, Ok(c)) => {
            let what = explain(&c.key.inputs, &probe(job, &c.key.inputs));
            return Err(if what.is_empty() {
                "the upstream's Dockerfile is read by the build job, which makes the key".into()
            } else {
                format!("{} since {}", what.join(", "), c.reuse.from)
            });
        }
        (None, Err(why)) => return Err(why.clone()),
    };
    inputs::make(job, bases, *images, &options.env, &options.resolver).await
}

/// The earlier inputs with this job's source and settings, bases unchanged:
/// what `explain` needs to say what moved without knowing the new bases.
fn probe(job: &Job<'_>, earlier: &KeyInputs) -> KeyInputs {
    KeyInputs {
        source: job.source.clone(),
        dockerfile: job.project.dockerfile.clone(),
        context: job.project.context.clone(),
        target: job.project.target.clone(),
        builder: job.builder.to_string(),
        ..earlier.clone()
    }
}

/// The decision for one job, with its reason.
fn verdict(
    mut job: JobPlan,
    inputs: Result<KeyInputs, String>,
    candidate: Result<Candidate, String>,
    rebuild: bool,
) -> JobPlan {
    let inputs = match inputs {
        Ok(inputs) => inputs,
        Err(why) => {
            job.why = Some(format!("built: {why}"));
            return job;
        }
    };
    let key = inputs.key();
    job.why = Some(match candidate {
        _ if rebuild => "built: --rebuild".to_string(),
        Err(why) => format!("built: {why}"),
        Ok(c) if c.key.key == key => {
            let why = format!("reused: same key as {}", c.reuse.from);
            job.reuse = Some(c.reuse);
            why
        }
        Ok(c) => {
            job.moved = inputs
                .bases
                .iter()
                .filter_map(|b| {
                    let was = c.key.inputs.base(&b.name)?;
                    (was != b.digest).then(|| MovedBase {
                        name: b.name.clone(),
                        from: was.to_string(),
                        to: b.digest.clone(),
                    })
                })
                .collect();
            format!(
                "built: key changed since {}: {}",
                c.reuse.from,
                explain(&c.key.inputs, &inputs).join(", ")
            )
        }
    });
    job.key = Some(key);
    job.key_inputs = Some(inputs);
    job
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::BasePlan;
    use crate::contract::test_plans::plan;

    #[test]
    fn a_remaining_project_keeps_its_bases_transitively_and_nothing_else() {
        let mut all = plan(5, &["amd64"]).projects;
        // p0002 on p0001 on p0000; p0003 and p0004 on nothing.
        for (i, base) in [(1, 0), (2, 1)] {
            let name = all[base].name.clone();
            all[i].bases = vec![BasePlan {
                project: name.clone(),
                arg: format!("MONOARCH_BASE_{}", name.to_uppercase()),
                repository: "r".into(),
                tag: format!("{name}-20260101-abcdef0"),
                rebuilt: true,
            }];
        }
        let staying: Vec<ProjectPlan> = vec![all.remove(2)];
        let (needed, rest) = needed_bases(&staying, all);
        let names = |v: &[ProjectPlan]| v.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&needed), ["p0001", "p0000"]);
        assert_eq!(names(&rest), ["p0003", "p0004"]);
    }
}
