//! The stages together on one machine: a real project config, `plan --resolve-refs`,
//! the upstream branch moving on, then `build` and `manifest` from that plan.

use monoarch::contract::read_plan;

use super::read_record;
use crate::support::git_http::GitHttp;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Monoarch;
use crate::support::plans;
use crate::support::skopeo;
use crate::support::validators::check_contract;
use crate::support::world::World;

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "check-jsonschema",
        tool = "docker-registry",
        tool = "git",
        tool = "skopeo"
    )),
    ignore = "needs buildah, check-jsonschema, docker-registry, git, skopeo: run hack/install-test-deps"
)]
fn a_resolved_plan_builds_the_planned_commit_after_the_branch_moved() {
    let w = World::new();
    let (registry, buildah, daemon) = (w.registry(), w.buildah(), w.git_daemon());
    let (host_arch, _) = plans::host_and_foreign_arch();
    let host = registry.host();

    let upstream = GitRepo::new();
    upstream.write(
        "Dockerfile",
        "FROM scratch\nCOPY version.txt /version.txt\n",
    );
    upstream.write("version.txt", "planned\n");
    let planned = upstream.commit("planned");
    let url = daemon.publish(&upstream, "app");

    let monorepo = GitRepo::new();
    monorepo.write(
        "projects/app/build-config.yaml",
        &format!("upstream_repo: {url}\nupstream_ref: main\nplatforms:\n  - linux/{host_arch}\n"),
    );
    monorepo.commit("app");
    Monoarch::new(monorepo.path())
        .args(["plan", "--all", "--format", "json", "--output", "plan.json"])
        .args(["--resolve-refs", "--registry", &host])
        .run()
        .success();
    let plan = read_plan(&monorepo.join("plan.json")).expect("plan.json");
    let project = plan.project("app").expect("app is planned");
    let pinned = project.upstream.as_ref().and_then(|u| u.commit.clone());
    assert_eq!(
        pinned.as_deref(),
        Some(planned.as_str()),
        "plan pins main's commit"
    );

    upstream.write("version.txt", "moved\n");
    let moved = upstream.commit("moved on");
    daemon.publish(&upstream, "app");

    buildah
        .monoarch_build(monorepo.path())
        .args([
            "--project",
            "app",
            "--arch",
            host_arch,
            "--insecure-registry",
            &host,
        ])
        .run()
        .success();
    let record_path = monorepo.join(&format!("build-records/app-{host_arch}.json"));
    let record = read_record(&record_path);
    // The real plan (with a resolved upstream) and record fit their committed schemas.
    for (schema, file) in [
        ("plan", monorepo.join("plan.json")),
        ("build-record", record_path.clone()),
    ] {
        let verdict = check_contract(schema, std::slice::from_ref(&file));
        assert!(verdict.ok, "{}: {}", file.display(), verdict.output);
    }
    assert_eq!(
        record.upstream_commit.as_deref(),
        Some(planned.as_str()),
        "built the planned commit, not the new head {moved}"
    );

    Monoarch::new(monorepo.path())
        .args([
            "manifest",
            "--plan",
            "plan.json",
            "--insecure-registry",
            &host,
        ])
        .run()
        .success();
    let index_ref = format!("{host}/{}:{}", project.repository, project.primary_tag());
    let index = skopeo::raw_manifest(&index_ref);
    assert_eq!(
        index["manifests"][0]["digest"].as_str(),
        Some(record.digest.as_str()),
        "the index points at the built image"
    );
    assert_eq!(skopeo::manifest_digest(&record.image), record.digest);
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "openssl",
        tool = "python3",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, openssl, python3, skopeo: run hack/install-test-deps"
)]
fn a_private_upstream_over_https_is_built_with_a_token() {
    const TOKEN: &str = "ghp-https-private-token";
    let w = World::new();
    let (registry, buildah) = (w.registry(), w.buildah());
    let server = GitHttp::start_tls("x-access-token", TOKEN);
    let (host_arch, _) = plans::host_and_foreign_arch();
    let host = registry.host();
    let upstream = GitRepo::new();
    upstream.write("Dockerfile", "FROM scratch\nCOPY secret.txt /secret.txt\n");
    upstream.write("secret.txt", "private\n");
    let tagged = upstream.commit("private");
    upstream.git(&["tag", "v1"]);
    let url = server.publish(&upstream, "private");
    assert!(url.starts_with("https://"), "{url}");

    let monorepo = GitRepo::new();
    let project = plans::with_upstream(plans::local_project("private", &[host_arch]), &url, "v1");
    plans::write(monorepo.path(), &plans::plan(&host, vec![project]));
    let run = buildah
        .monoarch_build(monorepo.path())
        .args([
            "-v",
            "--project",
            "private",
            "--arch",
            host_arch,
            "--insecure-registry",
            &host,
        ])
        .env("MONOARCH_CA_FILE", server.ca_file())
        .env("MONOARCH_GIT_TOKEN", TOKEN)
        .env("MONOARCH_GIT_TOKEN_HOST", server.authority())
        .env("MONOARCH_GIT_USERNAME", "x-access-token")
        .run()
        .success();
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(TOKEN), "the token leaked: {text}");
    }
    let record_path = monorepo.join(&format!("build-records/private-{host_arch}.json"));
    let record = read_record(&record_path);
    assert_eq!(record.upstream_commit.as_deref(), Some(tagged.as_str()));
    assert_eq!(skopeo::manifest_digest(&record.image), record.digest);

    // Without trusting the server's certificate, the fetch fails as a source error.
    let run = buildah
        .monoarch_build(monorepo.path())
        .args([
            "--project",
            "private",
            "--arch",
            host_arch,
            "--insecure-registry",
            &host,
        ])
        .env("MONOARCH_GIT_TOKEN", TOKEN)
        .env("MONOARCH_GIT_TOKEN_HOST", server.authority())
        .run()
        .expect_code(monoarch::exit_code::SOURCE);
    assert!(
        run.stderr
            .contains("error: private: cannot list the refs of https://127.0.0.1:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("TLS certificate is not trusted here; point $MONOARCH_CA_FILE"),
        "{}",
        run.stderr
    );
}
