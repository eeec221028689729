//! Assembling the OCI image index of one project: pure, deterministic bytes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::{Plan, Platform, ProjectPlan};
use crate::registry::{Descriptor, ImagePlatform, OCI_INDEX, sha256_digest};

/// Annotation keys monoarch adds beyond the `org.opencontainers.image.*` ones.
pub const ANNOTATION_PROJECT: &str = "io.monoarch.project";
pub const ANNOTATION_UPSTREAM_REPO: &str = "io.monoarch.upstream.repo";
pub const ANNOTATION_UPSTREAM_REF: &str = "io.monoarch.upstream.ref";
pub const ANNOTATION_UPSTREAM_COMMIT: &str = "io.monoarch.upstream.commit";

/// One verified arch image, ready to be listed in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    pub platform: Platform,
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    /// Attestation manifests (BuildKit provenance/SBOM) that describe this image.
    pub attestations: Vec<Descriptor>,
}

#[derive(Serialize)]
struct Index<'a> {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    manifests: Vec<Descriptor>,
    annotations: &'a BTreeMap<String, String>,
}

/// The index's annotations: plan time (not now), monorepo commit and source,
/// upstream repository, ref and commit where known.
pub fn annotations(
    plan: &Plan,
    project: &ProjectPlan,
    upstream_commit: Option<&str>,
) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    a.insert(
        "org.opencontainers.image.created".to_string(),
        plan.created.clone(),
    );
    a.insert(
        "org.opencontainers.image.revision".to_string(),
        plan.commit.clone(),
    );
    if let Some(source) = &plan.source {
        a.insert(
            "org.opencontainers.image.source".to_string(),
            source.clone(),
        );
    }
    a.insert(
        "org.opencontainers.image.version".to_string(),
        project.primary_tag().to_string(),
    );
    a.insert(ANNOTATION_PROJECT.to_string(), project.name.clone());
    if let Some(up) = &project.upstream {
        a.insert(ANNOTATION_UPSTREAM_REPO.to_string(), up.repo.clone());
        a.insert(ANNOTATION_UPSTREAM_REF.to_string(), up.git_ref.clone());
        if let Some(commit) = up.commit.as_deref().or(upstream_commit) {
            a.insert(ANNOTATION_UPSTREAM_COMMIT.to_string(), commit.to_string());
        }
    }
    a
}

/// The platform entry written into the index: the table's canonical form, so
/// `arm64` and `arm64/v8` images give the same bytes.
pub fn index_platform(platform: Platform) -> ImagePlatform {
    let facts = platform.facts();
    ImagePlatform {
        os: facts.os.to_string(),
        architecture: facts.architecture.to_string(),
        variant: facts.variant.map(str::to_string),
    }
}

