//! The key an arch image carries, read back and checked: the one place that
//! decides whether a published image may stand in for a build.

use std::collections::BTreeMap;

use crate::contract::key::{
    ANNOTATION_BASE_DIGEST, ANNOTATION_BASE_NAME, ANNOTATION_KEY, ANNOTATION_KEY_INPUTS,
};
use crate::contract::{KeyInputs, Platform};
use crate::registry::{FetchedManifest, parse_manifest};
use crate::store::Store;
use crate::store::pick::platform_of;

/// What an image says about how it was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageKey {
    pub key: String,
    pub inputs: KeyInputs,
    /// `org.opencontainers.image.base.name` and `.digest`, as the builder wrote them.
    pub base: Option<(String, String)>,
}

/// Manifest annotations (buildah, BuildKit) or config labels (Kaniko, which
/// cannot annotate): the first that holds a key.
fn annotations(raw: &[u8]) -> BTreeMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Shape {
        #[serde(default)]
        annotations: BTreeMap<String, String>,
    }
    serde_json::from_slice::<Shape>(raw)
        .map(|s| s.annotations)
        .unwrap_or_default()
}

fn labels(config: &[u8]) -> BTreeMap<String, String> {
    let value: serde_json::Value = serde_json::from_slice(config).unwrap_or_default();
    value["config"]["Labels"]
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Checks the key facts one image carries: a key, and inputs that hash to it.
pub fn check(facts: &BTreeMap<String, String>) -> Result<ImageKey, String> {
    let key = facts
        .get(ANNOTATION_KEY)
        .ok_or("it carries no build key (built before reuse was on, or by another tool)")?;
    let inputs = facts
        .get(ANNOTATION_KEY_INPUTS)
        .and_then(|text| KeyInputs::parse(text))
        .ok_or("its key inputs are missing or of another monoarch version")?;
    if inputs.key() != *key {
        return Err(format!(
            "its key {key} is not the digest of its key inputs; it was altered after the build"
        ));
    }
    let base = match (
        facts.get(ANNOTATION_BASE_NAME),
        facts.get(ANNOTATION_BASE_DIGEST),
    ) {
        (Some(name), Some(digest)) if !digest.is_empty() => Some((name.clone(), digest.clone())),
        _ => None,
    };
    Ok(ImageKey {
        key: key.clone(),
        inputs,
        base,
    })
}

impl ImageKey {
    /// Whether the base the builder recorded is one the key was made with.
    /// Only meaningful for a build without `--layers`: buildah then records
    /// the base it used (and an empty one for `FROM scratch`); with `--layers`
    /// it may record an intermediate image instead.
    pub fn base_consistent(&self) -> Result<(), String> {
        let Some((name, digest)) = &self.base else {
            return Ok(());
        };
        let listed = self.inputs.bases.iter().filter(|b| b.name == *name);
        if listed.clone().next().is_some() && !listed.clone().any(|b| b.digest == *digest) {
            return Err(format!(
                "the builder recorded base {name}@{digest}, which its key does not list: the base moved during the build, or the builder used a local copy"
            ));
        }
        Ok(())
    }
}

/// Reads and checks the key of an image manifest in `store`, and that its
/// config states `platform`. `Err` says, for people, why it cannot be trusted.
pub async fn read(
    store: &Store,
    repository: &str,
    image: &FetchedManifest,
    platform: Platform,
) -> Result<ImageKey, String> {
    if image.is_index() {
        return Err("it is an index, not one image".into());
    }
    let found = image.platform.as_ref();
    if found.and_then(platform_of) != Some(platform) {
        return Err(format!(
            "it is {}, not {platform}",
            found.map_or_else(|| "of no platform".into(), |p| p.display())
        ));
    }
    let mut facts = annotations(&image.raw);
    if !facts.contains_key(ANNOTATION_KEY) {
        let config = parse_manifest(&image.raw, Some(&image.media_type))?
            .config
            .ok_or("it has no config")?;
        let raw = store
            .blob(repository, &config.digest)
            .await
            .map_err(|e| format!("its config cannot be read: {e}"))?;
        facts = labels(&raw);
    }
    check(&facts)
}

/// The key facts as annotations (or labels) for a builder to set.
pub fn facts(inputs: &KeyInputs) -> Vec<(String, String)> {
    vec![
        (ANNOTATION_KEY.to_string(), inputs.key()),
        (ANNOTATION_KEY_INPUTS.to_string(), inputs.canonical()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{KeyBase, KeySource};

    fn inputs() -> KeyInputs {
        KeyInputs {
            v: crate::contract::key::KEY_FORMAT_VERSION,
            source: KeySource::Commit("c0ffee".into()),
            dockerfile: "Dockerfile".into(),
            context: ".".into(),
            target: None,
            args: vec![],
            platform: Platform::parse("linux/amd64").expect("known"),
            builder: "buildah".into(),
            bases: vec![KeyBase {
                name: "base:1".into(),
                digest: "sha256:aa".into(),
                platform: None,
            }],
        }
    }

    #[test]
    fn a_consistent_image_passes_and_each_fault_is_named() {
        let mut facts: BTreeMap<String, String> = facts(&inputs()).into_iter().collect();
        assert_eq!(check(&facts).map(|k| k.key), Ok(inputs().key()));

        let base_check =
            |facts: &BTreeMap<String, String>| check(facts).and_then(|k| k.base_consistent());
        facts.insert(ANNOTATION_BASE_NAME.into(), "base:1".into());
        facts.insert(ANNOTATION_BASE_DIGEST.into(), "sha256:aa".into());
        assert!(base_check(&facts).is_ok());
        facts.insert(ANNOTATION_BASE_DIGEST.into(), String::new());
        assert!(
            base_check(&facts).is_ok(),
            "FROM scratch: buildah records an empty base"
        );
        facts.insert(ANNOTATION_BASE_DIGEST.into(), "sha256:stale".into());
        let stale = base_check(&facts).expect_err("stale");
        assert!(stale.contains("used a local copy"), "{stale}");
        assert!(check(&facts).is_ok(), "the key itself is sound");
        // A base the key does not name (an intermediate image of --layers) says nothing.
        facts.insert(ANNOTATION_BASE_NAME.into(), "localhost/step:latest".into());
        assert!(base_check(&facts).is_ok());
        facts.remove(ANNOTATION_BASE_DIGEST);

        facts.insert(ANNOTATION_KEY.into(), "sha256:forged".into());
        assert!(check(&facts).expect_err("forged").contains("altered"));
        facts.insert(ANNOTATION_KEY_INPUTS.into(), "{".into());
        assert!(
            check(&facts)
                .expect_err("bad")
                .contains("missing or of another")
        );
        assert!(
            check(&BTreeMap::new())
                .expect_err("none")
                .contains("no build key")
        );
    }

    #[test]
    fn labels_and_annotations_are_read() {
        let config =
            br#"{"architecture":"amd64","os":"linux","config":{"Labels":{"io.monoarch.key":"k"}}}"#;
        assert_eq!(
            labels(config).get(ANNOTATION_KEY).map(String::as_str),
            Some("k")
        );
        let manifest = br#"{"schemaVersion":2,"annotations":{"io.monoarch.key":"k2"}}"#;
        assert_eq!(
            annotations(manifest)
                .get(ANNOTATION_KEY)
                .map(String::as_str),
            Some("k2")
        );
        assert!(annotations(b"not json").is_empty());
    }
}
