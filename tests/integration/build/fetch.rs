//! Source fetch with git2 against a real `git daemon`: tag, branch, commit, missing ref,
//! and `plan --resolve-refs` pinning one commit for every architecture.

use monoarch::contract::Upstream;
use monoarch::env::Env;
use monoarch::source::{self, SourceError};

use crate::support::git_daemon::GitDaemon;
use crate::support::git_repo::GitRepo;
use crate::support::plans;

/// An upstream with history: v1 (annotated tag) -> v2 (lightweight tag) -> main head,
/// plus a `feature` branch. Returns (repo, [c1, c2, c3, feature]).
pub(super) fn upstream() -> (GitRepo, Vec<String>) {
    let repo = GitRepo::new();
    repo.write("Dockerfile", "FROM scratch\nCOPY hello.txt /hello.txt\n");
    repo.write("hello.txt", "one\n");
    let c1 = repo.commit("one");
    repo.git(&["tag", "-a", "v1", "-m", "release one"]);
    repo.write("hello.txt", "two\n");
    let c2 = repo.commit("two");
    repo.git(&["tag", "v2"]);
    repo.write("hello.txt", "three\n");
    let c3 = repo.commit("three");
    repo.git(&["checkout", "-q", "-b", "feature", &c1]);
    repo.write("hello.txt", "feature\n");
    let f = repo.commit("feature");
    repo.git(&["checkout", "-q", "main"]);
    (repo, vec![c1, c2, c3, f])
}

pub(super) fn up(url: &str, git_ref: &str) -> Upstream {
    Upstream {
        repo: url.to_string(),
        git_ref: git_ref.to_string(),
        commit: None,
    }
}

/// A git daemon serving [`upstream`] as `up`; with the repo, its commits and the URL.
fn served() -> (GitDaemon, GitRepo, Vec<String>, String) {
    let daemon = GitDaemon::start();
    let (repo, commits) = upstream();
    let url = daemon.publish(&repo, "up");
    (daemon, repo, commits, url)
}

