//! Clear errors for config mistakes (issue 8, item 12): every YAML or
//! shape mistake reads `file:line:column: field: what to do`, never serde's
//! or the YAML crate's words ("untagged enum", "DuplicateKeyPolicy",
//! "budget breached"); registry values and default platforms are checked as
//! strictly in `monoarch.yaml` as in `build-config.yaml`; an unknown
//! `--base` in a shallow clone is unknown, not "shallow"; a `file://`
//! upstream is supported, not just accepted.

use rstest::rstest;

use crate::support::fixture::monorepo;
use crate::support::git_repo::run_git;
use crate::support::monoarch::{Monoarch, Run};

/// Words only a Rust programmer would understand.
const JARGON: &[&str] = &[
    "untagged enum",
    "variant",
    "DuplicateKeyPolicy",
    "Options",
    "budget",
    "Option<",
    "struct ",
    "deserialize",
    "Raw",
];

fn validate_says(files: &[(&str, &str)], expected: &str) -> Run {
    let repo = monorepo();
    for (file, text) in files {
        repo.write(file, text);
    }
    let run = Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .expect_code(3);
    for word in JARGON {
        assert!(!run.stderr.contains(word), "{word:?} in {}", run.stderr);
    }
    assert_eq!(run.stderr, format!("error: {expected}\n"));
    run
}

const ALPHA: &str = "projects/alpha/build-config.yaml";

#[rstest]
#[case::build_arg_unknown_key(
    "build_args: [{name: A, valu: 1}]\n",
    "1:24: valu: unknown key; did you mean `value`?"
)]
#[case::build_arg_list(
    "build_args: [[A=1]]\n",
    "1:14: build_args: expected `NAME=value`, or `{name: NAME, value: V}` / `{name: NAME, from_env: VARIABLE}`, found a list"
)]
#[case::build_arg_without_name(
    "build_args: [{value: 1}]\n",
    "1:14: build_args: a build arg mapping needs `name`; write `NAME=value`, or `{name: NAME, value: V}` / `{name: NAME, from_env: VARIABLE}`"
)]
#[case::build_arg_secret_not_bool(
    "build_args: [{name: A, from_env: B, secret: maybe}]\n",
    "1:45: build_args: expected `true` or `false`"
)]
#[case::duplicate_key(
    "target: a\ntarget: b\n",
    "2:1: target: appears twice in the same mapping; keep one"
)]
#[case::key_without_name(": x\n", "1:1: has no value; write one or remove the key")]
#[case::a_bare_word("hello\n", "1:1: expected keys and values (`key: value` lines)")]
#[case::a_list_for_text("upstream_repo: [a]\n", "1:16: upstream_repo: expected a single value")]
#[case::alias_storm(&format!("additional_tags: [&a x{}]\n", ", *a".repeat(200)), "2:1: expands YAML aliases (`*name`) too often; write the values out")]
#[case::too_many_values(&format!("additional_tags: [{}x]\n", "x,".repeat(300_000)), "1:500013: additional_tags: has more values than a config file may hold; shorten it")]
#[case::nested_too_deep(&format!("target: {}{}\n", "[".repeat(300), "]".repeat(300)), "1:9: target: expected a single value")]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn project_config_mistakes_read_as_what_to_do(#[case] text: &str, #[case] expected: &str) {
    validate_says(&[(ALPHA, text)], &format!("{ALPHA}:{expected}"));
}

#[rstest]
#[case::registry_with_a_scheme(
    "registry: https://ghcr.io\n",
    "monoarch.yaml:1:11: registry: `https://ghcr.io` is not a registry host; drop the scheme (`ghcr.io`, not `https://ghcr.io`); use --insecure-registry for plain HTTP"
)]
#[case::registry_with_a_space(
    "registry: \"ghcr .io\"\n",
    "monoarch.yaml:1:11: registry: `ghcr .io` is not a registry host; remove the spaces and line breaks"
)]
#[case::registry_with_a_newline(
    "registry: \"ghcr.io\\n::warning::x\"\n",
    "monoarch.yaml:1:11: registry: `ghcr.io\\n::warning::x` is not a registry host; remove the spaces and line breaks"
)]
#[case::registry_with_a_path(
    "registry: ghcr.io/org\n",
    "monoarch.yaml:1:11: registry: `ghcr.io/org` is not a registry host; write the host (and port) alone and put the path in `repository`"
)]
#[case::default_platform_without_runner(
    "platforms: [linux/amd64, linux/s390x]\n",
    "monoarch.yaml:1:26: platforms: `linux/s390x` has no runner configured; add `runners: { s390x: { github: LABEL, gitlab_tags: [TAG] } }` to monoarch.yaml"
)]
#[case::empty_default_platforms(
    "platforms: []\n",
    "monoarch.yaml: platforms: is empty; list at least one platform or remove the key for the default"
)]
#[case::duplicate_key(
    "naming: per-project\nnaming: per-project\n",
    "monoarch.yaml:2:1: naming: appears twice in the same mapping; keep one"
)]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn repo_config_mistakes_read_as_what_to_do(#[case] text: &str, #[case] expected: &str) {
    validate_says(&[("monoarch.yaml", text)], expected);
}

