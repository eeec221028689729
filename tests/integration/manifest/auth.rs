//! Basic auth with credentials from a docker config `credsStore` helper script.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{BOTH, Setup, skopeo_raw};
use crate::support::plans;
use crate::support::registry::Registry;
use monoarch::exit_code;

/// Writes `docker-credential-monoarchtest` (answers `user`/`secret` for `host`
/// only, and logs each call) and a docker config whose credsStore names it.
fn helper_and_config(dir: &Path, host: &str, user: &str, secret: &str) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let script = bin.join("docker-credential-monoarchtest");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread -r server\necho \"$server\" >> \"{log}\"\n\
             if [ \"$server\" = \"{host}\" ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{secret}\"}}' \"$server\"\n\
             else\n  echo 'credentials not found in native keychain' >&2; exit 1\nfi\n",
            log = dir.join("helper.log").display()
        ),
    )
    .expect("helper script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let docker = dir.join("docker");
    std::fs::create_dir_all(&docker).expect("docker config dir");
    std::fs::write(
        docker.join("config.json"),
        r#"{"auths":{},"credsStore":"monoarchtest"}"#,
    )
    .expect("docker config");
}

/// PATH with `dir/bin` (test helpers) first.
pub(super) fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "htpasswd", tool = "skopeo")),
    ignore = "needs docker-registry, htpasswd, skopeo: run hack/install-test-deps"
)]
fn credentials_come_from_the_creds_store_helper() {
    let registry = Registry::start_with_auth("ci-bot", "hunter2-secret");
    let s = Setup::with(registry);
    let project = plans::project("app", BOTH, &["latest"]);
    s.push_arch_images(&project, BOTH);
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    let plan_path = s.write_plan(&plan);
    helper_and_config(s.dir.path(), &s.host(), "ci-bot", "hunter2-secret");
    let run = s
        .command(&plan_path, &s.host(), &[])
        .env("DOCKER_CONFIG", s.dir.path().join("docker"))
        .env("PATH", path_with(s.dir.path()))
        .run()
        .success();
    assert!(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"));
    let creds = s.registry.auth().cloned();
    let raw =
        skopeo_raw(&s.host(), plans::REPOSITORY, "app-latest", creds.as_ref()).expect("latest set");
    assert!(String::from_utf8_lossy(&raw).contains("image.index"));
    let calls = std::fs::read_to_string(s.dir.path().join("helper.log")).expect("helper ran");
    assert_eq!(
        calls.lines().count(),
        1,
        "credentials resolved once, up front: {calls}"
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "htpasswd")),
    ignore = "needs docker-registry, htpasswd: run hack/install-test-deps"
)]
fn wrong_credentials_name_their_source_but_never_the_secret() {
    let registry = Registry::start_with_auth("ci-bot", "right-password");
    let s = Setup::with(registry);
    let project = plans::project("app", BOTH, &[]);
    s.push_arch_images(&project, BOTH);
    let plan = plans::plan(&s.host(), vec![project]);
    let plan_path = s.write_plan(&plan);
    helper_and_config(s.dir.path(), &s.host(), "ci-bot", "wrong-password-xyz");
    let run = s
        .command(&plan_path, &s.host(), &[])
        .env("DOCKER_CONFIG", s.dir.path().join("docker"))
        .env("PATH", path_with(s.dir.path()))
        .run()
        .expect_code(exit_code::REGISTRY);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "user `ci-bot` from credsStore `monoarchtest` (docker-credential-monoarchtest)"
        ),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("wrong-password-xyz") && !run.stdout.contains("wrong-password-xyz")
    );

    // Environment credentials win over the docker config.
    let run = s
        .command(&plan_path, &s.host(), &[])
        .env("DOCKER_CONFIG", s.dir.path().join("docker"))
        .env("PATH", path_with(s.dir.path()))
        .env("MONOARCH_REGISTRY_USERNAME", "ci-bot")
        .env("MONOARCH_REGISTRY_PASSWORD", "right-password")
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "htpasswd", tool = "skopeo")),
    ignore = "needs docker-registry, htpasswd, skopeo: run hack/install-test-deps"
)]
fn credential_helpers_per_registry_are_used() {
    let registry = Registry::start_with_auth("ecr-bot", "from-cred-helper");
    let s = Setup::with(registry);
    let project = plans::project("app", BOTH, &[]);
    s.push_arch_images(&project, BOTH);
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    let plan_path = s.write_plan(&plan);
    helper_and_config(s.dir.path(), &s.host(), "ecr-bot", "from-cred-helper");
    // The ECR style: a helper for this registry only, another store for the rest.
    std::fs::write(
        s.dir.path().join("docker/config.json"),
        format!(
            r#"{{"credsStore":"absent","credHelpers":{{"{}":"monoarchtest"}}}}"#,
            s.host()
        ),
    )
    .expect("docker config");
    s.command(&plan_path, &s.host(), &[])
        .env("DOCKER_CONFIG", s.dir.path().join("docker"))
        .env("PATH", path_with(s.dir.path()))
        .run()
        .success();
    let creds = s.registry.auth().cloned();
    assert!(
        skopeo_raw(
            &s.host(),
            plans::REPOSITORY,
            &project.tags[0],
            creds.as_ref()
        )
        .is_some()
    );
}

/// A bearer-token registry (as GHCR, Docker Hub, GitLab): a proxy in front of
/// the open registry demands a token, which its `/token` realm hands out for
/// basic credentials. (docker-registry's own token auth needs a JWT-issuing
/// token server, which is more machinery than the check is worth.)
#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn bearer_token_registries_get_a_token_from_the_realm() {
    use crate::support::fault_proxy::{Action, FaultProxy};
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["latest"]);
    s.push_arch_images(&project, BOTH);
    // base64("bot:s3cret-pw")
    const BASIC: &str = "Basic Ym90OnMzY3JldC1wdw==";
    let mut token_calls = 0;
    let proxy = FaultProxy::start(s.registry.port(), move |r| {
        if r.path.starts_with("/token") {
            token_calls += 1;
            if token_calls == 1 {
                return Action::Status(503, None);
            }
            if r.header("authorization") == Some(BASIC) && r.path.contains("service=test-registry")
            {
                return Action::Respond(200, vec![], r#"{"token":"tok-123"}"#.into());
            }
            return Action::Respond(401, vec![], "{}".into());
        }
        if r.header("authorization") == Some("Bearer tok-123") {
            return Action::Forward;
        }
        let realm = format!("http://{}/token", r.header("host").unwrap_or_default());
        Action::Respond(
            401,
            vec![(
                "WWW-Authenticate".into(),
                format!(r#"Bearer realm="{realm}",service="test-registry""#),
            )],
            r#"{"errors":[{"code":"UNAUTHORIZED"}]}"#.into(),
        )
    });
    let plan = plans::plan(&proxy.host(), vec![project.clone()]);
    let plan_path = s.write_plan(&plan);
    let run = s
        .command(&plan_path, &proxy.host(), &[])
        .env("MONOARCH_REGISTRY_USERNAME", "bot")
        .env("MONOARCH_REGISTRY_PASSWORD", "s3cret-pw")
        .run()
        .success();
    assert!(!run.stderr.contains("s3cret-pw"));
    let tokens = proxy
        .seen()
        .iter()
        .filter(|(l, a)| l.contains("/token") && *a != Action::Status(503, None))
        .count();
    assert_eq!(tokens, 2, "one token per scope (pull, push)");
    assert_eq!(
        proxy.count(&Action::Status(503, None)),
        1,
        "the failed token request was retried"
    );
    assert!(super::index_at(&s.host(), "app-latest").is_some());
}
