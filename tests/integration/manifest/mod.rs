//! `monoarch manifest` against a real registry, checked with skopeo.

mod auth;
mod bounds;
mod credential_helpers;
mod end_to_end;
mod failures;
mod faults;
mod layout;
mod publish;
mod tag_moves;
mod tls;

use std::path::{Path, PathBuf};
use std::process::Command;

use monoarch::contract::{Plan, ProjectPlan};

use crate::support::images::{Pusher, sha256};
use crate::support::monoarch::{Monoarch, Run};
use crate::support::plans;
use crate::support::registry::Registry;
use crate::support::world::World;

/// The platforms every test image is pushed for.
pub const BOTH: &[&str] = &["amd64", "arm64"];

/// A registry, a pusher for it and a scratch folder with the plan.
pub struct Setup {
    pub registry: Registry,
    pub pusher: Pusher,
    pub dir: tempfile::TempDir,
}

impl Setup {
    pub fn new() -> Setup {
        crate::support::tools::require("skopeo");
        Setup::with(Registry::start())
    }

    pub fn with(registry: Registry) -> Setup {
        let pusher = Pusher::new(&registry.host(), registry.auth());
        Setup {
            registry,
            pusher,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn host(&self) -> String {
        self.registry.host()
    }

    /// Pushes one arch image per arch for the project's jobs (marker = project/arch).
    pub fn push_arch_images(&self, project: &monoarch::contract::ProjectPlan, archs: &[&str]) {
        for job in project
            .jobs
            .iter()
            .filter(|j| archs.contains(&j.arch.as_str()))
        {
            self.pusher.image(
                &project.repository,
                &job.tag,
                job.platform.as_str(),
                &format!("{}/{}", project.name, job.arch),
            );
        }
    }

    pub fn write_plan(&self, plan: &Plan) -> PathBuf {
        plans::write(self.dir.path(), plan)
    }

    /// `monoarch manifest --plan ... --insecure-registry <plan host>` plus `extra`.
    pub fn manifest(&self, plan: &Plan, extra: &[&str]) -> Run {
        let plan_path = self.write_plan(plan);
        self.command(&plan_path, &plan.registry.host, extra).run()
    }

    pub fn command(&self, plan_path: &Path, host: &str, extra: &[&str]) -> Monoarch {
        manifest_command(self.dir.path(), plan_path, host, extra)
    }

    /// Manifest PUTs the registry has logged so far.
    pub fn manifest_puts(&self) -> usize {
        self.registry
            .requests("PUT")
            .iter()
            .filter(|r| r.contains("/manifests/"))
            .count()
    }
}

/// `monoarch manifest --plan PLAN --insecure-registry HOST` plus `extra`, run in `dir`.
pub fn manifest_command(dir: &Path, plan_path: &Path, host: &str, extra: &[&str]) -> Monoarch {
    Monoarch::new(dir)
        .args(["manifest", "--plan"])
        .arg_path(plan_path)
        .args(["--insecure-registry", host])
        .args(extra)
}

/// Pushes one arch image per job of `project` whose arch is in `archs`, with
/// `marker` in each (different markers give different digests).
pub fn push_arch_images(w: &World, project: &ProjectPlan, archs: &[&str], marker: &str) {
    for job in project
        .jobs
        .iter()
        .filter(|j| archs.contains(&j.arch.as_str()))
    {
        w.pusher().image(
            &project.repository,
            &job.tag,
            job.platform.as_str(),
            &format!("{}/{}/{marker}", project.name, job.arch),
        );
    }
}

/// `skopeo inspect --raw` of `docker://host/repo:tag`: the exact bytes, or `None` if absent.
pub fn skopeo_raw(
    host: &str,
    repo: &str,
    tag: &str,
    creds: Option<&(String, String)>,
) -> Option<Vec<u8>> {
    let mut cmd = Command::new("skopeo");
    cmd.args(["inspect", "--raw", "--tls-verify=false"]);
    if let Some((u, p)) = creds {
        cmd.arg(format!("--creds={u}:{p}"));
    }
    let out = cmd
        .arg(format!("docker://{host}/{repo}:{tag}"))
        .output()
        .expect("run skopeo");
    out.status.success().then_some(out.stdout)
}

/// The parsed index a tag points at and its digest (sha256 of skopeo's raw bytes).
pub fn index_at(host: &str, tag: &str) -> Option<(serde_json::Value, String)> {
    let raw = skopeo_raw(host, plans::REPOSITORY, tag, None)?;
    Some((
        serde_json::from_slice(&raw).expect("index JSON"),
        sha256(&raw),
    ))
}

/// `os/arch` of each index entry, in order.
pub fn platforms(index: &serde_json::Value) -> Vec<String> {
    index["manifests"]
        .as_array()
        .expect("manifests array")
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"]["os"].as_str().unwrap_or("?"),
                m["platform"]["architecture"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// The digests of each index entry, in order.
pub fn digests(index: &serde_json::Value) -> Vec<String> {
    index["manifests"]
        .as_array()
        .expect("manifests array")
        .iter()
        .map(|m| m["digest"].as_str().unwrap_or_default().to_string())
        .collect()
}