#[rstest]
#[case::env_registry(&[("REGISTRY", "https://ghcr.io")], &["validate"], 3, "error: REGISTRY: `https://ghcr.io` is not a registry host; drop the scheme")]
#[case::env_ecr_registry(&[("ECR_REGISTRY", "a b")], &["plan", "--all"], 3, "error: ECR_REGISTRY: `a b` is not a registry host; remove the spaces and line breaks; fix the variable or set `registry:` in monoarch.yaml")]
#[case::registry_flag(&[], &["plan", "--all", "--registry", "ghcr.io\n"], 2, "error: --registry: `ghcr.io\\n` is not a registry host; remove the spaces and line breaks")]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn registry_values_from_the_environment_and_flags_are_checked(
    #[case] env: &[(&str, &str)],
    #[case] args: &[&str],
    #[case] code: i32,
    #[case] expected: &str,
) {
    let repo = monorepo();
    repo.write("monoarch.yaml", "repository: images\n");
    let mut cmd = Monoarch::new(repo.path()).args(args);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    let run = cmd.run().expect_code(code);
    assert!(run.stderr.starts_with(expected), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

/// A name the clone does not know is unknown whether the clone is shallow
/// or not; only a missing commit sha may be history a shallow clone lacks.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn an_unknown_base_name_in_a_shallow_clone_is_unknown_not_shallow() {
    let origin = monorepo();
    let first = origin.head();
    origin.write("projects/alpha/hello.txt", "x\n");
    origin.commit("alpha");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", origin.path().display());
    run_git(dir.path(), &["clone", "-q", "--depth", "1", &url, "clone"]);
    let clone = dir.path().join("clone");
    let run = Monoarch::new(&clone)
        .args(["plan", "--base", "v9.9"])
        .run()
        .expect_code(4);
    assert_eq!(
        run.stderr,
        "error: base `v9.9` is not a commit in this clone; check the name, or fetch it (`git fetch origin v9.9`)\n"
    );
    let run = Monoarch::new(&clone)
        .args(["plan", "--base", &first])
        .run()
        .expect_code(5);
    assert!(
        run.stderr.contains("the clone is shallow"),
        "{}",
        run.stderr
    );
}

/// A `file://` upstream (a local mirror) passes `validate` and is fetched and
/// built like any other: `run` puts its image into an OCI layout.
#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "git")),
    ignore = "needs buildah, git: run hack/install-test-deps"
)]
fn a_file_upstream_is_accepted_and_built() {
    let world = crate::support::world::World::new();
    let upstream = crate::support::git_repo::GitRepo::new();
    upstream.write("Dockerfile", "FROM scratch\nCOPY hello.txt /\n");
    upstream.write("hello.txt", "from a local mirror\n");
    upstream.commit("mirror");
    upstream.git(&["tag", "v1"]);
    let repo = monorepo();
    repo.write(
        "projects/mirror/build-config.yaml",
        &format!(
            "upstream_repo: file://{}\nupstream_ref: v1\nplatforms: [{}]\n",
            upstream.path().display(),
            crate::support::plans::host_and_foreign_arch().0
        ),
    );
    repo.commit("a project from a local mirror");
    Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .success();
    let layout = repo.join("layout");
    let mut cmd = Monoarch::new(repo.path())
        .args(["run", "--projects", "mirror", "--layout"])
        .arg_path(&layout);
    for (k, v) in world.buildah().env() {
        cmd = cmd.env(k, v);
    }
    let run = cmd.run().success();
    let index = std::fs::read_to_string(layout.join("index.json")).expect("layout written");
    let sha7 = &repo.head()[..7];
    assert!(
        index.contains(&format!("mirror-20261120-{sha7}")),
        "{index}\n{}",
        run.stderr
    );
}
