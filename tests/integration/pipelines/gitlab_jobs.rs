//! The GitLab wiring, job by job: the template's `monoarch-plan` commands, then
//! the generated child pipeline's own `script:` lines run by a shell, as a runner would.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::end_to_end::{assert_absent, assert_published, expected_tags, merged_monorepo};
use crate::support::monoarch::Monoarch;
use crate::support::world::World;

/// Runs one job's script lines with `sh -e`, with only the variables a GitLab
/// job would have that matter here; monoarch is on PATH as in the template.
fn run_script(dir: &Path, lines: &[String], vars: &[(String, String)]) {
    let bin = Path::new(env!("CARGO_BIN_EXE_monoarch"))
        .parent()
        .expect("binary folder");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("sh");
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("SOURCE_DATE_EPOCH", "1795132800");
    for keep in ["HOME", "TMPDIR", "LANG"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    cmd.envs(vars.iter().map(|(k, v)| (k, v)));
    let out = cmd
        .arg("-ec")
        .arg(lines.join("\n"))
        .output()
        .expect("run sh");
    assert!(
        out.status.success(),
        "job script {lines:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn script(job: &Value) -> Vec<String> {
    job["script"]
        .as_array()
        .expect("script list")
        .iter()
        .map(|l| l.as_str().expect("script line").to_string())
        .collect()
}

#[test]
#[cfg_attr(
    not(all(tool = "buildah", tool = "docker-registry", tool = "skopeo")),
    ignore = "needs buildah, docker-registry, skopeo: run hack/install-test-deps"
)]
fn the_generated_child_pipeline_publishes_the_merged_projects() {
    let w = World::new();
    let (registry, buildah) = (w.registry(), w.buildah());
    let (repo, base) = merged_monorepo();
    let host = registry.host();
    let gitlab = |cmd: Monoarch| {
        cmd.env("GITLAB_CI", "true")
            .env("CI_PIPELINE_SOURCE", "push")
            .env("CI_COMMIT_BEFORE_SHA", &base)
            .env("CI_DEFAULT_BRANCH", "main")
            .env("CI_COMMIT_BRANCH", "main")
            .env("ECR_REGISTRY", &host)
    };

    // Parent pipeline, job `monoarch-plan`: the template's two commands.
    gitlab(Monoarch::new(repo.path()))
        .args([
            "plan",
            "--resolve-refs",
            "--format",
            "json",
            "--output",
            "plan.json",
        ])
        .run()
        .success();
    gitlab(Monoarch::new(repo.path()))
        .args(["matrix", "--format", "gitlab", "--plan", "plan.json"])
        .args(["--output", "child-pipeline.yml"])
        .run()
        .success();
    let text = fs::read_to_string(repo.join("child-pipeline.yml")).expect("child pipeline");
    let child: Value = serde_saphyr::from_str(&text).expect("child pipeline is YAML");

    // Child pipeline: its variables, plus what the project's CI/CD settings give.
    let mut vars: Vec<(String, String)> = child["variables"]
        .as_object()
        .expect("variables")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    vars.push(("ECR_REGISTRY".into(), host.clone()));
    // The test registry speaks plain HTTP; ECR needs no such line.
    vars.push(("MONOARCH_INSECURE_REGISTRIES".into(), host.clone()));
    vars.extend(buildah.env().into_iter().map(|(k, v)| (k.to_string(), v)));

    let host_arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let jobs = child.as_object().expect("map");
    let builds: Vec<(&String, &Value)> = jobs
        .iter()
        .filter(|(k, _)| k.starts_with("build:"))
        .collect();
    assert_eq!(builds.len(), 4, "{text}");
    for (name, job) in builds {
        let mut lines = script(job);
        if !name.ends_with(&format!(":{host_arch}")) {
            // One machine stands in for both runners; FROM scratch + COPY executes nothing.
            let last = lines.last_mut().expect("a script line");
            last.push_str(" --allow-emulation");
        }
        run_script(repo.path(), &lines, &vars);
    }
    for (_, job) in jobs.iter().filter(|(k, _)| k.starts_with("manifest:")) {
        run_script(repo.path(), &script(job), &vars);
    }

    for project in ["alpha", "beta"] {
        assert_published(
            &format!("docker://{host}/images"),
            &expected_tags(&repo, project),
        );
    }
    assert_absent(&format!(
        "docker://{host}/images:{}",
        expected_tags(&repo, "gamma")[0]
    ));
}
