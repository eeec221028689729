//! No two projects may publish the same tag, and per-project naming checks
//! the names and tags it really produces (issue 8, item 4). In one shared
//! repository `app` with `web-latest` and `app-web` with `latest` both
//! publish `app-web-latest`; with one repository per project a folder name
//! becomes a repository name and a tag is published as written.

use std::path::Path;

use rstest::rstest;

use crate::support::fixture::{add_project, monorepo};
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::{Monoarch, Run};

const CLASH: &str = "projects/app-web/build-config.yaml:1:19: additional_tags: project `app-web` (its tag `latest`, projects/app-web/build-config.yaml:1:19) and project `app` (its tag `web-latest`, projects/app/build-config.yaml:1:19) both publish `images:app-web-latest`; no two projects may publish the same tag: rename one of the tags (or a project folder)";

/// The fixture plus `app` (tag `web-latest`) and `app-web` (tag `latest`).
fn clashing() -> GitRepo {
    let repo = monorepo();
    for (name, tag) in [("app", "web-latest"), ("app-web", "latest")] {
        add_project(&repo, name);
        repo.write(
            &format!("projects/{name}/build-config.yaml"),
            &format!("additional_tags: [{tag}]\n"),
        );
    }
    repo.commit("two projects, one tag");
    repo
}

fn refused(run: Run, code: i32, expected: &str) {
    let run = run.expect_code(code);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, format!("error: {expected}\n"));
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn validate_reports_two_projects_publishing_one_tag() {
    refused(
        Monoarch::new(clashing().path()).args(["validate"]).run(),
        3,
        CLASH,
    );
}

/// The plan of a change to one of them is refused too, though the other
/// project is not selected: it would lose its tag all the same.
#[rstest]
#[case::the_prefix_project(&["app"])]
#[case::the_longer_name(&["app-web"])]
#[case::both(&["app", "app-web"])]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_plan_selecting_either_project_is_refused(#[case] changed: &[&str]) {
    let repo = clashing();
    let base = repo.head();
    for name in changed {
        repo.write(&format!("projects/{name}/hello.txt"), "changed\n");
    }
    repo.commit("change");
    // The message sits at the second project's tag, in plan order.
    let expected = if changed == ["app-web"] {
        CLASH.replace(
            "projects/app-web/build-config.yaml:1:19: additional_tags: project `app-web` (its tag `latest`, projects/app-web/build-config.yaml:1:19) and project `app` (its tag `web-latest`, projects/app/build-config.yaml:1:19)",
            "projects/app/build-config.yaml:1:19: additional_tags: project `app` (its tag `web-latest`, projects/app/build-config.yaml:1:19) and project `app-web` (its tag `latest`, projects/app-web/build-config.yaml:1:19)",
        )
    } else {
        CLASH.to_string()
    };
    for args in [
        &["plan", "--base", base.as_str()][..],
        &["matrix", "--format", "github", "--base", base.as_str()],
        &["run", "--base", base.as_str()],
    ] {
        refused(Monoarch::new(repo.path()).args(args).run(), 3, &expected);
    }
}

/// The unselected project may be a linked folder (to a folder inside the
/// repository): the plan looks the name up without following the link, then
/// reads its config as every config is read, so the link hides no clash.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_plan_is_refused_when_the_other_project_is_a_linked_folder() {
    let repo = monorepo();
    add_project(&repo, "app");
    repo.write(
        "projects/app/build-config.yaml",
        "additional_tags: [web-latest]\n",
    );
    repo.write(
        "shared/app-web/build-config.yaml",
        "additional_tags: [latest]\n",
    );
    repo.write("shared/app-web/Dockerfile", "FROM scratch\n");
    repo.symlink("projects/app-web", Path::new("../shared/app-web"));
    repo.commit("app-web lives in shared/, linked into projects/");
    let base = repo.head();
    repo.write("projects/app/hello.txt", "changed\n");
    repo.commit("change app only");
    refused(
        Monoarch::new(repo.path())
            .args(["plan", "--base", base.as_str()])
            .run(),
        3,
        CLASH,
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn distinct_tags_with_dashes_pass() {
    let repo = monorepo();
    for (name, tag) in [("app", "web"), ("app-web", "latest"), ("web", "app-latest")] {
        add_project(&repo, name);
        repo.write(
            &format!("projects/{name}/build-config.yaml"),
            &format!("additional_tags: [{tag}]\n"),
        );
    }
    repo.commit("similar names, distinct tags");
    Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .success();
    Monoarch::new(repo.path())
        .args(["plan", "--all"])
        .run()
        .success();
}

/// With one repository per project the folder name is a repository name
/// and tags are published as written: check those, not `<name>-<tag>`.
#[rstest]
#[case::uppercase_folder(
    "Web",
    "latest",
    "projects/Web/build-config.yaml: folder name `Web` cannot be a repository name (`naming: per-project` makes `images/Web`); rename it using lowercase letters and digits, separated by single `.`, `_` or `-`"
)]
#[case::double_dash_folder("web--x", "latest", "")]
#[case::triple_underscore_folder(
    "web___x",
    "latest",
    "projects/web___x/build-config.yaml: folder name `web___x` cannot be a repository name (`naming: per-project` makes `images/web___x`); rename it using lowercase letters and digits, separated by single `.`, `_` or `-`"
)]
#[case::tag_with_a_leading_dash(
    "web",
    "\"-rc\"",
    "projects/web/build-config.yaml:1:19: additional_tags: `-rc` is not a valid OCI tag; use letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, at most 128 characters"
)]
#[case::tag_with_a_leading_dot(
    "web",
    "\".rc\"",
    "projects/web/build-config.yaml:1:19: additional_tags: `.rc` is not a valid OCI tag; use letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, at most 128 characters"
)]
#[case::empty_tag(
    "web",
    "\"\"",
    "projects/web/build-config.yaml:1:19: additional_tags: is empty; write the tag or remove the item"
)]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn per_project_naming_checks_what_it_publishes(
    #[case] folder: &str,
    #[case] tag: &str,
    #[case] expected: &str,
) {
    let repo = monorepo();
    repo.write("monoarch.yaml", "repository: images\nnaming: per-project\n");
    add_project(&repo, folder);
    repo.write(
        &format!("projects/{folder}/build-config.yaml"),
        &format!("additional_tags: [{tag}]\n"),
    );
    repo.commit("per-project");
    let validate = Monoarch::new(repo.path()).args(["validate"]).run();
    let plan = Monoarch::new(repo.path())
        .args(["plan", "--projects", folder])
        .run();
    if expected.is_empty() {
        validate.success();
        plan.success();
    } else {
        refused(validate, 3, expected);
        refused(plan, 3, expected);
    }
}

