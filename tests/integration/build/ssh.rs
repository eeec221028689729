//! SSH upstreams (`ssh://`) against a real sshd on 127.0.0.1: a key from
//! `MONOARCH_GIT_SSH_KEY` or the SSH agent, host keys from
//! `MONOARCH_GIT_SSH_KNOWN_HOSTS`, and refusals when either is wrong.

use monoarch::env::Env;
use monoarch::source::{self, SourceError};

use super::fetch::{up, upstream};
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Monoarch;
use crate::support::sshd::Sshd;

fn env(pairs: &[(&str, &std::path::Path)]) -> Env {
    Env::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.display().to_string())),
    )
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "ssh", tool = "ssh-keygen", tool = "sshd")),
    ignore = "needs git, ssh, ssh-keygen, sshd: run hack/install-test-deps"
)]
fn an_ssh_upstream_is_fetched_with_a_key_from_the_environment() {
    let sshd = Sshd::start();
    let (repo, commits) = upstream();
    let url = sshd.publish(&repo, "up");
    let work = tempfile::tempdir().expect("temp dir");
    let good = env(&[
        ("MONOARCH_GIT_SSH_KEY", &sshd.client_key()),
        ("MONOARCH_GIT_SSH_KNOWN_HOSTS", &sshd.known_hosts()),
    ]);
    for (git_ref, commit, content) in [
        ("v1", &commits[0], "one\n"),
        ("main", &commits[2], "three\n"),
    ] {
        let dest = work.path().join(git_ref);
        let fetched = source::fetch("p", &up(&url, git_ref), &dest, &good).expect(git_ref);
        assert_eq!(&fetched.commit, commit, "{git_ref}");
        assert!(fetched.shallow, "{git_ref}: fetched shallow over ssh");
        assert_eq!(
            std::fs::read_to_string(dest.join("hello.txt")).expect("checked out"),
            content
        );
    }
}

