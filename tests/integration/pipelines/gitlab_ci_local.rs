//! The GitLab templates end to end under gitlab-ci-local: the parent pipeline (the
//! component with the pins a release renders, the install script downloading this
//! test build from a release host on 127.0.0.1), then the child pipeline it generated,
//! against a real registry that demands the job token, checked with skopeo.
//!
//! What the harness stands in for: jobs run under gitlab-ci-local's shell executor
//! (`image:` lines removed), one machine plays both architectures (the component's
//! `allow_emulation` input, as a team without arm64 runners sets it; the images run
//! nothing), and `needs: pipeline:` is emulated by running the child in the parent's
//! working copy, after checking that every parent job it names ran.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::install::{host_target, serve_release};
use crate::support::buildah::Buildah;
use crate::support::git_repo::GitRepo;
use crate::support::registry::Registry;
use crate::support::release_server::ReleaseServer;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const USER: &str = "gitlab-ci-token";
const TOKEN: &str = "job-token-not-for-logs";
const PROJECT_PATH: &str = "group/monorepo";

struct World {
    repo: GitRepo,
    base: String,
    registry: Registry,
    _server: ReleaseServer,
    buildah: Buildah,
}

/// The rendered templates of a release whose tarballs are this test build.
fn rendered_templates(server: &ReleaseServer, out: &Path) {
    let sum = serve_release(server);
    let (target, _) = host_target();
    // One machine: the other architecture's line is the same file under its name.
    let sums = ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]
        .iter()
        .map(|t| {
            let name = format!("monoarch-{VERSION}-{t}.tar.gz");
            if *t != target {
                let dir = server.release_dir(VERSION);
                fs::copy(
                    dir.join(format!("monoarch-{VERSION}-{target}.tar.gz")),
                    dir.join(&name),
                )
                .expect("copy tarball");
            }
            format!("{sum}  {name}\n")
        })
        .collect::<String>();
    let sums_file = out.with_extension("SHA256SUMS");
    fs::write(&sums_file, sums).expect("write SHA256SUMS");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hack/render-templates");
    let status = Command::new(script)
        .args([
            VERSION,
            &server.url(),
            "0123456789abcdef0123456789abcdef01234567",
        ])
        .arg(&sums_file)
        .arg(out)
        .status()
        .expect("run hack/render-templates");
    assert!(status.success(), "hack/render-templates failed");
}

/// A monorepo that adopted the GitLab templates (GitLab registry example), with a
/// change to `alpha` and `beta` on top of `base`.
fn world() -> World {
    for tool in [
        "gitlab-ci-local",
        "rsync",
        "buildah",
        "skopeo",
        "python3",
        "git",
    ] {
        crate::support::tools::require(tool);
    }
    let registry = Registry::start_with_auth(USER, TOKEN);
    let server = ReleaseServer::start();
    let buildah = Buildah::new();
    let rendered = tempfile::tempdir().expect("temp dir");
    let tpl = rendered.path().join("ci-templates");
    rendered_templates(&server, &tpl);
    let read = |rel: &str| fs::read_to_string(tpl.join(rel)).expect("rendered template");

    let repo = GitRepo::new();
    repo.write(
        "monoarch.yaml",
        &read("gitlab/monoarch.gitlab-registry.yaml"),
    );
    // The shell executor runs no images.
    let component: String = read("gitlab/templates/monoarch.yml")
        .lines()
        .filter(|l| !l.trim_start().starts_with("image:"))
        .map(|l| format!("{l}\n"))
        .collect();
    repo.write("ci-templates/gitlab/templates/monoarch.yml", &component);
    repo.write(
        "ci-templates/install-monoarch.sh",
        &read("install-monoarch.sh"),
    );
    repo.write(
        "ci-templates/gitlab/monoarch.gitlab-ci.yml",
        &read("gitlab/monoarch.gitlab-ci.yml"),
    );
    let root = read("gitlab/.gitlab-ci.yml").replace(
        "      arm64_runner_tag: saas-linux-small-arm64\n",
        "      arm64_runner_tag: saas-linux-small-arm64\n      allow_emulation: \"true\"\n",
    );
    assert!(
        root.contains("allow_emulation"),
        "the root example changed; update this test"
    );
    repo.write(".gitlab-ci.yml", &root);
    repo.write(
        ".gitignore",
        ".gitlab-ci-local/\n.monoarch/\n.monoarch-cache/\n",
    );
    repo.write("rebuild-weekly.txt", "gamma\n");
    for name in ["alpha", "beta", "gamma"] {
        repo.write(
            &format!("projects/{name}/build-config.yaml"),
            "additional_tags:\n  - latest\n",
        );
        repo.write(
            &format!("projects/{name}/Dockerfile"),
            "FROM scratch\nCOPY hello.txt /hello.txt\n",
        );
        repo.write(
            &format!("projects/{name}/hello.txt"),
            &format!("{name} 1\n"),
        );
    }
    let base = repo.commit("adopt monoarch");
    repo.write("projects/alpha/hello.txt", "alpha 2\n");
    repo.write("projects/beta/hello.txt", "beta 2\n");
    repo.commit("change alpha and beta");
    World {
        repo,
        base,
        registry,
        _server: server,
        buildah,
    }
}

