//! The new messages, as a person reads them in a CI log: exit code, stdout
//! and stderr together.

use monoarch::contract::{Reuse, write_plan};

use crate::support::fixture::monorepo;
use crate::support::monoarch::Monoarch;
use crate::support::plans;

#[test]
fn build_of_a_job_the_plan_reuses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut project = plans::project("alpha", &["amd64"], &[]);
    project.jobs[0].reuse = Some(Reuse {
        digest: format!("sha256:{}", "a".repeat(64)),
        media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        size: 500,
        from: "alpha-20261113-0000000".into(),
    });
    project.jobs[0].why = Some("reused: same key as alpha-20261113-0000000".into());
    project.jobs[0].key = Some(format!("sha256:{}", "e".repeat(64)));
    write_plan(
        &dir.path().join("plan.json"),
        &plans::plan("registry.example", vec![project]),
    )
    .expect("write plan");
    let run = Monoarch::new(dir.path())
        .args([
            "build",
            "--plan",
            "plan.json",
            "--project",
            "alpha",
            "--arch",
            "amd64",
        ])
        .args(["--builder", "buildah"])
        .run();
    insta::assert_snapshot!(run.transcript(dir.path()));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn validate_of_reuse_cache_and_secret_key_settings() {
    let repo = monorepo();
    repo.write(
        "monoarch.yaml",
        "reuse:\n  builder: podman\n  unchanged: never\ncache:\n  repository: Not/Valid\n",
    );
    repo.write(
        "projects/alpha/build-config.yaml",
        "build_args:\n  - name: TOKEN\n    from_env: CI_TOKEN\n    key: everything\n  \
         - name: PLAIN\n    value: x\n    key: name\n  - name: OPEN\n    from_env: CI_OPEN\n    secret: false\n    key: hmac\n",
    );
    repo.write("projects/beta/build-config.yaml", "cache: maybe\n");
    repo.commit("bad settings");
    let repo_wide = Monoarch::new(repo.path()).args(["validate"]).run();
    repo.write("monoarch.yaml", "reuse: true\ncache: true\n");
    repo.commit("good repo-wide settings");
    let per_project = Monoarch::new(repo.path()).args(["validate"]).run();
    insta::assert_snapshot!(format!(
        "{}\n{}",
        repo_wide.transcript(repo.path()),
        per_project.transcript(repo.path())
    ));
}