/// sshd here does not pass GIT_PROTOCOL on (no `AcceptEnv`), so git speaks v0
/// and refuses a want for a sha no ref points at: monoarch then fetches every
/// branch and tag in full and checks the commit out; where the server allows
/// any sha, it stays shallow.
#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "ssh", tool = "ssh-keygen", tool = "sshd")),
    ignore = "needs git, ssh, ssh-keygen, sshd: run hack/install-test-deps"
)]
fn a_commit_no_ref_points_at_is_fetched_in_full_when_the_server_refuses_it() {
    let sshd = Sshd::start();
    // main moves on: its old head (commits[2]) is then on no branch tip or tag.
    let (repo, commits) = upstream();
    repo.write("hello.txt", "four\n");
    repo.commit("four");
    let url = sshd.publish(&repo, "up");
    let work = tempfile::tempdir().expect("temp dir");
    let good = env(&[
        ("MONOARCH_GIT_SSH_KEY", &sshd.client_key()),
        ("MONOARCH_GIT_SSH_KNOWN_HOSTS", &sshd.known_hosts()),
    ]);
    let fetched = source::fetch("p", &up(&url, &commits[2]), &work.path().join("a"), &good)
        .expect("by sha, in full");
    assert_eq!(fetched.commit, commits[2]);
    assert!(!fetched.shallow, "the server refused the sha: full fetch");
    assert_eq!(
        std::fs::read_to_string(work.path().join("a/hello.txt")).expect("checked out"),
        "three\n"
    );

    sshd.config("up", "uploadpack.allowAnySHA1InWant", "true");
    let fetched = source::fetch("p", &up(&url, &commits[2]), &work.path().join("b"), &good)
        .expect("by sha, shallow");
    assert_eq!(fetched.commit, commits[2]);
    assert!(fetched.shallow);
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "ssh", tool = "ssh-keygen", tool = "sshd")),
    ignore = "needs git, ssh, ssh-keygen, sshd: run hack/install-test-deps"
)]
fn an_unknown_or_changed_host_key_is_refused() {
    let sshd = Sshd::start();
    let (repo, _) = upstream();
    let url = sshd.publish(&repo, "up");
    let work = tempfile::tempdir().expect("temp dir");
    for (case, known_hosts) in [
        ("unknown host", sshd.empty_known_hosts()),
        ("changed host key", sshd.wrong_known_hosts()),
    ] {
        let e = env(&[
            ("MONOARCH_GIT_SSH_KEY", &sshd.client_key()),
            ("MONOARCH_GIT_SSH_KNOWN_HOSTS", &known_hosts),
        ]);
        let err = source::fetch("p", &up(&url, "v1"), &work.path().join(case), &e).expect_err(case);
        let SourceError::Remote { hint, .. } = &err else {
            panic!("{case}: not a remote error: {err}");
        };
        assert!(
            hint.contains("MONOARCH_GIT_SSH_KNOWN_HOSTS"),
            "{case}: {err}"
        );
        assert!(
            !work.path().join(case).join("hello.txt").exists(),
            "{case}: nothing checked out"
        );
    }
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "ssh", tool = "ssh-keygen", tool = "sshd")),
    ignore = "needs git, ssh, ssh-keygen, sshd: run hack/install-test-deps"
)]
fn without_an_authorized_key_the_server_refuses() {
    let sshd = Sshd::start();
    let (repo, _) = upstream();
    let url = sshd.publish(&repo, "up");
    let work = tempfile::tempdir().expect("temp dir");
    // No key at all (and no agent: SSH_AUTH_SOCK is not in this environment).
    let none = env(&[("MONOARCH_GIT_SSH_KNOWN_HOSTS", &sshd.known_hosts())]);
    let stranger = env(&[
        ("MONOARCH_GIT_SSH_KEY", &sshd.stranger_key()),
        ("MONOARCH_GIT_SSH_KNOWN_HOSTS", &sshd.known_hosts()),
    ]);
    for (case, e) in [("no key", none), ("unauthorized key", stranger)] {
        let err = source::fetch("p", &up(&url, "v1"), &work.path().join(case), &e).expect_err(case);
        assert!(
            err.to_string().contains("Permission denied")
                || err.to_string().contains("MONOARCH_GIT_SSH_KEY"),
            "{case}: {err}"
        );
    }
}

/// Through the binary: `plan --resolve-refs` lists an SSH upstream with the
/// key from the environment and pins the tag's commit.
#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "ssh", tool = "ssh-keygen", tool = "sshd")),
    ignore = "needs git, ssh, ssh-keygen, sshd: run hack/install-test-deps"
)]
fn plan_resolves_an_ssh_upstream_through_the_binary() {
    let sshd = Sshd::start();
    let (repo, commits) = upstream();
    let url = sshd.publish(&repo, "up");
    let monorepo = GitRepo::new();
    monorepo.write(
        "projects/app/build-config.yaml",
        &format!("upstream_repo: {url}\nupstream_ref: v1\n"),
    );
    monorepo.commit("app");
    let run = Monoarch::new(monorepo.path())
        .args(["plan", "--all", "--format", "json", "--resolve-refs"])
        .args(["--registry", "127.0.0.1:1"])
        .env("MONOARCH_GIT_SSH_KEY", sshd.client_key())
        .env("MONOARCH_GIT_SSH_KNOWN_HOSTS", sshd.known_hosts())
        .run()
        .success();
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect("plan JSON");
    assert_eq!(
        plan["projects"][0]["upstream"]["commit"],
        commits[0].as_str()
    );

    let run = Monoarch::new(monorepo.path())
        .args(["plan", "--all", "--format", "json", "--resolve-refs"])
        .args(["--registry", "127.0.0.1:1"])
        .env("MONOARCH_GIT_SSH_KEY", sshd.client_key())
        .env("MONOARCH_GIT_SSH_KNOWN_HOSTS", sshd.empty_known_hosts())
        .run()
        .expect_code(monoarch::exit_code::SOURCE);
    assert!(
        run.stderr.contains("MONOARCH_GIT_SSH_KNOWN_HOSTS"),
        "{}",
        run.stderr
    );
}