/// What one gitlab-ci-local run did.
struct Ran {
    ok: bool,
    jobs: BTreeSet<String>,
    log: String,
}

impl World {
    fn host(&self) -> String {
        self.registry.host()
    }

    /// The variables GitLab gives every job here, plus the run's own.
    fn variables(&self, extra: &[(&str, &str)]) -> Vec<String> {
        let host = self.host();
        let mut vars = vec![
            ("GITLAB_CI", "true"),
            ("CI_DEFAULT_BRANCH", "main"),
            ("CI_PROJECT_PATH", PROJECT_PATH),
            ("CI_REGISTRY", host.as_str()),
            ("CI_REGISTRY_USER", USER),
            ("CI_JOB_TOKEN", TOKEN),
            // The test registry speaks plain HTTP; GitLab's does not need this.
            ("MONOARCH_INSECURE_REGISTRIES", host.as_str()),
        ];
        vars.extend_from_slice(extra);
        vars.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    fn gitlab_ci_local(&self, args: &[&str], vars: &[(&str, &str)]) -> Ran {
        let mut cmd = Command::new("gitlab-ci-local");
        cmd.current_dir(self.repo.path())
            .env_clear()
            .args([
                "--shell-executor-no-image",
                "--no-color",
                "--max-job-name-padding",
                "0",
            ])
            .args(args);
        for keep in ["PATH", "HOME", "TMPDIR", "LANG"] {
            if let Some(v) = std::env::var_os(keep) {
                cmd.env(keep, v);
            }
        }
        cmd.envs(self.buildah.env());
        for var in self.variables(vars) {
            cmd.args(["--variable", &var]);
        }
        let out = cmd.output().expect("run gitlab-ci-local");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !log.contains(TOKEN),
            "the job token reached the log:\n{log}"
        );
        let jobs = log
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                l.strip_prefix("PASS ").or_else(|| l.strip_prefix("FAIL "))
            })
            .map(|name| name.trim().to_string())
            .collect();
        Ran {
            ok: out.status.success(),
            jobs,
            log,
        }
    }

    /// The parent pipeline, as GitLab would create it for this source.
    fn parent(&self, vars: &[(&str, &str)]) -> Ran {
        self.assert_every_job_has_tags();
        self.gitlab_ci_local(&[], vars)
    }

    /// The expanded parent pipeline: every job that runs on a runner has tags.
    fn assert_every_job_has_tags(&self) {
        let out = Command::new("gitlab-ci-local")
            .current_dir(self.repo.path())
            .args(["--preview", "--no-color"])
            .output()
            .expect("gitlab-ci-local --preview");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let doc: Value = serde_saphyr::from_str(&text).expect("preview is YAML");
        for (name, job) in doc.as_object().expect("map") {
            if name.starts_with('.') || !job.is_object() || job.get("script").is_none() {
                continue;
            }
            assert!(
                job["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "parent job {name} has no runner tags"
            );
        }
    }

    /// The child pipeline the plan job generated, run in the parent's working copy
    /// (so the parent's artifacts are there) with the variables a trigger forwards.
    fn child(&self, parent: &Ran, vars: &[(&str, &str)]) -> Ran {
        let text =
            fs::read_to_string(self.repo.join("child-pipeline.yml")).expect("child pipeline");
        let mut doc: Value = serde_saphyr::from_str(&text).expect("child pipeline is YAML");
        for (name, job) in doc.as_object_mut().expect("map").iter_mut() {
            let Some(job) = job.as_object_mut() else {
                continue;
            };
            if !job.contains_key("script") {
                continue;
            }
            assert!(
                job.get("tags")
                    .and_then(Value::as_array)
                    .is_some_and(|t| !t.is_empty()),
                "child job {name} has no runner tags"
            );
            for need in job
                .get("needs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(parent_job) = need.get("job").filter(|_| need.get("pipeline").is_some())
                {
                    let parent_job = parent_job.as_str().expect("job name");
                    assert!(
                        parent.jobs.contains(parent_job),
                        "child job {name} needs parent job {parent_job}, which did not run: {:?}",
                        parent.jobs
                    );
                }
            }
            job.remove("image");
        }
        fs::write(self.repo.join("child-run.yml"), doc.to_string()).expect("write child");
        let mut forwarded = vec![
            ("PARENT_PIPELINE_ID", "1"),
            ("MONOARCH_ALLOW_EMULATION", "true"),
            ("MONOARCH_TAG_AMD64", "saas-linux-small-amd64"),
            ("MONOARCH_TAG_ARM64", "saas-linux-small-arm64"),
        ];
        forwarded.extend_from_slice(vars);
        self.gitlab_ci_local(&["--file", "child-run.yml"], &forwarded)
    }

    fn plan(&self) -> Value {
        serde_json::from_str(&fs::read_to_string(self.repo.join("plan.json")).expect("plan.json"))
            .expect("plan.json is JSON")
    }

    /// skopeo (an independent client) on the repository, with the job's credentials.
    fn skopeo(&self, args: &[&str], tag: &str) -> std::process::Output {
        Command::new("skopeo")
            .args(args)
            .args(["--tls-verify=false", "--creds", &format!("{USER}:{TOKEN}")])
            .arg(format!("docker://{}/{PROJECT_PATH}{tag}", self.host()))
            .output()
            .expect("run skopeo")
    }

    /// Every tag in the registry's repository.
    fn tags(&self) -> BTreeSet<String> {
        let out = self.skopeo(&["list-tags"], "");
        if !out.status.success() {
            // Only "the repository does not exist" means nothing was pushed.
            let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
            assert!(err.contains("404 (not found)"), "skopeo: {err}");
            return BTreeSet::new();
        }
        let list: Value = serde_json::from_slice(&out.stdout).expect("tags are JSON");
        list["Tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect()
    }

    /// The index tags (not the per-architecture ones).
    fn index_tags(&self) -> BTreeSet<String> {
        self.tags()
            .into_iter()
            .filter(|t| !t.ends_with("-amd64") && !t.ends_with("-arm64"))
            .collect()
    }

    /// skopeo reads `tag` as an OCI index of an amd64 and an arm64 image.
    fn assert_index(&self, tag: &str) -> Value {
        let out = self.skopeo(&["inspect", "--raw"], &format!(":{tag}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let index: Value = serde_json::from_slice(&out.stdout).expect("index is JSON");
        assert_eq!(
            index["mediaType"], "application/vnd.oci.image.index.v1+json",
            "{tag}"
        );
        let platforms: Vec<String> = index["manifests"]
            .as_array()
            .expect("manifests")
            .iter()
            .map(|m| {
                m["platform"]["architecture"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(platforms, ["amd64", "arm64"], "{tag}");
        index
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn date_sha(plan: &Value, project: &str) -> String {
    format!(
        "{project}-{}-{}",
        plan["date"].as_str().expect("date"),
        plan["sha7"].as_str().expect("sha7")
    )
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "gitlab-ci-local",
        tool = "htpasswd",
        tool = "python3",
        tool = "rsync",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, gitlab-ci-local, htpasswd, python3, rsync, skopeo: run hack/install-test-deps"
)]
fn gitlab_push_publishes_the_changed_projects_with_every_tag() {
    let w = world();
    let parent = w.parent(&[
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BEFORE_SHA", &w.base),
    ]);
    assert!(parent.ok, "{}", parent.log);
    assert_eq!(
        parent.jobs,
        set(&[
            "monoarch-binary:amd64",
            "monoarch-binary:arm64",
            "monoarch-plan",
            "monoarch-build"
        ])
    );
    // The binary came from the release host, checked against the rendered pin.
    assert!(
        parent
            .log
            .contains("installed .monoarch-cache/bin/monoarch from http://127.0.0.1"),
        "{}",
        parent.log
    );
    // The preview names GitLab runner tags, expanded as GitLab will.
    assert!(parent.log.contains("RUNNER TAGS"), "{}", parent.log);
    assert!(
        parent
            .log
            .contains("saas-linux-small-arm64 ($MONOARCH_TAG_ARM64)"),
        "{}",
        parent.log
    );

    let child = w.child(&parent, &[]);
    assert!(child.ok, "{}", child.log);
    assert_eq!(
        child.jobs,
        set(&[
            "build:alpha:amd64",
            "build:alpha:arm64",
            "build:beta:amd64",
            "build:beta:arm64",
            "manifest:alpha",
            "manifest:beta"
        ])
    );
    let plan = w.plan();
    let (alpha, beta) = (date_sha(&plan, "alpha"), date_sha(&plan, "beta"));
    assert_eq!(
        w.index_tags(),
        set(&[&alpha, "alpha-latest", &beta, "beta-latest"])
    );
    assert_eq!(w.assert_index("alpha-latest"), w.assert_index(&alpha));
    w.assert_index(&beta);
}

/// Also the classic include path of earlier templates, with no inputs: the allow-emulation
/// opt-in comes from a CI/CD variable instead.
#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "gitlab-ci-local",
        tool = "htpasswd",
        tool = "python3",
        tool = "rsync",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, gitlab-ci-local, htpasswd, python3, rsync, skopeo: run hack/install-test-deps"
)]
fn gitlab_schedule_rebuilds_the_weekly_list() {
    let w = world();
    w.repo.write(
        ".gitlab-ci.yml",
        "include:\n  - local: ci-templates/gitlab/monoarch.gitlab-ci.yml\n",
    );
    w.repo.commit("the classic include");
    let parent = w.parent(&[
        ("CI_PIPELINE_SOURCE", "schedule"),
        ("MONOARCH_ALLOW_EMULATION", "true"),
    ]);
    assert!(parent.ok, "{}", parent.log);
    let child = w.child(&parent, &[]);
    assert!(child.ok, "{}", child.log);
    assert_eq!(
        child.jobs,
        set(&["build:gamma:amd64", "build:gamma:arm64", "manifest:gamma"])
    );
    let gamma = date_sha(&w.plan(), "gamma");
    assert_eq!(w.index_tags(), set(&[&gamma, "gamma-latest"]));
    w.assert_index(&gamma);
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "gitlab-ci-local",
        tool = "htpasswd",
        tool = "python3",
        tool = "rsync",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, gitlab-ci-local, htpasswd, python3, rsync, skopeo: run hack/install-test-deps"
)]
fn gitlab_merge_request_only_previews_without_waiting_for_arm64() {
    let w = world();
    let parent = w.parent(&[
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", &w.base),
    ]);
    assert!(parent.ok, "{}", parent.log);
    // No arm64 binary job, no trigger: the preview needs nothing but an amd64 runner.
    assert_eq!(
        parent.jobs,
        set(&["monoarch-binary:amd64", "monoarch-plan"])
    );
    assert!(
        parent.log.contains("publishes: nothing (preview only)"),
        "{}",
        parent.log
    );
    assert!(parent.log.contains("alpha"), "{}", parent.log);
    assert_eq!(w.tags(), BTreeSet::new());
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "gitlab-ci-local",
        tool = "htpasswd",
        tool = "python3",
        tool = "rsync",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, gitlab-ci-local, htpasswd, python3, rsync, skopeo: run hack/install-test-deps"
)]
fn gitlab_manual_run_on_a_feature_branch_moves_no_floating_tag() {
    let w = world();
    w.repo.git(&["checkout", "-q", "-b", "feature"]);
    let parent = w.parent(&[
        ("CI_PIPELINE_SOURCE", "web"),
        ("MONOARCH_PROJECTS", "alpha"),
    ]);
    assert!(parent.ok, "{}", parent.log);
    assert!(
        parent
            .log
            .contains("branch `feature` is not a publish branch (main): date-sha tags only"),
        "{}",
        parent.log
    );
    let child = w.child(&parent, &[]);
    assert!(child.ok, "{}", child.log);
    assert_eq!(
        child.jobs,
        set(&["build:alpha:amd64", "build:alpha:arm64", "manifest:alpha"])
    );
    let alpha = date_sha(&w.plan(), "alpha");
    // The example config says `elsewhere: date-sha`: the date-sha tag, and no `latest`.
    assert_eq!(w.index_tags(), set(&[&alpha]));
    w.assert_index(&alpha);
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "gitlab-ci-local",
        tool = "htpasswd",
        tool = "python3",
        tool = "rsync",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, gitlab-ci-local, htpasswd, python3, rsync, skopeo: run hack/install-test-deps"
)]
fn gitlab_push_without_a_change_runs_one_tagged_no_op_job() {
    let w = world();
    let head = w.repo.head();
    let parent = w.parent(&[
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BEFORE_SHA", &head),
    ]);
    assert!(parent.ok, "{}", parent.log);
    let child = w.child(&parent, &[]);
    assert!(child.ok, "{}", child.log);
    assert_eq!(child.jobs, set(&["no-changes"]));
    assert!(
        child.log.contains("monoarch: no project to build"),
        "{}",
        child.log
    );
    assert_eq!(w.tags(), BTreeSet::new());
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "gitlab-ci-local",
        tool = "htpasswd",
        tool = "python3",
        tool = "rsync",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, gitlab-ci-local, htpasswd, python3, rsync, skopeo: run hack/install-test-deps"
)]
fn gitlab_plan_job_names_the_missing_registry_variable() {
    let w = world();
    let mut cmd_vars = vec![
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BEFORE_SHA", w.base.as_str()),
    ];
    cmd_vars.push(("CI_REGISTRY", ""));
    let parent = w.parent(&cmd_vars);
    assert!(
        !parent.ok,
        "a push without a registry passed:\n{}",
        parent.log
    );
    assert!(parent.jobs.contains("monoarch-plan"), "{}", parent.log);
    assert!(
        parent.log.contains("no registry is set; set the variable `CI_REGISTRY` (monoarch.yaml has `registry: $CI_REGISTRY`)"),
        "{}",
        parent.log
    );
    assert!(!w.repo.join("child-pipeline.yml").exists());
}
