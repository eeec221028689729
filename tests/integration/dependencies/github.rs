//! The GitHub workflow's levels, job by job as separate processes with the
//! template's own command lines: `plan` -> for each level, `build` per matrix
//! entry then `manifest --level N`, each level after the one before (`needs:`).
//! Real git, real buildah, the real registry.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::graph_repo;
use super::run::assert_pinned;
use crate::pipelines::end_to_end::assert_absent;
use crate::pipelines::job_by_job::{github_job, read_outputs};
use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Run;
use crate::support::plans::host_and_foreign_arch;
use crate::support::skopeo;
use crate::support::world::World;

/// The levels of the template (`--levels 4` in its plan step).
const LEVELS: u32 = 4;

/// A push of the last commit: the plan job, then `matrix` with the template's flags.
struct Pushed {
    runner: tempfile::TempDir,
    event: PathBuf,
    host: String,
    outputs: Vec<(String, String)>,
}

impl Pushed {
    fn plan(w: &World, repo: &GitRepo) -> Pushed {
        let host = w.registry().host();
        let runner = tempfile::tempdir().expect("runner temp dir");
        let event = runner.path().join("event.json");
        let before = repo.git(&["rev-parse", "HEAD~1"]);
        fs::write(
            &event,
            format!(
                r#"{{"before":"{}","after":"{}"}}"#,
                before.trim(),
                repo.head()
            ),
        )
        .expect("write event");
        let out = runner.path().join("plan");
        fs::create_dir_all(&out).expect("mkdir");
        github_job(repo.path(), &event, &host, &out)
            .args(["plan", "--format", "json", "--output", "plan.json"])
            .run()
            .success();
        github_job(repo.path(), &event, &host, &out)
            .args(["matrix", "--format", "github", "--plan", "plan.json"])
            .args(["--levels", &LEVELS.to_string()])
            .run()
            .success();
        let outputs = read_outputs(&out.join("output"));
        Pushed {
            runner,
            event,
            host,
            outputs,
        }
    }

    fn output(&self, level: u32, name: &str) -> String {
        let key = if level == 0 {
            name.to_string()
        } else {
            format!("{name}_{level}")
        };
        self.outputs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no `{key}` output: {:?}", self.outputs))
    }

    fn entries(&self, level: u32) -> Vec<Value> {
        let matrix: Value = serde_json::from_str(&self.output(level, "matrix")).expect("JSON");
        matrix["include"].as_array().expect("include").clone()
    }

    /// Job `build-level-N` for every entry of the level's matrix; each job's
    /// records go to its own folder (an artifact), merged for the manifest job.
    fn build_level(&self, w: &World, repo: &GitRepo, level: u32) -> Vec<(String, Run)> {
        let records = self.records(level);
        fs::create_dir_all(&records).expect("mkdir");
        let mut runs = Vec::new();
        for (i, entry) in self.entries(level).iter().enumerate() {
            let out = self.runner.path().join(format!("build-{level}-{i}"));
            fs::create_dir_all(&out).expect("mkdir");
            let mut cmd = github_job(repo.path(), &self.event, &self.host, &out)
                .env("JOB", serde_json::to_string(entry).expect("entry"))
                .args([
                    "build",
                    "--plan",
                    "plan.json",
                    "--job-env",
                    "JOB",
                    "--records",
                ])
                .arg_path(&records);
            for (k, v) in w.buildah().env() {
                cmd = cmd.env(k, v);
            }
            let name = entry["name"].as_str().expect("name").to_string();
            let summary = out.join("summary");
            let mut run = cmd.run();
            run.stdout
                .push_str(&fs::read_to_string(summary).unwrap_or_default());
            runs.push((name, run));
        }
        runs
    }

    /// Job `manifest-level-N`: `monoarch manifest --level N` on the level's records.
    fn manifest_level(&self, repo: &GitRepo, level: u32) -> (Run, String) {
        let out = self.runner.path().join(format!("manifest-{level}"));
        fs::create_dir_all(&out).expect("mkdir");
        let run = github_job(repo.path(), &self.event, &self.host, &out)
            .args(["manifest", "--plan", "plan.json", "--records"])
            .arg_path(&self.records(level))
            .args(["--level", &level.to_string()])
            .run();
        let summary = fs::read_to_string(out.join("summary")).unwrap_or_default();
        (run, summary)
    }

    fn records(&self, level: u32) -> PathBuf {
        self.runner.path().join(format!("build-records-{level}"))
    }
}

/// Each project's date-sha tag in plan.json, and the projects of each level.
fn plan_of(repo: &Path) -> (BTreeMap<String, String>, BTreeMap<u32, BTreeSet<String>>) {
    let plan: Value =
        serde_json::from_str(&fs::read_to_string(repo.join("plan.json")).expect("plan.json"))
            .expect("JSON");
    let mut tags = BTreeMap::new();
    let mut levels: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    for p in plan["projects"].as_array().expect("projects") {
        let name = p["name"].as_str().expect("name").to_string();
        let level = p["level"].as_u64().unwrap_or(0) as u32;
        tags.insert(
            name.clone(),
            p["tags"][0].as_str().expect("tag").to_string(),
        );
        levels.entry(level).or_default().insert(name);
    }
    (tags, levels)
}

