//! Each failing step says which step and why, with its documented exit code.

use monoarch::exit_code;

use crate::support::git_daemon::GitDaemon;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::{Monoarch, Run};
use crate::support::plans;
use crate::support::world::World;

/// A registry address nothing listens on: steps before the push never reach it.
const NO_REGISTRY: &str = "127.0.0.1:1";

fn monorepo_with(project: monoarch::contract::ProjectPlan) -> GitRepo {
    monorepo_pushing_to(NO_REGISTRY, project)
}

/// A monorepo holding `project`'s folder, and a plan for it that pushes to `registry`.
fn monorepo_pushing_to(registry: &str, project: monoarch::contract::ProjectPlan) -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        &format!("{}/Dockerfile", project.path),
        "FROM scratch\nCOPY hello.txt /hello.txt\n",
    );
    repo.write(&format!("{}/hello.txt", project.path), "hello\n");
    repo.commit("project");
    plans::write(repo.path(), &plans::plan(registry, vec![project]));
    repo
}

fn build(repo: &GitRepo, args: &[&str]) -> Run {
    Monoarch::new(repo.path())
        .args(["build", "--plan", "plan.json", "--builder", "buildah"])
        .args(args)
        .run()
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_job_for_another_architecture_is_refused() {
    let (_, foreign) = plans::host_and_foreign_arch();
    let repo = monorepo_with(plans::local_project("hello", &[foreign]));
    let run =
        build(&repo, &["--project", "hello", "--arch", foreign]).expect_code(exit_code::WRONG_ARCH);
    assert!(
        run.stderr.contains(&format!(
            "hello: this job is for linux/{foreign} but this machine is linux/"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("landed on the wrong runner"),
        "{}",
        run.stderr
    );
    assert!(
        !repo.join("build-records").exists(),
        "no record for a refused job"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_missing_builder_says_how_to_install_it() {
    let (host, _) = plans::host_and_foreign_arch();
    let repo = monorepo_with(plans::local_project("hello", &[host]));
    let run = Monoarch::new(repo.path())
        .args(["build", "--plan", "plan.json", "--builder", "kaniko"])
        .args(["--project", "hello", "--arch", host])
        .run()
        .expect_code(exit_code::BUILD);
    assert!(
        run.stderr.contains(
            "kaniko is not installed (`/kaniko/executor` not found); run the job in the Kaniko executor image"
        ),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn paths_that_leave_the_source_or_do_not_exist_are_source_errors() {
    let (host, _) = plans::host_and_foreign_arch();
    // A `..` in the plan is refused when the plan is read (an invalid plan);
    // a path that is missing in the source is a source error.
    for (dockerfile, context, code, expected) in [
        (
            "../../../etc/passwd",
            ".",
            exit_code::INVALID_PLAN,
            "plan.json: projects[0].dockerfile: `../../../etc/passwd` leaves the source root with `..`",
        ),
        (
            "Dockerfile",
            "..",
            exit_code::INVALID_PLAN,
            "plan.json: projects[0].context: `..` leaves the source root with `..`",
        ),
        (
            "Dockerfile.missing",
            ".",
            exit_code::SOURCE,
            "hello: dockerfile_path `Dockerfile.missing` not found in /",
        ),
    ] {
        let mut project = plans::local_project("hello", &[host]);
        project.dockerfile = dockerfile.into();
        project.context = context.into();
        let repo = monorepo_with(project);
        let run = build(&repo, &["--project", "hello", "--arch", host]).expect_code(code);
        assert!(
            run.stderr.contains(expected),
            "{dockerfile}: {}",
            run.stderr
        );
    }
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_build_outside_the_monorepo_says_where_to_run() {
    let (host, _) = plans::host_and_foreign_arch();
    let repo = monorepo_with(plans::local_project("hello", &[host]));
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let run = Monoarch::new(repo.path())
        .args(["build", "--plan", "plan.json", "--builder", "buildah"])
        .args(["--project", "hello", "--arch", host, "--repo"])
        .arg_path(elsewhere.path())
        .run()
        .expect_code(exit_code::SOURCE);
    assert!(
        run.stderr.contains("hello: project folder `projects/hello` not found in")
            && run.stderr.contains("run monoarch build in the monorepo checkout the plan was made from, or pass --repo DIR"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_symlinked_dockerfile_outside_the_upstream_is_refused() {
    let daemon = GitDaemon::start();
    let (host, _) = plans::host_and_foreign_arch();
    let upstream = GitRepo::new();
    upstream.write("hello.txt", "hello\n");
    std::os::unix::fs::symlink("/etc/passwd", upstream.join("Dockerfile")).expect("symlink");
    std::os::unix::fs::symlink("../../../../../../tmp", upstream.join("ctx")).expect("symlink");
    upstream.commit("symlinks");
    let url = daemon.publish(&upstream, "evil");
    for (dockerfile, context, expected) in [
        (
            "Dockerfile",
            ".",
            "hello: dockerfile_path `Dockerfile` is a symlink that points outside the source",
        ),
        (
            "hello.txt",
            "ctx",
            "hello: context_path `ctx` is a symlink that points outside the source",
        ),
    ] {
        let mut project =
            plans::with_upstream(plans::local_project("hello", &[host]), &url, "main");
        project.dockerfile = dockerfile.into();
        project.context = context.into();
        let repo = monorepo_with(project);
        let run =
            build(&repo, &["--project", "hello", "--arch", host]).expect_code(exit_code::SOURCE);
        assert!(run.stderr.contains(expected), "{}", run.stderr);
    }
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_ref_missing_upstream_is_a_source_error() {
    let daemon = GitDaemon::start();
    let (host, _) = plans::host_and_foreign_arch();
    let upstream = GitRepo::new();
    upstream.write("Dockerfile", "FROM scratch\n");
    upstream.commit("one");
    upstream.git(&["tag", "v1.0.0"]);
    let url = daemon.publish(&upstream, "up");
    let repo = monorepo_with(plans::with_upstream(
        plans::local_project("hello", &[host]),
        &url,
        "v1.0.1",
    ));
    let run = build(&repo, &["--project", "hello", "--arch", host]).expect_code(exit_code::SOURCE);
    assert!(
        run.stderr.contains(&format!(
            "error: hello: ref `v1.0.1` not found in {url}; did you mean"
        )) || run.stderr.contains(&format!(
            "error: hello: ref `v1.0.1` not found in {url}; check upstream_ref"
        )),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_job_not_in_the_plan_or_a_bad_job_env_is_refused() {
    let (host, foreign) = plans::host_and_foreign_arch();
    let repo = monorepo_with(plans::local_project("hello", &[host]));
    let run =
        build(&repo, &["--project", "nope", "--arch", host]).expect_code(exit_code::INVALID_PLAN);
    assert!(
        run.stderr
            .contains("project `nope` is not in plan.json (it has: hello)"),
        "{}",
        run.stderr
    );
    let run = build(&repo, &["--project", "hello", "--arch", foreign])
        .expect_code(exit_code::INVALID_PLAN);
    assert!(
        run.stderr.contains(&format!(
            "project `hello` has no {foreign} job in plan.json (its architectures: {host})"
        )),
        "{}",
        run.stderr
    );
    let run = build(&repo, &["--job-env", "JOB"]).expect_code(exit_code::USAGE);
    assert!(
        run.stderr
            .contains("--job-env JOB: the variable is not set"),
        "{}",
        run.stderr
    );
    let run = Monoarch::new(repo.path())
        .args(["build", "--plan", "plan.json", "--job-env", "JOB"])
        .env("JOB", "{\"projects\": 3}")
        .run()
        .expect_code(exit_code::INVALID_PLAN);
    assert!(
        run.stderr.contains("--job-env JOB: not a matrix entry"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "htpasswd")),
    ignore = "needs buildah, docker-registry, htpasswd: run hack/install-test-deps"
)]
fn a_refused_push_is_a_registry_error_and_writes_no_record() {
    let w = World::with_auth("ci", "correct-horse");
    let (registry, buildah) = (w.registry(), w.buildah());
    let (host, _) = plans::host_and_foreign_arch();
    let repo = monorepo_pushing_to(&registry.host(), plans::local_project("hello", &[host]));
    let registry_host = registry.host();
    std::fs::write(repo.join("no-auth.json"), "{}").expect("auth file");
    let cmd = buildah
        .monoarch_build(repo.path())
        .args(["--project", "hello", "--arch", host])
        .args(["--insecure-registry", &registry_host])
        // An empty auth file: buildah must not find credentials anywhere else.
        .env("REGISTRY_AUTH_FILE", repo.join("no-auth.json"));
    let run = cmd.run().expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr
            .contains("error: hello: push failed: `buildah push` exited"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("check the push credentials"),
        "{}",
        run.stderr
    );
    assert!(
        !repo.join("build-records").exists(),
        "no record for a failed push"
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry")),
    ignore = "needs buildah, docker-registry: run hack/install-test-deps"
)]
fn a_pushed_image_that_differs_from_the_build_fails_verification() {
    let w = World::new();
    let (registry, buildah) = (w.registry(), w.buildah());
    let (host, foreign) = plans::host_and_foreign_arch();
    let repo = monorepo_pushing_to(&registry.host(), plans::local_project("hello", &[host]));
    // Another image, for the racing push to overwrite the tag with.
    let other = repo.join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("x.txt"), "other\n").expect("write");
    std::fs::write(
        other.join("Dockerfile"),
        "FROM scratch\nCOPY x.txt /x.txt\n",
    )
    .expect("write");
    buildah.run(&["bud", "-q", "-t", "localhost/other:latest", "."], &other);

    let shim = crate::support::buildah::fault_shim(repo.path());
    let path = format!(
        "{}:{}",
        shim.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let registry_host = registry.host();
    for (fault, value, expected) in [
        (
            "FAULT_PLATFORM",
            format!("linux/{foreign}"),
            format!("the pushed image is linux/{foreign}, the job is for linux/{host}"),
        ),
        (
            "FAULT_OVERWRITE_WITH",
            "localhost/other:latest".to_string(),
            "but the builder reported sha256:".to_string(),
        ),
    ] {
        let cmd = buildah
            .monoarch_build(repo.path())
            .args([
                "--project",
                "hello",
                "--arch",
                host,
                "--insecure-registry",
                &registry_host,
            ])
            .env("PATH", &path)
            .env(fault, &value);
        let run = cmd.run().expect_code(exit_code::VERIFY);
        assert!(run.stderr.contains(&expected), "{fault}: {}", run.stderr);
        assert!(
            !repo.join("build-records").exists(),
            "{fault}: no record for a bad push"
        );
    }
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_plan_without_a_registry_needs_the_registry_flag() {
    let (host, _) = plans::host_and_foreign_arch();
    let repo = monorepo_with(plans::local_project("hello", &[host]));
    plans::write(
        repo.path(),
        &plans::plan("", vec![plans::local_project("hello", &[host])]),
    );
    let run =
        build(&repo, &["--project", "hello", "--arch", host]).expect_code(exit_code::INVALID_PLAN);
    assert!(
        run.stderr
            .contains("plan.json names no registry host; pass --registry HOST"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry")),
    ignore = "needs buildah, docker-registry: run hack/install-test-deps"
)]
fn a_packed_entry_with_one_broken_project_builds_the_others_and_exits_partial() {
    let w = World::new();
    let (registry, buildah) = (w.registry(), w.buildah());
    let (host, _) = plans::host_and_foreign_arch();
    let repo = monorepo_with(plans::local_project("good", &[host]));
    let mut broken = plans::local_project("broken", &[host]);
    broken.dockerfile = "Missing.Dockerfile".into();
    std::fs::create_dir_all(repo.join("projects/broken")).expect("mkdir");
    plans::write(
        repo.path(),
        &plans::plan(
            &registry.host(),
            vec![broken, plans::local_project("good", &[host])],
        ),
    );
    let registry_host = registry.host();
    let cmd = buildah
        .monoarch_build(repo.path())
        .args(["--job-env", "JOB", "--insecure-registry", &registry_host])
        .env(
            "JOB",
            format!(r#"{{"arch":"{host}","projects":["broken","good"]}}"#),
        );
    let run = cmd.run().expect_code(exit_code::PARTIAL);
    assert!(
        run.stderr
            .contains("error: broken: dockerfile_path `Missing.Dockerfile` not found"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 of 2 jobs failed"), "{}", run.stderr);
    assert!(
        repo.join(&format!("build-records/good-{host}.json"))
            .is_file()
    );
    assert!(
        !repo
            .join(&format!("build-records/broken-{host}.json"))
            .exists()
    );
}
