//! Which images a build pulls: every `FROM` and `COPY --from` that names an
//! image rather than `scratch` or an earlier stage, in the stages the target
//! needs, with `ARG` values expanded and the platform each is pulled for.

use std::collections::BTreeMap;

use crate::contract::Platform;

use super::parse::{Stage, lookup, parse, target_stage};

/// What the build knows when it reads `FROM` lines.
pub struct Known<'a> {
    /// Build args with a value known here (plain values; `from_env` ones that are set).
    pub args: &'a BTreeMap<String, String>,
    /// Build args whose value is not known here (a secret, or an unset variable):
    /// a `FROM` that needs one cannot be resolved.
    pub unknown: &'a [String],
    /// The platform the image is built for (`TARGETPLATFORM`).
    pub target: Platform,
    /// The platform of the machine that builds (`BUILDPLATFORM`).
    pub build: Platform,
}

/// One image a build pulls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// As named, variables expanded (`debian:bookworm-slim`).
    pub name: String,
    /// The platform it is pulled for.
    pub platform: Platform,
    /// The image the target stage starts from (the OCI `base.name` annotation).
    pub is_final_base: bool,
}

/// The images a build of `target` (last stage when `None`) pulls, in Dockerfile
/// order, each once. `Err` says why the file cannot be read with certainty.
pub fn pulled_images(
    dockerfile: &str,
    target: Option<&str>,
    known: &Known,
) -> Result<Vec<Pulled>, String> {
    let (global_args, stages) = parse(dockerfile);
    let start = target_stage(&stages, target).ok_or_else(|| match target {
        Some(t) => format!("the Dockerfile has no stage `{t}`"),
        None => "the Dockerfile has no FROM".to_string(),
    })?;
    let vars = scope(&global_args, known);
    let mut needed = vec![false; stages.len()];
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut needed[i], true) {
            continue;
        }
        let stage = &stages[i];
        for reference in std::iter::once(&stage.base).chain(&stage.copies_from) {
            if let Some(dep) = lookup(&stages[..i], reference) {
                todo.push(dep);
            }
        }
    }
    let mut out: Vec<Pulled> = Vec::new();
    for (i, stage) in stages.iter().enumerate().filter(|(i, _)| needed[*i]) {
        let earlier = &stages[..i];
        let from = expand(&stage.base, &vars).map_err(|e| format!("FROM {}: {e}", stage.base))?;
        if lookup(earlier, &from).is_none() && !from.eq_ignore_ascii_case("scratch") {
            let platform = stage_platform(stage, &vars, known)?;
            push(&mut out, from, platform, i == start);
        }
        for reference in &stage.copies_from {
            if lookup(earlier, reference).is_some() {
                continue;
            }
            if reference.contains('$') {
                return Err(format!(
                    "--from={reference}: a variable in --from cannot be read with certainty"
                ));
            }
            push(&mut out, reference.clone(), known.target, false);
        }
    }
    Ok(out)
}

fn push(out: &mut Vec<Pulled>, name: String, platform: Platform, is_final_base: bool) {
    match out
        .iter_mut()
        .find(|p| p.name == name && p.platform == platform)
    {
        Some(seen) => seen.is_final_base |= is_final_base,
        None => out.push(Pulled {
            name,
            platform,
            is_final_base,
        }),
    }
}

/// `ARG`s a `FROM` line sees: the global ones (a build arg overrides a declared
/// one), and the automatic platform args. `None`: declared, value not known here.
fn scope(global: &[(String, Option<String>)], known: &Known) -> Vars {
    let mut vars = Vars::new();
    for (prefix, platform) in [("TARGET", known.target), ("BUILD", known.build)] {
        let facts = platform.facts();
        let mut set = |name: &str, value: &str| {
            vars.insert(format!("{prefix}{name}"), Some(value.to_string()))
        };
        set("PLATFORM", facts.canonical);
        set("OS", facts.os);
        set("ARCH", facts.architecture);
        set("VARIANT", facts.variant.unwrap_or_default());
    }
    for (name, default) in global {
        let value = if known.unknown.contains(name) {
            None
        } else {
            Some(
                known
                    .args
                    .get(name)
                    .or(default.as_ref())
                    .cloned()
                    .unwrap_or_default(),
            )
        };
        vars.insert(name.clone(), value);
    }
    vars
}

type Vars = BTreeMap<String, Option<String>>;

fn stage_platform(stage: &Stage, vars: &Vars, known: &Known) -> Result<Platform, String> {
    let Some(raw) = &stage.platform else {
        return Ok(known.target);
    };
    let value = expand(raw, vars).map_err(|e| format!("--platform={raw}: {e}"))?;
    Platform::parse(&value).ok_or_else(|| format!("--platform={raw}: unknown platform `{value}`"))
}

