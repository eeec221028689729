//! The JSON Schemas of the contracts, generated from their types and
//! committed in `schema/` for the jobs and people that read `plan.json` and
//! build records.
//!
//! - `schema/<name>.schema.json` is what the types generate now; a change to a
//!   contract type fails [`committed_schemas_match_the_types`] until the file is
//!   updated on purpose (`MONOARCH_UPDATE_SCHEMAS=1 cargo test --lib schema`).
//! - `schema/<name>.v<N>.schema.json` is frozen when format version N is first
//!   written. Within a version a contract may only grow (new optional fields,
//!   doc changes); anything else fails [`contracts_only_grow_within_a_format_version`]
//!   until the format version is bumped, which freezes a new file.

use std::path::{Path, PathBuf};

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

use super::platform::PLATFORMS;
use super::{BuildRecord, FORMAT_VERSION, Plan, Platform, RECORD_FORMAT_VERSION};

impl JsonSchema for Platform {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Platform".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let canonical: Vec<&str> = PLATFORMS.iter().map(|p| p.canonical).collect();
        json_schema!({
            "description": "An OCI platform, `os/arch[/variant]`, as monoarch writes it.",
            "type": "string",
            "enum": canonical,
        })
    }
}

/// One versioned contract file.
struct Contract {
    name: &'static str,
    version: u32,
    schema: fn() -> Value,
}

fn contracts() -> [Contract; 2] {
    [
        Contract {
            name: "plan",
            version: FORMAT_VERSION,
            schema: || generate::<Plan>("plan", FORMAT_VERSION),
        },
        Contract {
            name: "build-record",
            version: RECORD_FORMAT_VERSION,
            schema: || generate::<BuildRecord>("build-record", RECORD_FORMAT_VERSION),
        },
    ]
}

/// The schema of `T`, with an `$id` and its format version pinned, so a
/// reader of another version fails validation.
fn generate<T: JsonSchema>(name: &str, version: u32) -> Value {
    let mut schema = schemars::schema_for!(T).to_value();
    schema["$id"] = Value::String(format!(
        "https://monoarch.invalid/schema/{name}.v{version}.schema.json"
    ));
    schema["properties"]["format_version"] = serde_json::json!({
        "description": format!("Version of this format; readers refuse any other ({version})."),
        "const": version,
    });
    schema
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a schema serializes");
    text.push('\n');
    text
}

fn updating() -> bool {
    std::env::var("MONOARCH_UPDATE_SCHEMAS").is_ok_and(|v| v == "1")
}

#[test]
fn committed_schemas_match_the_types() {
    for c in contracts() {
        let path = dir().join(format!("{}.schema.json", c.name));
        let generated = pretty(&(c.schema)());
        if updating() {
            std::fs::create_dir_all(dir()).expect("mkdir schema");
            std::fs::write(&path, &generated).expect("write schema");
            let frozen = dir().join(format!("{}.v{}.schema.json", c.name, c.version));
            if !frozen.exists() {
                std::fs::write(&frozen, &generated).expect("freeze schema");
            }
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} differs from the {} types. If the change only adds optional fields or edits docs, \
             update it: MONOARCH_UPDATE_SCHEMAS=1 cargo test --lib schema. Otherwise bump the \
             format version first (readers refuse other versions).",
            path.display(),
            c.name
        );
    }
}

#[test]
fn contracts_only_grow_within_a_format_version() {
    for c in contracts() {
        let path = dir().join(format!("{}.v{}.schema.json", c.name, c.version));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: format version {} of the {} has no frozen schema; \
                 MONOARCH_UPDATE_SCHEMAS=1 cargo test --lib schema writes it",
                path.display(),
                c.version,
                c.name
            )
        });
        let frozen: Value = serde_json::from_str(&text).expect("frozen schema is JSON");
        let breaks = breaking_changes(&frozen, &(c.schema)());
        assert!(
            breaks.is_empty(),
            "the {} contract changed incompatibly within format version {}: {}; bump its \
             format version (readers refuse other versions) and freeze the new schema",
            c.name,
            c.version,
            breaks.join("; ")
        );
    }
}

