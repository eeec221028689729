//! What must not be published: wrong platforms, missing architectures, bad records.

use super::publish::write_record;
use super::{BOTH, Setup, index_at, platforms};
use crate::support::plans;
use monoarch::exit_code;

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn an_arm64_tag_holding_an_amd64_image_is_refused() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["latest"]);
    s.push_arch_images(&project, &["amd64"]);
    // The arm64 job ran on an amd64 runner.
    s.pusher.image(
        &project.repository,
        &project.jobs[1].tag,
        "linux/amd64",
        "wrong",
    );
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    let run = s.manifest(&plan, &[]).expect_code(exit_code::VERIFY);
    assert!(
        run.stderr.contains("app:")
            && run
                .stderr
                .contains("should be linux/arm64 but its config says linux/amd64"),
        "{}",
        run.stderr
    );
    for tag in &project.tags {
        assert!(index_at(&s.host(), tag).is_none(), "{tag} must not exist");
    }
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_missing_architecture_fails_the_project_without_any_tag() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["latest"]);
    s.push_arch_images(&project, &["amd64"]);
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    let run = s.manifest(&plan, &[]).expect_code(exit_code::VERIFY);
    assert!(
        run.stderr
            .contains("did the build job for linux/arm64 fail?"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--allow-partial"), "{}", run.stderr);
    for tag in &project.tags {
        assert!(index_at(&s.host(), tag).is_none(), "{tag} must not exist");
    }
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn allow_partial_sets_only_the_date_sha_tag_and_leaves_latest_alone() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["v1", "latest"]);
    // Yesterday's complete release is what `latest` points at.
    let old = s.pusher.image(
        &project.repository,
        "app-latest",
        "linux/amd64",
        "yesterday",
    );
    s.push_arch_images(&project, &["amd64"]);
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    let run = s
        .manifest(&plan, &["--allow-partial", "--summary-json", "s.json"])
        .expect_code(exit_code::PARTIAL);
    assert!(run.stderr.contains("without linux/arm64"), "{}", run.stderr);

    let (index, _) = index_at(&s.host(), &project.tags[0]).expect("date-sha tag set");
    assert_eq!(platforms(&index), vec!["linux/amd64"]);
    assert!(
        index_at(&s.host(), "app-v1").is_none(),
        "additional tag not set"
    );
    let latest =
        super::skopeo_raw(&s.host(), plans::REPOSITORY, "app-latest", None).expect("latest");
    assert_eq!(
        crate::support::images::sha256(&latest),
        old.digest,
        "latest untouched"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.dir.path().join("s.json")).expect("summary"))
            .expect("JSON");
    assert_eq!(summary["projects"][0]["status"], "partial");
    assert_eq!(summary["projects"][0]["missing"][0], "linux/arm64");
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn one_failing_project_does_not_stop_the_others() {
    let s = Setup::new();
    let good = plans::project("good", BOTH, &["latest"]);
    let bad = plans::project("bad", BOTH, &["latest"]);
    s.push_arch_images(&good, BOTH);
    s.push_arch_images(&bad, &["amd64"]);
    let plan = plans::plan(&s.host(), vec![bad.clone(), good.clone()]);
    let run = s
        .manifest(&plan, &["--jobs", "2"])
        .expect_code(exit_code::PARTIAL);
    assert!(
        index_at(&s.host(), "good-latest").is_some(),
        "{}",
        run.stdout
    );
    assert!(index_at(&s.host(), &bad.tags[0]).is_none());
    assert!(
        run.stdout.contains("failed: no tag moved"),
        "{}",
        run.stdout
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn build_records_must_match_the_registry_and_each_other() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &[]);
    s.push_arch_images(&project, BOTH);
    let plan = plans::plan(&s.host(), vec![project.clone()]);
    let records = s.dir.path().join("build-records");
    std::fs::create_dir_all(&records).expect("records dir");
    let amd = s
        .pusher
        .image(&project.repository, "probe", "linux/amd64", "app/amd64");
    let arm = s
        .pusher
        .image(&project.repository, "probe2", "linux/arm64", "app/arm64");

    // Upstream moved between the two builds.
    write_record(&records, &project, "amd64", &amd.digest, Some("1111111"));
    write_record(&records, &project, "arm64", &arm.digest, Some("2222222"));
    let run = s.manifest(&plan, &[]).expect_code(exit_code::VERIFY);
    assert!(
        run.stderr.contains("different upstream commits"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("amd64: 1111111") && run.stderr.contains("arm64: 2222222"),
        "{}",
        run.stderr
    );
    assert!(index_at(&s.host(), &project.tags[0]).is_none());

    // The arch tag was overwritten after its build.
    write_record(
        &records,
        &project,
        "arm64",
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        Some("1111111"),
    );
    let run = s.manifest(&plan, &[]).expect_code(exit_code::VERIFY);
    assert!(
        run.stderr.contains("but the build record says sha256:0000"),
        "{}",
        run.stderr
    );

    write_record(&records, &project, "arm64", &arm.digest, Some("1111111"));
    s.manifest(&plan, &[]).success();
    let (index, _) = index_at(&s.host(), &project.tags[0]).expect("published");
    assert_eq!(
        crate::support::images::annotations(&index)["io.monoarch.upstream.commit"],
        "1111111"
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn unknown_project_and_missing_registry_are_usage_errors() {
    let s = Setup::new();
    let plan = plans::plan(&s.host(), vec![plans::project("app", BOTH, &[])]);
    let run = s
        .manifest(&plan, &["--project", "nope"])
        .expect_code(exit_code::INVALID_PLAN);
    assert!(
        run.stderr.contains("project `nope` is not in the plan"),
        "{}",
        run.stderr
    );
    let no_host = plans::plan("", vec![plans::project("app", BOTH, &[])]);
    let run = s.manifest(&no_host, &[]).expect_code(exit_code::USAGE);
    assert!(run.stderr.contains("--registry HOST"), "{}", run.stderr);
}
