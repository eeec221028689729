//! The benchmark's synthetic monorepo (hack/bench-repo.py) is one monoarch reads right.
//!
//! hack/bench times `monoarch matrix` on these repos; this keeps the generator's
//! configs valid as the config schema evolves, and checks on a small copy that
//! the projects monoarch selects are exactly those git's diff names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::monoarch::Monoarch;

fn generate(out: &Path) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("hack/bench-repo.py");
    let run = Command::new("python3")
        .arg(script)
        .arg("--out")
        .arg(out)
        .args(["--projects", "24", "--commits", "90", "--feature", "1,6"])
        .output()
        .expect("run python3 hack/bench-repo.py");
    assert!(
        run.status.success(),
        "hack/bench-repo.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).expect("bench-repo.py prints its facts as JSON")
}

fn checkout(repo: &Path, branch: &str) {
    let status = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["checkout", "-q", "-f", branch])
        .status()
        .expect("run git checkout");
    assert!(status.success(), "git checkout {branch}");
}

fn matrix_projects(matrix: &Value) -> BTreeSet<String> {
    matrix["include"]
        .as_array()
        .expect("matrix has an include array")
        .iter()
        .flat_map(|entry| entry["projects"].as_array().expect("projects is an array"))
        .map(|p| p.as_str().expect("project names are strings").to_string())
        .collect()
}

#[test]
#[cfg_attr(
    not(all(tool = "git", tool = "python3")),
    ignore = "needs git, python3: run hack/install-test-deps"
)]
fn generated_repo_validates_and_each_feature_branch_selects_exactly_its_projects() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    let facts = generate(&repo);
    assert_eq!(facts["projects"], 24);
    assert_eq!(facts["commits_on_main"], 90);

    Monoarch::new(&repo).args(["validate"]).run().success();

    for (branch, touched) in [("feature-1", 1), ("feature-6", 6)] {
        checkout(&repo, branch);
        let expected: BTreeSet<String> = facts["features"][branch]["projects"]
            .as_array()
            .expect("facts list the branch's projects")
            .iter()
            .map(|p| p.as_str().expect("names are strings").to_string())
            .collect();
        assert_eq!(expected.len(), touched);
        let run = Monoarch::new(&repo)
            .args(["matrix", "--format", "github", "--base", "main"])
            .run()
            .success();
        let matrix: Value = serde_json::from_str(&run.stdout).expect("matrix is JSON");
        assert_eq!(matrix_projects(&matrix), expected, "{branch}");
    }
}
