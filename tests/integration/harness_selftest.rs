//! The harness itself works: a registry answers, a git repo commits.

use crate::support::{git_repo::GitRepo, registry::Registry};

#[test]
#[cfg_attr(
    not(all(tool = "curl", tool = "docker-registry")),
    ignore = "needs curl, docker-registry: run hack/install-test-deps"
)]
fn registry_answers_the_v2_ping() {
    let registry = Registry::start();
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(format!("http://{}/v2/", registry.host()))
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
    assert!(
        registry.log().contains("GET /v2/"),
        "access log records requests"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn git_repo_commits_files() {
    let repo = GitRepo::new();
    repo.write("a.txt", "a");
    let first = repo.commit("first");
    repo.write("b/c.txt", "c");
    let second = repo.commit("second");
    assert_ne!(first, second);
    assert_eq!(
        repo.git(&["diff", "--name-only", &first, &second]),
        "b/c.txt"
    );
}
