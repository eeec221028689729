//! A `plan.json` is input, not trusted (issue 8, items 6 and 8): every stage
//! that reads one (`build`, `manifest`, `matrix --plan`) checks its names,
//! paths, repositories, tags and shas again, and reads at most 64 MiB. A
//! project named `../x` must never make `build` touch a folder outside its
//! work folder.

use std::path::Path;

use monoarch::contract::{BuildArg, Plan, ProjectPlan, exit_code};
use rstest::rstest;

use crate::support::git_repo::GitRepo;
use crate::support::monoarch::{Monoarch, Run};
use crate::support::plans;
use crate::support::world::World;

const REMAKE: &str =
    "the plan is not as `monoarch plan` writes it: make it again and pass it on unchanged";

fn build(dir: &Path, project: &str, arch: &str, workdir: &Path) -> Run {
    Monoarch::new(dir)
        .args(["build", "--plan", "plan.json", "--builder", "buildah"])
        .args(["--project", project, "--arch", arch, "--workdir"])
        .arg_path(workdir)
        .args(["--registry", "127.0.0.1:9"])
        .run()
}

/// The upstream is real and reachable: without the check, the fetch would
/// empty `<workdir>/../victim-<arch>/source` and fill it with the upstream.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_project_named_dotdot_never_reaches_a_folder_outside_the_work_folder() {
    let world = World::new();
    let upstream = GitRepo::new();
    upstream.write("Dockerfile", "FROM scratch\n");
    upstream.commit("upstream");
    let url = world.git_daemon().publish(&upstream, "up");
    let (host, _) = plans::host_and_foreign_arch();
    let dir = tempfile::tempdir().expect("temp dir");
    let workdir = dir.path().join("work");
    std::fs::create_dir(&workdir).expect("work folder");
    // Where `<workdir>/<name>-<arch>/source` points for the name `../victim`.
    let victim = dir.path().join(format!("victim-{host}/source"));
    std::fs::create_dir_all(&victim).expect("victim folder");
    std::fs::write(victim.join("keep.txt"), "must survive").expect("write");

    // A plan made for `victim`, with only the name changed on its way.
    let mut project = plans::project("victim", &[host], &[]);
    project.name = "../victim".into();
    project.upstream = Some(monoarch::contract::Upstream {
        repo: url,
        git_ref: "main".into(),
        commit: None,
    });
    plans::write(dir.path(), &plans::plan("r.example", vec![project]));
    let run = build(dir.path(), "../victim", host, &workdir).expect_code(exit_code::INVALID_PLAN);
    assert_eq!(
        run.stderr,
        format!(
            "error: plan.json: projects[0].name: `../victim` is not a project name (letters, digits, `_`, `.`, `-`; no `/`, not starting with `.` or `-`); {REMAKE}\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(victim.join("keep.txt")).expect("the folder outside is untouched"),
        "must survive"
    );
    assert_eq!(
        std::fs::read_dir(&workdir).expect("work folder").count(),
        0,
        "nothing was started"
    );
}

fn with(change: fn(&mut ProjectPlan)) -> Plan {
    let (host, _) = plans::host_and_foreign_arch();
    let mut project = plans::local_project("app", &[host]);
    change(&mut project);
    plans::plan("r.example", vec![project])
}

