//! The happy paths: one index per project, every tag, idempotent reruns, attestations.

use super::{BOTH, Setup, digests, index_at, platforms};
use crate::support::images::{OCI_INDEX, annotations};
use crate::support::plans;

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn publishes_one_index_under_every_tag() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["v1.2", "latest"]);
    s.push_arch_images(&project, BOTH);
    let amd = s
        .pusher
        .image(&project.repository, "probe-amd", "linux/amd64", "app/amd64");
    let arm = s
        .pusher
        .image(&project.repository, "probe-arm", "linux/arm64", "app/arm64");
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    let output = s.dir.path().join("github-output");
    let step_summary = s.dir.path().join("step-summary.md");
    let plan_path = s.write_plan(&plan);
    let run = s
        .command(&plan_path, &s.host(), &["--summary-json", "summary.json"])
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .run()
        .success();

    let (index, digest) = index_at(&s.host(), &project.tags[0]).expect("date-sha tag exists");
    assert_eq!(index["mediaType"], OCI_INDEX);
    assert_eq!(platforms(&index), vec!["linux/amd64", "linux/arm64"]);
    assert_eq!(digests(&index), vec![amd.digest, arm.digest]);
    let ann = annotations(&index);
    assert_eq!(ann["org.opencontainers.image.created"], plan.created);
    assert_eq!(ann["org.opencontainers.image.revision"], plans::COMMIT);
    assert_eq!(
        ann["org.opencontainers.image.source"],
        "https://git.example/monorepo"
    );
    assert_eq!(
        ann["io.monoarch.upstream.repo"],
        "https://git.example/app.git"
    );
    for tag in &project.tags {
        let (_, at_tag) = index_at(&s.host(), tag).expect("tag exists");
        assert_eq!(at_tag, digest, "{tag} points at the index");
    }

    let outputs = std::fs::read_to_string(&output).expect("GITHUB_OUTPUT written");
    assert!(outputs.contains(&format!("digest={digest}\n")), "{outputs}");
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(s.dir.path().join("summary.json")).expect("summary written"),
    )
    .expect("summary JSON");
    assert_eq!(summary["projects"][0]["status"], "published");
    assert_eq!(summary["projects"][0]["index_digest"], digest.as_str());
    assert_eq!(
        summary["projects"][0]["tags_set"].as_array().map(Vec::len),
        Some(3)
    );
    let markdown = std::fs::read_to_string(&step_summary).expect("step summary written");
    assert!(markdown.contains("| app | linux/arm64 |"), "{markdown}");
    assert!(run.stdout.contains("published"), "{}", run.stdout);
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn rerun_writes_nothing_and_gives_the_same_digest() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["latest"]);
    s.push_arch_images(&project, BOTH);
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    s.manifest(&plan, &[]).success();
    let (_, first) = index_at(&s.host(), &project.tags[0]).expect("index");
    let puts_before = s.manifest_puts();

    let run = s
        .manifest(&plan, &["--summary-json", "again.json"])
        .success();
    assert_eq!(s.manifest_puts(), puts_before, "a rerun writes no manifest");
    let (_, second) = index_at(&s.host(), &project.tags[0]).expect("index");
    assert_eq!(first, second);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.dir.path().join("again.json")).expect("summary"))
            .expect("JSON");
    assert_eq!(
        summary["projects"][0]["tags_unchanged"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert!(
        run.stdout.contains("0 tag(s) set, 2 already there"),
        "{}",
        run.stdout
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn request_budget_per_architecture_and_tag() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["v1", "latest"]);
    s.push_arch_images(&project, BOTH);
    let plan = plans::plan(&s.host(), vec![project]);
    let before = s.registry.log().matches("\"GET /v2/").count()
        + s.registry.log().matches("\"HEAD /v2/").count()
        + s.registry.log().matches("\"PUT /v2/").count();
    s.manifest(&plan, &[]).success();
    let log = s.registry.log();
    let after = log.matches("\"GET /v2/").count()
        + log.matches("\"HEAD /v2/").count()
        + log.matches("\"PUT /v2/").count();
    // 2 per architecture (manifest + config) + 2 per tag (HEAD + PUT); the
    // issue's budget. The /v2/ ping is not needed on an open registry.
    assert!(
        after - before <= 2 * 2 + 2 * 3,
        "{} requests",
        after - before
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn an_arch_index_with_attestations_is_opened_and_its_attestation_carried() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &[]);
    let (arch_index, image, attestation) = s.pusher.attested_image(
        &project.repository,
        &project.jobs[0].tag,
        "linux/amd64",
        "app/amd64",
    );
    s.push_arch_images(&project, &["arm64"]);
    let records = s.dir.path().join("build-records");
    std::fs::create_dir_all(&records).expect("records dir");
    // BuildKit reports the digest of the index it pushed.
    write_record(
        &records,
        &project,
        "amd64",
        &arch_index.digest,
        Some("feedbeef"),
    );
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    s.manifest(&plan, &[]).success();

    let (index, _) = index_at(&s.host(), &project.tags[0]).expect("index");
    let list = digests(&index);
    assert_eq!(list[0], image.digest, "the image, not the arch index");
    assert_eq!(list[2], attestation.digest, "attestation after the images");
    assert_eq!(list.len(), 3);
    assert_eq!(
        index["manifests"][2]["annotations"]["vnd.docker.reference.digest"],
        image.digest.as_str()
    );
    assert_eq!(
        annotations(&index)["io.monoarch.upstream.commit"],
        "feedbeef"
    );
}

/// Writes a build record the way the build stage does.
pub fn write_record(
    dir: &std::path::Path,
    project: &monoarch::contract::ProjectPlan,
    arch: &str,
    digest: &str,
    upstream_commit: Option<&str>,
) {
    let job = project.job(arch).expect("planned arch");
    let record = monoarch::contract::BuildRecord {
        format_version: monoarch::contract::RECORD_FORMAT_VERSION,
        project: project.name.clone(),
        arch: arch.to_string(),
        platform: job.platform,
        image: format!("x/{}:{}", project.repository, job.tag),
        digest: digest.to_string(),
        upstream_commit: upstream_commit.map(str::to_string),
        builder: "buildkit".into(),
        duration_seconds: 1.0,
        plan_commit: plans::COMMIT.into(),
        key: None,
        key_inputs: None,
        planned_key: None,
        bases: Vec::new(),
    };
    std::fs::write(
        dir.join(monoarch::contract::BuildRecord::file_name(
            &project.name,
            arch,
        )),
        serde_json::to_string(&record).expect("record JSON"),
    )
    .expect("write record");
}
