//! A job's [`KeyInputs`]: its source identity, settings, build args as the key
//! may see them, and the digest of every image the build pulls.

use std::collections::BTreeMap;

use crate::contract::key::{KEY_FORMAT_VERSION, hmac_sha256};
use crate::contract::{
    BaseImage, BasePlan, BuildArg, JobPlan, KeyArg, KeyBase, KeyInputs, KeySource, Platform,
    ProjectPlan, SecretInKey, image_name,
};
use crate::dockerfile::{Known, pulled_images};
use crate::env::Env;

use super::resolve::Resolver;

/// The secret that keys secret build args with `key: hmac`. It never enters a
/// plan, a record or a log, so a key says nothing about a secret's value.
pub const SALT_VAR: &str = "MONOARCH_KEY_SALT";

/// Where the names of the images a build pulls come from.
pub enum Bases<'a> {
    /// The Dockerfile's text.
    Dockerfile(&'a str),
    /// An earlier build of the same source and settings listed them (an
    /// upstream the plan does not fetch): same file, same names.
    Listed(&'a [KeyBase]),
}

/// The images of the projects a job builds on (`depends_on:`), as its key
/// sees them: each under the name [`base_key_name`] (the index its build arg
/// names changes with every publish of the base; what the build uses is the
/// base's image for the platform), with that image's digest.
#[derive(Clone, Copy)]
pub enum BaseImages<'a> {
    /// The plan: a base it does not rebuild is read by its tag in `host`; a base
    /// it rebuilds is known only when it reuses an image for the platform
    /// (`decided`, filled level by level), else the job cannot have a key yet.
    Plan { host: &'a str, decided: &'a Decided },
    /// The build job: the indexes pinned for this build.
    Pinned(&'a [BaseImage]),
}

/// Per project the plan rebuilds: the image digest it reuses for each platform.
pub type Decided = BTreeMap<String, BTreeMap<Platform, String>>;

/// The name a base project's image has in a key: not the index the build arg
/// names, which every publish of the base changes.
pub fn base_key_name(project: &str) -> String {
    format!("depends_on:{project}")
}

/// The digest of `base`'s image for `platform` as `images` knows it.
async fn base_digest(
    base: &BasePlan,
    platform: Platform,
    images: &BaseImages<'_>,
    resolver: &Resolver,
) -> Result<String, String> {
    match images {
        BaseImages::Plan { decided, .. } if base.rebuilt => decided
            .get(&base.project)
            .and_then(|by| by.get(&platform))
            .cloned()
            .ok_or_else(|| format!("base {} is rebuilt by this plan", base.project)),
        BaseImages::Plan { host, .. } => {
            let tagged = format!("{}:{}", image_name(host, &base.repository), base.tag);
            resolver.digest(&tagged, platform).await
        }
        BaseImages::Pinned(pinned) => match pinned.iter().find(|p| p.project == base.project) {
            Some(p) => resolver.digest(&p.image, platform).await,
            None => Err(format!(
                "base {} was not pinned for this build",
                base.project
            )),
        },
    }
}

/// Everything about one job besides its bases.
pub struct Job<'a> {
    pub project: &'a ProjectPlan,
    pub job: &'a JobPlan,
    pub source: KeySource,
    pub builder: &'a str,
    /// The machine that builds (`BUILDPLATFORM`); the plan assumes a native runner.
    pub build_platform: Platform,
}

/// The build args as the key sees them, with the values a `FROM` line may use.
struct Args {
    key: Vec<KeyArg>,
    known: BTreeMap<String, String>,
    unknown: Vec<String>,
}

fn args(args: &[BuildArg], env: &Env) -> Result<Args, String> {
    let mut out = Args {
        key: Vec::new(),
        known: BTreeMap::new(),
        unknown: Vec::new(),
    };
    for arg in args {
        match arg {
            BuildArg::Value { name, value } => {
                out.known.insert(name.clone(), value.clone());
                out.key.push(KeyArg {
                    name: name.clone(),
                    value: Some(value.clone()),
                    hmac: None,
                    secret: false,
                });
            }
            BuildArg::FromEnv {
                name,
                from_env,
                secret: false,
                ..
            } => {
                let value = env.get(from_env).ok_or_else(|| {
                    format!("build arg {name} reads ${from_env}, which is not set here; set it where `monoarch plan` runs too")
                })?;
                out.known.insert(name.clone(), value.to_string());
                out.key.push(KeyArg {
                    name: name.clone(),
                    value: Some(value.to_string()),
                    hmac: None,
                    secret: false,
                });
            }
            BuildArg::FromEnv {
                name,
                from_env,
                secret: true,
                key,
            } => {
                out.unknown.push(name.clone());
                let hmac = match key {
                    None => {
                        return Err(format!(
                            "secret build arg {name} has no `key:` setting, so a new value could not be told from the old; such a job is always built (set `key: name` if its value does not change the image, `key: hmac` if it does)"
                        ));
                    }
                    Some(SecretInKey::Name) => None,
                    Some(SecretInKey::Hmac) => {
                        let (Some(value), Some(salt)) = (env.get(from_env), env.get(SALT_VAR))
                        else {
                            return Err(format!(
                                "secret build arg {name} has `key: hmac`, which needs ${from_env} and ${SALT_VAR} where `monoarch plan` runs"
                            ));
                        };
                        Some(hmac_sha256(salt.as_bytes(), value.as_bytes()))
                    }
                };
                out.key.push(KeyArg {
                    name: name.clone(),
                    value: None,
                    hmac,
                    secret: true,
                });
            }
        }
    }
    Ok(out)
}