/// The index bytes and their digest. Children are listed in platform-table
/// order (amd64, arm64, ...), then their attestations in the same order.
pub fn assemble(children: &[Child], annotations: &BTreeMap<String, String>) -> (Vec<u8>, String) {
    let mut sorted: Vec<&Child> = children.iter().collect();
    sorted.sort_by_key(|c| c.platform);
    let mut manifests: Vec<Descriptor> = sorted
        .iter()
        .map(|c| Descriptor {
            media_type: c.media_type.clone(),
            digest: c.digest.clone(),
            size: c.size,
            platform: Some(index_platform(c.platform)),
            annotations: None,
        })
        .collect();
    manifests.extend(sorted.iter().flat_map(|c| c.attestations.iter().cloned()));
    let index = Index {
        schema_version: 2,
        media_type: OCI_INDEX,
        manifests,
        annotations,
    };
    let bytes = serde_json::to_vec(&index).expect("an index always serializes");
    let digest = sha256_digest(&bytes);
    (bytes, digest)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::contract::{
        JobPlan, NamingScheme, RegistryTarget, Selection, SelectionMode, Trigger, Upstream,
    };

    pub(crate) fn plan_with(project: ProjectPlan) -> Plan {
        Plan {
            format_version: crate::contract::FORMAT_VERSION,
            generator: "test".into(),
            created: "2026-11-20T00:00:00Z".into(),
            date: "20261120".into(),
            commit: "abc1234def".into(),
            sha7: "abc1234".into(),
            source: Some("https://git.example/mono".into()),
            selection: Selection {
                trigger: Trigger::Local,
                mode: SelectionMode::All,
                base: None,
                reason: "all".into(),
            },
            registry: RegistryTarget {
                host: "r.example".into(),
                naming: NamingScheme::SingleRepository,
            },
            projects: vec![project],
            removed: vec![],
            publish: Default::default(),
            reuse: None,
            unchanged: vec![],
        }
    }

    pub(crate) fn project() -> ProjectPlan {
        let job = |arch: &str| JobPlan {
            platform: Platform::from_arch(arch).expect("arch"),
            arch: arch.into(),
            github_runner: "r".into(),
            gitlab_tags: vec![],
            tag: format!("app-20261120-abc1234-{arch}"),
            key: None,
            key_inputs: None,
            reuse: None,
            why: None,
            moved: vec![],
        };
        ProjectPlan {
            name: "app".into(),
            path: "projects/app".into(),
            reasons: vec![],
            upstream: Some(Upstream {
                repo: "https://git.example/up".into(),
                git_ref: "v1".into(),
                commit: None,
            }),
            dockerfile: "Dockerfile".into(),
            context: ".".into(),
            target: None,
            build_args: vec![],
            repository: "monoarch".into(),
            tags: vec!["app-20261120-abc1234".into(), "app-latest".into()],
            jobs: vec![job("arm64"), job("amd64")],
            last_tag: None,
            cache: None,
            bases: Vec::new(),
            level: 0,
        }
    }

    fn child(arch: &str, digest: &str) -> Child {
        Child {
            platform: Platform::from_arch(arch).expect("arch"),
            media_type: crate::registry::OCI_MANIFEST.into(),
            digest: digest.into(),
            size: 100,
            attestations: vec![],
        }
    }

    #[test]
    fn index_is_ordered_annotated_and_deterministic() {
        let project = project();
        let plan = plan_with(project.clone());
        let ann = annotations(&plan, &project, Some("feed"));
        let (a, digest_a) = assemble(
            &[child("arm64", "sha256:b"), child("amd64", "sha256:a")],
            &ann,
        );
        let (b, digest_b) = assemble(
            &[child("amd64", "sha256:a"), child("arm64", "sha256:b")],
            &ann,
        );
        assert_eq!(a, b);
        assert_eq!(digest_a, digest_b);
        let v: serde_json::Value = serde_json::from_slice(&a).expect("json");
        assert_eq!(v["mediaType"], OCI_INDEX);
        assert_eq!(v["manifests"][0]["platform"]["architecture"], "amd64");
        assert_eq!(v["manifests"][1]["platform"]["architecture"], "arm64");
        assert_eq!(
            v["annotations"]["org.opencontainers.image.created"],
            "2026-11-20T00:00:00Z"
        );
        assert_eq!(
            v["annotations"]["org.opencontainers.image.revision"],
            "abc1234def"
        );
        assert_eq!(v["annotations"][ANNOTATION_UPSTREAM_COMMIT], "feed");
        assert_eq!(v["annotations"][ANNOTATION_UPSTREAM_REF], "v1");
    }

    #[test]
    fn planned_upstream_commit_wins_over_records() {
        let mut project = project();
        if let Some(up) = project.upstream.as_mut() {
            up.commit = Some("planned".into());
        }
        let plan = plan_with(project.clone());
        let ann = annotations(&plan, &project, Some("other"));
        assert_eq!(ann[ANNOTATION_UPSTREAM_COMMIT], "planned");
    }

    #[test]
    fn attestations_follow_the_images() {
        let mut amd = child("amd64", "sha256:a");
        let mut ann = BTreeMap::new();
        ann.insert(
            "vnd.docker.reference.digest".to_string(),
            "sha256:a".to_string(),
        );
        amd.attestations.push(Descriptor {
            media_type: crate::registry::OCI_MANIFEST.into(),
            digest: "sha256:att".into(),
            size: 9,
            platform: Some(ImagePlatform {
                os: "unknown".into(),
                architecture: "unknown".into(),
                variant: None,
            }),
            annotations: Some(ann),
        });
        let (bytes, _) = assemble(&[amd, child("arm64", "sha256:b")], &BTreeMap::new());
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(v["manifests"][2]["digest"], "sha256:att");
        assert_eq!(v["manifests"].as_array().map(Vec::len), Some(3));
    }
}
