//! The Tekton flow on one machine, step by step (support/tekton.rs runs each TaskRun's
//! steps with `sh`, as the pods would): a GitHub push through the TriggerBinding and
//! TriggerTemplate, the plan Pipeline's steps, then every PipelineRun it creates, against
//! a real registry that demands the credentials from the docker-config Secret, with real
//! buildah; skopeo checks what was published.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::docs;
use crate::pipelines::end_to_end::merged_monorepo;
use crate::support::buildah::Buildah;
use crate::support::registry::Registry;
use crate::support::tekton::{Cluster, RunOutcome, Status, template_docs};
use crate::support::world::World;

const USER: &str = "tekton";
const PASSWORD: &str = "s3cret-pw";
/// base64("tekton:s3cret-pw"), as `kubectl create secret docker-registry` writes it.
const AUTH: &str = "dGVrdG9uOnMzY3JldC1wdw==";

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        _ => "amd64",
    }
}

/// A cluster whose "nodes" are this machine: monoarch and buildah on PATH, the
/// registry's credentials in Secret `monoarch-registry`.
fn cluster<'a>(registry: &Registry, buildah: &Buildah, extra: &[(&str, &str)]) -> Cluster<'a> {
    let bin = Path::new(env!("CARGO_BIN_EXE_monoarch"))
        .parent()
        .expect("bin dir");
    let mut env = vec![(
        "PATH".to_string(),
        format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    )];
    for keep in ["HOME", "TMPDIR", "LANG"] {
        if let Ok(v) = std::env::var(keep) {
            env.push((keep.to_string(), v));
        }
    }
    env.extend(buildah.env().into_iter().map(|(k, v)| (k.to_string(), v)));
    // The test registry speaks plain HTTP; a real one needs no such line.
    env.push(("MONOARCH_INSECURE_REGISTRIES".into(), registry.host()));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = serde_json::json!({"auths": {registry.host(): {"auth": AUTH}}}).to_string();
    let secrets = BTreeMap::from([(
        "monoarch-registry".to_string(),
        BTreeMap::from([(".dockerconfigjson".to_string(), config)]),
    )]);
    Cluster::new(env, secrets)
}

/// One machine stands in for the nodes of both architectures: a build pinned to the other
/// one gets `--allow-emulation` (exact here: FROM scratch + COPY executes nothing),
/// except for the projects in `wrong_node`, whose build then fails as on a mis-labelled node.
fn emulate_foreign_nodes(cluster: &mut Cluster, wrong_node: &'static [&'static str]) {
    cluster.hook = Box::new(move |task, node_arch, step, script| {
        let foreign = node_arch.is_some_and(|a| a != host_arch());
        if step == "build"
            && foreign
            && !wrong_node
                .iter()
                .any(|p| task.starts_with(&format!("build-{p}-")))
        {
            assert!(script.contains("--builder buildah"), "{script}");
            *script = script.replacen(
                "--builder buildah",
                "--builder buildah --allow-emulation",
                1,
            );
        }
    });
}

fn skopeo_raw(reference: &str) -> Option<Vec<u8>> {
    let out = Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            "--raw",
            "--creds",
            &format!("{USER}:{PASSWORD}"),
        ])
        .arg(format!("docker://{reference}"))
        .output()
        .expect("run skopeo");
    out.status.success().then_some(out.stdout)
}