#[rstest]
#[case::path_above_the_repository(with(|p| p.path = "../../etc".into()), "projects[0].path: `../../etc` leaves the source root with `..`; keep it inside")]
#[case::absolute_path(with(|p| p.path = "/etc".into()), "projects[0].path: `/etc` is absolute; write it relative to the source root")]
#[case::dockerfile_above(with(|p| p.dockerfile = "../../../etc/passwd".into()), "projects[0].dockerfile: `../../../etc/passwd` leaves the source root with `..`; keep it inside")]
#[case::context_above(with(|p| p.context = "..".into()), "projects[0].context: `..` leaves the source root with `..`; keep it inside")]
#[case::uppercase_repository(with(|p| p.repository = "Images".into()), "projects[0].repository: `Images` is not a repository name")]
#[case::tag_forging_a_log_line(with(|p| p.tags.push("x\n::warning::forged".into())), "projects[0].tags[1]: `x\\n::warning::forged` is not a valid tag")]
#[case::empty_tags(with(|p| p.tags.clear()), "projects[0].tags: is empty; every project has its date-sha tag")]
#[case::arch_of_another_platform(with(|p| p.jobs[0].arch = "../x".into()), "projects[0].jobs[0].arch: `../x` is not the arch of")]
#[case::option_as_upstream_ref(with(|p| p.upstream = Some(monoarch::contract::Upstream { repo: "https://git.example/a.git".into(), git_ref: "--upload-pack=touch /tmp/pwned".into(), commit: None })), "projects[0].upstream.ref: `--upload-pack=touch /tmp/pwned` is not a tag, branch or sha")]
#[case::upstream_commit_no_sha(with(|p| p.upstream = Some(monoarch::contract::Upstream { repo: "https://git.example/a.git".into(), git_ref: "main".into(), commit: Some("HEAD".into()) })), "projects[0].upstream.commit: `HEAD` is not a full commit sha")]
#[case::build_arg_name(with(|p| p.build_args.push(BuildArg::Value { name: "A;B".into(), value: "1".into() })), "projects[0].build_args[0]: `A;B` is not a variable name")]
#[case::target_with_a_space(with(|p| p.target = Some("a b".into())), "projects[0].target: `a b` is not a stage name")]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_hostile_field_is_refused_by_every_stage_that_reads_the_plan(
    #[case] plan: Plan,
    #[case] expected: &str,
) {
    let (host, _) = plans::host_and_foreign_arch();
    let dir = tempfile::tempdir().expect("temp dir");
    plans::write(dir.path(), &plan);
    let line = format!("error: plan.json: {expected}");
    let stages: [&[&str]; 3] = [
        &[
            "build",
            "--plan",
            "plan.json",
            "--builder",
            "buildah",
            "--project",
            "app",
            "--arch",
            host,
        ],
        &[
            "manifest",
            "--plan",
            "plan.json",
            "--registry",
            "127.0.0.1:9",
        ],
        &["matrix", "--plan", "plan.json", "--format", "github"],
    ];
    for args in stages {
        let run = Monoarch::new(dir.path())
            .args(args)
            .run()
            .expect_code(exit_code::INVALID_PLAN);
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(
            run.stderr.starts_with(&line) && run.stderr.lines().count() == 1,
            "{args:?}: {line:?} not in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn plan_level_fields_are_checked_too() {
    let (host, _) = plans::host_and_foreign_arch();
    let mut plan = plans::plan(
        "https://r.example",
        vec![
            plans::local_project("app", &[host]),
            plans::local_project("app", &[host]),
        ],
    );
    plan.sha7 = "fffffff".into();
    let dir = tempfile::tempdir().expect("temp dir");
    plans::write(dir.path(), &plan);
    let run = Monoarch::new(dir.path())
        .args(["matrix", "--plan", "plan.json", "--format", "github"])
        .run()
        .expect_code(exit_code::INVALID_PLAN);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "error: plan.json: sha7: `fffffff` is not the first 7 digits of `commit`; {REMAKE}"
            ),
            format!(
                "error: plan.json: registry.host: `https://r.example` is not a registry host; drop the scheme (`ghcr.io`, not `https://ghcr.io`); use --insecure-registry for plain HTTP; {REMAKE}"
            ),
            format!("error: plan.json: projects[1].name: `app` is listed twice; {REMAKE}"),
            format!(
                "error: plan.json: projects: `monoarch:app-20261120-abc1234` is published by `app` and by `app`; a tag may name one image only; {REMAKE}"
            ),
            format!(
                "error: plan.json: projects: `monoarch:app-20261120-abc1234-{host}` is published by `app` and by `app`; a tag may name one image only; {REMAKE}"
            ),
        ]
    );
}

#[rstest]
#[case::over_the_cap(|d: &Path| { let p = d.join("plan.json"); std::fs::File::create(&p).and_then(|f| f.set_len((64 << 20) + 1)).expect("sparse file"); }, "cannot read plan plan.json: is larger than the 64 MiB limit; shorten it")]
#[case::a_device(|d: &Path| std::os::unix::fs::symlink("/dev/zero", d.join("plan.json")).expect("symlink"), "cannot read plan plan.json: is a device, not a regular file")]
#[case::a_folder(|d: &Path| std::fs::create_dir(d.join("plan.json")).expect("mkdir"), "cannot read plan plan.json: is a folder, not a regular file")]
fn a_plan_file_that_is_no_plan_is_refused_before_it_is_read(
    #[case] make: fn(&Path),
    #[case] expected: &str,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    make(dir.path());
    let run = Monoarch::new(dir.path())
        .args(["matrix", "--plan", "plan.json", "--format", "github"])
        .run()
        .expect_code(exit_code::INVALID_PLAN);
    assert!(
        run.stderr.starts_with(&format!("error: {expected}")),
        "{}",
        run.stderr
    );
}