/// Expands `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alternative}`
/// as the Dockerfile frontend does; an undeclared name is empty.
fn expand(word: &str, vars: &Vars) -> Result<String, String> {
    let lookup = |name: &str| -> Result<String, String> {
        match vars.get(name) {
            Some(Some(value)) => Ok(value.clone()),
            Some(None) => Err(format!(
                "build arg {name} has no value known here (a secret, or its variable is unset)"
            )),
            None => Ok(String::new()),
        }
    };
    let mut out = String::new();
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'$') => out.extend(chars.next()),
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                let inner: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let (name, op, operand) = match inner.find(":-").or_else(|| inner.find(":+")) {
                    Some(at) => (&inner[..at], &inner[at..at + 2], &inner[at + 2..]),
                    None => (inner.as_str(), "", ""),
                };
                if name.is_empty()
                    || name.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                {
                    return Err(format!("`${{{inner}}}` is not a form monoarch reads"));
                }
                let value = lookup(name)?;
                out.push_str(&match op {
                    ":-" if value.is_empty() => operand.to_string(),
                    ":+" if !value.is_empty() => operand.to_string(),
                    ":+" => String::new(),
                    _ => value,
                });
            }
            '$' if chars
                .peek()
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_') =>
            {
                let mut name = String::new();
                while let Some(c) = chars
                    .peek()
                    .filter(|c| c.is_ascii_alphanumeric() || **c == '_')
                {
                    name.push(*c);
                    chars.next();
                }
                out.push_str(&lookup(&name)?);
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        return Err("expands to nothing".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        Platform::parse(s).expect("known platform")
    }

    fn pulled(
        file: &str,
        target: Option<&str>,
        args: &[(&str, &str)],
    ) -> Result<Vec<String>, String> {
        let args: BTreeMap<String, String> = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let unknown = vec!["SECRET".to_string()];
        let known = Known {
            args: &args,
            unknown: &unknown,
            target: p("linux/arm64"),
            build: p("linux/amd64"),
        };
        pulled_images(file, target, &known).map(|v| {
            v.into_iter()
                .map(|i| {
                    format!(
                        "{}@{}{}",
                        i.name,
                        i.platform,
                        if i.is_final_base { " (final)" } else { "" }
                    )
                })
                .collect()
        })
    }

    #[test]
    fn scratch_and_stages_pull_nothing() {
        assert_eq!(pulled("FROM scratch\nCOPY a /a\n", None, &[]), Ok(vec![]));
        let file = "FROM debian:12 AS build\nRUN make\nFROM build AS test\nFROM scratch\nCOPY --from=build /x /x\n";
        assert_eq!(
            pulled(file, None, &[]),
            Ok(vec!["debian:12@linux/arm64".into()])
        );
    }

    #[test]
    fn only_stages_the_target_needs_and_external_copies() {
        let file = "FROM golang:1.23 AS tools\nFROM alpine:3 AS unused\n\
                    FROM Registry.example/Base:V1 AS final\nCOPY --from=tools /go /go\n\
                    COPY --from=busybox:1 /bin/sh /bin/sh\n";
        assert_eq!(
            pulled(file, Some("FINAL"), &[]),
            Ok(vec![
                "golang:1.23@linux/arm64".into(),
                "Registry.example/Base:V1@linux/arm64 (final)".into(),
                "busybox:1@linux/arm64".into(),
            ])
        );
    }

    #[test]
    fn args_and_platforms_are_expanded() {
        let file = "ARG BASE=debian\nARG TAG\nFROM --platform=$BUILDPLATFORM ${BASE}:${TAG:-12} AS b\n\
                    FROM ${BASE}:slim-$TARGETARCH\nCOPY --from=b /x /x\n";
        assert_eq!(
            pulled(file, None, &[]),
            Ok(vec![
                "debian:12@linux/amd64".into(),
                "debian:slim-arm64@linux/arm64 (final)".into()
            ])
        );
        assert_eq!(
            pulled(file, None, &[("BASE", "ubuntu"), ("TAG", "24.04")]),
            Ok(vec![
                "ubuntu:24.04@linux/amd64".into(),
                "ubuntu:slim-arm64@linux/arm64 (final)".into()
            ])
        );
    }

    #[test]
    fn what_cannot_be_known_is_an_error_not_a_guess() {
        let secret = "ARG SECRET\nFROM registry.example/${SECRET}:1\n";
        let err = pulled(secret, None, &[]).expect_err("unknown value");
        assert!(
            err.contains("build arg SECRET has no value known here"),
            "{err}"
        );
        assert!(pulled("ARG X\nFROM ${X}\n", None, &[]).is_err());
        assert!(pulled("FROM a AS one\n", Some("two"), &[]).is_err());
        assert!(pulled("FROM scratch\nCOPY --from=$X /a /a\n", None, &[]).is_err());
        assert!(pulled("FROM ${X/a/b}\n", None, &[]).is_err());
    }
}