/// An empty tag is refused in one shared repository too, where `<name>-`
/// would have passed as a valid tag.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn an_empty_tag_is_refused_in_one_repository_too() {
    let repo = monorepo();
    repo.write(
        "projects/alpha/build-config.yaml",
        "additional_tags: [\"\", \" \"]\n",
    );
    let run = Monoarch::new(repo.path())
        .args(["validate"])
        .run()
        .expect_code(3);
    assert_eq!(
        run.stderr,
        "error: projects/alpha/build-config.yaml:1:19: additional_tags: is empty; write the tag or remove the item\n\
         error: projects/alpha/build-config.yaml:1:23: additional_tags: is empty; write the tag or remove the item\n"
    );
}

/// A change to many projects looks up, while git still compares the trees,
/// the folders their date-sha tags could collide with: one that is there is
/// still read. `app-20261120` (not committed: its tag names the commit it is
/// not in) publishes `<sha7>`, i.e. `app-20261120-<sha7>`, app's date-sha tag.
/// In a small projects folder the names are looked up in one listing of it; in
/// a big one (`idle` folders more) one by one: both find it.
#[rstest]
#[case::app_alone(0, 0)]
#[case::with_many_others(16, 0)]
#[case::app_alone_in_a_big_folder(0, 64)]
#[case::with_many_others_in_a_big_folder(16, 400)]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn a_folder_publishing_a_date_sha_tag_is_found_however_many_projects_change(
    #[case] others: usize,
    #[case] idle: usize,
) {
    let repo = monorepo();
    for i in 0..idle {
        std::fs::create_dir_all(repo.path().join(format!("projects/idle-{i:03}"))).expect("mkdir");
    }
    let names: Vec<String> = std::iter::once("app".to_string())
        .chain((0..others).map(|i| format!("svc-{i:02}")))
        .collect();
    for name in &names {
        add_project(&repo, name);
    }
    repo.commit("projects");
    let base = repo.head();
    for name in &names {
        repo.write(&format!("projects/{name}/hello.txt"), "changed\n");
    }
    repo.commit("change them");
    let sha7 = &repo.head()[..7];
    add_project(&repo, "app-20261120");
    repo.write(
        "projects/app-20261120/build-config.yaml",
        &format!("additional_tags: [\"{sha7}\"]\n"),
    );
    let run = Monoarch::new(repo.path())
        .args(["plan", "--base", base.as_str()])
        .env("MONOARCH_LOG", "monoarch=debug")
        .run()
        .expect_code(3);
    assert!(
        run.stderr
            .contains(&format!("both publish `images:app-20261120-{sha7}`")),
        "{}",
        run.stderr
    );
    // Where the folder's link count says nothing of its subfolders (btrfs,
    // overlayfs), it is never listed.
    let counted = std::os::unix::fs::MetadataExt::nlink(
        &std::fs::metadata(repo.path().join("projects")).expect("projects folder"),
    ) >= 2;
    assert_eq!(
        run.stderr.contains("projects folder listed once"),
        idle == 0 && counted,
        "listed only where cheaper: {}",
        run.stderr
    );
}
