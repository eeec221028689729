//! Credential helpers read as the docker CLI reads them: "credentials not
//! found" (exit 1, the message on stdout) is anonymous access; any other
//! failure stops with the helper's own message. Real helper scripts.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use monoarch::exit_code;

use super::{BOTH, index_at, manifest_command, push_arch_images};
use crate::support::monoarch::Run;
use crate::support::plans;
use crate::support::world::World;

/// Runs `monoarch manifest` with a docker config whose `credsStore` is a
/// helper script with this body (after `#!/bin/sh`).
fn manifest_with_helper(w: &World, dir: &Path, script: &str) -> Run {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let helper = bin.join("docker-credential-monoarchtest");
    std::fs::write(&helper, format!("#!/bin/sh\n{script}\n")).expect("helper script");
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let docker = dir.join("docker");
    std::fs::create_dir_all(&docker).expect("docker config dir");
    std::fs::write(
        docker.join("config.json"),
        r#"{"auths":{},"credsStore":"monoarchtest"}"#,
    )
    .expect("docker config");
    let host = w.registry().host();
    let project = plans::project("app", BOTH, &["latest"]);
    push_arch_images(w, &project, BOTH, "a");
    let plan = plans::write(dir, &plans::plan(&host, vec![project]));
    manifest_command(dir, &plan, &host, &[])
        .env("DOCKER_CONFIG", &docker)
        .env("PATH", super::auth::path_with(dir))
        .run()
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_helper_without_credentials_for_the_host_means_anonymous() {
    let w = World::new();
    let dir = tempfile::tempdir().expect("temp dir");
    // What docker-credential-pass, -secretservice and ecr-login answer.
    let run = manifest_with_helper(
        &w,
        dir.path(),
        "cat > /dev/null\necho 'credentials not found in native keychain'\nexit 1",
    )
    .success();
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
    assert!(index_at(&w.registry().host(), "app-latest").is_some());
}

#[test]
#[cfg_attr(
    not(tool = "docker-registry"),
    ignore = "needs docker-registry: run hack/install-test-deps"
)]
fn a_failing_helper_shows_its_own_message() {
    let w = World::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let run = manifest_with_helper(
        &w,
        dir.path(),
        "cat > /dev/null\necho 'error getting credentials - err: exit status 1, out: keychain is locked'\nexit 1",
    )
    .expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr.contains(&format!(
            "cannot get credentials for {} from credsStore `monoarchtest` (docker-credential-monoarchtest) in {}/docker/config.json: `docker-credential-monoarchtest get` exited 1: error getting credentials - err: exit status 1, out: keychain is locked; fix that, or set MONOARCH_REGISTRY_USERNAME and MONOARCH_REGISTRY_PASSWORD",
            w.registry().host(),
            dir.path().display()
        )),
        "{}",
        run.stderr
    );
    assert!(index_at(&w.registry().host(), "app-latest").is_none());
}

#[test]
#[cfg_attr(
    not(tool = "docker-registry"),
    ignore = "needs docker-registry: run hack/install-test-deps"
)]
fn a_helper_answering_garbage_never_shows_what_it_printed() {
    let w = World::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let run = manifest_with_helper(
        &w,
        dir.path(),
        "cat > /dev/null\necho 'Secret: hunter2-xyz'",
    )
    .expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr
            .contains("exited 0 but its answer is not credentials JSON"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2-xyz") && !run.stdout.contains("hunter2-xyz"));
}

/// The token realm comes from the registry's 401: a realm over plain HTTP on
/// another host never gets the credentials.
#[test]
#[cfg_attr(
    not(tool = "docker-registry"),
    ignore = "needs docker-registry: run hack/install-test-deps"
)]
fn credentials_never_go_to_a_plain_http_token_realm_on_another_host() {
    use crate::support::fault_proxy::{Action, FaultProxy};
    let w = World::new();
    let project = plans::project("app", BOTH, &[]);
    push_arch_images(&w, &project, BOTH, "a");
    let proxy = FaultProxy::start(w.registry().port(), |r| {
        if r.path.starts_with("/token") {
            return Action::Respond(200, vec![], r#"{"token":"tok"}"#.into());
        }
        let port = r
            .header("host")
            .and_then(|h| h.rsplit(':').next())
            .unwrap_or("1");
        Action::Respond(
            401,
            vec![(
                "WWW-Authenticate".into(),
                format!(r#"Bearer realm="http://localhost:{port}/token",service="x""#),
            )],
            "{}".into(),
        )
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = plans::write(dir.path(), &plans::plan(&proxy.host(), vec![project]));
    let run = manifest_command(dir.path(), &plan, &proxy.host(), &[])
        .env("MONOARCH_REGISTRY_USERNAME", "bot")
        .env("MONOARCH_REGISTRY_PASSWORD", "s3cret-pw")
        .run()
        .expect_code(exit_code::REGISTRY);
    assert!(
        run.stderr
            .contains("plain HTTP on another host; credentials go only over HTTPS"),
        "{}",
        run.stderr
    );
    assert!(
        !proxy.seen().iter().any(|(line, _)| line.contains("/token")),
        "no token request: {:?}",
        proxy.seen()
    );
}
