//! `monoarch validate`: every problem at once, word for word, exit code 3.

use crate::support::fixture::monorepo;
use crate::support::monoarch::Monoarch;

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn valid_repo_passes() {
    let repo = monorepo();
    let run = Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .success();
    assert_eq!(run.stdout, "3 project(s) checked; no problems.\n");
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn reports_every_problem_with_file_line_field_and_fix() {
    let repo = monorepo();
    repo.write(
        "projects/alpha/build-config.yaml",
        "upstream_repo: https://example.test/a.git\ndockerfile: Dockerfile\n",
    );
    repo.write(
        "projects/beta/build-config.yaml",
        "upstream_repo: example.test/b\ndockerfile_path: ../Dockerfile\nplatforms:\n  - linux/amd64\n  - linux/mips\n  - linux/arm64/v8\n  - linux/arm64\n  - linux/arm/v7\nadditional_tags: [\"bad tag\", latest]\nbuild_args:\n  - FOO\n  - A=1\n  - A=2\n",
    );
    repo.write(
        "projects/gamma/build-config.yaml",
        "platforms: linux/amd64\n",
    );
    repo.write("projects/stray/notes.txt", "not a project\n");
    repo.write("rebuild-weekly.txt", "alpha\nbetta\n");
    let run = Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .expect_code(3);
    let expected = [
        "error: projects/alpha/build-config.yaml:2:1: dockerfile: unknown key; did you mean `dockerfile_path`?",
        "error: projects/beta/build-config.yaml:1:16: upstream_repo: `example.test/b` is not a git URL; use https://host/org/repo (or ssh://, git@host:org/repo)",
        "error: projects/beta/build-config.yaml:1:16: upstream_ref: is required with `upstream_repo`; add the tag, branch or commit sha to build",
        "error: projects/beta/build-config.yaml:2:18: dockerfile_path: `../Dockerfile` leaves the source root with `..`; keep it inside",
        "error: projects/beta/build-config.yaml:5:5: platforms: unknown platform `linux/mips`; known platforms: linux/amd64, linux/arm64, linux/arm/v7, linux/arm/v6, linux/386, linux/ppc64le, linux/s390x, linux/riscv64",
        "error: projects/beta/build-config.yaml:7:5: platforms: `linux/arm64` is listed twice (as `linux/arm64`); remove one",
        "error: projects/beta/build-config.yaml:8:5: platforms: `linux/arm/v7` has no runner configured; add `runners: { armv7: { github: LABEL, gitlab_tags: [TAG] } }` to monoarch.yaml",
        "error: projects/beta/build-config.yaml:9:19: additional_tags: `beta-bad tag` is not a valid OCI tag; use letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, at most 128 characters",
        "error: projects/beta/build-config.yaml:11:5: build_args: `FOO` has no `=`; write `NAME=value`, or `{name: FOO, from_env: VARIABLE}` to read it from the environment",
        "error: projects/beta/build-config.yaml:13:5: build_args: `A` is set twice; keep one",
        "error: projects/gamma/build-config.yaml:1:12: platforms: expected a list: one `- item` per line, or `[a, b]`",
        "error: projects/stray: has no build-config.yaml, so it is not a project; add one or move the folder out of projects",
        "error: rebuild-weekly.txt:2:1: `betta` matches no project; did you mean `beta`?",
    ];
    assert_eq!(run.stderr.lines().collect::<Vec<_>>(), expected);
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn repo_config_unknown_key_gets_a_hint() {
    let repo = monorepo();
    repo.write("monoarch.yaml", "registy: example.test\n");
    let run = Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .expect_code(3);
    assert_eq!(
        run.stderr,
        "error: monoarch.yaml:1:1: registy: unknown key; did you mean `registry`?\n"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn runners_make_extra_platforms_usable() {
    let repo = monorepo();
    repo.write(
        "monoarch.yaml",
        "runners:\n  armv7:\n    github: self-hosted-armv7\n    gitlab_tags: [armv7]\n",
    );
    repo.write(
        "projects/alpha/build-config.yaml",
        "platforms: [linux/amd64, linux/arm/v7]\n",
    );
    repo.commit("armv7");
    Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .success();
    let run = Monoarch::new(repo.path())
        .args(["matrix", "--format", "github", "--projects", "alpha"])
        .run()
        .success();
    assert!(
        run.stdout
            .contains(r#""runner":"self-hosted-armv7","arch":"armv7","platform":"linux/arm/v7""#),
        "{}",
        run.stdout
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn plan_refuses_invalid_configs_of_selected_projects() {
    let repo = monorepo();
    repo.write(
        "projects/alpha/build-config.yaml",
        "platforms: [linux/mips]\n",
    );
    repo.commit("broken");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--all"])
        .run()
        .expect_code(3);
    assert!(
        run.stderr.starts_with(
            "error: projects/alpha/build-config.yaml:1:13: platforms: unknown platform `linux/mips`"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "no partial plan is printed");
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn depends_on_problems_name_file_and_line_and_a_cycle_is_rejected() {
    let repo = monorepo();
    repo.write("projects/alpha/build-config.yaml", "depends_on: [gamma]\n");
    repo.write(
        "projects/beta/build-config.yaml",
        "depends_on:\n  - beta\n  - alpha\n  - alpha\n",
    );
    repo.write("projects/gamma/build-config.yaml", "depends_on: [delta]\n");
    repo.write(
        "projects/delta/build-config.yaml",
        "depends_on: [alph, alpha]\n",
    );
    repo.write("projects/delta/Dockerfile", "FROM scratch\n");
    let run = Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .expect_code(3);
    // beta's own mistakes keep it out of the graph; it still exists for delta.
    let expected = [
        "error: projects/beta/build-config.yaml:2:5: depends_on: `beta` is this project; a project cannot build on itself",
        "error: projects/beta/build-config.yaml:4:5: depends_on: `alpha` is listed twice; remove one",
        "error: projects/delta/build-config.yaml:1:14: depends_on: `alph` is no project (no alph/build-config.yaml in the projects folder); did you mean `alpha`?",
        "error: projects/delta/build-config.yaml:1:20: depends_on: `alpha` makes a cycle (alpha -> gamma -> delta -> alpha): a project cannot build on itself; remove one of these dependencies",
    ];
    assert_eq!(run.stderr.lines().collect::<Vec<_>>(), expected);
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_from_on_another_projects_image_without_depends_on_warns() {
    let repo = monorepo();
    repo.write(
        "projects/beta/Dockerfile",
        "FROM registry.example.test/images:alpha-latest\nCOPY hello.txt /\n",
    );
    repo.write(
        "projects/gamma/Dockerfile",
        "ARG MONOARCH_BASE_ALPHA\nFROM ${MONOARCH_BASE_ALPHA}\nCOPY hello.txt /\n",
    );
    repo.write("projects/gamma/build-config.yaml", "depends_on: [alpha]\n");
    let run = Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .success();
    assert_eq!(run.stdout, "3 project(s) checked; no problems.\n");
    assert_eq!(
        run.stderr,
        "warning: projects/beta/Dockerfile: FROM registry.example.test/images:alpha-latest is the image of project `alpha`, which projects/beta/build-config.yaml does not declare; add `depends_on: [alpha]` and write `ARG MONOARCH_BASE_ALPHA` / `FROM ${MONOARCH_BASE_ALPHA}`, so it builds after alpha, on exactly its image\n"
    );
}
