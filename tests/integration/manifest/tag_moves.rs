//! Tags move only forwards: pipelines finishing out of order, same-day
//! reruns, partial reruns, empty plans and immutable registries, against the
//! real registry (and the fault proxy for the refusal it cannot produce).

use std::path::Path;

use monoarch::contract::{Plan, ProjectPlan};
use monoarch::exit_code;

use super::{BOTH, index_at, manifest_command, push_arch_images};
use crate::support::fault_proxy::{Action, FaultProxy};
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Run;
use crate::support::plans;
use crate::support::world::World;

/// One pipeline's plan: `project` at `commit`, planned at `created`.
fn plan_at(host: &str, commit: &str, created: &str) -> (Plan, ProjectPlan) {
    let sha7 = &commit[..7];
    let mut project = plans::project("app", BOTH, &["latest"]);
    project.tags[0] = format!("app-{}-{sha7}", plans::DATE);
    for job in &mut project.jobs {
        job.tag = format!("{}-{}", project.tags[0], job.arch);
    }
    let mut plan = plans::plan(host, vec![project.clone()]);
    plan.commit = commit.to_string();
    plan.sha7 = sha7.to_string();
    plan.created = created.to_string();
    (plan, project)
}

/// `monoarch manifest` of `plan`, run in `dir`, with `--summary-json`.
fn manifest_in(dir: &Path, plan: &Plan, extra: &[&str]) -> (Run, serde_json::Value) {
    let plan_path = dir.join(format!("plan-{}.json", plan.sha7));
    monoarch::contract::write_plan(&plan_path, plan).expect("write plan");
    let summary = dir.join(format!("summary-{}.json", plan.sha7));
    let mut args = vec!["--summary-json", summary.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let run = manifest_command(dir, &plan_path, &plan.registry.host, &args)
        .env("GITHUB_STEP_SUMMARY", dir.join("step-summary.md"))
        .run();
    let json = std::fs::read(&summary)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    (run, json)
}

fn digest_of(host: &str, tag: &str) -> String {
    index_at(host, tag).map(|(_, d)| d).unwrap_or_default()
}

/// One project published once (images marked `first`): the state a rerun meets.
struct Published {
    w: World,
    dir: tempfile::TempDir,
    host: String,
    plan: Plan,
    project: ProjectPlan,
    /// The date-sha tag's index after the first run.
    first: String,
}

impl Published {
    fn new() -> Published {
        let w = World::new();
        let dir = tempfile::tempdir().expect("temp dir");
        let host = w.registry().host();
        let (plan, project) = plan_at(&host, plans::COMMIT, "2026-11-20T10:00:00Z");
        push_arch_images(&w, &project, BOTH, "first");
        manifest_in(dir.path(), &plan, &[]).0.success();
        let first = digest_of(&host, &project.tags[0]);
        Published {
            w,
            dir,
            host,
            plan,
            project,
            first,
        }
    }
}

/// Two pushes, A then B, each planned and built by its own pipeline; B's
/// manifest job finishes first. Returns (repo, A's plan, B's plan).
fn two_pipelines(w: &World, created_a: &str, created_b: &str) -> (GitRepo, Plan, Plan) {
    let repo = GitRepo::new();
    repo.write("projects/app/Dockerfile", "FROM scratch\n");
    let a = repo.commit("a");
    repo.write("projects/app/Dockerfile", "FROM scratch\nLABEL v=2\n");
    let b = repo.commit("b");
    let host = w.registry().host();
    let (plan_a, project_a) = plan_at(&host, &a, created_a);
    let (plan_b, project_b) = plan_at(&host, &b, created_b);
    push_arch_images(w, &project_a, BOTH, "a");
    push_arch_images(w, &project_b, BOTH, "b");
    (repo, plan_a, plan_b)
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo", tool = "git")),
    ignore = "needs docker-registry, skopeo, git: run hack/install-test-deps"
)]
fn pipelines_finishing_out_of_order_leave_latest_on_the_newer_commit() {
    let w = World::new();
    let host = w.registry().host();
    let (repo, plan_a, plan_b) = two_pipelines(&w, "2026-11-20T10:00:00Z", "2026-11-20T10:05:00Z");
    let (run_b, _) = manifest_in(repo.path(), &plan_b, &[]);
    run_b.success();
    let latest_b = digest_of(&host, "app-latest");
    assert_eq!(latest_b, digest_of(&host, &plan_b.projects[0].tags[0]));

    let (run_a, summary) = manifest_in(repo.path(), &plan_a, &[]);
    let run_a = run_a.success();
    assert_eq!(
        digest_of(&host, "app-latest"),
        latest_b,
        "latest did not move back"
    );
    assert!(
        index_at(&host, &plan_a.projects[0].tags[0]).is_some(),
        "A's own date-sha tag is published"
    );
    assert!(run_a.stdout.contains("kept newer"), "{}", run_a.stdout);
    assert!(
        run_a.stderr.contains(&format!(
            "note: app: kept newer: app-latest stays at {latest_b}, built from commit {}, newer than this run's commit {}",
            plan_b.sha7, plan_a.sha7
        )),
        "{}",
        run_a.stderr
    );
    let project = &summary["projects"][0];
    assert_eq!(project["status"], "kept_newer");
    assert_eq!(project["tags_kept"][0]["tag"], "app-latest");
    assert_eq!(project["tags_kept"][0]["digest"], latest_b.as_str());
    let markdown =
        std::fs::read_to_string(repo.join("step-summary.md")).expect("job summary written");
    assert!(markdown.contains("kept newer"), "{markdown}");
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo", tool = "git")),
    ignore = "needs docker-registry, skopeo, git: run hack/install-test-deps"
)]
fn history_decides_over_the_clock_when_the_repository_is_at_hand() {
    // A's pipeline was re-run after B's: its plan is later, its commit older.
    let w = World::new();
    let host = w.registry().host();
    let (repo, plan_a, plan_b) = two_pipelines(&w, "2026-11-20T12:00:00Z", "2026-11-20T10:05:00Z");
    manifest_in(repo.path(), &plan_b, &[]).0.success();
    let latest_b = digest_of(&host, "app-latest");
    manifest_in(repo.path(), &plan_a, &[]).0.success();
    assert_eq!(digest_of(&host, "app-latest"), latest_b);

    // Without the repository only the clock is left: the later plan wins.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let (run, _) = manifest_in(elsewhere.path(), &plan_a, &[]);
    run.success();
    assert_eq!(
        digest_of(&host, "app-latest"),
        digest_of(&host, &plan_a.projects[0].tags[0])
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_same_day_rerun_replaces_the_date_sha_index_and_names_the_old_one() {
    let Published {
        w,
        dir,
        host,
        plan,
        project,
        first: old,
    } = Published::new();

    // The rerun rebuilt both images (a non-reproducible build): a new index.
    push_arch_images(&w, &project, BOTH, "rerun");
    let (run, summary) = manifest_in(dir.path(), &plan, &[]);
    let run = run.success();
    let new = digest_of(&host, &project.tags[0]);
    assert_ne!(new, old);
    assert_eq!(digest_of(&host, "app-latest"), new);
    assert!(
        run.stderr.contains(&format!(
            "note: app: {} pointed at another index, {old}; it now points at this run's",
            project.tags[0]
        )),
        "{}",
        run.stderr
    );
    let replaced = &summary["projects"][0]["tags_replaced"][0];
    assert_eq!(replaced["tag"], project.tags[0].as_str());
    assert_eq!(replaced["old_digest"], old.as_str());
    let markdown = std::fs::read_to_string(dir.path().join("step-summary.md")).expect("summary");
    assert!(markdown.contains(&old), "{markdown}");

    // `fail`: the date-sha tag is immutable; nothing moves.
    push_arch_images(&w, &project, BOTH, "third");
    let (run, _) = manifest_in(dir.path(), &plan, &["--existing-tag", "fail"]);
    let run = run.expect_code(exit_code::VERIFY);
    assert!(
        run.stderr.contains(&format!(
            "{} already points at another index, {new}, and --existing-tag is fail",
            project.tags[0]
        )),
        "{}",
        run.stderr
    );
    assert_eq!(digest_of(&host, &project.tags[0]), new);
    assert_eq!(digest_of(&host, "app-latest"), new, "later tags left alone");

    // The same policy from the environment; a value it does not know is a usage error.
    let plan_path = dir.path().join(format!("plan-{}.json", plan.sha7));
    for (value, code) in [("fail", exit_code::VERIFY), ("sometimes", exit_code::USAGE)] {
        let run = manifest_command(dir.path(), &plan_path, &host, &[])
            .env("MONOARCH_EXISTING_TAG", value)
            .run()
            .expect_code(code);
        if code == exit_code::USAGE {
            assert!(
                run.stderr.contains("MONOARCH_EXISTING_TAG=`sometimes` is not understood; set it to overwrite or fail"),
                "{}",
                run.stderr
            );
        }
    }
    assert_eq!(digest_of(&host, &project.tags[0]), new);
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_partial_rerun_never_replaces_a_complete_date_sha_index() {
    let Published {
        w,
        dir,
        host,
        plan,
        project,
        first: complete,
    } = Published::new();

    // The rerun: amd64 rebuilt, the arm64 image gone.
    push_arch_images(&w, &project, &["amd64"], "rerun");
    crate::support::skopeo::delete(&format!(
        "{host}/{}:{}",
        project.repository, project.jobs[1].tag
    ));

    let (run, summary) = manifest_in(dir.path(), &plan, &["--allow-partial"]);
    let run = run.expect_code(exit_code::PARTIAL);
    assert_eq!(
        digest_of(&host, &project.tags[0]),
        complete,
        "still complete"
    );
    assert_eq!(digest_of(&host, "app-latest"), complete);
    assert!(
        run.stderr.contains(&format!(
            "{} stays at {complete}, which holds 2 of the 2 planned platforms; this run's index holds 1",
            project.tags[0]
        )),
        "{}",
        run.stderr
    );
    assert_eq!(
        summary["projects"][0]["tags_kept"][0]["reason"],
        "more complete"
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_plan_without_platforms_publishes_no_empty_index() {
    let w = World::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let host = w.registry().host();
    let project = plans::project("app", &[], &["latest"]);
    let plan = plans::plan(&host, vec![project.clone()]);
    let (run, _) = manifest_in(dir.path(), &plan, &["--allow-partial"]);
    let run = run.expect_code(exit_code::INVALID_PLAN);
    assert!(
        run.stderr
            .contains("app: the plan lists no platforms, so there is no image to publish"),
        "{}",
        run.stderr
    );
    assert!(index_at(&host, "app-latest").is_none());
    assert!(index_at(&host, &project.tags[0]).is_none());
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn another_projects_tag_is_never_taken_over() {
    let w = World::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let host = w.registry().host();
    // `web` with tag `app-latest` and `app` with `latest` both publish `app-latest`.
    let mut web = plans::project("web", BOTH, &[]);
    web.tags.push("app-latest".into());
    push_arch_images(&w, &web, BOTH, "web");
    manifest_in(dir.path(), &plans::plan(&host, vec![web]), &[])
        .0
        .success();
    let webs = digest_of(&host, "app-latest");

    let (plan, project) = plan_at(&host, plans::COMMIT, "2026-11-20T10:00:00Z");
    push_arch_images(&w, &project, BOTH, "app");
    let (run, _) = manifest_in(dir.path(), &plan, &[]);
    let run = run.expect_code(exit_code::VERIFY);
    assert!(
        run.stderr.contains(&format!(
            "app: app-latest holds project web's index ({webs}); two projects publish the same tag"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(digest_of(&host, "app-latest"), webs);
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_registry_with_immutable_tags_gets_one_try_and_a_clear_error() {
    let Published {
        w,
        dir,
        project,
        first: old,
        ..
    } = Published::new();

    // What ECR answers for an existing tag in an immutable repository.
    let refusal = Action::Respond(
        400,
        vec![],
        r#"{"errors":[{"code":"TAG_INVALID","message":"The image tag already exists and cannot be overwritten because the repository is immutable."}]}"#.into(),
    );
    let answer = refusal.clone();
    let proxy = FaultProxy::start(w.registry().port(), move |r| {
        if r.method == "PUT" {
            answer.clone()
        } else {
            Action::Forward
        }
    });
    push_arch_images(&w, &project, BOTH, "rerun");
    let (via_proxy, _) = plan_at(&proxy.host(), plans::COMMIT, "2026-11-20T10:00:00Z");
    let (run, _) = manifest_in(dir.path(), &via_proxy, &[]);
    let run = run.expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr.contains(&format!(
            "app: the registry refused to move {} from {old}",
            project.tags[0]
        )) && run.stderr.contains("TAG_INVALID")
            && run
                .stderr
                .contains("a repository with immutable tags refuses this"),
        "{}",
        run.stderr
    );
    assert_eq!(proxy.count(&refusal), 1, "no retry loop");
}
