//! The plan: the one JSON document (`plan.json`) every later stage reads.
//!
//! Stable contract: fields may be added (readers ignore unknown ones), but a
//! field is never renamed or given a new meaning without bumping
//! [`FORMAT_VERSION`].

use serde::{Deserialize, Serialize};

pub use super::bases::BasePlan;
use super::key::KeyInputs;
use super::platform::Platform;

/// Version of the `plan.json` format. Readers refuse any other value.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Plan {
    pub format_version: u32,
    /// The monoarch version that wrote the plan, for support questions only.
    pub generator: String,
    /// The instant the plan was made (UTC, RFC 3339, seconds); from
    /// `SOURCE_DATE_EPOCH` when set. Used as the image `created` annotation.
    pub created: String,
    /// `created` as `YYYYMMDD`, the date part of every tag.
    pub date: String,
    /// Full sha of the monorepo commit the plan was made at.
    pub commit: String,
    /// First seven hex digits of `commit`, the sha part of every tag.
    pub sha7: String,
    /// The monorepo's URL, for the `org.opencontainers.image.source` annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Why these projects: the trigger and the base commit it compared with.
    pub selection: Selection,
    /// Where images go.
    pub registry: RegistryTarget,
    /// Selected projects, sorted by name.
    pub projects: Vec<ProjectPlan>,
    /// Project folders that the change deleted: reported, never built.
    #[serde(default)]
    pub removed: Vec<RemovedProject>,
    /// What this run may publish (the branch rule of `publish:`); plans without
    /// the field publish everything, as before it existed.
    #[serde(default)]
    pub publish: Publish,
    /// Build keys and reuse (`reuse:` in `monoarch.yaml`); absent: off, no job has a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse: Option<ReuseSettings>,
    /// Scheduled projects left out because every job's key is unchanged
    /// (`reuse.unchanged: skip`): nothing is built or tagged for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchanged: Vec<UnchangedProject>,
}

/// How this plan's keys were made and used, decided once with the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct ReuseSettings {
    /// The builder the keys assume (`reuse.builder`); a build job with another
    /// builder makes another key and says so.
    pub builder: String,
    /// `--rebuild`: keys are made and recorded, nothing is reused.
    #[serde(default)]
    pub rebuild: bool,
    /// What a scheduled run does with a project whose every key is unchanged.
    pub unchanged: Unchanged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Unchanged {
    /// New date-sha (and additional) tags on an index of the same arch images.
    Retag,
    /// Nothing: the project is left out of the plan.
    Skip,
}

/// A scheduled project that needs nothing this time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct UnchangedProject {
    pub name: String,
    /// Which published index holds the same images ("same key as alpha-20261116-1a2b3c4").
    pub reason: String,
}

/// What a run may publish, decided once with the plan.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Publish {
    pub mode: PublishMode,
    /// One sentence a person can read: which branch and which rule.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum PublishMode {
    /// Every tag: date-sha, additional and floating ones.
    #[default]
    All,
    /// Only the date-sha tags: the project's `tags` hold just that one.
    DateSha,
    /// Preview only: nothing is built or pushed.
    None,
}

