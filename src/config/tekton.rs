//! Tekton settings in `monoarch.yaml`: node pinning per architecture and the run-wide keys.
//!
//! Node selectors and tolerations keep Kubernetes' own spelling (`tolerationSeconds`), so
//! they can be pasted from a pod spec; they are checked here because Kubernetes would only
//! reject them when the generated PipelineRun is created, far from the file that is wrong.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::problem::FileProblems;

/// `runners.<arch>.tekton`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTektonRunner {
    node_selector: Option<BTreeMap<String, Spanned<String>>>,
    tolerations: Option<Vec<Spanned<RawToleration>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawToleration {
    key: Option<String>,
    operator: Option<String>,
    value: Option<String>,
    effect: Option<String>,
    toleration_seconds: Option<i64>,
}

/// The top-level `tekton:` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTekton {
    service_account: Option<Spanned<String>>,
    registry_secret: Option<Spanned<String>>,
}

/// Where one architecture's build TaskRuns may run, beyond the `kubernetes.io/arch`
/// and `kubernetes.io/os` labels every build task is pinned to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TektonRunner {
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
}

/// A Kubernetes toleration, as a pod spec writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
    pub toleration_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TektonSettings {
    /// `taskRunTemplate.serviceAccountName`; none: the namespace's default.
    pub service_account: Option<String>,
    /// A Secret of type `kubernetes.io/dockerconfigjson` with the registry credentials.
    pub registry_secret: String,
}

pub const DEFAULT_REGISTRY_SECRET: &str = "monoarch-registry";

pub(super) fn resolve_settings(raw: Option<RawTekton>, p: &mut FileProblems) -> TektonSettings {
    let raw = raw.unwrap_or_default();
    let mut name = |value: Option<Spanned<String>>, field: &str| {
        let value = value?;
        if !is_dns_subdomain(&value.value) {
            p.at(
                &value,
                field,
                format!(
                    "`{}` is not a Kubernetes object name; use lowercase letters, digits, `-` and `.`",
                    value.value
                ),
            );
        }
        Some(value.value)
    };
    TektonSettings {
        service_account: name(raw.service_account, "tekton.service_account"),
        registry_secret: name(raw.registry_secret, "tekton.registry_secret")
            .unwrap_or_else(|| DEFAULT_REGISTRY_SECRET.to_string()),
    }
}

pub(super) fn resolve_runner(
    raw: &Option<RawTektonRunner>,
    arch: &str,
    p: &mut FileProblems,
) -> Option<TektonRunner> {
    let raw = raw.as_ref()?;
    let field = format!("runners.{arch}.tekton");
    let mut node_selector = BTreeMap::new();
    for (key, value) in raw.node_selector.iter().flatten() {
        if !is_label_key(key) {
            p.at(
                value,
                &format!("{field}.node_selector"),
                format!("`{key}` is not a Kubernetes label key (`[prefix/]name`, name up to 63 characters of letters, digits, `-_.`)"),
            );
        }
        if !is_label_value(&value.value) {
            p.at(
                value,
                &format!("{field}.node_selector.{key}"),
                format!("`{}` is not a Kubernetes label value (up to 63 characters of letters, digits, `-_.`, starting and ending with a letter or digit)", value.value),
            );
        }
        node_selector.insert(key.clone(), value.value.clone());
    }
    let mut tolerations = Vec::new();
    for spanned in raw.tolerations.iter().flatten() {
        let t = &spanned.value;
        let at = format!("{field}.tolerations");
        let operator = t.operator.as_deref().unwrap_or("Equal");
        if !matches!(operator, "Equal" | "Exists") {
            p.at(
                spanned,
                &at,
                format!("unknown operator `{operator}`; use `Equal` or `Exists`"),
            );
        }
        if operator == "Exists" && t.value.as_deref().is_some_and(|v| !v.is_empty()) {
            p.at(
                spanned,
                &at,
                "an `Exists` toleration takes no `value`; remove it or use `operator: Equal`",
            );
        }
        if operator == "Equal" && t.key.as_deref().unwrap_or_default().is_empty() {
            p.at(spanned, &at, "an `Equal` toleration needs a `key`; add it, or use `operator: Exists` to tolerate every taint");
        }
        let effect = t.effect.as_deref().unwrap_or_default();
        if !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            p.at(
                spanned,
                &at,
                format!(
                    "unknown effect `{effect}`; use `NoSchedule`, `PreferNoSchedule` or `NoExecute`"
                ),
            );
        }
        if t.toleration_seconds.is_some() && effect != "NoExecute" {
            p.at(spanned, &at, "`tolerationSeconds` applies only to `effect: NoExecute`; remove it or set that effect");
        }
        tolerations.push(Toleration {
            key: t.key.clone(),
            operator: t.operator.clone(),
            value: t.value.clone(),
            effect: t.effect.clone(),
            toleration_seconds: t.toleration_seconds,
        });
    }
    Some(TektonRunner {
        node_selector,
        tolerations,
    })
}

/// A label name or value segment: up to 63 of `[A-Za-z0-9-_.]`, alphanumeric at both ends.
fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

fn is_label_key(s: &str) -> bool {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, s),
    };
    !name.is_empty() && is_label_value(name) && prefix.is_none_or(is_dns_subdomain)
}

/// A DNS-1123 subdomain: lowercase alphanumerics, `-` and `.`, at most 253 characters.
fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("kubernetes.io/arch", true)]
    #[case("node-pool", true)]
    #[case("example.com/gpu_type", true)]
    #[case("Example.com/x", false)]
    #[case("/x", false)]
    #[case("a/b/c", false)]
    #[case("-x", false)]
    fn label_keys(#[case] key: &str, #[case] ok: bool) {
        assert_eq!(is_label_key(key), ok, "{key}");
    }

    #[rstest]
    #[case("arm64", true)]
    #[case("", true)]
    #[case("a.b_c-d", true)]
    #[case("-a", false)]
    #[case("a b", false)]
    fn label_values(#[case] value: &str, #[case] ok: bool) {
        assert_eq!(is_label_value(value), ok, "{value}");
    }

    #[test]
    fn too_long_label_value() {
        assert!(!is_label_value(&"a".repeat(64)));
        assert!(is_label_value(&"a".repeat(63)));
    }
}
