//! buildah: `buildah bud` into local storage, then `buildah push` with a digest file.

use super::{BuildSpec, CommandLine, Step};

/// Whether `buildah --version` output names a release with `--cache-from` /
/// `--cache-to` (1.27 and later).
pub fn supports_remote_cache(version: &str) -> bool {
    let number = version
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or_default();
    let mut parts = number.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 27)
}

/// Where `buildah bud --iidfile` writes the image ID (the config digest), next to the digest file.
pub fn image_id_file(spec: &BuildSpec) -> std::path::PathBuf {
    spec.digest_file.with_file_name("image-id")
}

pub fn commands(spec: &BuildSpec) -> Vec<CommandLine> {
    let mut bud = vec![
        "bud".to_string(),
        format!("--platform={}", spec.platform),
        "-f".to_string(),
        spec.dockerfile.display().to_string(),
    ];
    let authfile = spec
        .auth_file
        .as_ref()
        .map(|p| format!("--authfile={}", p.display()));
    bud.extend(authfile.clone());
    if let Some(target) = &spec.target {
        bud.push(format!("--target={target}"));
    }
    for arg in &spec.build_args {
        bud.push("--build-arg".to_string());
        bud.push(arg.flag_value());
    }
    // buildah writes org.opencontainers.image.base.* itself, from the base it used.
    for (key, value) in &spec.annotations {
        bud.push(format!("--annotation={key}={value}"));
        bud.push(format!("--label={key}={value}"));
    }
    if let Some(cache) = &spec.cache {
        bud.push("--layers".to_string());
        if cache.remote {
            bud.push(format!("--cache-from={}", cache.repository));
            bud.push(format!("--cache-to={}", cache.repository));
        }
    }
    if spec.pull_always {
        bud.push("--pull=always".to_string());
    }
    if !spec.pull_insecure.is_empty() {
        // buildah has no per-host switch on its command line.
        bud.push("--tls-verify=false".to_string());
    }
    // The config digest, so the read-back can fetch the config with the manifest.
    bud.push(format!("--iidfile={}", image_id_file(spec).display()));
    bud.extend(["-t".to_string(), spec.image.clone()]);
    bud.push(spec.context.display().to_string());

    let mut push = vec![
        "push".to_string(),
        format!("--digestfile={}", spec.digest_file.display()),
    ];
    push.extend(authfile);
    if spec.insecure {
        push.push("--tls-verify=false".to_string());
    }
    let destination = spec
        .push_to
        .clone()
        .unwrap_or_else(|| format!("docker://{}", spec.image));
    push.extend([spec.image.clone(), destination]);

    vec![
        CommandLine {
            step: Step::Build,
            program: "buildah".to_string(),
            args: bud,
        },
        CommandLine {
            step: Step::Push,
            program: "buildah".to_string(),
            args: push,
        },
    ]
}
