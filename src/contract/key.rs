//! The build key: a digest over a canonical, versioned description of
//! everything that decides what a job builds ([`KeyInputs`]).
//!
//! A contract three ways: the plan carries it per job, the build record says
//! which key was built, and the arch image carries it as the annotations (and
//! labels) [`ANNOTATION_KEY`] and [`ANNOTATION_KEY_INPUTS`], where a later plan
//! finds it. The same inputs give the same bytes and so the same key on every
//! machine; [`KEY_FORMAT_VERSION`] changes whenever the description does.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::platform::Platform;

/// Version of the key description. A new version makes every key new: images
/// built under an older description are never reused.
pub const KEY_FORMAT_VERSION: u32 = 1;

/// The key (`sha256:<hex>`) on an arch image: a manifest annotation, and a
/// config label for builders that cannot annotate (Kaniko).
pub const ANNOTATION_KEY: &str = "io.monoarch.key";
/// The [`KeyInputs`] the key was made from, as canonical JSON: lets a later
/// plan say what changed ("base X moved: a -> b") and which bases to check.
pub const ANNOTATION_KEY_INPUTS: &str = "io.monoarch.key.inputs";
/// OCI's annotations for the image the final stage starts from.
pub const ANNOTATION_BASE_NAME: &str = "org.opencontainers.image.base.name";
pub const ANNOTATION_BASE_DIGEST: &str = "org.opencontainers.image.base.digest";

/// Everything that decides what one job builds. Field order is the canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct KeyInputs {
    /// [`KEY_FORMAT_VERSION`] when the key was made.
    pub v: u32,
    pub source: KeySource,
    /// Relative to the source root, as in the plan.
    pub dockerfile: String,
    pub context: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Sorted by name.
    #[serde(default)]
    pub args: Vec<KeyArg>,
    pub platform: Platform,
    /// `kaniko`, `buildah` or `buildkit`: the same inputs give other bytes with another builder.
    pub builder: String,
    /// Every image the build pulls (`FROM`, `COPY --from`), in Dockerfile order,
    /// with the digest of its manifest for this platform. `scratch` and stages are not listed.
    #[serde(default)]
    pub bases: Vec<KeyBase>,
}

/// The source, by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// The git tree id of the project folder (which holds the Dockerfile and the context).
    Tree(String),
    /// The upstream commit that was (or will be) fetched.
    Commit(String),
}

/// One build argument as the key sees it: a plain value, or for a secret only
/// its name or a keyed hash, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct KeyArg {
    pub name: String,
    /// The value of a non-secret argument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A secret with `key: hmac`: HMAC-SHA256 of its value under `MONOARCH_KEY_SALT`, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmac: Option<String>,
    /// A secret; without `hmac`, its value is left out of the key on purpose (`key: name`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// One image a build pulls, pinned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct KeyBase {
    /// As the Dockerfile names it, build args expanded (`debian:bookworm-slim`).
    pub name: String,
    /// The platform's image manifest digest the name resolved to.
    pub digest: String,
    /// The platform it is pulled for, when not the job's (`FROM --platform=$BUILDPLATFORM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

impl KeyInputs {
    /// The canonical bytes: compact JSON, fields in declaration order, args sorted.
    pub fn canonical(&self) -> String {
        let mut sorted = self.clone();
        sorted.args.sort_by(|a, b| a.name.cmp(&b.name));
        serde_json::to_string(&sorted).expect("key inputs always serialize")
    }

    /// `sha256:<hex>` of the canonical bytes.
    pub fn key(&self) -> String {
        format!(
            "sha256:{}",
            hex::encode(Sha256::digest(self.canonical().as_bytes()))
        )
    }

    /// Reads inputs back from an annotation; `None` if they are not of this version's shape.
    pub fn parse(text: &str) -> Option<KeyInputs> {
        serde_json::from_str(text).ok()
    }

    /// The base digest pinned for `name`, if the inputs list it.
    pub fn base(&self, name: &str) -> Option<&str> {
        self.bases
            .iter()
            .find(|b| b.name == name)
            .map(|b| b.digest.as_str())
    }
}

/// What differs from `old` to `new`, one phrase each, for people ("base
/// debian:12 moved: sha256:aaa -> sha256:bbb"). Secret values never appear.
pub fn explain(old: &KeyInputs, new: &KeyInputs) -> Vec<String> {
    let mut out = Vec::new();
    if old.v != new.v {
        out.push(format!("key format changed (v{} -> v{})", old.v, new.v));
    }
    if old.source != new.source {
        out.push(match (&old.source, &new.source) {
            (KeySource::Commit(a), KeySource::Commit(b)) => {
                format!("upstream commit moved: {} -> {}", short(a), short(b))
            }
            (KeySource::Tree(a), KeySource::Tree(b)) => {
                format!("project folder changed: tree {} -> {}", short(a), short(b))
            }
            _ => "source changed between the monorepo folder and an upstream".to_string(),
        });
    }
    for (field, a, b) in [
        ("dockerfile_path", &old.dockerfile, &new.dockerfile),
        ("context_path", &old.context, &new.context),
    ] {
        if a != b {
            out.push(format!("{field} changed: {a} -> {b}"));
        }
    }
    if old.target != new.target {
        let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "(last stage)".into());
        out.push(format!(
            "target changed: {} -> {}",
            show(&old.target),
            show(&new.target)
        ));
    }
    out.extend(explain_args(&old.args, &new.args));
    if old.platform != new.platform {
        out.push(format!(
            "platform changed: {} -> {}",
            old.platform, new.platform
        ));
    }
    if old.builder != new.builder {
        out.push(format!(
            "builder changed: {} -> {}",
            old.builder, new.builder
        ));
    }
    for base in &new.bases {
        match old.base(&base.name) {
            Some(was) if was != base.digest => out.push(format!(
                "{} moved: {} -> {}",
                base.name,
                short_digest(was),
                short_digest(&base.digest)
            )),
            Some(_) => {}
            None => out.push(format!("base {} added", base.name)),
        }
    }
    for base in &old.bases {
        if new.base(&base.name).is_none() {
            out.push(format!("base {} removed", base.name));
        }
    }
    if out.is_empty() && old != new {
        out.push("the key inputs differ".to_string());
    }
    out
}

