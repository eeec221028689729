//! `plan.json` as `monoarch plan` writes it fits the committed JSON Schema
//! (`schema/plan.schema.json`), checked by a real validator; a plan of another
//! format version does not. (Build records: `build::pipeline`.)

use crate::support::fixture;
use crate::support::monoarch::Monoarch;
use crate::support::validators::check_contract;

#[test]
#[cfg_attr(
    not(tool = "check-jsonschema"),
    ignore = "needs check-jsonschema: run hack/install-test-deps"
)]
fn a_written_plan_fits_its_schema_and_another_version_does_not() {
    let repo = fixture::monorepo();
    repo.write(
        "projects/beta/build-config.yaml",
        "upstream_repo: https://git.example.test/beta.git\nupstream_ref: v1.2.3\n\
         dockerfile_path: deploy/Dockerfile\ntarget: runtime\n\
         build_args:\n  - VERSION=1.2.3\n  - {name: TOKEN, from_env: BETA_TOKEN}\n\
         additional_tags:\n  - latest\n",
    );
    repo.commit("beta builds an upstream with build args");
    Monoarch::new(repo.path())
        .args(["plan", "--all", "--format", "json", "--output", "plan.json"])
        .run()
        .success();
    let plan = repo.join("plan.json");
    let verdict = check_contract("plan", std::slice::from_ref(&plan));
    assert!(verdict.ok, "{}", verdict.output);

    let text = std::fs::read_to_string(&plan).expect("read plan");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("plan is JSON");
    value["format_version"] = 2.into();
    let other = repo.join("plan-v2.json");
    std::fs::write(&other, value.to_string()).expect("write");
    let verdict = check_contract("plan", &[other]);
    assert!(!verdict.ok, "a version-2 plan passed the version-1 schema");
}