/// Makes the key inputs of one job. `Err` says why the job cannot have a key
/// (so it is built, never reused).
pub async fn make(
    job: &Job<'_>,
    bases: Bases<'_>,
    images: BaseImages<'_>,
    env: &Env,
    resolver: &Resolver,
) -> Result<KeyInputs, String> {
    let project = job.project;
    let mut args = args(&project.build_args, env)?;
    // A `FROM ${MONOARCH_BASE_X}` names the base by its key name, whatever
    // default the Dockerfile gives the arg: monoarch always sets it.
    for base in &project.bases {
        args.known
            .insert(base.arg.clone(), base_key_name(&base.project));
        args.unknown.retain(|name| *name != base.arg);
    }
    let target = job.job.platform;
    let pulled: Vec<(String, Platform)> = match bases {
        Bases::Dockerfile(text) => {
            let known = Known {
                args: &args.known,
                unknown: &args.unknown,
                target,
                build: job.build_platform,
            };
            pulled_images(text, project.target.as_deref(), &known)
                .map_err(|e| format!("{}: {e}", project.dockerfile))?
                .into_iter()
                .map(|p| (p.name, p.platform))
                .collect()
        }
        Bases::Listed(listed) => listed
            .iter()
            .map(|b| (b.name.clone(), b.platform.unwrap_or(target)))
            .collect(),
    };
    let mut key_bases = Vec::new();
    for (name, platform) in pulled {
        let digest = match project
            .bases
            .iter()
            .find(|b| base_key_name(&b.project) == name)
        {
            Some(base) => base_digest(base, platform, &images, resolver).await?,
            None => resolver.digest(&name, platform).await?,
        };
        key_bases.push(KeyBase {
            name,
            digest,
            platform: (platform != target).then_some(platform),
        });
    }
    let mut key_args = args.key;
    key_args.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(KeyInputs {
        v: KEY_FORMAT_VERSION,
        source: job.source.clone(),
        dockerfile: project.dockerfile.clone(),
        context: project.context.clone(),
        target: project.target.clone(),
        args: key_args,
        platform: target,
        builder: job.builder.to_string(),
        bases: key_bases,
    })
}

/// Whether `earlier` was made from the same source and settings as this job
/// would be, so it lists the same images (only their digests may have moved).
pub fn same_build_file(earlier: &KeyInputs, job: &Job<'_>, env: &Env) -> bool {
    let project = job.project;
    let Ok(args) = args(&project.build_args, env) else {
        return false;
    };
    let mut key_args = args.key;
    key_args.sort_by(|a, b| a.name.cmp(&b.name));
    earlier.source == job.source
        && earlier.dockerfile == project.dockerfile
        && earlier.context == project.context
        && earlier.target == project.target
        && earlier.args == key_args
        && earlier.platform == job.job.platform
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(name: &str, var: &str, secret: bool, key: Option<SecretInKey>) -> BuildArg {
        BuildArg::FromEnv {
            name: name.into(),
            from_env: var.into(),
            secret,
            key,
        }
    }

    #[test]
    fn secrets_enter_only_by_name_or_keyed_hash() {
        let env = Env::from_pairs([("TOKEN", "hunter2-secret"), (SALT_VAR, "salt")]);
        let plain = vec![BuildArg::Value {
            name: "V".into(),
            value: "1".into(),
        }];
        let out = args(&plain, &env).expect("keyed");
        assert_eq!(out.key[0].value.as_deref(), Some("1"));

        let by_name =
            args(&[arg("T", "TOKEN", true, Some(SecretInKey::Name))], &env).expect("keyed by name");
        assert_eq!(
            (by_name.key[0].value.clone(), by_name.key[0].hmac.clone()),
            (None, None)
        );
        assert_eq!(by_name.unknown, vec!["T".to_string()]);

        let hashed =
            args(&[arg("T", "TOKEN", true, Some(SecretInKey::Hmac))], &env).expect("keyed by hmac");
        let hmac = hashed.key[0].hmac.clone().expect("hmac");
        assert_eq!(hmac, hmac_sha256(b"salt", b"hunter2-secret"));
        assert!(!format!("{:?}", hashed.key).contains("hunter2"));

        let err = args(&[arg("T", "TOKEN", true, None)], &env)
            .err()
            .expect("no key mode");
        assert!(err.contains("always built"), "{err}");
        let no_salt = Env::from_pairs([("TOKEN", "x")]);
        let err = args(
            &[arg("T", "TOKEN", true, Some(SecretInKey::Hmac))],
            &no_salt,
        )
        .err()
        .expect("no salt");
        assert!(err.contains(SALT_VAR), "{err}");
        let err = args(&[arg("N", "UNSET", false, None)], &env)
            .err()
            .expect("unset");
        assert!(err.contains("$UNSET, which is not set here"), "{err}");
    }
}
