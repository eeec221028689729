//! Where git tokens go, through the binary, against a real git HTTP server that
//! records every `Authorization` header: only over https, only to the host the
//! token belongs to, never on a pull-request plan unless allowed, and never in
//! any output.

use base64::Engine;

use crate::support::git_http::GitHttp;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::{Monoarch, Run};

const TOKEN: &str = "glpat-scoped-secret-token";

fn basic(user: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
    )
}

/// A monorepo whose one project builds `url` at `v1`.
fn monorepo(url: &str) -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "projects/app/build-config.yaml",
        &format!("upstream_repo: {url}\nupstream_ref: v1\n"),
    );
    repo.commit("app");
    repo
}

fn published(server: &GitHttp) -> (String, String) {
    let upstream = GitRepo::new();
    upstream.write("hello.txt", "hi\n");
    let commit = upstream.commit("one");
    upstream.git(&["tag", "v1"]);
    (server.publish(&upstream, "private"), commit)
}

fn resolve(repo: &GitRepo, env: &[(&str, &str)]) -> Run {
    let mut cmd = Monoarch::new(repo.path())
        .args(["-vv", "plan", "--all", "--format", "json", "--resolve-refs"])
        .args(["--registry", "127.0.0.1:1"]);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    cmd.run()
}

fn no_secret_in(run: &Run) {
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(TOKEN), "the token leaked: {text}");
    }
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "python3")),
    ignore = "needs git, python3: run hack/install-test-deps"
)]
fn no_token_is_ever_sent_over_plain_http() {
    let server = GitHttp::start("gitlab-ci-token", TOKEN);
    let (url, _) = published(&server);
    let repo = monorepo(&url);
    let authority = server.authority();
    let pinned = [
        ("MONOARCH_GIT_TOKEN", TOKEN),
        ("MONOARCH_GIT_TOKEN_HOST", authority.as_str()),
    ];
    let run = resolve(&repo, &pinned).expect_code(monoarch::exit_code::SOURCE);
    no_secret_in(&run);
    assert!(
        run.stderr.contains("is never sent over http://"),
        "{}",
        run.stderr
    );
    let ci_url = format!("http://{authority}");
    let gitlab = [
        ("CI_JOB_TOKEN", TOKEN),
        ("CI_SERVER_URL", ci_url.as_str()),
        ("GITLAB_CI", "true"),
    ];
    resolve(&repo, &gitlab).expect_code(monoarch::exit_code::SOURCE);
    let seen = server.authorizations();
    assert!(!seen.is_empty(), "the server was asked");
    assert!(
        seen.iter().all(|h| h == "-"),
        "an Authorization header went over http: {seen:?}"
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "python3", tool = "openssl")),
    ignore = "needs git, python3, openssl: run hack/install-test-deps"
)]
fn each_token_goes_only_to_its_own_https_host() {
    let server = GitHttp::start_tls("gitlab-ci-token", TOKEN);
    let (url, commit) = published(&server);
    let repo = monorepo(&url);
    let ca = server.ca_file().display().to_string();
    let authority = server.authority();
    let here = format!("https://{authority}");
    let other_port = "https://127.0.0.1:1".to_string();

    // GitLab's job token to its own server (host and port): resolved.
    let run = resolve(
        &repo,
        &[
            ("MONOARCH_CA_FILE", &ca),
            ("CI_JOB_TOKEN", TOKEN),
            ("CI_SERVER_URL", &here),
        ],
    )
    .success();
    no_secret_in(&run);
    assert!(run.stdout.contains(&commit), "{}", run.stdout);
    assert_eq!(
        server.authorizations().last().map(String::as_str),
        Some(basic("gitlab-ci-token", TOKEN).as_str())
    );

    // The same token with the CI server on another port, GitHub's token for
    // github.com, an unpinned MONOARCH_GIT_TOKEN: nothing is sent.
    let before = server.authorizations().len();
    for (case, env) in [
        (
            "CI server on another port",
            vec![
                ("CI_JOB_TOKEN", TOKEN),
                ("CI_SERVER_URL", other_port.as_str()),
            ],
        ),
        ("GITHUB_TOKEN for github.com", vec![("GITHUB_TOKEN", TOKEN)]),
        (
            "MONOARCH_GIT_TOKEN unpinned",
            vec![("MONOARCH_GIT_TOKEN", TOKEN)],
        ),
    ] {
        let mut env = env;
        env.push(("MONOARCH_CA_FILE", &ca));
        let run = resolve(&repo, &env).expect_code(monoarch::exit_code::SOURCE);
        no_secret_in(&run);
        if case.starts_with("MONOARCH") {
            assert!(
                run.stderr
                    .contains(&format!("set MONOARCH_GIT_TOKEN_HOST={authority}")),
                "{case}: {}",
                run.stderr
            );
        }
    }
    let after = server.authorizations();
    assert!(
        after[before..].iter().all(|h| h == "-"),
        "a token went to a host it does not belong to: {:?}",
        &after[before..]
    );

    // Pinned to this host and port, and GitHub's token to its configured server.
    for env in [
        vec![
            ("MONOARCH_GIT_TOKEN", TOKEN),
            ("MONOARCH_GIT_TOKEN_HOST", authority.as_str()),
            ("MONOARCH_GIT_USERNAME", "gitlab-ci-token"),
        ],
        vec![("GITHUB_TOKEN", "ghs-wrong"), ("GITHUB_SERVER_URL", &here)],
    ] {
        let mut env = env;
        env.push(("MONOARCH_CA_FILE", &ca));
        resolve(&repo, &env);
    }
    let seen = server.authorizations();
    assert!(seen.contains(&basic("gitlab-ci-token", TOKEN)));
    assert!(seen.contains(&basic("x-access-token", "ghs-wrong")));
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "python3", tool = "openssl")),
    ignore = "needs git, python3, openssl: run hack/install-test-deps"
)]
fn a_pull_request_plan_offers_no_token_unless_allowed() {
    let server = GitHttp::start_tls("x-access-token", TOKEN);
    let (url, commit) = published(&server);
    let repo = monorepo(&url);
    let ca = server.ca_file().display().to_string();
    let here = format!("https://{}", server.authority());
    // GitHub writes the event of every run; a pull request's names its base.
    let event = repo.join(".event.json");
    std::fs::write(&event, "{\"pull_request\": {\"number\": 1}}").expect("event file");
    let event = event.display().to_string();
    let pull_request = [
        ("MONOARCH_CA_FILE", ca.as_str()),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", event.as_str()),
        ("GITHUB_BASE_REF", "main"),
        ("GITHUB_TOKEN", TOKEN),
        ("GITHUB_SERVER_URL", here.as_str()),
    ];
    let run = resolve(&repo, &pull_request).expect_code(monoarch::exit_code::SOURCE);
    no_secret_in(&run);
    assert!(
        run.stderr
            .contains("MONOARCH_GIT_CREDENTIALS_ON_PULL_REQUESTS=true"),
        "{}",
        run.stderr
    );
    assert!(server.authorizations().iter().all(|h| h == "-"));

    let mut allowed = pull_request.to_vec();
    allowed.push(("MONOARCH_GIT_CREDENTIALS_ON_PULL_REQUESTS", "true"));
    let run = resolve(&repo, &allowed).success();
    assert!(run.stdout.contains(&commit));
    assert!(
        server
            .authorizations()
            .contains(&basic("x-access-token", TOKEN))
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_password_in_an_upstream_url_is_refused_and_never_printed() {
    let repo = monorepo("https://bot:hunter2-secret@git.example/g/r.git");
    for args in [
        vec!["validate"],
        vec!["plan", "--all"],
        vec!["plan", "--all", "--format", "json"],
    ] {
        let run = Monoarch::new(repo.path())
            .args(["-vv"])
            .args(&args)
            .args(if args[0] == "plan" {
                vec!["--registry", "127.0.0.1:1"]
            } else {
                vec![]
            })
            .run();
        assert_ne!(run.code, 0, "{args:?} accepted a password in a URL");
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains("hunter2-secret"), "{args:?}: {text}");
        }
        assert!(
            run.stderr.contains("MONOARCH_GIT_TOKEN"),
            "{args:?}: {}",
            run.stderr
        );
    }
}
