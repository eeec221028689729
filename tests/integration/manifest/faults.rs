//! Registry faults injected by a real proxy in front of the real registry.

use super::{BOTH, Setup, index_at};
use crate::support::fault_proxy::{Action, FaultProxy};
use crate::support::plans;
use crate::support::registry::Registry;
use monoarch::exit_code;

/// The digest a fault-free run publishes for this project, on its own registry.
fn fault_free_digest(project: &monoarch::contract::ProjectPlan) -> String {
    let s = Setup::new();
    s.push_arch_images(project, BOTH);
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    s.manifest(&plan, &[]).success();
    index_at(&s.host(), &project.tags[0]).expect("index").1
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn transient_faults_are_retried_and_give_the_fault_free_digest() {
    let project = plans::project("app", BOTH, &["latest"]);
    let expected = fault_free_digest(&project);
    let registry = Registry::start();
    let s = Setup::with(registry);
    s.push_arch_images(&project, BOTH);
    let (mut gets, mut puts, mut blobs) = (0, 0, 0);
    let proxy = FaultProxy::start(s.registry.port(), move |r| {
        if r.path.contains("/manifests/") && r.method == "GET" {
            gets += 1;
            if gets == 1 {
                return Action::Status(503, None);
            }
        }
        if r.path.contains("/blobs/") {
            blobs += 1;
            if blobs == 1 {
                return Action::Drop;
            }
        }
        if r.method == "PUT" {
            puts += 1;
            match puts {
                1 => return Action::Status(429, Some(1)),
                2 => return Action::Drop,
                _ => {}
            }
        }
        Action::Forward
    });
    let plan = plans::plan(&proxy.host(), vec![project.clone()]);
    let started = std::time::Instant::now();
    let run = s.manifest(&plan, &[]).success();
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    assert_eq!(proxy.count(&Action::Status(503, None)), 1);
    assert_eq!(proxy.count(&Action::Status(429, Some(1))), 1);
    assert_eq!(proxy.count(&Action::Drop), 2);
    assert!(run.stderr.contains("retrying"), "{}", run.stderr);
    for tag in &project.tags {
        let (_, digest) = index_at(&s.host(), tag).expect("tag set");
        assert_eq!(digest, expected, "{tag}: same index as without faults");
    }
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_persistent_fault_ends_in_a_clear_error_with_no_tag_moved() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["latest"]);
    s.push_arch_images(&project, BOTH);
    let old = s.pusher.image(
        &project.repository,
        "app-latest",
        "linux/amd64",
        "yesterday",
    );
    let proxy = FaultProxy::start(s.registry.port(), |r| {
        if r.method == "PUT" {
            Action::Status(503, None)
        } else {
            Action::Forward
        }
    });
    let plan = plans::plan(&proxy.host(), vec![project.clone()]);
    let run = s.manifest(&plan, &[]).expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr.contains("gave up after 5 attempts: HTTP 503"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&project.tags[0]),
        "names the tag: {}",
        run.stderr
    );
    assert!(index_at(&s.host(), &project.tags[0]).is_none());
    let latest =
        super::skopeo_raw(&s.host(), plans::REPOSITORY, "app-latest", None).expect("latest");
    assert_eq!(
        crate::support::images::sha256(&latest),
        old.digest,
        "latest untouched"
    );
    assert_eq!(proxy.count(&Action::Status(503, None)), 5);
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_registry_without_location_headers_is_fine() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &[]);
    s.push_arch_images(&project, BOTH);
    let proxy = FaultProxy::start(s.registry.port(), |_| Action::ForwardWithoutLocation);
    let plan = plans::plan(&proxy.host(), vec![project.clone()]);
    s.manifest(&plan, &[]).success();
    assert!(index_at(&s.host(), &project.tags[0]).is_some());
    assert!(
        proxy
            .seen()
            .iter()
            .any(|(line, _)| line.starts_with("PUT "))
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn an_unreachable_registry_is_a_registry_error() {
    let s = Setup::new();
    let port = crate::support::registry::free_port();
    let plan = plans::plan(
        &format!("127.0.0.1:{port}"),
        vec![plans::project("app", BOTH, &[])],
    );
    let run = s.manifest(&plan, &[]).expect_code(exit_code::REGISTRY);
    assert!(run.stderr.contains("cannot connect"), "{}", run.stderr);
}
