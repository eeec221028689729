//! Hostile registries: every answer is read with a cap, every request has a
//! deadline, so a registry can neither fill memory nor hold a job forever.
//! The faults come from the proxy in front of the real registry; a real
//! registry never sends them.

use monoarch::contract::ProjectPlan;
use monoarch::exit_code;

use super::{BOTH, index_at, manifest_command, push_arch_images};
use crate::support::fault_proxy::{Action, FaultProxy, Request};
use crate::support::monoarch::Run;
use crate::support::plans;
use crate::support::world::World;

const GIB: u64 = 1024 * 1024 * 1024;

/// Publishes `project` through a proxy that answers with `rule`, with `env` set.
fn manifest_through(
    w: &World,
    project: &ProjectPlan,
    env: &[(&str, &str)],
    rule: impl FnMut(&Request) -> Action + Send + 'static,
) -> (Run, FaultProxy) {
    push_arch_images(w, project, BOTH, "a");
    let proxy = FaultProxy::start(w.registry().port(), rule);
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = plans::plan(&proxy.host(), vec![project.clone()]);
    let path = plans::write(dir.path(), &plan);
    let mut cmd = manifest_command(dir.path(), &path, &proxy.host(), &[]);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    (cmd.run(), proxy)
}

/// The proxy's hostile answer was cut short: monoarch stopped reading it.
fn assert_hung_up_early(proxy: &FaultProxy) {
    let sent = proxy.bytes_sent();
    assert!(sent < 256 * 1024 * 1024, "read {sent} bytes of 2 GiB");
}

fn is_arch_manifest_get(r: &Request) -> bool {
    r.method == "GET" && r.path.contains("/manifests/") && r.path.ends_with("-amd64")
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_chunked_manifest_without_length_is_refused_at_the_cap() {
    let w = World::new();
    let project = plans::project("app", BOTH, &["latest"]);
    let (run, proxy) = manifest_through(&w, &project, &[], |r| {
        if is_arch_manifest_get(r) {
            Action::Chunked(200, 2 * GIB)
        } else {
            Action::Forward
        }
    });
    let run = run.expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr.contains("app-20261120-abc1234-amd64")
            && run.stderr.contains("larger than 16 MiB"),
        "{}",
        run.stderr
    );
    assert_hung_up_early(&proxy);
    assert_eq!(
        proxy.count(&Action::Chunked(200, 2 * GIB)),
        1,
        "an oversized answer is not retried"
    );
    assert!(index_at(&w.registry().host(), &project.tags[0]).is_none());
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_huge_error_body_is_read_only_in_part() {
    let w = World::new();
    let project = plans::project("app", BOTH, &[]);
    let (run, proxy) = manifest_through(&w, &project, &[], |r| {
        if r.method == "PUT" {
            Action::Chunked(400, 2 * GIB)
        } else {
            Action::Forward
        }
    });
    let run = run.expect_code(exit_code::REGISTRY);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("refused the request with 400"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        line.len() < 1000,
        "the message is cut: {} bytes",
        line.len()
    );
    assert_hung_up_early(&proxy);
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_huge_token_answer_is_refused() {
    let w = World::new();
    let project = plans::project("app", BOTH, &[]);
    let realm = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let realm_in_rule = realm.clone();
    let (run, proxy) = manifest_through(&w, &project, &[], move |r| {
        if r.path.starts_with("/token") {
            return Action::Chunked(200, 2 * GIB);
        }
        let host = r.header("host").unwrap_or_default().to_string();
        *realm_in_rule.lock().expect("realm") = host.clone();
        Action::Respond(
            401,
            vec![(
                "WWW-Authenticate".into(),
                format!(r#"Bearer realm="http://{host}/token",service="test""#),
            )],
            r#"{"errors":[{"code":"UNAUTHORIZED"}]}"#.into(),
        )
    });
    let run = run.expect_code(exit_code::REGISTRY);
    assert!(run.stderr.contains("larger than 1 MiB"), "{}", run.stderr);
    assert!(
        !realm.lock().expect("realm").is_empty(),
        "a token was asked for"
    );
    assert_hung_up_early(&proxy);
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_registry_trickling_one_byte_at_a_time_ends_in_a_timeout() {
    let w = World::new();
    let project = plans::project("app", BOTH, &["latest"]);
    let (run, proxy) = manifest_through(&w, &project, &[("MONOARCH_REGISTRY_TIMEOUT", "3")], |r| {
        if is_arch_manifest_get(r) {
            Action::Trickle(2000)
        } else {
            Action::Forward
        }
    });
    let run = run.expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr.contains("no complete answer within 3 s")
            && run.stderr.contains("raise MONOARCH_REGISTRY_TIMEOUT"),
        "{}",
        run.stderr
    );
    assert!(
        proxy.bytes_sent() < 10,
        "a trickle of {} bytes",
        proxy.bytes_sent()
    );
    assert!(index_at(&w.registry().host(), &project.tags[0]).is_none());
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_registry_that_never_sends_headers_ends_in_a_timeout() {
    let w = World::new();
    let project = plans::project("app", BOTH, &[]);
    let (run, proxy) =
        manifest_through(&w, &project, &[("MONOARCH_REGISTRY_TIMEOUT", "2")], |_| {
            Action::Silence
        });
    let run = run.expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr.contains("no complete answer within 2 s"),
        "{}",
        run.stderr
    );
    assert!(
        proxy.count(&Action::Silence) <= 2 * project.jobs.len(),
        "one try per request fits in the deadline: {:?}",
        proxy.seen()
    );
}

#[test]
#[cfg_attr(
    not(tool = "docker-registry"),
    ignore = "needs docker-registry: run hack/install-test-deps"
)]
fn https_to_a_plain_http_registry_suggests_insecure_registry() {
    let w = World::new();
    let host = w.registry().host();
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = plans::plan(&host, vec![plans::project("app", BOTH, &[])]);
    let path = plans::write(dir.path(), &plan);
    let run = crate::support::monoarch::Monoarch::new(dir.path())
        .args(["manifest", "--plan"])
        .arg_path(&path)
        .run()
        .expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr.contains(&format!(
            "{host} answered in plain HTTP to an HTTPS request; if it is a plain-HTTP registry (a local or test one), pass --insecure-registry {host}"
        )),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("retrying"),
        "not retried: {}",
        run.stderr
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "openssl")),
    ignore = "needs docker-registry, openssl: run hack/install-test-deps"
)]
fn plain_http_to_an_https_registry_suggests_dropping_insecure_registry() {
    let registry = crate::support::registry::Registry::start_tls();
    let host = registry.host();
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = plans::plan(&host, vec![plans::project("app", BOTH, &[])]);
    let path = plans::write(dir.path(), &plan);
    let run = manifest_command(dir.path(), &path, &host, &[])
        .run()
        .expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr.contains(
            "the registry speaks HTTPS: drop --insecure-registry (and the host from MONOARCH_INSECURE_REGISTRIES)"
        ),
        "{}",
        run.stderr
    );
}
