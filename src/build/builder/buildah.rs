//! buildah: `buildah bud` into local storage, then `buildah push` with a digest file.

use super::{BuildSpec, CommandLine, Step};

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
