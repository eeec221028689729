//! Output a CI parses cannot be forged: values monoarch echoes (build args,
//! refs, file names, registry messages) never issue a GitHub workflow
//! command or draw a GitLab section outside monoarch's own. Each test reads
//! the merged log as the runner would (`support::ci_log`).

use monoarch::contract::BuildArg;
use monoarch::exit_code;

use crate::manifest::{BOTH, manifest_command, push_arch_images};
use crate::support::ci_log::{github_commands, gitlab_sections};
use crate::support::fault_proxy::{Action, FaultProxy};
use crate::support::fixture;
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::{Monoarch, Run};
use crate::support::plans;
use crate::support::world::World;

/// A value that tries every trick: new lines by `\n` and by `\r`, a v1
/// command anywhere in a line, and a GitLab section marker.
const FORGED: &str = "v1\n::warning title=forged::pwned\r::add-mask::hidden ##[error]v1-style\n\x1b[0Ksection_start:1:forged[collapsed=true]\r\x1b[0Kforged";

/// The commands monoarch issues itself around a builder's output.
const OWN: &[&str] = &["group", "stop-commands", "resume-commands", "endgroup"];

fn assert_no_forged_github_command(run: &Run) {
    let forged: Vec<String> = github_commands(&run.stdout)
        .into_iter()
        .filter(|c| !OWN.contains(&c.as_str()))
        .collect();
    assert!(forged.is_empty(), "forged {forged:?} in:\n{}", run.stdout);
}

fn assert_no_forged_gitlab_section(run: &Run) {
    let sections = gitlab_sections(&run.stdout);
    assert!(
        sections.iter().all(|s| s.contains("monoarch-")),
        "forged {sections:?} in:\n{}",
        run.stdout
    );
}

/// `monoarch build` of a scratch project whose literal build arg is `FORGED`.
fn build_with_forged_arg(w: &World, ci: (&str, &str)) -> Run {
    let repo = GitRepo::new();
    repo.write(
        "projects/hello/Dockerfile",
        "FROM scratch\nARG GREETING\nCOPY hello.txt /hello.txt\n",
    );
    repo.write("projects/hello/hello.txt", "hello\n");
    repo.commit("hello");
    let (host_arch, _) = plans::host_and_foreign_arch();
    let mut project = plans::local_project("hello", &[host_arch]);
    project.build_args.push(BuildArg::Value {
        name: "GREETING".into(),
        value: FORGED.into(),
    });
    let host = w.registry().host();
    plans::write(repo.path(), &plans::plan(&host, vec![project]));
    w.buildah()
        .monoarch_build(repo.path())
        .args(["--project", "hello", "--arch", host_arch])
        .args(["--insecure-registry", &host])
        .env(ci.0, ci.1)
        .run_merged()
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry")),
    ignore = "needs buildah, docker-registry: run hack/install-test-deps"
)]
fn a_build_arg_cannot_issue_github_workflow_commands() {
    let w = World::new();
    let run = build_with_forged_arg(&w, ("GITHUB_ACTIONS", "true")).success();
    assert_no_forged_github_command(&run);
    assert!(
        run.stdout
            .contains(r"$'GREETING=v1\n::warning title=forged::pwned\r::add-mask::hidden"),
        "the value is shown, quoted: {}",
        run.stdout
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry")),
    ignore = "needs buildah, docker-registry: run hack/install-test-deps"
)]
fn a_build_arg_cannot_draw_gitlab_sections() {
    let w = World::new();
    let run = build_with_forged_arg(&w, ("GITLAB_CI", "true")).success();
    assert_no_forged_gitlab_section(&run);
    assert_eq!(
        gitlab_sections(&run.stdout).len(),
        4,
        "build and push sections"
    );
}

#[test]
#[cfg_attr(
    not(all(tool = "docker-registry", tool = "skopeo")),
    ignore = "needs docker-registry, skopeo: run hack/install-test-deps"
)]
fn a_registry_message_cannot_issue_commands() {
    let w = World::new();
    let project = plans::project("app", BOTH, &["latest"]);
    push_arch_images(&w, &project, BOTH, "a");
    let body = serde_json::json!({"errors": [{"code": "DENIED", "message": FORGED}]}).to_string();
    let proxy = FaultProxy::start(w.registry().port(), move |r| {
        if r.method == "PUT" {
            Action::Respond(400, vec![], body.clone())
        } else {
            Action::Forward
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = plans::write(dir.path(), &plans::plan(&proxy.host(), vec![project]));
    let run = manifest_command(dir.path(), &plan, &proxy.host(), &[])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", dir.path().join("summary.md"))
        .run_merged()
        .expect_code(exit_code::REGISTRY);
    assert_no_forged_github_command(&run);
    assert!(
        run.stdout.contains(r"DENIED v1\n::warning"),
        "{}",
        run.stdout
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).expect("summary");
    assert!(
        !summary.contains("\n::") && !summary.contains('\r'),
        "{summary}"
    );
}

/// The plan's checks refuse such a ref (exit 6); the message that says so
/// echoes it, inert.
#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn an_upstream_ref_in_a_plan_cannot_issue_commands() {
    let repo = GitRepo::new();
    repo.write("projects/hello/Dockerfile", "FROM scratch\n");
    repo.commit("hello");
    let (host_arch, _) = plans::host_and_foreign_arch();
    let project = plans::with_upstream(
        plans::project("hello", &[host_arch], &[]),
        "http://127.0.0.1:1/upstream.git",
        FORGED,
    );
    plans::write(repo.path(), &plans::plan("127.0.0.1:1", vec![project]));
    let run = Monoarch::new(repo.path())
        .args(["build", "--plan", "plan.json", "--builder", "buildah"])
        .args(["--project", "hello", "--arch", host_arch])
        .env("GITHUB_ACTIONS", "true")
        .run_merged()
        .expect_code(exit_code::INVALID_PLAN);
    assert_no_forged_github_command(&run);
    assert!(
        run.stdout
            .contains(r"`v1\n::warning title=forged::pwned\r::add-mask::hidden"),
        "the ref was echoed: {}",
        run.stdout
    );
}

#[test]
#[cfg_attr(not(tool = "git"), ignore = "needs git: run hack/install-test-deps")]
fn file_names_in_a_plan_preview_cannot_issue_commands() {
    let repo = fixture::monorepo();
    let base = repo.head();
    // git allows any byte but NUL and `/` in a file name.
    repo.write(
        "projects/alpha/notes\n::warning::forged\r::add-mask::x.txt",
        "x\n",
    );
    repo.commit("a file with a hostile name");
    let run = Monoarch::new(repo.path())
        .args(["plan", "--base", &base])
        .env("GITHUB_ACTIONS", "true")
        .run_merged()
        .success();
    assert_no_forged_github_command(&run);
    assert!(
        run.stdout.contains(r"notes\n::warning::forged"),
        "{}",
        run.stdout
    );
}
