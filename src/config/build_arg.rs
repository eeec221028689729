//! Reading one `build_args` item by hand: `NAME=value`, or a mapping with
//! `name` and exactly one of `value` / `from_env` (and `secret`). A derived
//! untagged enum would answer every mistake with "data did not match any
//! variant"; this says what is wrong with the item.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::project::{RawBuildArg, RawBuildArgMap};

const KEYS: &[&str] = &["name", "value", "from_env", "secret", "key"];
const SHAPE: &str =
    "`NAME=value`, or `{name: NAME, value: V}` / `{name: NAME, from_env: VARIABLE}`";

impl<'de> Deserialize<'de> for RawBuildArg {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ArgVisitor)
    }
}

struct ArgVisitor;

impl<'de> Visitor<'de> for ArgVisitor {
    type Value = RawBuildArg;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(SHAPE)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawBuildArg, E> {
        Ok(RawBuildArg::Pair(v.to_string()))
    }

    // A bare `- 5` or `- true`: text without `=`, reported as such later.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawBuildArg, E> {
        Ok(RawBuildArg::Pair(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawBuildArg, E> {
        Ok(RawBuildArg::Pair(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawBuildArg, E> {
        Ok(RawBuildArg::Pair(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawBuildArg, E> {
        Ok(RawBuildArg::Pair(v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawBuildArg, A::Error> {
        let mut arg = RawBuildArgMap::default();
        let mut name = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value::<String>()?),
                "value" => arg.value = Some(map.next_value::<String>()?),
                "from_env" => arg.from_env = Some(map.next_value::<String>()?),
                "secret" => arg.secret = Some(map.next_value::<bool>()?),
                "key" => arg.key = Some(map.next_value::<String>()?),
                other => return Err(de::Error::unknown_field(other, KEYS)),
            }
        }
        arg.name = name.ok_or_else(|| {
            de::Error::custom(format!("a build arg mapping needs `name`; write {SHAPE}"))
        })?;
        Ok(RawBuildArg::Map(arg))
    }
}