fn explain_args(old: &[KeyArg], new: &[KeyArg]) -> Vec<String> {
    let mut out = Vec::new();
    for arg in new {
        match old.iter().find(|a| a.name == arg.name) {
            None => out.push(format!("build arg {} added", arg.name)),
            Some(was) if was == arg => {}
            Some(was) => match (&was.value, &arg.value) {
                (Some(a), Some(b)) if !arg.secret && !was.secret => {
                    out.push(format!("build arg {} changed: {a} -> {b}", arg.name))
                }
                _ => out.push(format!("build arg {} changed", arg.name)),
            },
        }
    }
    for arg in old {
        if !new.iter().any(|a| a.name == arg.name) {
            out.push(format!("build arg {} removed", arg.name));
        }
    }
    out
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// `sha256:` and 12 hex digits: enough to tell digests apart in a sentence.
pub fn short_digest(digest: &str) -> &str {
    &digest[..digest.len().min(19)]
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, hex: how a secret's value
/// enters a key without being derivable from it (the salt is a second secret).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn inputs() -> KeyInputs {
        KeyInputs {
            v: KEY_FORMAT_VERSION,
            source: KeySource::Tree("4b825dc642cb6eb9a060e54bf8d69288fbee4904".into()),
            dockerfile: "Dockerfile".into(),
            context: ".".into(),
            target: None,
            args: vec![
                KeyArg {
                    name: "VERSION".into(),
                    value: Some("1.2".into()),
                    hmac: None,
                    secret: false,
                },
                KeyArg {
                    name: "A_TOKEN".into(),
                    value: None,
                    hmac: None,
                    secret: true,
                },
            ],
            platform: Platform::parse("linux/arm64").expect("known"),
            builder: "buildah".into(),
            bases: vec![KeyBase {
                name: "debian:bookworm-slim".into(),
                digest: format!("sha256:{}", "a".repeat(64)),
                platform: None,
            }],
        }
    }

    #[test]
    fn the_canonical_form_is_stable_and_sorted() {
        let text = inputs().canonical();
        assert_eq!(
            text,
            r#"{"v":1,"source":{"tree":"4b825dc642cb6eb9a060e54bf8d69288fbee4904"},"dockerfile":"Dockerfile","context":".","args":[{"name":"A_TOKEN","secret":true},{"name":"VERSION","value":"1.2"}],"platform":"linux/arm64","builder":"buildah","bases":[{"name":"debian:bookworm-slim","digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]}"#
        );
        // Argument order in the config does not change the key.
        let mut reordered = inputs();
        reordered.args.reverse();
        assert_eq!(reordered.key(), inputs().key());
        assert_eq!(KeyInputs::parse(&text), Some(sorted(inputs())));
        assert!(inputs().key().starts_with("sha256:") && inputs().key().len() == 71);
    }

    fn sorted(mut i: KeyInputs) -> KeyInputs {
        i.args.sort_by(|a, b| a.name.cmp(&b.name));
        i
    }

    #[test]
    fn every_field_changes_the_key() {
        let base = inputs().key();
        let changes: Vec<fn(&mut KeyInputs)> = vec![
            |i| i.v += 1,
            |i| i.source = KeySource::Commit("c".into()),
            |i| i.dockerfile = "other/Dockerfile".into(),
            |i| i.context = "src".into(),
            |i| i.target = Some("final".into()),
            |i| i.args[0].value = Some("1.3".into()),
            |i| i.args[1].hmac = Some("00".into()),
            |i| i.platform = Platform::parse("linux/amd64").expect("known"),
            |i| i.builder = "kaniko".into(),
            |i| i.bases[0].digest = format!("sha256:{}", "b".repeat(64)),
        ];
        for change in changes {
            let mut changed = inputs();
            change(&mut changed);
            assert_ne!(changed.key(), base, "{}", changed.canonical());
        }
    }

    #[test]
    fn explanations_name_what_moved_and_never_a_secret() {
        let old = inputs();
        let mut new = inputs();
        new.bases[0].digest = format!("sha256:{}", "b".repeat(64));
        new.args[0].value = Some("1.3".into());
        new.args[1].hmac = Some("ff".into());
        new.source = KeySource::Tree("1111111111111111".into());
        assert_eq!(
            explain(&old, &new),
            vec![
                "project folder changed: tree 4b825dc642cb -> 111111111111",
                "build arg VERSION changed: 1.2 -> 1.3",
                "build arg A_TOKEN changed",
                "debian:bookworm-slim moved: sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb",
            ]
        );
        assert!(explain(&old, &old).is_empty());
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        assert_eq!(
            hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