/// Merges every level's records into the repository's `build-records/`, where
/// [`assert_pinned`] reads them.
fn gather_records(pushed: &Pushed, repo: &GitRepo) {
    let all = repo.join("build-records");
    fs::create_dir_all(&all).expect("mkdir");
    for level in 0..LEVELS {
        let Ok(dir) = fs::read_dir(pushed.records(level)) else {
            continue;
        };
        for file in dir {
            let file = file.expect("entry").path();
            fs::copy(&file, all.join(file.file_name().expect("name"))).expect("copy");
        }
    }
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, skopeo: run hack/install-test-deps"
)]
fn the_github_workflow_builds_level_by_level_each_dependent_on_its_new_base() {
    let w = World::new();
    let (arch, _) = host_and_foreign_arch();
    let repo = graph_repo(&w.registry().host(), Some(&format!("linux/{arch}")));
    repo.write("projects/root/root.txt", "root v2\n");
    repo.commit("root changes");
    let pushed = Pushed::plan(&w, &repo);
    let (tags, levels) = plan_of(repo.path());
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(levels[&0], names(&["root"]));
    assert_eq!(levels[&1], names(&["left", "mid", "right"]));
    assert_eq!(levels[&2], names(&["leaf", "top"]));
    for level in 0..LEVELS {
        // Each level's matrix builds exactly that level's projects (one entry each here).
        let built: BTreeSet<String> = pushed
            .entries(level)
            .iter()
            .map(|e| {
                e["name"]
                    .as_str()
                    .expect("name")
                    .replace(&format!(" {arch}"), "")
            })
            .collect();
        assert_eq!(
            built,
            levels.get(&level).cloned().unwrap_or_default(),
            "level {level}"
        );
        let used = level < 3;
        assert_eq!(pushed.output(level, "has_jobs"), used.to_string());
        assert_eq!(pushed.output(level, "has_projects"), used.to_string());
    }

    for level in 0..3 {
        for (name, run) in pushed.build_level(&w, &repo, level) {
            assert_eq!(run.code, 0, "build {name}: {}", run.stderr);
        }
        let (run, summary) = pushed.manifest_level(&repo, level);
        assert_eq!(run.code, 0, "manifest level {level}: {}", run.stderr);
        for project in &levels[&level] {
            assert!(summary.contains(project.as_str()), "{summary}");
        }
    }
    // The spare level publishes nothing and succeeds.
    let (run, _) = pushed.manifest_level(&repo, 3);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let host = w.registry().host();
    let published: BTreeMap<String, String> = tags
        .iter()
        .map(|(name, tag)| {
            (
                name.clone(),
                skopeo::manifest_digest(&format!("{host}/images:{tag}")),
            )
        })
        .collect();
    gather_records(&pushed, &repo);
    assert_pinned(
        &w,
        &repo,
        &["mid", "leaf", "left", "right", "top"],
        &published,
    );
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, skopeo: run hack/install-test-deps"
)]
fn a_failing_base_skips_its_dependents_in_the_github_workflow_and_publishes_none_of_them() {
    let w = World::new();
    let (arch, _) = host_and_foreign_arch();
    let repo = graph_repo(&w.registry().host(), Some(&format!("linux/{arch}")));
    repo.write("projects/root/root.txt", "root v2\n");
    repo.write(
        "projects/left/Dockerfile",
        "ARG MONOARCH_BASE_ROOT\nFROM ${MONOARCH_BASE_ROOT}\nCOPY missing.txt /\n",
    );
    repo.commit("root changes, left cannot build");
    let pushed = Pushed::plan(&w, &repo);
    let (tags, _) = plan_of(repo.path());

    for (name, run) in pushed.build_level(&w, &repo, 0) {
        assert_eq!(run.code, 0, "build {name}: {}", run.stderr);
    }
    assert_eq!(pushed.manifest_level(&repo, 0).0.code, 0);
    for (name, run) in pushed.build_level(&w, &repo, 1) {
        let want = if name.starts_with("left ") { 8 } else { 0 };
        assert_eq!(run.code, want, "build {name}: {}", run.stderr);
    }
    // Level 1's manifest job publishes mid and right, and fails for left.
    let (run, summary) = pushed.manifest_level(&repo, 1);
    assert_ne!(run.code, 0, "{summary}");
    // Level 2 runs anyway (`!cancelled()`): leaf builds on mid, top skips itself.
    let builds = pushed.build_level(&w, &repo, 2);
    for (name, run) in &builds {
        assert_eq!(run.code, 0, "build {name}: {}", run.stderr);
    }
    let (_, top) = builds
        .iter()
        .find(|(n, _)| n.starts_with("top "))
        .expect("top's build job");
    assert!(
        top.stderr.contains(
            "warning: top: skipped, not built: its base left was not published by this pipeline"
        ),
        "{}",
        top.stderr
    );
    assert!(
        top.stdout.contains("- skipped: top: skipped"),
        "the job summary says so: {}",
        top.stdout
    );
    let (run, summary) = pushed.manifest_level(&repo, 2);
    assert_eq!(
        run.code, 0,
        "skipped, not failed: its base's jobs are the red ones: {}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("warning: top: skipped: its base left was not published by this pipeline"),
        "{}",
        run.stderr
    );
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("top "))
        .unwrap_or_default();
    assert!(
        row.contains("skipped: a base was not published"),
        "{}",
        run.stdout
    );
    assert!(summary.contains("top"), "{summary}");

    let host = w.registry().host();
    for name in ["root", "mid", "right", "leaf"] {
        skopeo::manifest_digest(&format!("{host}/images:{}", tags[name]));
    }
    // Neither an index nor an arch image of the failed base or its dependent.
    for name in ["left", "top"] {
        assert_absent(&format!("docker://{host}/images:{}", tags[name]));
        assert_absent(&format!("docker://{host}/images:{}-{arch}", tags[name]));
    }
}
