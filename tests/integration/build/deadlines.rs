//! Every git network operation ends: a server that accepts the connection and
//! then says nothing fails the command after `MONOARCH_GIT_TIMEOUT` (overall) or
//! `MONOARCH_GIT_IDLE_TIMEOUT` (silence), whichever comes first.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Monoarch;

/// A server on 127.0.0.1 that accepts connections and never answers; its URL.
fn silent_server(scheme: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        // Bounded: a handful of connections, kept open until the test ends.
        for stream in listener.incoming().take(8) {
            held.push(stream);
        }
        std::thread::sleep(Duration::from_secs(120));
    });
    format!("{scheme}://127.0.0.1:{port}/silent.git")
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_silent_server_fails_the_command_at_the_deadline() {
    for (scheme, env) in [
        (
            "git",
            [
                ("MONOARCH_GIT_TIMEOUT", "2"),
                ("MONOARCH_GIT_IDLE_TIMEOUT", "60"),
            ],
        ),
        (
            "http",
            [
                ("MONOARCH_GIT_TIMEOUT", "60"),
                ("MONOARCH_GIT_IDLE_TIMEOUT", "2"),
            ],
        ),
    ] {
        let url = silent_server(scheme);
        let repo = GitRepo::new();
        repo.write(
            "projects/app/build-config.yaml",
            &format!("upstream_repo: {url}\nupstream_ref: v1\n"),
        );
        repo.commit("app");
        let started = Instant::now();
        let mut cmd = Monoarch::new(repo.path())
            .args(["plan", "--all", "--format", "json", "--resolve-refs"])
            .args(["--registry", "127.0.0.1:1"]);
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        let run = cmd.run().expect_code(monoarch::exit_code::SOURCE);
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(30),
            "{scheme}: the command took {took:?}; the limits are 2 s"
        );
        assert!(
            run.stderr.contains("cannot list the refs of"),
            "{scheme}: {}",
            run.stderr
        );
        if scheme == "git" {
            assert!(
                run.stderr
                    .contains("no answer within 2 s ($MONOARCH_GIT_TIMEOUT)")
                    && run.stderr.contains("raise $MONOARCH_GIT_TIMEOUT"),
                "{}",
                run.stderr
            );
        }
    }
}

#[test]
fn a_bad_time_limit_is_refused_with_the_variable_named() {
    let repo = GitRepo::new();
    repo.write(
        "projects/app/build-config.yaml",
        "upstream_repo: https://git.example/r.git\nupstream_ref: v1\n",
    );
    repo.commit("app");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--all", "--format", "json", "--resolve-refs"])
        .args(["--registry", "127.0.0.1:1"])
        .env("MONOARCH_GIT_TIMEOUT", "soon")
        .run()
        .expect_code(monoarch::exit_code::SOURCE);
    assert!(
        run.stderr
            .contains("$MONOARCH_GIT_TIMEOUT: `soon` is not a whole number of seconds above 0"),
        "{}",
        run.stderr
    );
}
