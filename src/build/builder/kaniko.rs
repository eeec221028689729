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
    args.push(format!("--digest-file={}", spec.digest_file.display()));
    // The defaults of the pipelines this replaces: no layer cache, the faster
    // RUN implementation, and a clean filesystem for the next build.
    args.extend(["--cache=false", "--use-new-run", "--cleanup"].map(String::from));
    // Kaniko builds in its own root filesystem and wipes it between stages and
    // at --cleanup; the job folder (source, digest file) must survive that and
    // never end up in a layer.
    args.push(format!("--ignore-path={}", spec.work_dir.display()));
    if spec.insecure {
        args.push(format!("--insecure-registry={}", spec.registry_host));
    }
    vec![CommandLine {
        step: Step::BuildAndPush,
        program: EXECUTOR.to_string(),
        args,
    }]
}
