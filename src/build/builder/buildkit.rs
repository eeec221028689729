//! BuildKit through `docker buildx build --push`, digest from its metadata file.

use super::{BuildSpec, CommandLine, Step};

pub fn commands(spec: &BuildSpec) -> Vec<CommandLine> {
    let mut args = vec![
        "buildx".to_string(),
        "build".to_string(),
        format!("--platform={}", spec.platform),
        "-f".to_string(),
        spec.dockerfile.display().to_string(),
    ];
    if let Some(target) = &spec.target {
        args.push(format!("--target={target}"));
    }
    for arg in &spec.build_args {
        args.push("--build-arg".to_string());
        args.push(arg.flag_value());
    }
    for (key, value) in &spec.annotations {
        args.push(format!("--annotation=manifest:{key}={value}"));
        args.push(format!("--label={key}={value}"));
    }
    if spec.pull_always {
        args.push("--pull".to_string());
    }
    if let Some(cache) = &spec.cache {
        let reference = format!("{}:{}", cache.repository, cache.tag);
        args.push(format!("--cache-from=type=registry,ref={reference}"));
        args.push(format!("--cache-to=type=registry,ref={reference},mode=max"));
    }
    args.push(format!("--metadata-file={}", spec.digest_file.display()));
    if spec.insecure {
        // `--push` cannot say "plain HTTP"; the image exporter can.
        args.push(format!(
            "--output=type=image,name={},push=true,registry.insecure=true",
            spec.image
        ));
    } else {
        args.extend(["--push".to_string(), "-t".to_string(), spec.image.clone()]);
    }
    args.push(spec.context.display().to_string());
    vec![CommandLine {
        step: Step::BuildAndPush,
        program: "docker".to_string(),
        args,
    }]
}

/// `containerimage.digest` from `--metadata-file` output: the pushed manifest
/// (or, with attestations, the index) digest.
pub fn digest_from_metadata(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value
        .get("containerimage.digest")?
        .as_str()
        .map(str::to_string)
}
