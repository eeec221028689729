//! Files and strings a repository or CI variable hands monoarch, at their
//! worst (issue 8, items 6, 7, 8): symlinks out of the repository, files
//! without end, globs that crash globset. Each is refused with one line
//! naming the file, line and field, a documented exit code, no panic, and
//! no echo of what the file holds.

use std::path::Path;

use rstest::rstest;

use crate::support::fixture::monorepo;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::{Monoarch, Run};

const SECRET: &str = "hunter2-do-not-print";

/// The exit code and the one `error:` line; no panic, nothing on stdout.
fn refused(run: Run, code: i32, expected: &str) -> Run {
    let run = run.expect_code(code);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.stdout, "", "{}", run.stderr);
    assert!(
        run.stderr.contains(expected),
        "{expected:?} not in:\n{}",
        run.stderr
    );
    run
}

fn monoarch(repo: &GitRepo, args: &[&str]) -> Run {
    Monoarch::new(repo.path())
        .env("MONOARCH_TEST_SECRET", SECRET)
        .args(args)
        .run()
}

/// A file outside the repository that holds a secret.
fn outside_secret() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), format!("registry: {SECRET}\n{SECRET}\n")).expect("write");
    file
}

#[rstest]
#[case::schedule_to_proc_environ("rebuild-weekly.txt", "/proc/self/environ", &["plan", "--schedule"])]
#[case::schedule_to_passwd("rebuild-weekly.txt", "/etc/passwd", &["validate"])]
#[case::project_config_to_passwd("projects/beta/build-config.yaml", "/etc/passwd", &["plan", "--all"])]
#[case::project_config_validate("projects/beta/build-config.yaml", "/etc/passwd", &["validate"])]
#[case::repo_config_to_proc_environ("monoarch.yaml", "/proc/self/environ", &["validate"])]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_symlink_out_of_the_repository_is_refused_unread(
    #[case] file: &str,
    #[case] target: &str,
    #[case] args: &[&str],
) {
    let repo = monorepo();
    repo.symlink(file, Path::new(target));
    repo.commit("a link out of the repository");
    let run = refused(
        monoarch(&repo, args),
        3,
        &format!("error: {file}: leads outside the repository (to "),
    );
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
    assert!(!run.stderr.contains("root:"), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_symlink_to_a_secret_file_is_not_echoed_in_any_command() {
    let secret = outside_secret();
    let repo = monorepo();
    repo.symlink("monoarch.yaml", secret.path());
    repo.symlink(
        "projects/alpha",
        secret.path().parent().expect("temp folder"),
    );
    repo.commit("links out");
    for args in [
        &["validate"][..],
        &["plan", "--all"],
        &["matrix", "--format", "github", "--all"],
    ] {
        let run = refused(
            monoarch(&repo, args),
            3,
            "monoarch.yaml: leads outside the repository",
        );
        assert!(!run.stderr.contains(SECRET), "{args:?}: {}", run.stderr);
    }
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_project_folder_linked_out_of_the_repository_is_refused() {
    let elsewhere = tempfile::tempdir().expect("temp dir");
    std::fs::write(elsewhere.path().join("build-config.yaml"), "target: x\n").expect("write");
    let repo = monorepo();
    repo.symlink("projects/evil", elsewhere.path());
    repo.commit("a project from elsewhere");
    refused(
        monoarch(&repo, &["validate"]),
        3,
        "error: projects/evil/build-config.yaml: leads outside the repository",
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_named_pipe_as_schedule_file_is_refused_without_blocking() {
    let repo = monorepo();
    repo.remove("rebuild-weekly.txt");
    let status = std::process::Command::new("mkfifo")
        .arg(repo.join("rebuild-weekly.txt"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    refused(
        monoarch(&repo, &["plan", "--schedule"]),
        3,
        "error: rebuild-weekly.txt: is a named pipe, not a regular file",
    );
}

#[rstest]
#[case::repo_config("monoarch.yaml", &["validate"])]
#[case::project_config("projects/gamma/build-config.yaml", &["plan", "--all"])]
#[case::schedule("rebuild-weekly.txt", &["plan", "--schedule"])]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_config_file_over_the_cap_is_refused(#[case] file: &str, #[case] args: &[&str]) {
    let repo = monorepo();
    let mut text = String::from("# padding\n");
    while text.len() <= 1 << 20 {
        text.push_str("# a comment line that only makes the file larger than any config\n");
    }
    repo.write(file, &text);
    refused(
        monoarch(&repo, args),
        3,
        &format!("error: {file}: is larger than the 1 MiB limit; shorten it"),
    );
}

/// globset panics (or overflows the stack) on deeply nested braces, and a
/// set it cannot build used to become an empty set without a word.
#[rstest]
#[case::projects_flag(&[], "--projects: ", 2)]
#[case::monoarch_projects(&[], "MONOARCH_PROJECTS: ", 2)]
#[case::schedule_line(&[], "rebuild-weekly.txt:2:1: ", 3)]
#[case::ignore(&["ignore"], "monoarch.yaml:2:5: ignore: ", 3)]
#[case::rebuild_all(&["rebuild_all"], "monoarch.yaml:2:5: rebuild_all: ", 3)]
#[case::publish_branches(&["publish", "branches"], "monoarch.yaml:3:7: publish.branches: ", 3)]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_deeply_nested_glob_is_an_error_with_its_place(
    #[case] yaml_key: &[&str],
    #[case] place: &str,
    #[case] code: i32,
) {
    for (depth, why) in [
        (300, "nests `{...}` 300 levels deep; at most 8 are allowed"),
        (
            60_000,
            "is 120001 characters long; a glob may have at most 1024",
        ),
    ] {
        let glob = format!("{}a{}", "{".repeat(depth), "}".repeat(depth));
        let repo = monorepo();
        let mut cmd = Monoarch::new(repo.path());
        let args: Vec<&str> = match (place, yaml_key) {
            ("--projects: ", _) => vec!["plan", "--projects", &glob],
            ("MONOARCH_PROJECTS: ", _) => {
                cmd = cmd
                    .env("GITLAB_CI", "true")
                    .env("CI_PIPELINE_SOURCE", "web")
                    .env("MONOARCH_PROJECTS", &glob);
                vec!["plan"]
            }
            (_, []) => {
                repo.write("rebuild-weekly.txt", &format!("alpha\n{glob}\n"));
                vec!["plan", "--schedule"]
            }
            (_, [key]) => {
                repo.write("monoarch.yaml", &format!("{key}:\n  - \"{glob}\"\n"));
                vec!["plan", "--all"]
            }
            (_, [outer, inner]) => {
                repo.write(
                    "monoarch.yaml",
                    &format!("{outer}:\n  {inner}:\n    - \"{glob}\"\n"),
                );
                vec!["plan", "--all"]
            }
            _ => unreachable!(),
        };
        let run = cmd.args(&args).run();
        let shown: String = glob.chars().take(60).collect();
        refused(run, code, &format!("{place}`{shown}...` {why}"));
        if code == 3 {
            // `validate` names it too, instead of passing.
            refused(monoarch(&repo, &["validate"]), 3, why);
        }
    }
}

#[rstest]
#[case::too_late("253402300800")]
#[case::negative("-1")]
#[case::not_a_number("tomorrow")]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_source_date_epoch_outside_four_digit_years_is_refused(#[case] value: &str) {
    let repo = monorepo();
    let run = Monoarch::new(repo.path())
        .env("SOURCE_DATE_EPOCH", value)
        .args(["plan", "--all"])
        .run();
    refused(
        run,
        3,
        &format!(
            "error: SOURCE_DATE_EPOCH: `{value}` is not a Unix timestamp in seconds between 1970 and 9999"
        ),
    );
}