/// A build or manifest job given its projects (`--project`, `--chunk`) reads only those
/// in full: a hostile field in one of them is refused with the same line, at the same
/// position, as a reader of the whole plan (`matrix --plan`) gives.
#[test]
fn a_job_reading_its_share_refuses_a_hostile_project_of_its_share() {
    let (host, _) = plans::host_and_foreign_arch();
    let mut hostile = plans::local_project("beta", &[host]);
    hostile.dockerfile = "../../../etc/passwd".into();
    let plan = plans::plan(
        "r.example",
        vec![plans::local_project("alpha", &[host]), hostile],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    plans::write(dir.path(), &plan);
    let line = format!(
        "error: plan.json: projects[1].dockerfile: `../../../etc/passwd` leaves the source root with `..`; keep it inside; {REMAKE}\n"
    );
    let jobs: [&[&str]; 4] = [
        &["matrix", "--plan", "plan.json", "--format", "github"],
        &[
            "build",
            "--plan",
            "plan.json",
            "--builder",
            "buildah",
            "--project",
            "beta",
            "--arch",
            host,
        ],
        &[
            "build",
            "--plan",
            "plan.json",
            "--builder",
            "buildah",
            "--chunk",
            "2/2",
            "--arch",
            host,
        ],
        &[
            "manifest",
            "--plan",
            "plan.json",
            "--registry",
            "127.0.0.1:9",
            "--project",
            "beta",
        ],
    ];
    for args in jobs {
        let run = Monoarch::new(dir.path())
            .args(args)
            .run()
            .expect_code(exit_code::INVALID_PLAN);
        assert_eq!(
            (run.stdout.as_str(), run.stderr.as_str()),
            ("", line.as_str()),
            "{args:?}"
        );
    }
}

/// A chunk job reads only its chunk, but its messages still speak of the whole
/// plan: the project count, and every name when a `--project` is not in it.
#[test]
fn a_job_reading_its_share_still_names_the_whole_plan() {
    let (host, _) = plans::host_and_foreign_arch();
    let plan = plans::plan(
        "r.example",
        vec![
            plans::local_project("alpha", &[host]),
            plans::local_project("beta", &[host]),
            plans::local_project("gamma", &[host]),
        ],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    plans::write(dir.path(), &plan);
    let build = |args: &[&str]| {
        Monoarch::new(dir.path())
            .args(["build", "--plan", "plan.json", "--builder", "buildah"])
            .args(args)
            .run()
            .expect_code(exit_code::INVALID_PLAN)
    };
    let run = build(&["--chunk", "1/2", "--arch", host, "--check", "000000000000"]);
    assert!(
        run.stderr.starts_with(&format!(
            "error: chunk 1/2 of plan.json (3 projects) builds other {host} jobs than the job list says (check 000000000000, this plan's "
        )),
        "{}",
        run.stderr
    );
    let run = build(&["--project", "delta", "--arch", host]);
    assert!(
        run.stderr
            .contains("project `delta` is not in plan.json (it has: alpha, beta, gamma)"),
        "{}",
        run.stderr
    );
}

/// A tag one of the job's projects publishes and a project it does not run
/// publishes too is refused by the job, with the whole read's line.
#[test]
fn a_job_reading_its_share_refuses_a_tag_another_project_publishes() {
    let (host, _) = plans::host_and_foreign_arch();
    let alpha = plans::local_project("alpha", &[host]);
    let mut beta = plans::local_project("beta", &[host]);
    beta.jobs[0].tag = alpha.jobs[0].tag.clone();
    let taken = format!("monoarch:{}", alpha.jobs[0].tag);
    let dir = tempfile::tempdir().expect("temp dir");
    plans::write(dir.path(), &plans::plan("r.example", vec![alpha, beta]));
    let line = format!(
        "error: plan.json: projects: `{taken}` is published by `alpha` and by `beta`; a tag may name one image only; {REMAKE}\n"
    );
    let jobs: [&[&str]; 3] = [
        &["matrix", "--plan", "plan.json", "--format", "github"],
        &[
            "build",
            "--plan",
            "plan.json",
            "--builder",
            "buildah",
            "--project",
            "alpha",
            "--arch",
            host,
        ],
        &[
            "manifest",
            "--plan",
            "plan.json",
            "--registry",
            "127.0.0.1:9",
            "--chunk",
            "2/2",
        ],
    ];
    for args in jobs {
        let run = Monoarch::new(dir.path())
            .args(args)
            .run()
            .expect_code(exit_code::INVALID_PLAN);
        assert_eq!(run.stderr, line, "{args:?}");
    }
}
