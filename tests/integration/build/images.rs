//! Real buildah builds pushed to a real registry, cross-checked with skopeo.

use std::path::Path;

use super::read_record;

use crate::support::buildah::Buildah;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::{Monoarch, Run};
use crate::support::plans;
use crate::support::skopeo;
use crate::support::world::World;

const BASE_IMAGE: &str = "localhost/monoarch-test-busybox:latest";
const SECRET: &str = "s3cret-Value-42";

/// A monorepo with an in-repo `FROM scratch` + `COPY` project per name.
fn monorepo(names: &[&str]) -> GitRepo {
    let repo = GitRepo::new();
    for name in names {
        repo.write(
            &format!("projects/{name}/Dockerfile"),
            "FROM scratch\nCOPY hello.txt /hello.txt\n",
        );
        repo.write(
            &format!("projects/{name}/hello.txt"),
            &format!("hello from {name}\n"),
        );
    }
    repo.commit("projects");
    repo
}

fn build(dir: &Path, buildah: &Buildah, args: &[&str]) -> Monoarch {
    let mut cmd = Monoarch::new(dir)
        .args(["build", "--plan", "plan.json"])
        .args(args);
    for (k, v) in buildah.env() {
        cmd = cmd.env(k, v);
    }
    cmd
}

fn output(run: &Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "skopeo")),
    ignore = "needs buildah, docker-registry, skopeo: run hack/install-test-deps"
)]
fn scratch_project_is_built_and_pushed_for_both_architectures() {
    let w = World::new();
    let (registry, buildah) = (w.registry(), w.buildah());
    let (host_arch, foreign_arch) = plans::host_and_foreign_arch();
    let repo = monorepo(&["hello"]);
    let plan = plans::plan(
        &registry.host(),
        vec![plans::local_project("hello", &["amd64", "arm64"])],
    );
    plans::write(repo.path(), &plan);

    let host = registry.host();
    for (arch, extra) in [(host_arch, None), (foreign_arch, Some("--allow-emulation"))] {
        let mut args = vec![
            "--project",
            "hello",
            "--arch",
            arch,
            "--insecure-registry",
            &host,
        ];
        args.extend(extra);
        let run = build(repo.path(), buildah, &args).run().success();
        let record = read_record(&repo.join(&format!("build-records/hello-{arch}.json")));
        let image = format!("{}/monoarch:hello-20261120-abc1234-{arch}", registry.host());
        assert_eq!(record.image, image);
        assert_eq!(record.arch, arch);
        assert_eq!(record.builder, "buildah");
        assert_eq!(record.upstream_commit, None);
        assert_eq!(record.plan_commit, plans::COMMIT);
        assert_eq!(
            skopeo::manifest_digest(&image),
            record.digest,
            "digest per skopeo"
        );
        assert_eq!(skopeo::config_platform(&image), format!("linux/{arch}"));
        assert!(
            run.stdout.contains(&format!("built hello linux/{arch}")),
            "{}",
            output(&run)
        );
        assert!(
            run.stdout.contains("$ buildah bud --platform=linux/"),
            "{}",
            output(&run)
        );
    }
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "busybox",
        tool = "docker-registry",
        tool = "git",
        tool = "skopeo"
    )),
    ignore = "needs buildah, busybox, docker-registry, git, skopeo: run hack/install-test-deps"
)]
fn run_step_on_a_local_base_with_a_secret_arg_never_shows_the_secret() {
    let w = World::new();
    let (registry, buildah, daemon) = (w.registry(), w.buildah(), w.git_daemon());
    buildah.make_busybox_base(BASE_IMAGE);
    let (host_arch, _) = plans::host_and_foreign_arch();

    let upstream = GitRepo::new();
    upstream.write(
        "docker/Dockerfile",
        &format!(
            "FROM {BASE_IMAGE}\nARG API_TOKEN\nCOPY app.txt /app.txt\n\
             RUN test \"$API_TOKEN\" = \"{SECRET}\" && echo \"token is $API_TOKEN\" && uname -m > /arch.txt\n"
        ),
    );
    upstream.write("app.txt", "app\n");
    let tagged = upstream.commit("app");
    upstream.git(&["tag", "v1.0.0"]);
    upstream.write("app.txt", "later\n");
    upstream.commit("later");
    let url = daemon.publish(&upstream, "app");

    let monorepo = GitRepo::new();
    let mut project =
        plans::with_upstream(plans::local_project("app", &[host_arch]), &url, "v1.0.0");
    project.dockerfile = "docker/Dockerfile".into();
    let project = plans::with_secret_arg(project, "API_TOKEN", "CI_SECRET_TOKEN");
    plans::write(
        monorepo.path(),
        &plans::plan(&registry.host(), vec![project]),
    );
    let github_output = monorepo.join("github-output.txt");

    let host = registry.host();
    let run = build(
        monorepo.path(),
        buildah,
        &[
            "--project",
            "app",
            "--arch",
            host_arch,
            "--insecure-registry",
            &host,
        ],
    )
    .env("CI_SECRET_TOKEN", SECRET)
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_OUTPUT", &github_output)
    .run()
    .success();

    let all = output(&run);
    let outputs = std::fs::read_to_string(&github_output).expect("GITHUB_OUTPUT written");
    let record_path = monorepo.join(&format!("build-records/app-{host_arch}.json"));
    let record_text = std::fs::read_to_string(&record_path).expect("record");
    for (what, text) in [
        ("output", &all),
        ("GITHUB_OUTPUT", &outputs),
        ("record", &record_text),
    ] {
        assert!(
            !text.contains(SECRET),
            "the secret leaked into the {what}:\n{text}"
        );
    }
    // The RUN step saw the value (its `test` passed) and its echo was masked.
    assert!(all.contains("token is ***"), "{all}");
    assert!(
        all.contains("--build-arg API_TOKEN "),
        "passed by name: {all}"
    );
    assert!(all.contains("::group::buildah build: app"), "{all}");
    assert!(all.contains("::endgroup::"), "{all}");
    // The builder's output runs with workflow commands paused.
    let stop = all
        .lines()
        .find_map(|l| l.strip_prefix("::stop-commands::"))
        .expect("workflow commands paused");
    assert!(all.contains(&format!("\n::{stop}::\n")), "{all}");

    let record = read_record(&record_path);
    assert_eq!(record.upstream_commit.as_deref(), Some(tagged.as_str()));
    assert!(
        outputs.contains(&format!("digest={}\n", record.digest)),
        "{outputs}"
    );
    assert!(
        outputs.contains(&format!("upstream-commit={tagged}\n")),
        "{outputs}"
    );
    assert_eq!(skopeo::manifest_digest(&record.image), record.digest);
    assert_eq!(
        skopeo::config_platform(&record.image),
        format!("linux/{host_arch}")
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "skopeo")),
    ignore = "needs buildah, docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_packed_matrix_entry_builds_each_project_in_turn() {
    let w = World::new();
    let (registry, buildah) = (w.registry(), w.buildah());
    let (host_arch, _) = plans::host_and_foreign_arch();
    let repo = monorepo(&["one", "two"]);
    let plan = plans::plan(
        &registry.host(),
        vec![
            plans::local_project("one", &["amd64", "arm64"]),
            plans::local_project("two", &["amd64", "arm64"]),
        ],
    );
    plans::write(repo.path(), &plan);
    let entry = format!(
        r#"{{"name":"one+two {host_arch}","runner":"x","arch":"{host_arch}","platform":"linux/{host_arch}","projects":["one","two"]}}"#
    );
    let host = registry.host();
    build(
        repo.path(),
        buildah,
        &["--job-env", "JOB", "--insecure-registry", &host],
    )
    .env("JOB", entry)
    .run()
    .success();
    for name in ["one", "two"] {
        let record = read_record(&repo.join(&format!("build-records/{name}-{host_arch}.json")));
        assert_eq!(
            skopeo::manifest_digest(&record.image),
            record.digest,
            "{name}"
        );
    }
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "htpasswd",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, htpasswd, skopeo: run hack/install-test-deps"
)]
fn registry_credentials_from_the_environment_reach_the_builder_but_no_output() {
    const PASSWORD: &str = "correct-horse-battery";
    let w = World::with_auth("ci", PASSWORD);
    let (registry, buildah) = (w.registry(), w.buildah());
    let (host_arch, _) = plans::host_and_foreign_arch();
    let repo = monorepo(&["hello"]);
    plans::write(
        repo.path(),
        &plans::plan(
            &registry.host(),
            vec![plans::local_project("hello", &[host_arch])],
        ),
    );
    std::fs::write(repo.join("empty-auth.json"), "{}").expect("auth file");
    let host = registry.host();
    let run = build(
        repo.path(),
        buildah,
        &[
            "--project",
            "hello",
            "--arch",
            host_arch,
            "--insecure-registry",
            &host,
        ],
    )
    .env("REGISTRY_AUTH_FILE", repo.join("empty-auth.json"))
    .env("MONOARCH_REGISTRY_USERNAME", "ci")
    .env("MONOARCH_REGISTRY_PASSWORD", PASSWORD)
    .run()
    .success();
    let all = output(&run);
    assert!(!all.contains(PASSWORD), "{all}");
    assert!(all.contains("--authfile="), "{all}");
    let record = read_record(&repo.join(&format!("build-records/hello-{host_arch}.json")));
    assert_eq!(
        record.image,
        format!("{host}/monoarch:hello-20261120-abc1234-{host_arch}")
    );
    assert!(
        registry
            .requests("PUT")
            .iter()
            .any(|r| r.contains("/manifests/hello-20261120-abc1234-")),
        "the manifest was pushed: {:?}",
        registry.requests("PUT")
    );
}