fn hello(root: &std::path::Path) -> String {
    std::fs::read_to_string(root.join("hello.txt")).expect("hello.txt checked out")
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn fetches_tags_branches_and_commits_exactly() {
    let (_daemon, _repo, commits, url) = served();
    let work = tempfile::tempdir().expect("temp dir");
    let env = Env::default();
    for (git_ref, commit, content) in [
        ("v1", &commits[0], "one\n"),
        ("v2", &commits[1], "two\n"),
        ("main", &commits[2], "three\n"),
        ("feature", &commits[3], "feature\n"),
        ("refs/heads/feature", &commits[3], "feature\n"),
    ] {
        let dest = work.path().join(git_ref.replace('/', "_"));
        let fetched = source::fetch("p", &up(&url, git_ref), &dest, &env).expect(git_ref);
        assert_eq!(&fetched.commit, commit, "{git_ref}");
        assert_eq!(hello(&fetched.root), content, "{git_ref}");
        assert!(fetched.shallow, "{git_ref} is fetched shallow");
        let depth = crate::support::git_repo::run_git(&dest, &["rev-list", "--count", "HEAD"]);
        assert_eq!(
            depth, "1",
            "{git_ref}: only one commit of history was fetched"
        );
    }
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "python3")),
    ignore = "needs git, python3: run hack/install-test-deps"
)]
fn fetches_a_reachable_commit_by_sha_shallow_over_v2_and_smart_http() {
    let (_daemon, repo, commits, url) = served();
    let work = tempfile::tempdir().expect("temp dir");
    let env = Env::default();

    // Protocol v2 (git daemon): stock git serves any reachable sha, shallow.
    let fetched = source::fetch("p", &up(&url, &commits[1]), &work.path().join("a"), &env)
        .expect("fetch by sha");
    assert_eq!(fetched.commit, commits[1]);
    assert_eq!(hello(&fetched.root), "two\n");
    assert!(fetched.shallow);

    // Smart HTTP, protocol v0: stateless upload-pack checks a non-tip want for
    // reachability and serves it, shallow too. (The full-history fallback for a
    // server that refuses is tested over SSH, which speaks v0 here: see ssh.rs.)
    let v0 = crate::support::git_http::GitHttp::start_public_v0();
    // main moves on, so its old head (commits[2]) is no longer advertised.
    repo.write("hello.txt", "four\n");
    repo.commit("four");
    let v0_url = v0.publish(&repo, "up");
    let fetched = source::fetch("p", &up(&v0_url, &commits[2]), &work.path().join("b"), &env)
        .expect("fetch by sha over v0");
    assert_eq!(fetched.commit, commits[2]);
    assert_eq!(hello(&fetched.root), "three\n");
    assert!(fetched.shallow);
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_missing_ref_or_commit_is_a_clear_source_error() {
    let (daemon, _repo, _, url) = served();
    let work = tempfile::tempdir().expect("temp dir");
    let env = Env::default();

    let err = source::fetch("hello", &up(&url, "v3"), &work.path().join("a"), &env)
        .expect_err("no tag v3");
    assert!(matches!(err, SourceError::RefNotFound { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "hello: ref `v3` not found in {url}; check upstream_ref: use a tag, a branch or a full commit sha"
        )
    );
    let err =
        source::fetch("hello", &up(&url, "v"), &work.path().join("b"), &env).expect_err("no tag v");
    assert!(err.to_string().ends_with("did you mean v1, v2?"), "{err}");

    let absent = "0123456789012345678901234567890123456789";
    let err = source::fetch("hello", &up(&url, absent), &work.path().join("c"), &env)
        .expect_err("no such commit");
    assert!(matches!(err, SourceError::CommitNotFound { .. }), "{err}");

    let err = source::fetch(
        "hello",
        &up(&daemon.url("nope"), "main"),
        &work.path().join("d"),
        &env,
    )
    .expect_err("no such repository");
    assert!(matches!(err, SourceError::Remote { .. }), "{err}");
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn resolve_refs_pins_the_commit_that_every_job_then_builds() {
    let (daemon, repo, commits, url) = served();
    let mut plan = plans::plan(
        "127.0.0.1:1",
        vec![
            plans::with_upstream(plans::local_project("a", &["amd64"]), &url, "main"),
            plans::with_upstream(plans::local_project("b", &["amd64"]), &url, "v1"),
            plans::local_project("local", &["amd64"]),
        ],
    );
    let resolved = source::resolve_refs(&mut plan, &Env::default()).expect("resolves");
    assert_eq!(resolved, 2);
    let commit_of = |i: usize| {
        plan.projects[i]
            .upstream
            .as_ref()
            .and_then(|u| u.commit.clone())
    };
    assert_eq!(commit_of(0).as_deref(), Some(commits[2].as_str()));
    assert_eq!(
        commit_of(1).as_deref(),
        Some(commits[0].as_str()),
        "annotated tag is peeled"
    );

    // While the ref still points at the pinned commit, the ref is fetched shallow.
    let work = tempfile::tempdir().expect("temp dir");
    let pinned_tag = plan.projects[1].upstream.clone().expect("upstream");
    let fetched =
        source::fetch("b", &pinned_tag, &work.path().join("b"), &Env::default()).expect("fetch");
    assert_eq!(fetched.commit, commits[0]);
    assert!(fetched.shallow);

    // main moves on after planning; a job still builds the planned commit.
    repo.write("hello.txt", "four\n");
    let moved = repo.commit("four");
    daemon.publish(&repo, "up");
    let upstream = plan.projects[0].upstream.clone().expect("upstream");
    let fetched =
        source::fetch("a", &upstream, &work.path().join("a"), &Env::default()).expect("fetch");
    assert_eq!(fetched.commit, commits[2], "not the new head {moved}");
    assert_eq!(hello(&fetched.root), "three\n");

    let mut missing = plans::plan(
        "127.0.0.1:1",
        vec![plans::with_upstream(
            plans::local_project("a", &["amd64"]),
            &url,
            "gone",
        )],
    );
    let err = source::resolve_refs(&mut missing, &Env::default()).expect_err("no ref");
    assert!(
        err.to_string().starts_with("a: ref `gone` not found"),
        "{err}"
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "python3", tool = "openssl")),
    ignore = "needs git, python3, openssl: run hack/install-test-deps"
)]
fn a_private_upstream_is_fetched_with_a_token_from_the_environment() {
    const TOKEN: &str = "glpat-very-secret-token";
    let server = crate::support::git_http::GitHttp::start_tls("ci-bot", TOKEN);
    let (repo, commits) = upstream();
    let url = server.publish(&repo, "private");
    let work = tempfile::tempdir().expect("temp dir");
    let ca = server.ca_file().display().to_string();
    let authority = server.authority();
    let trusted = |pairs: &[(&str, &str)]| {
        Env::from_pairs(
            pairs
                .iter()
                .copied()
                .chain([("MONOARCH_CA_FILE", ca.as_str())]),
        )
    };

    let with_token = trusted(&[
        ("MONOARCH_GIT_TOKEN", TOKEN),
        ("MONOARCH_GIT_TOKEN_HOST", &authority),
        ("MONOARCH_GIT_USERNAME", "ci-bot"),
    ]);
    let fetched = source::fetch("p", &up(&url, "v2"), &work.path().join("a"), &with_token)
        .expect("fetch with token");
    assert_eq!(fetched.commit, commits[1]);
    assert!(fetched.shallow);

    let err = source::fetch("p", &up(&url, "v2"), &work.path().join("b"), &trusted(&[]))
        .expect_err("no token");
    assert!(
        err.to_string()
            .contains("a private upstream needs a token over https: set MONOARCH_GIT_TOKEN"),
        "{err}"
    );

    let wrong = trusted(&[
        ("MONOARCH_GIT_TOKEN", "glpat-wrong-token-value"),
        ("MONOARCH_GIT_TOKEN_HOST", &authority),
    ]);
    let err = source::fetch("p", &up(&url, "v2"), &work.path().join("c"), &wrong)
        .expect_err("wrong token");
    let text = err.to_string();
    assert!(
        text.contains("the token from $MONOARCH_GIT_TOKEN was refused"),
        "{text}"
    );
    assert!(!text.contains("glpat-wrong-token-value"), "{text}");

    // Through the binary, with verbose logs: the token is in no output.
    let monorepo = GitRepo::new();
    let (host, _) = plans::host_and_foreign_arch();
    let project = plans::with_upstream(plans::local_project("p", &[host]), &url, "v2");
    plans::write(monorepo.path(), &plans::plan("127.0.0.1:1", vec![project]));
    let run = crate::support::monoarch::Monoarch::new(monorepo.path())
        .args([
            "-vv",
            "build",
            "--builder",
            "buildah",
            "--project",
            "p",
            "--arch",
            host,
        ])
        .env("MONOARCH_GIT_TOKEN", "glpat-wrong-token-value")
        .env("MONOARCH_GIT_TOKEN_HOST", &authority)
        .env("MONOARCH_CA_FILE", &ca)
        .run()
        .expect_code(monoarch::exit_code::SOURCE);
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("glpat-wrong-token-value"), "{text}");
    }
    assert!(run.stderr.contains("was refused"), "{}", run.stderr);

    // A GitLab job token is only sent to the GitLab server it belongs to.
    let elsewhere = trusted(&[
        ("CI_JOB_TOKEN", TOKEN),
        ("CI_SERVER_HOST", "gitlab.example"),
    ]);
    assert!(source::fetch("p", &up(&url, "v2"), &work.path().join("d"), &elsewhere).is_err());
}
