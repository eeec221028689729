//! Snapshot tests of every backend's command lines (Kaniko and BuildKit are not
//! installable on the test machine, so these are their tests).

use std::path::PathBuf;

use super::run::shell_line;

use super::*;

fn spec(insecure: bool) -> BuildSpec {
    BuildSpec {
        context: PathBuf::from("/work/src/kaniko"),
        dockerfile: PathBuf::from("/work/src/kaniko/deploy/Dockerfile"),
        target: Some("kaniko-executor".to_string()),
        platform: Platform::parse("linux/arm64").expect("known platform"),
        image: "registry.example:5000/monoarch:kaniko-executor-20261120-abc1234-arm64".to_string(),
        registry_host: "registry.example:5000".to_string(),
        insecure,
        build_args: vec![
            CliArg::Literal {
                name: "VERSION".to_string(),
                value: "1.25.3".to_string(),
            },
            CliArg::FromEnv {
                name: "NPM_TOKEN".to_string(),
            },
        ],
        digest_file: PathBuf::from("/work/out/digest"),
        work_dir: PathBuf::from("/work/out"),
        auth_file: None,
        push_to: None,
        annotations: Vec::new(),
        pull_insecure: Vec::new(),
        cache: None,
        pull_always: false,
    }
}

/// A keyed build with the layer cache on and a base on a plain-HTTP host.
fn keyed_spec() -> BuildSpec {
    let mut s = spec(false);
    s.annotations = vec![
        ("io.monoarch.key".to_string(), "sha256:0123".to_string()),
        (
            "io.monoarch.key.inputs".to_string(),
            r#"{"v":1,"platform":"linux/arm64"}"#.to_string(),
        ),
    ];
    s.pull_insecure = vec!["127.0.0.1:5001".to_string()];
    s.pull_always = true;
    s.cache = Some(Cache {
        repository: "registry.example:5000/monoarch/cache".to_string(),
        tag: "kaniko-executor-arm64".to_string(),
        remote: true,
    });
    s
}

#[test]
fn keyed_and_cached_command_lines() {
    let all = [
        BuilderKind::Kaniko,
        BuilderKind::Buildah,
        BuilderKind::Buildkit,
    ]
    .map(|kind| lines(kind, &keyed_spec()))
    .join("\n");
    insta::assert_snapshot!(all);
}

#[test]
fn buildah_cache_support_follows_its_version() {
    assert!(buildah::supports_remote_cache(
        "buildah version 1.28.2 (image-spec 1.1.0-rc2, runtime-spec 1.0.2-dev)"
    ));
    assert!(buildah::supports_remote_cache("buildah version 1.33.7"));
    assert!(buildah::supports_remote_cache("buildah version 2.0.0"));
    assert!(!buildah::supports_remote_cache("buildah version 1.26.1"));
    assert!(!buildah::supports_remote_cache("garbage"));
}

fn lines(kind: BuilderKind, spec: &BuildSpec) -> String {
    kind.commands(spec)
        .iter()
        .map(|c| format!("[{}] {}", c.step.name(), shell_line(c)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn kaniko_command_line() {
    insta::assert_snapshot!(lines(BuilderKind::Kaniko, &spec(false)));
}

#[test]
fn kaniko_command_line_insecure_registry() {
    insta::assert_snapshot!(lines(BuilderKind::Kaniko, &spec(true)));
}

#[test]
fn buildah_command_lines() {
    insta::assert_snapshot!(lines(BuilderKind::Buildah, &spec(false)));
}

#[test]
fn buildah_command_lines_insecure_registry() {
    insta::assert_snapshot!(lines(BuilderKind::Buildah, &spec(true)));
}

#[test]
fn buildah_command_lines_with_an_auth_file() {
    let mut s = spec(false);
    s.auth_file = Some(PathBuf::from("/work/out/auth/config.json"));
    insta::assert_snapshot!(lines(BuilderKind::Buildah, &s));
}

#[test]
fn buildkit_command_line() {
    insta::assert_snapshot!(lines(BuilderKind::Buildkit, &spec(false)));
}

#[test]
fn buildkit_command_line_insecure_registry() {
    insta::assert_snapshot!(lines(BuilderKind::Buildkit, &spec(true)));
}

#[test]
fn no_target_means_no_target_flag() {
    let mut s = spec(false);
    s.target = None;
    for kind in [
        BuilderKind::Kaniko,
        BuilderKind::Buildah,
        BuilderKind::Buildkit,
    ] {
        for c in kind.commands(&s) {
            assert!(
                !c.args.iter().any(|a| a.starts_with("--target")),
                "{kind:?}"
            );
        }
    }
}

#[test]
fn env_args_carry_no_value_on_the_command_line() {
    let env = Env::from_pairs([("NPM_TOKEN_SECRET", "s3cr3t-value"), ("PATH", "/bin")]);
    let args = vec![
        BuildArg::Value {
            name: "VERSION".into(),
            value: "1".into(),
        },
        BuildArg::FromEnv {
            name: "NPM_TOKEN".into(),
            from_env: "NPM_TOKEN_SECRET".into(),
            secret: true,
            key: None,
        },
    ];
    let resolved = resolve_args("p", &args, &env).expect("resolves");
    assert_eq!(
        resolved.child_env,
        vec![("NPM_TOKEN".to_string(), "s3cr3t-value".to_string())]
    );
    assert_eq!(resolved.secrets, vec!["s3cr3t-value".to_string()]);
    let mut s = spec(false);
    s.build_args = resolved.cli;
    for kind in [
        BuilderKind::Kaniko,
        BuilderKind::Buildah,
        BuilderKind::Buildkit,
    ] {
        for c in kind.commands(&s) {
            assert!(!shell_line(&c).contains("s3cr3t"), "{kind:?}");
        }
    }
}

#[test]
fn missing_env_for_an_arg_names_arg_and_variable() {
    let args = vec![BuildArg::FromEnv {
        name: "NPM_TOKEN".into(),
        from_env: "NPM_TOKEN_SECRET".into(),
        secret: true,
        key: None,
    }];
    let err = resolve_args("web", &args, &Env::default()).expect_err("unset");
    assert_eq!(
        err.to_string(),
        "web: build arg NPM_TOKEN takes its value from $NPM_TOKEN_SECRET, which is not set; set it in the job's environment (e.g. from a CI secret)"
    );
}

#[test]
fn digests_are_read_per_backend() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = spec(false);
    s.digest_file = dir.path().join("digest");
    let digest = format!("sha256:{}", "ab".repeat(32));
    std::fs::write(&s.digest_file, format!("{digest}\n")).expect("write");
    assert_eq!(
        BuilderKind::Buildah.read_digest(&s).expect("digest"),
        digest
    );
    assert_eq!(BuilderKind::Kaniko.read_digest(&s).expect("digest"), digest);
    std::fs::write(
        &s.digest_file,
        format!(r#"{{"buildx.build.ref":"x","containerimage.digest":"{digest}"}}"#),
    )
    .expect("write");
    assert_eq!(
        BuilderKind::Buildkit.read_digest(&s).expect("digest"),
        digest
    );
    std::fs::write(&s.digest_file, "garbage").expect("write");
    assert!(BuilderKind::Buildah.read_digest(&s).is_err());
}