impl Publish {
    /// Whether the run builds and pushes anything at all.
    pub fn builds(&self) -> bool {
        self.mode != PublishMode::None
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Selection {
    /// What started this run.
    pub trigger: Trigger,
    /// How projects were chosen.
    pub mode: SelectionMode,
    /// The commit compared with HEAD, when `mode` is `changes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// One sentence a person can read: which base and why.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Local,
    Push,
    PullRequest,
    MergeRequest,
    Schedule,
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SelectionMode {
    /// Projects changed between `base` and HEAD.
    Changes,
    /// Projects listed in the schedule file.
    Schedule,
    /// Every project.
    All,
    /// Projects named on the command line.
    Named,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct RegistryTarget {
    /// Registry host (`123.dkr.ecr.us-east-1.amazonaws.com`, `127.0.0.1:5000`);
    /// empty when none was configured: `build` and `manifest` then need `--registry`.
    pub host: String,
    pub naming: NamingScheme,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum NamingScheme {
    /// All projects in one repository, tags prefixed with the project name.
    SingleRepository,
    /// One repository per project, tags without the project prefix.
    PerProject,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct ProjectPlan {
    pub name: String,
    /// Folder of the project in the monorepo, relative to its root, `/`-separated.
    pub path: String,
    /// Why the project is in the plan (one entry per rule that selected it).
    pub reasons: Vec<Reason>,
    /// `None`: build from the project folder itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<Upstream>,
    /// Relative to the source root (the upstream checkout or the project folder).
    pub dockerfile: String,
    /// Relative to the source root.
    pub context: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default)]
    pub build_args: Vec<BuildArg>,
    /// Repository path inside the registry (`monoarch`, `team/kaniko-executor`).
    pub repository: String,
    /// Tags of the multi-arch index, in the order they are set: the date-sha
    /// tag first, then additional tags, floating ones (`latest`) last.
    pub tags: Vec<String>,
    /// One job per platform, in the order of the project's `platforms`.
    pub jobs: Vec<JobPlan>,
    /// With reuse on: the tag that always points at the project's last published
    /// index (`{project}-monoarch-last`), where the next plan looks for keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_tag: Option<String>,
    /// Repository of the builder's registry layer cache (`cache:`); absent: no cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<String>,
    /// The projects this one builds on (`depends_on:`), each passed to the build
    /// by digest in its build arg.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<BasePlan>,
    /// Dependency level: 0 waits for nothing; level n builds after the projects
    /// of lower levels it builds on, once their indexes are published.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub level: u32,
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Reason {
    /// `changed-files`, `global-trigger`, `schedule`, `all`, `named`, `depends-on`.
    pub rule: String,
    /// Files (or the schedule line) behind the rule; capped, see `more`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// How many further files the cap left out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: usize,
    /// `depends-on`: the base, selected itself, that selected this project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// `depends-on`: the chain in words ("depends on python-base, which changed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Upstream {
    pub repo: String,
    /// Tag, branch or full commit sha as written in the config.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The commit `ref` resolved to, when `plan --resolve-refs` ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// A build argument. Secret ones carry only the name of the environment
/// variable the build job reads; their value never enters the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum BuildArg {
    Value {
        name: String,
        value: String,
    },
    FromEnv {
        name: String,
        from_env: String,
        secret: bool,
        /// How a secret's value enters the build key; absent: it cannot, so the job is never reused.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<SecretInKey>,
    },
}

/// How a secret build arg takes part in the build key (`key:` on the arg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SecretInKey {
    /// Only its name: its value does not change the image (a download token).
    Name,
    /// HMAC-SHA256 of its value under `$MONOARCH_KEY_SALT`: a new value, a new key.
    Hmac,
}

impl BuildArg {
    pub fn name(&self) -> &str {
        match self {
            BuildArg::Value { name, .. } | BuildArg::FromEnv { name, .. } => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct JobPlan {
    pub platform: Platform,
    /// Arch suffix (`amd64`, `arm64`), as used in tags and `--arch`.
    pub arch: String,
    /// GitHub `runs-on` label.
    pub github_runner: String,
    /// GitLab runner tags.
    pub gitlab_tags: Vec<String>,
    /// Tag of the single-arch image this job pushes.
    pub tag: String,
    /// The build key, when reuse is on and every input was known to the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What the key was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_inputs: Option<KeyInputs>,
    /// Set when an image with this key is already published: the job is not
    /// built; `manifest` tags that image as this job's arch image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse: Option<Reuse>,
    /// With reuse on: why the job is built or reused, one line for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Base images whose digest changed since the image found for this job.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<MovedBase>,
}

/// The published arch image a job reuses (same repository, found by its key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Reuse {
    pub digest: String,
    pub media_type: String,
    pub size: u64,
    /// The version (date-sha tag) of the index it was found in.
    pub from: String,
}

/// A base image that moved: what the last image was built on, what the tag names now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct MovedBase {
    pub name: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct RemovedProject {
    pub name: String,
    pub path: String,
}

impl Plan {
    pub fn job_count(&self) -> usize {
        self.projects.iter().map(|p| p.jobs.len()).sum()
    }

    /// Jobs the plan reuses (an identical image is published): not built.
    pub fn reused_count(&self) -> usize {
        self.projects
            .iter()
            .flat_map(|p| &p.jobs)
            .filter(|j| j.reuse.is_some())
            .count()
    }

    /// How many dependency levels the plan has (1 when nothing waits for anything).
    pub fn levels(&self) -> u32 {
        self.projects.iter().map(|p| p.level + 1).max().unwrap_or(0)
    }

    pub fn project(&self, name: &str) -> Option<&ProjectPlan> {
        self.projects.iter().find(|p| p.name == name)
    }

    /// `host/repository` for a project, or just the repository without a host.
    pub fn image_name(&self, project: &ProjectPlan) -> String {
        image_name(&self.registry.host, &project.repository)
    }
}

/// Joins a registry host and a repository into an image name.
pub fn image_name(host: &str, repository: &str) -> String {
    if host.is_empty() {
        repository.to_string()
    } else {
        format!("{}/{}", host.trim_end_matches('/'), repository)
    }
}

impl ProjectPlan {
    pub fn job(&self, arch: &str) -> Option<&JobPlan> {
        self.jobs.iter().find(|j| j.arch == arch)
    }

    /// The jobs that are built (not reused): what CI matrices run.
    pub fn build_jobs(&self) -> impl Iterator<Item = &JobPlan> {
        self.jobs.iter().filter(|j| j.reuse.is_none())
    }

    /// The date-sha tag: the one tag every successful run sets.
    pub fn primary_tag(&self) -> &str {
        self.tags.first().map(String::as_str).unwrap_or_default()
    }
}
