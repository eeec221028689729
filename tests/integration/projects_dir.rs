//! A projects folder monoarch cannot list is an error of `projects_dir`, never
//! an empty selection that exits 0 with "nothing to build".

use std::os::unix::ffi::OsStrExt;

use crate::support::fixture::monorepo;
use crate::support::monoarch::Monoarch;

const CONFIG: &str = "registry: registry.example.test\nrepository: images\n";

/// A project folder named `caf\xe9` (Latin-1, not UTF-8) with a valid config.
fn add_latin1_project(repo: &crate::support::git_repo::GitRepo) {
    let folder = repo
        .join("projects")
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    std::fs::create_dir(&folder).expect("folder");
    std::fs::write(
        folder.join("build-config.yaml"),
        "additional_tags: [latest]\n",
    )
    .expect("config");
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_projects_dir_that_does_not_exist_is_an_error_not_nothing_to_build() {
    let repo = monorepo();
    let first = repo.head();
    repo.write("monoarch.yaml", &format!("{CONFIG}projects_dir: projets\n"));
    repo.write("projects/alpha/hello.txt", "changed\n");
    repo.commit("alpha changed, projects_dir misspelt");
    let expected = "error: monoarch.yaml:3:15: projects_dir: `projets` does not exist in the repository; create it with one folder per project, or set projects_dir to the folder that holds them\n";
    for args in [
        vec!["validate"],
        vec!["plan", "--all"],
        vec!["plan", "--base", &first],
        vec!["matrix", "--format", "github", "--base", &first],
    ] {
        let run = Monoarch::new(repo.path()).args(&args).run().expect_code(3);
        assert_eq!(run.stderr, expected, "{args:?}");
        assert!(!run.stdout.contains("nothing to build"), "{args:?}");
    }
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_projects_dir_that_is_a_file_is_an_error() {
    let repo = monorepo();
    repo.write(
        "monoarch.yaml",
        &format!("{CONFIG}projects_dir: README.md\n"),
    );
    let run = Monoarch::new(repo.path())
        .args(["plan", "--all"])
        .run()
        .expect_code(3);
    assert_eq!(
        run.stderr,
        "error: monoarch.yaml:3:15: projects_dir: `README.md` is a file, not a folder; set projects_dir to the folder that holds one folder per project\n"
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn the_default_projects_dir_may_be_absent_in_a_repository_without_projects() {
    let repo = crate::support::git_repo::GitRepo::new();
    repo.write("monoarch.yaml", CONFIG);
    repo.commit("no projects yet");
    let run = Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .success();
    assert_eq!(run.stdout, "0 project(s) checked; no problems.\n");
    // Set explicitly, the same absence is a typo.
    repo.write(
        "monoarch.yaml",
        &format!("{CONFIG}projects_dir: projects\n"),
    );
    Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .expect_code(3);
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_folder_whose_name_is_not_utf8_is_named_not_skipped() {
    let repo = monorepo();
    add_latin1_project(&repo);
    let expected = "error: monoarch.yaml: projects_dir: `projects` holds `caf\u{fffd}`, whose name is not UTF-8 text; rename it (project names are lowercase letters, digits, `.`, `_` and `-`)\n";
    for args in [vec!["validate"], vec!["plan", "--all"]] {
        let run = Monoarch::new(repo.path()).args(&args).run().expect_code(3);
        assert_eq!(run.stderr, expected, "{args:?}");
    }
}

/// In a change-driven plan git's path is made text lossily; the folder is named,
/// never read as another (missing) one and reported as removed.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_changed_folder_whose_name_is_not_utf8_is_named_not_removed() {
    let repo = monorepo();
    let first = repo.head();
    add_latin1_project(&repo);
    repo.git(&["add", "-A"]);
    repo.commit("a project with a Latin-1 name");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--base", &first])
        .run()
        .expect_code(3);
    assert_eq!(
        run.stderr,
        "error: monoarch.yaml: projects_dir: `projects` holds `caf\u{fffd}`, whose name is not UTF-8 text; rename it (project names are lowercase letters, digits, `.`, `_` and `-`)\n"
    );
    assert!(!run.stdout.contains("removed"), "{}", run.stdout);
}