/// Every tag of `project` is the index its manifest task reported, and its children are
/// the images its build tasks reported, one per planned platform.
fn assert_published(outcome: &RunOutcome, host: &str, project: &str) {
    let manifest = &outcome.tasks[&format!("manifest-{project}")];
    assert_eq!(manifest.status, Status::Succeeded, "{}", manifest.log);
    let plan: Value =
        serde_json::from_str(manifest.params["plan"].as_str().expect("plan")).expect("JSON");
    let planned = &plan["projects"][0];
    let index_digest = &manifest.results["digest"];
    assert_eq!(
        &outcome.results[&format!("{project}-index-digest")],
        index_digest
    );
    for tag in planned["tags"].as_array().expect("tags") {
        let reference = format!(
            "{host}/{}:{}",
            planned["repository"].as_str().expect("repo"),
            tag.as_str().expect("tag")
        );
        let raw =
            skopeo_raw(&reference).unwrap_or_else(|| panic!("skopeo cannot read {reference}"));
        assert_eq!(
            &format!("sha256:{}", hex::encode(Sha256::digest(&raw))),
            index_digest,
            "{reference}"
        );
        let index: Value = serde_json::from_slice(&raw).expect("index JSON");
        assert_eq!(
            index["mediaType"],
            "application/vnd.oci.image.index.v1+json"
        );
        let children: Vec<(String, String)> = index["manifests"]
            .as_array()
            .expect("manifests")
            .iter()
            .map(|m| {
                (
                    m["platform"]["architecture"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    m["digest"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let built: Vec<(String, String)> = planned["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .map(|j| {
                let arch = j["arch"].as_str().expect("arch");
                let build = &outcome.tasks[&format!("build-{project}-{arch}")];
                assert_eq!(
                    build.results["platform"],
                    j["platform"].as_str().expect("platform")
                );
                assert_eq!(
                    outcome.results[&format!("{project}-{arch}-digest")],
                    build.results["digest"]
                );
                (arch.to_string(), build.results["digest"].clone())
            })
            .collect();
        assert_eq!(children, built, "{reference}");
    }
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "htpasswd",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, htpasswd, skopeo: run hack/install-test-deps"
)]
fn tekton_push_trigger_plans_builds_and_publishes() {
    // A registry that demands the Secret's credentials, and the monorepo after
    // a merge that changed alpha and beta (`base`: the commit before it).
    let w = World::with_auth(USER, PASSWORD);
    let (registry, buildah) = (w.registry(), w.buildah());
    let (repo, base) = merged_monorepo();
    let host = registry.host();
    let url = format!("file://{}", repo.path().display());

    // The EventListener's binding and template, applied to a GitHub push payload.
    let body = serde_json::json!({"ref": "refs/heads/main", "before": base, "after": repo.head(), "repository": {"clone_url": url}});
    let t = template_docs();
    let binding = &t[&(
        "TriggerBinding".to_string(),
        "monoarch-github-push".to_string(),
    )]["spec"]["params"];
    let template = &t[&("TriggerTemplate".to_string(), "monoarch-plan".to_string())]["spec"];
    let mut run = serde_json::to_string(&template["resourcetemplates"][0]).expect("JSON");
    for p in binding.as_array().expect("params") {
        let path = p["value"]
            .as_str()
            .expect("value")
            .trim_start_matches("$(body.")
            .trim_end_matches(')');
        let value = path.split('.').fold(&body, |v, k| &v[k]);
        let value = serde_json::to_string(value).expect("JSON");
        run = run.replace(
            &format!("$(tt.params.{})", p["name"].as_str().expect("name")),
            value.trim_matches('"'),
        );
    }
    // Params the binding does not give take the template's defaults.
    for p in template["params"].as_array().expect("params") {
        if let Some(default) = p["default"].as_str() {
            run = run.replace(
                &format!("$(tt.params.{})", p["name"].as_str().expect("name")),
                default,
            );
        }
    }
    assert!(!run.contains("$(tt."), "{run}");
    let plan_run: Value = serde_json::from_str(&run).expect("PipelineRun JSON");

    let mut cluster = cluster(registry, buildah, &[("REGISTRY", &host)]);
    emulate_foreign_nodes(&mut cluster, &[]);
    let planned = cluster.run(&plan_run);
    let plan_task = &planned.tasks["plan"];
    assert!(planned.succeeded, "{}", plan_task.log);
    assert!(
        plan_task.log.contains("alpha") && !plan_task.log.contains("gamma"),
        "{}",
        plan_task.log
    );
    let created = cluster.created.borrow().clone();
    assert_eq!(created.len(), 1, "the plan step creates one file");
    let runs = docs(&created[0]);
    assert_eq!(runs.len(), 1);

    let outcome = cluster.run(&runs[0]);
    let logs: String = outcome.tasks.values().map(|t| t.log.as_str()).collect();
    assert!(outcome.succeeded, "{logs}");
    assert_eq!(
        outcome.tasks["verdict"].status,
        Status::None,
        "nothing failed: the verdict is skipped"
    );
    for project in ["alpha", "beta"] {
        assert_published(&outcome, &host, project);
    }
    assert!(!outcome.tasks.keys().any(|k| k.contains("gamma")));
}

/// One build fails: its project's manifest still runs after it and fails naming the
/// platform, the other project is published, and the verdict turns the run red.
#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "htpasswd",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, htpasswd, skopeo: run hack/install-test-deps"
)]
fn tekton_failed_build_fails_only_its_project_and_the_run() {
    // A registry that demands the Secret's credentials, and the monorepo after
    // a merge that changed alpha and beta (`base`: the commit before it).
    let w = World::with_auth(USER, PASSWORD);
    let (registry, buildah) = (w.registry(), w.buildah());
    let (repo, base) = merged_monorepo();
    let host = registry.host();
    let text = crate::support::monoarch::Monoarch::new(repo.path())
        .env("REGISTRY", &host)
        .args(["matrix", "--format", "tekton", "--base", &base])
        .args(["--source-url", &format!("file://{}", repo.path().display())])
        .run()
        .success()
        .stdout;
    let mut cluster = cluster(registry, buildah, &[]);
    emulate_foreign_nodes(&mut cluster, &["beta"]);
    let outcome = cluster.run(&docs(&text)[0]);

    let foreign = if host_arch() == "amd64" {
        "arm64"
    } else {
        "amd64"
    };
    let failed = &outcome.tasks[&format!("build-beta-{foreign}")];
    assert_eq!(failed.status, Status::Failed);
    assert!(
        failed
            .log
            .contains(&format!("this job is for linux/{foreign}")),
        "{}",
        failed.log
    );
    assert_eq!(
        failed.results.get("platform").map(String::as_str),
        Some(format!("linux/{foreign}").as_str())
    );
    assert!(!failed.results.contains_key("digest"));
    let manifest = &outcome.tasks["manifest-beta"];
    assert_eq!(
        manifest.status,
        Status::Failed,
        "it ran after its builds and failed"
    );
    assert!(
        manifest.log.contains(&format!("linux/{foreign}")),
        "{}",
        manifest.log
    );
    assert!(!outcome.results.contains_key("beta-index-digest"));
    assert_published(&outcome, &host, "alpha");
    let verdict = &outcome.tasks["verdict"];
    assert_eq!(verdict.status, Status::Failed);
    assert!(
        verdict.log.contains("beta=Failed") && !verdict.log.contains("alpha="),
        "{}",
        verdict.log
    );
    assert!(!outcome.succeeded, "the run is red");
    let plan: Value =
        serde_json::from_str(manifest.params["plan"].as_str().expect("plan")).expect("JSON");
    for tag in plan["projects"][0]["tags"].as_array().expect("tags") {
        let reference = format!("{host}/images:{}", tag.as_str().expect("tag"));
        assert!(
            skopeo_raw(&reference).is_none(),
            "{reference} moved although beta is incomplete"
        );
    }
}

/// Projects built on projects in one PipelineRun: the bases publish first and each
/// dependent builds on the index its base's manifest task published; `left` fails, so
/// `top` (on left and right) is skipped by its `when`, never built on an old `left`, and
/// the verdict names it as skipped.
#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "htpasswd",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, htpasswd, skopeo: run hack/install-test-deps"
)]
fn tekton_dependents_wait_for_their_bases_and_a_failed_base_skips_them() {
    let w = World::with_auth(USER, PASSWORD);
    let (registry, buildah) = (w.registry(), w.buildah());
    let host = registry.host();
    let arch = host_arch();
    let repo = crate::dependencies::graph_repo(&host, Some(&format!("linux/{arch}")));
    repo.write(
        "projects/left/Dockerfile",
        "ARG MONOARCH_BASE_ROOT\nFROM ${MONOARCH_BASE_ROOT}\nCOPY missing.txt /\n",
    );
    repo.commit("left cannot build");
    let text = crate::support::monoarch::Monoarch::new(repo.path())
        .args(["matrix", "--format", "tekton", "--all"])
        .args(["--source-url", &format!("file://{}", repo.path().display())])
        .run()
        .success()
        .stdout;
    let runs = docs(&text);
    assert_eq!(runs.len(), 1);
    let cluster = cluster(registry, buildah, &[]);
    let outcome = cluster.run(&runs[0]);
    let logs: String = outcome.tasks.values().map(|t| t.log.as_str()).collect();

    for project in ["root", "mid", "leaf", "right"] {
        assert_published(&outcome, &host, project);
    }
    // Each dependent was built on the index its base's manifest task reported.
    for (project, base) in [("mid", "root"), ("leaf", "mid"), ("right", "root")] {
        let base_index = &outcome.tasks[&format!("manifest-{base}")].results["digest"];
        let image = &outcome.tasks[&format!("build-{project}-{arch}")].results["image"];
        let raw = skopeo_raw(image).expect("the dependent's image");
        let manifest: Value = serde_json::from_slice(&raw).expect("JSON");
        assert_eq!(
            manifest["annotations"][format!("io.monoarch.base.{base}")],
            format!("{host}/images@{base_index}"),
            "{project} on {base}"
        );
    }
    assert_eq!(
        outcome.tasks[&format!("build-left-{arch}")].status,
        Status::Failed
    );
    assert_eq!(outcome.tasks["manifest-left"].status, Status::Failed);
    for task in [format!("build-top-{arch}"), "manifest-top".to_string()] {
        assert_eq!(
            outcome.tasks[&task].status,
            Status::None,
            "{task} is skipped: {logs}"
        );
    }
    let verdict = &outcome.tasks["verdict"];
    assert_eq!(verdict.status, Status::Failed);
    assert!(
        verdict.log.contains("left=Failed")
            && verdict
                .log
                .contains("top=None (skipped: a base it builds on was not published)"),
        "{}",
        verdict.log
    );
    assert!(!outcome.succeeded, "the run is red");
    let plan: Value = serde_json::from_str(
        outcome.tasks["manifest-left"].params["plan"]
            .as_str()
            .expect("plan"),
    )
    .expect("JSON");
    let date_sha = plan["projects"][0]["tags"][0].as_str().expect("tag");
    let top_tag = date_sha.replacen("left-", "top-", 1);
    assert!(
        skopeo_raw(&format!("{host}/images:{top_tag}")).is_none()
            && skopeo_raw(&format!("{host}/images:{top_tag}-{arch}")).is_none(),
        "nothing of top is published"
    );
}