/// What `new` breaks of `old`: a property removed, a field newly required,
/// or a type, enum or shape changed. New optional properties and definitions,
/// and changed descriptions, break nothing.
fn breaking_changes(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    compare("", old, new, &mut out);
    let (old_defs, new_defs) = (defs(old), defs(new));
    for (name, old_def) in &old_defs {
        match new_defs.get(name) {
            Some(new_def) => compare(&format!("$defs/{name}"), old_def, new_def, &mut out),
            None => out.push(format!("$defs/{name} removed")),
        }
    }
    out
}

fn defs(schema: &Value) -> Map<String, Value> {
    schema["$defs"].as_object().cloned().unwrap_or_default()
}

fn compare(at: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    // Alternatives (`anyOf` of an untagged enum) grow like objects do, one by one.
    if let (Some(old), Some(new)) = (old.as_array(), new.as_array())
        && old.len() == new.len()
        && old.iter().any(Value::is_object)
    {
        for (i, (o, n)) in old.iter().zip(new).enumerate() {
            compare(&format!("{at}/{i}"), o, n, out);
        }
        return;
    }
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        if old != new {
            out.push(format!("{at}: {old} became {new}"));
        }
        return;
    };
    for (key, old_value) in old {
        let here = format!("{at}/{key}");
        match (key.as_str(), new.get(key)) {
            ("description" | "$id" | "$defs", _) => {}
            ("required", new_value) => {
                let was = strings(Some(old_value));
                for field in strings(new_value) {
                    if !was.contains(&field) {
                        out.push(format!("{at}: `{field}` became required"));
                    }
                }
            }
            ("properties", Some(new_value)) => {
                let new_props = new_value.as_object().cloned().unwrap_or_default();
                for (name, old_prop) in old_value.as_object().into_iter().flatten() {
                    match new_props.get(name) {
                        Some(new_prop) => {
                            compare(&format!("{here}/{name}"), old_prop, new_prop, out)
                        }
                        None => out.push(format!("{here}/{name} removed")),
                    }
                }
            }
            (_, Some(new_value)) => compare(&here, old_value, new_value, out),
            (_, None) => out.push(format!("{here} removed")),
        }
    }
    for key in new.keys() {
        if !old.contains_key(key)
            && !matches!(key.as_str(), "description" | "required" | "properties")
        {
            out.push(format!("{at}/{key} added"));
        }
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn growing_is_compatible_and_everything_else_is_not() {
    let old = serde_json::json!({
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"type": "string"}, "b": {"$ref": "#/$defs/B"}},
        "$defs": {"B": {"type": "string", "enum": ["x", "y"]}}
    });
    let mut grown = old.clone();
    grown["properties"]["c"] = serde_json::json!({"type": "integer"});
    grown["properties"]["a"]["description"] = "now documented".into();
    grown["$defs"]["C"] = serde_json::json!({"type": "string"});
    assert_eq!(breaking_changes(&old, &grown), Vec::<String>::new());

    // A new optional field inside one alternative of an untagged enum grows it too.
    let alternatives = serde_json::json!({"anyOf": [
        {"type": "object", "required": ["n"], "properties": {"n": {"type": "string"}}},
        {"type": "object", "required": ["m"], "properties": {"m": {"type": "string"}}}
    ]});
    let mut grown_alternative = alternatives.clone();
    grown_alternative["anyOf"][1]["properties"]["k"] = serde_json::json!({"type": "string"});
    assert_eq!(
        breaking_changes(&alternatives, &grown_alternative),
        Vec::<String>::new()
    );
    let mut narrowed = alternatives.clone();
    narrowed["anyOf"][1]["required"] = serde_json::json!(["m", "k"]);
    assert_eq!(breaking_changes(&alternatives, &narrowed).len(), 1);

    let mut broken = old.clone();
    broken["required"] = serde_json::json!(["a", "b"]);
    broken["properties"]["a"]["type"] = "integer".into();
    broken["$defs"]["B"]["enum"] = serde_json::json!(["x"]);
    broken["properties"]
        .as_object_mut()
        .expect("object")
        .remove("b");
    let found = breaking_changes(&old, &broken);
    assert_eq!(found.len(), 4, "{found:?}");
}
