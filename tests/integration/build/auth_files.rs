//! Registry passwords written for the builder live only as long as the job:
//! gone after success, failure, a crashed builder and a cancelled job. Real
//! buildah behind a small shim that records whether the auth file it was
//! handed held the credentials, and crashes or hangs on demand.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use monoarch::exit_code;

use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Monoarch;
use crate::support::plans;
use crate::support::world::World;

const PASSWORD: &str = "correct-horse-battery";

/// A `buildah` first on PATH that logs `present <file>` for a non-empty
/// `--authfile`, then, by `$SHIM_MODE`: `crash` (SIGKILL itself), `hang`
/// (write `$SHIM_STARTED` and sleep), else the real buildah.
fn shim(dir: &Path) -> PathBuf {
    let real = crate::support::tools::find("buildah").expect("real buildah on PATH");
    let bin = dir.join("shim");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let script = format!(
        r#"#!/bin/sh
for a do
  case "$a" in --authfile=*) f="${{a#--authfile=}}"; [ -s "$f" ] && echo "present $f" >> "$SHIM_LOG" ;; esac
done
case "$SHIM_MODE" in
  crash) kill -9 $$ ;;
  hang) echo $$ > "$SHIM_STARTED"; exec sleep 30 ;;
esac
exec '{}' "$@"
"#,
        real.display()
    );
    let path = bin.join("buildah");
    std::fs::write(&path, script).expect("write shim");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin
}

struct Job {
    w: World,
    repo: GitRepo,
    workdir: PathBuf,
    shim: PathBuf,
}

impl Job {
    fn new(dockerfile: &str) -> Job {
        let w = World::with_auth("ci", PASSWORD);
        let repo = GitRepo::new();
        repo.write("projects/hello/Dockerfile", dockerfile);
        repo.write("projects/hello/hello.txt", "hello\n");
        repo.commit("hello");
        let (host_arch, _) = plans::host_and_foreign_arch();
        let plan = plans::plan(
            &w.registry().host(),
            vec![plans::local_project("hello", &[host_arch])],
        );
        plans::write(repo.path(), &plan);
        let workdir = repo.join("work");
        let shim = shim(repo.path());
        Job {
            w,
            repo,
            workdir,
            shim,
        }
    }

    fn command(&self, mode: &str) -> Monoarch {
        let (host_arch, _) = plans::host_and_foreign_arch();
        let host = self.w.registry().host();
        let path = format!(
            "{}:{}",
            self.shim.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let cmd = self
            .w
            .buildah()
            .monoarch_build(self.repo.path())
            .args(["--project", "hello", "--arch", host_arch])
            .args(["--insecure-registry", &host])
            .args(["--workdir"])
            .arg_path(&self.workdir)
            .env("PATH", path)
            .env("SHIM_MODE", mode)
            .env("SHIM_LOG", self.repo.join("shim.log"))
            .env("SHIM_STARTED", self.repo.join("started"))
            .env("MONOARCH_REGISTRY_USERNAME", "ci")
            .env("MONOARCH_REGISTRY_PASSWORD", PASSWORD);
        let empty = self.repo.join("empty-auth.json");
        std::fs::write(&empty, "{}").expect("auth file");
        cmd.env("REGISTRY_AUTH_FILE", empty)
    }

    /// The builder was handed an auth file that held the credentials.
    fn assert_builder_had_the_file(&self) {
        let log = std::fs::read_to_string(self.repo.join("shim.log")).unwrap_or_default();
        assert!(log.contains("present "), "shim log: {log:?}");
    }

    /// No file under the work folder holds the password or its base64 form.
    fn assert_no_credentials_left(&self) {
        let encoded = "Y2k6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5"; // base64("ci:correct-horse-battery")
        let mut stack = vec![self.workdir.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() && !path.is_symlink() {
                    stack.push(path);
                } else if let Ok(text) = std::fs::read(&path) {
                    let text = String::from_utf8_lossy(&text);
                    assert!(
                        !text.contains(PASSWORD) && !text.contains(encoded),
                        "{} still holds the credentials",
                        path.display()
                    );
                }
            }
        }
        let (host_arch, _) = plans::host_and_foreign_arch();
        let auth = self.workdir.join(format!("hello-{host_arch}/auth"));
        assert!(!auth.exists(), "{} is gone", auth.display());
    }
}

const SCRATCH: &str = "FROM scratch\nCOPY hello.txt /hello.txt\n";

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "htpasswd")),
    ignore = "needs buildah, docker-registry, htpasswd: run hack/install-test-deps"
)]
fn the_auth_file_is_gone_after_a_successful_job() {
    let job = Job::new(SCRATCH);
    job.command("real").run().success();
    job.assert_builder_had_the_file();
    job.assert_no_credentials_left();
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "htpasswd")),
    ignore = "needs buildah, docker-registry, htpasswd: run hack/install-test-deps"
)]
fn the_auth_file_is_gone_after_a_failing_build() {
    let job = Job::new("FROM scratch\nCOPY missing.txt /missing.txt\n");
    job.command("real").run().expect_code(exit_code::BUILD);
    job.assert_builder_had_the_file();
    job.assert_no_credentials_left();
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "htpasswd")),
    ignore = "needs buildah, docker-registry, htpasswd: run hack/install-test-deps"
)]
fn the_auth_file_is_gone_after_the_builder_crashes() {
    let job = Job::new(SCRATCH);
    let run = job.command("crash").run().expect_code(exit_code::BUILD);
    assert!(run.stderr.contains("exited on a signal"), "{}", run.stderr);
    job.assert_builder_had_the_file();
    job.assert_no_credentials_left();
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "htpasswd")),
    ignore = "needs buildah, docker-registry, htpasswd: run hack/install-test-deps"
)]
fn the_auth_file_is_gone_when_the_job_is_cancelled() {
    let job = Job::new(SCRATCH);
    let child = job.command("hang").spawn();
    let started = job.repo.join("started");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !started.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let builder = std::fs::read_to_string(&started).expect("the builder started");
    job.assert_builder_had_the_file();
    // What a CI runner does when a job is cancelled.
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(term.success());
    let out = child.wait_with_output().expect("monoarch ends");
    let _ = std::process::Command::new("kill")
        .args(["-KILL", builder.trim()])
        .status();
    assert_eq!(out.status.code(), Some(143), "128 + SIGTERM");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("registry credentials written for the builder were removed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    job.assert_no_credentials_left();
}
