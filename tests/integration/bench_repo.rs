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

/// The projects of the plan the matrix was made from (its entries name chunks of
/// it), and how many jobs they have.
fn plan_projects(plan: &Path) -> (BTreeSet<String>, usize) {
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(plan).expect("plan written"))
        .expect("plan is JSON");
    let projects = plan["projects"].as_array().expect("plan has projects");
    let jobs = projects
        .iter()
        .map(|p| p["jobs"].as_array().map_or(0, Vec::len))
        .sum();
    let names = projects
        .iter()
        .map(|p| {
            p["name"]
                .as_str()
                .expect("project names are strings")
                .to_string()
        })
        .collect();
    (names, jobs)
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
        let plan = dir.path().join(format!("{branch}.json"));
        let run = Monoarch::new(&repo)
            .args([
                "matrix",
                "--format",
                "github",
                "--base",
                "main",
                "--write-plan",
            ])
            .args([plan.as_os_str()])
            .run()
            .success();
        let matrix: Value = serde_json::from_str(&run.stdout).expect("matrix is JSON");
        let entries = matrix["include"].as_array().map_or(0, Vec::len);
        let (names, jobs) = plan_projects(&plan);
        assert_eq!(names, expected, "{branch}");
        assert_eq!(entries, jobs, "{branch}: one entry per job");
    }
}
