//! Kaniko: one `/kaniko/executor` run builds and pushes.

use super::{BuildSpec, CommandLine, Step};

/// Where the Kaniko executor image ships its binary.
pub const EXECUTOR: &str = "/kaniko/executor";

pub fn commands(spec: &BuildSpec) -> Vec<CommandLine> {
    let mut args = vec![
        format!("--context=dir://{}", spec.context.display()),
        format!("--dockerfile={}", spec.dockerfile.display()),
        format!("--destination={}", spec.image),
        format!("--custom-platform={}", spec.platform),
    ];
    if let Some(target) = &spec.target {
        args.push(format!("--target={target}"));
    }
    for arg in &spec.build_args {
        args.push("--build-arg".to_string());
        args.push(arg.flag_value());
    }
    // Kaniko cannot annotate a manifest; the key goes into labels.
    for (key, value) in &spec.annotations {
        args.push(format!("--label={key}={value}"));
    }
    args.push(format!("--digest-file={}", spec.digest_file.display()));
    // The defaults of the pipelines this replaces: no layer cache unless asked
    // for, the faster RUN implementation, and a clean filesystem for the next build.
    match &spec.cache {
        Some(cache) => args.extend([
            "--cache=true".to_string(),
            format!("--cache-repo={}", cache.repository),
        ]),
        None => args.push("--cache=false".to_string()),
    }
    args.extend(["--use-new-run", "--cleanup"].map(String::from));
    // Kaniko builds in its own root filesystem and wipes it between stages and
    // at --cleanup; the job folder (source, digest file) must survive that and
    // never end up in a layer.
    args.push(format!("--ignore-path={}", spec.work_dir.display()));
    if spec.insecure {
        args.push(format!("--insecure-registry={}", spec.registry_host));
    }
    for host in &spec.pull_insecure {
        args.push(format!("--insecure-registry={host}"));
    }
    vec![CommandLine {
        step: Step::BuildAndPush,
        program: EXECUTOR.to_string(),
        args,
    }]
}
