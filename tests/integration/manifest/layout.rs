//! The OCI image layout target: readable by `skopeo inspect oci:PATH:TAG`.

use std::process::Command;

use super::{BOTH, Setup, digests, platforms};
use crate::support::images::sha256;
use crate::support::plans;
use monoarch::exit_code;

fn skopeo_copy(from: &str, to: &str) {
    let out = Command::new("skopeo")
        .args([
            "copy",
            "--src-tls-verify=false",
            "--preserve-digests",
            from,
            to,
        ])
        .output()
        .expect("run skopeo copy");
    assert!(
        out.status.success(),
        "skopeo copy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn inspect_raw(layout: &std::path::Path, tag: &str) -> Option<Vec<u8>> {
    let out = Command::new("skopeo")
        .args(["inspect", "--raw"])
        .arg(format!("oci:{}:{tag}", layout.display()))
        .output()
        .expect("run skopeo");
    out.status.success().then_some(out.stdout)
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn writes_index_and_tags_into_an_oci_layout() {
    let s = Setup::new();
    let project = plans::project("app", BOTH, &["latest"]);
    s.push_arch_images(&project, BOTH);
    let layout = s.dir.path().join("layout");
    let mut children = Vec::new();
    for job in &project.jobs {
        skopeo_copy(
            &format!("docker://{}/{}:{}", s.host(), project.repository, job.tag),
            &format!("oci:{}:{}", layout.display(), job.tag),
        );
        children.push(sha256(
            &inspect_raw(&layout, &job.tag).expect("arch image in layout"),
        ));
    }
    // The layout needs no registry: the plan names none.
    let plan = plans::plan("", vec![project.clone()]);
    let plan_path = s.write_plan(&plan);
    let target = format!("oci:{}", layout.display());
    crate::support::monoarch::Monoarch::new(s.dir.path())
        .args(["manifest", "--plan"])
        .arg_path(&plan_path)
        .args(["--target", &target])
        .run()
        .success();

    let raw = inspect_raw(&layout, &project.tags[0]).expect("date-sha tag in layout");
    let index: serde_json::Value = serde_json::from_slice(&raw).expect("JSON");
    assert_eq!(platforms(&index), vec!["linux/amd64", "linux/arm64"]);
    assert_eq!(digests(&index), children);
    let latest = inspect_raw(&layout, "app-latest").expect("latest in layout");
    assert_eq!(sha256(&latest), sha256(&raw));

    // A missing arch in the layout is refused the same way.
    let other = plans::project("other", BOTH, &[]);
    let plan = plans::plan("", vec![other]);
    let plan_path = s.write_plan(&plan);
    let run = crate::support::monoarch::Monoarch::new(s.dir.path())
        .args(["manifest", "--plan"])
        .arg_path(&plan_path)
        .args(["--target", &target])
        .run()
        .expect_code(exit_code::VERIFY);
    assert!(
        run.stderr
            .contains("did the build job for linux/amd64 fail?"),
        "{}",
        run.stderr
    );
}
