//! Build keys and reuse, end to end: a real monorepo with `reuse:` on, base
//! images pushed to a real registry, real buildah builds, skopeo to check.

mod cache;
mod ci;
mod errors;
mod faults;
mod reuse;
mod run;
mod schedule;
mod secrets;
mod upstream;

use monoarch::contract::{Plan, read_plan};

use crate::support::git_repo::GitRepo;
use crate::support::images::{OCI_INDEX, Pusher};
use crate::support::monoarch::{Monoarch, Run};
use crate::support::world::World;

/// Where the pipeline's images go in the registry.
pub const REPOSITORY: &str = "images";

/// One test's monorepo, registry and buildah, and the steps of a pipeline.
pub struct Scene {
    pub world: World,
    pub repo: GitRepo,
    pub host: String,
    pub pusher: Pusher,
}

impl Scene {
    /// A monorepo with `reuse: true` (unless `extra`, more lines of
    /// monoarch.yaml, has its own `reuse:`) and no projects yet.
    pub fn new(extra: &str) -> Scene {
        let world = World::new();
        let host = world.registry().host();
        let pusher = Pusher::new(&host, None);
        let repo = GitRepo::new();
        repo.write(
            "monoarch.yaml",
            &format!(
                "registry: {host}\nrepository: {REPOSITORY}\n{}{extra}",
                if extra.contains("reuse:") {
                    ""
                } else {
                    "reuse: true\n"
                }
            ),
        );
        repo.write("README.md", "keys\n");
        Scene {
            world,
            repo,
            host,
            pusher,
        }
    }

    /// Pushes `base:{tag}` as an index of an amd64 and an arm64 image whose
    /// content is `marker`; returns the (amd64, arm64) image digests.
    pub fn push_base(&self, tag: &str, marker: &str) -> (String, String) {
        let mut entries = Vec::new();
        let mut digests = Vec::new();
        for arch in ["amd64", "arm64"] {
            let image = self.pusher.image(
                "base",
                &format!("{tag}-{arch}"),
                &format!("linux/{arch}"),
                &format!("{marker} {arch}"),
            );
            entries.push(serde_json::json!({
                "mediaType": crate::support::images::OCI_MANIFEST,
                "digest": image.digest, "size": image.size,
                "platform": {"os": "linux", "architecture": arch},
            }));
            digests.push(image.digest);
        }
        let index =
            serde_json::json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries});
        self.pusher.manifest(
            "base",
            tag,
            OCI_INDEX,
            &serde_json::to_vec(&index).expect("index JSON"),
        );
        (digests[0].clone(), digests[1].clone())
    }

    /// `base:{tag}` as a Dockerfile names it.
    pub fn base(&self, tag: &str) -> String {
        format!("{}/base:{tag}", self.host)
    }

    /// A project built from its own folder: `FROM from`, one file copied, no RUN
    /// (so either architecture builds on this machine without an emulator).
    pub fn project(&self, name: &str, from: &str, config: &str) {
        self.repo.write(
            &format!("projects/{name}/Dockerfile"),
            &format!("FROM {from}\nCOPY hello.txt /hello.txt\n"),
        );
        self.repo
            .write(&format!("projects/{name}/hello.txt"), &format!("{name}\n"));
        self.repo
            .write(&format!("projects/{name}/build-config.yaml"), config);
    }

    /// `monoarch` in the monorepo, the registry reached over plain HTTP.
    pub fn monoarch(&self) -> Monoarch {
        Monoarch::new(self.repo.path()).env("MONOARCH_INSECURE_REGISTRIES", &self.host)
    }

    /// `monoarch plan` (`--all` unless `extra` selects) as JSON into plan.json;
    /// the plan and the run.
    pub fn plan(&self, extra: &[&str]) -> (Plan, Run) {
        let run = self
            .monoarch()
            .args(["plan", "--format", "json", "--output", "plan.json"])
            .args(selection(extra))
            .args(extra)
            .run()
            .success();
        let plan = read_plan(&self.repo.join("plan.json")).expect("plan.json");
        (plan, run)
    }

    /// The preview table, with the registry's port shown as `HOST`.
    pub fn preview(&self, extra: &[&str]) -> String {
        let run = self
            .monoarch()
            .args(["plan"])
            .args(selection(extra))
            .args(extra)
            .run()
            .success();
        run.stdout.replace(&self.host, "HOST")
    }

    /// `monoarch build` of every job of plan.json that is not reused; returns the runs.
    pub fn build_all(&self, plan: &Plan) -> Vec<Run> {
        let buildah = self.world.buildah();
        let mut runs = Vec::new();
        for project in &plan.projects {
            for job in project.build_jobs() {
                runs.push(
                    buildah
                        .monoarch_build(self.repo.path())
                        .env("MONOARCH_INSECURE_REGISTRIES", &self.host)
                        .args(["--project", &project.name, "--arch", &job.arch])
                        .args(["--allow-emulation"])
                        .run()
                        .success(),
                );
            }
        }
        runs
    }

    /// `monoarch manifest` of plan.json with the records of this run.
    pub fn manifest(&self) -> Run {
        self.monoarch()
            .args(["manifest", "--plan", "plan.json"])
            .run()
    }

    /// Plan, build every job, publish: a whole pipeline.
    pub fn pipeline(&self) -> Plan {
        let (plan, _) = self.plan(&[]);
        self.build_all(&plan);
        self.manifest().success();
        let _ = std::fs::remove_dir_all(self.repo.join("build-records"));
        plan
    }

    /// A new commit outside every project: new tags, the same project folders.
    pub fn touch(&self, text: &str) {
        self.repo.write("README.md", text);
        self.repo.commit(text);
    }
}

/// `--all`, unless the arguments select otherwise.
fn selection(extra: &[&str]) -> Vec<&'static str> {
    let selects = extra
        .iter()
        .any(|a| matches!(*a, "--schedule" | "--projects" | "--base"));
    if selects { vec![] } else { vec!["--all"] }
}

/// `(project, arch) -> key` of a plan.
pub fn keys(plan: &Plan) -> Vec<(String, String, Option<String>)> {
    plan.projects
        .iter()
        .flat_map(|p| {
            p.jobs
                .iter()
                .map(|j| (p.name.clone(), j.arch.clone(), j.key.clone()))
        })
        .collect()
}
