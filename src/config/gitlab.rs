//! `gitlab:` in `monoarch.yaml`: how the generated GitLab child pipeline looks.

use serde::Deserialize;

/// Kaniko's debug image (it has a shell, as GitLab jobs need), from a maintained fork
/// that publishes public images; pinned by version. Google's original is archived.
pub const DEFAULT_BUILD_IMAGE: &str = "ghcr.io/osscontainertools/kaniko:v1.28.3-debug";
pub const DEFAULT_MANIFEST_IMAGE: &str = "debian:bookworm-slim";
/// The parent pipeline's job that installs monoarch for `{arch}` (the template's names).
pub const DEFAULT_BINARY_JOB: &str = "monoarch-binary:{arch}";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGitlab {
    plan_job: Option<String>,
    binary_job: Option<String>,
    tags: Option<Vec<String>>,
    build_image: Option<String>,
    manifest_image: Option<String>,
    before_script: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct GitlabSettings {
    /// The parent pipeline job whose artifact holds `plan.json`.
    pub plan_job: String,
    /// The parent pipeline job whose artifact holds the monoarch binary a build job of
    /// `{arch}` runs; empty when the plan job's artifact is enough.
    pub binary_job: String,
    /// Runner tags of the jobs not tied to an architecture (manifest, no-op).
    pub tags: Vec<String>,
    pub build_image: String,
    pub manifest_image: String,
    pub before_script: Vec<String>,
}

impl GitlabSettings {
    /// `default_tags`: the runner tags of the first default platform, where the
    /// plan job (whose binary the manifest jobs run) also runs.
    pub(super) fn resolve(raw: Option<RawGitlab>, default_tags: &[String]) -> GitlabSettings {
        let raw = raw.unwrap_or_default();
        GitlabSettings {
            plan_job: raw.plan_job.unwrap_or_else(|| "monoarch-plan".to_string()),
            binary_job: raw
                .binary_job
                .unwrap_or_else(|| DEFAULT_BINARY_JOB.to_string()),
            tags: raw.tags.unwrap_or_else(|| default_tags.to_vec()),
            build_image: raw
                .build_image
                .unwrap_or_else(|| DEFAULT_BUILD_IMAGE.to_string()),
            manifest_image: raw
                .manifest_image
                .unwrap_or_else(|| DEFAULT_MANIFEST_IMAGE.to_string()),
            before_script: raw.before_script.unwrap_or_default(),
        }
    }

    /// The binary job of an architecture, or `None` when none is configured.
    pub fn binary_job_for(&self, arch: &str) -> Option<String> {
        (!self.binary_job.is_empty()).then(|| self.binary_job.replace("{arch}", arch))
    }
}
