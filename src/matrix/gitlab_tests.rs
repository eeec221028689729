//! The GitLab child pipeline at monorepo sizes: within GitLab's limits, every job once.

use serde_json::Value;

use super::MatrixError;
use super::gitlab::{MAX_CHILD_PIPELINE_BYTES, gitlab_pipeline};
use crate::config::GitlabSettings;
use crate::contract::test_plans::{plan, with_long_names};
use crate::contract::{Chunk, Plan};

/// GitLab's default limit on the jobs one job may `needs` (`ci_needs_size_limit`).
const GITLAB_NEEDS_LIMIT: usize = 50;

fn settings() -> GitlabSettings {
    GitlabSettings {
        plan_job: "monoarch-plan".into(),
        binary_job: "monoarch-binary:{arch}".into(),
        tags: vec!["amd64-runner".into()],
        build_image: "builder".into(),
        manifest_image: "alpine".into(),
        before_script: Vec::new(),
    }
}

fn jobs(text: &str) -> serde_json::Map<String, Value> {
    let doc: Value = serde_saphyr::from_str(text).expect("child pipeline is YAML");
    doc.as_object()
        .expect("a mapping")
        .iter()
        .filter(|(k, _)| k.starts_with("build:") || k.starts_with("manifest:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The value after `flag` in a job's one script line.
fn flag<'a>(job: &'a Value, flag: &str) -> Option<&'a str> {
    let line = job["script"][0].as_str().expect("script line");
    let mut words = line.split_whitespace();
    words.find(|w| *w == flag)?;
    words.next()
}

/// Issue 11: 20,000 projects with 40-character names, two architectures, fit in the
/// default 256 jobs and 1 MiB; each build job's chunk, read back from the plan as
/// `monoarch build --chunk` does, names what the job list says, and together they
/// build every job once; each manifest job needs only its chunk's builds.
#[test]
fn twenty_thousand_projects_fit_gitlab_limits_and_build_every_job_once() {
    let plan: Plan = with_long_names(plan(20_000, &["amd64", "arm64"]), 40);
    let text = gitlab_pipeline(&plan, &settings(), 256).expect("fits");
    assert!(
        text.len() <= MAX_CHILD_PIPELINE_BYTES,
        "{} bytes",
        text.len()
    );
    let jobs = jobs(&text);
    assert!(jobs.len() <= 256, "{} jobs", jobs.len());
    let mut built: Vec<(String, String)> = Vec::new();
    let mut stitched = 0;
    for (name, job) in &jobs {
        let needs = job["needs"].as_array().map_or(0, Vec::len);
        assert!(needs <= GITLAB_NEEDS_LIMIT, "{name}: {needs} needs");
        let chunk = Chunk::parse(flag(job, "--chunk").expect("a --chunk")).expect("chunk");
        if name.starts_with("manifest:") {
            stitched += chunk.projects(&plan).len();
            continue;
        }
        let arch = flag(job, "--arch").expect("an --arch");
        assert_eq!(
            flag(job, "--check"),
            Some(chunk.check(&plan, arch).as_str())
        );
        built.extend(
            chunk
                .jobs(&plan, arch)
                .iter()
                .map(|(p, j)| (p.name.clone(), j.arch.clone())),
        );
    }
    built.sort();
    let mut want: Vec<(String, String)> = plan
        .projects
        .iter()
        .flat_map(|p| p.jobs.iter().map(move |j| (p.name.clone(), j.arch.clone())))
        .collect();
    want.sort();
    assert_eq!(built, want);
    assert_eq!(stitched, 20_000, "every project has its manifest job");
}

#[test]
fn a_small_plan_keeps_one_job_per_project_and_architecture() {
    let plan = plan(3, &["amd64", "arm64"]);
    let jobs = jobs(&gitlab_pipeline(&plan, &settings(), 256).expect("fits"));
    assert_eq!(jobs.len(), 9);
    assert!(jobs.contains_key("build:p0001:arm64"), "{:?}", jobs.keys());
    // Nine jobs with a limit of eight: chunks.
    let jobs = jobs_of(&gitlab_pipeline(&plan, &settings(), 8).expect("fits"));
    assert!(jobs.len() <= 8, "{jobs:?}");
    assert!(
        jobs.iter().any(|j| j.starts_with("build:chunk-")),
        "{jobs:?}"
    );
}

fn jobs_of(text: &str) -> Vec<String> {
    jobs(text).keys().cloned().collect()
}

#[test]
fn a_child_pipeline_over_gitlabs_limits_fails_with_the_fix() {
    let plan = with_long_names(plan(20_000, &["amd64", "arm64"]), 40);
    let err = gitlab_pipeline(&plan, &settings(), 60_000).expect_err("too large");
    assert!(matches!(err, MatrixError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("pass a lower --max-jobs"), "{err}");
    let err = gitlab_pipeline(&plan, &settings(), 2).expect_err("too few jobs");
    assert!(matches!(err, MatrixError::TooFewJobs { .. }), "{err:?}");
}
