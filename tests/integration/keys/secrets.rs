//! Secret build args and keys: a secret's value is never derivable from a key
//! (nor in a plan, record, annotation or log); whether a new value makes a new
//! key is the project's choice (`key: name` or `key: hmac`), and without one
//! such a job is always built.

use sha2::{Digest, Sha256};

use super::Scene;
use crate::support::plans;
use crate::support::skopeo;

const VALUES: [&str; 5] = [
    "tok-value-one",
    "tok-value-two",
    "lic-value-one",
    "lic-value-two",
    "salt-of-the-earth",
];

fn config(arch: &str, arg: &str) -> String {
    format!("platforms:\n  - linux/{arch}\nbuild_args:\n{arg}")
}

#[test]
#[cfg_attr(
    not(all(
        tool = "buildah",
        tool = "docker-registry",
        tool = "git",
        tool = "skopeo"
    )),
    ignore = "needs buildah, docker-registry, git, skopeo: run hack/install-test-deps"
)]
fn a_secret_never_shows_through_a_key_and_only_hmac_keys_follow_its_value() {
    let (arch, _) = plans::host_and_foreign_arch();
    let s = Scene::new("");
    s.project(
        "tok",
        "scratch",
        &config(
            arch,
            "  - name: TOKEN\n    from_env: CI_TOKEN\n    key: name\n",
        ),
    );
    s.project(
        "lic",
        "scratch",
        &config(
            arch,
            "  - name: LICENSE\n    from_env: CI_LICENSE\n    key: hmac\n",
        ),
    );
    s.project(
        "raw",
        "scratch",
        &config(arch, "  - name: TOKEN\n    from_env: CI_TOKEN\n"),
    );
    s.repo.commit("projects");
    let plan_with = |token: &str, license: &str| {
        let run = s
            .monoarch()
            .args(["plan", "--all", "--format", "json", "--output", "plan.json"])
            .env("CI_TOKEN", token)
            .env("CI_LICENSE", license)
            .env("MONOARCH_KEY_SALT", VALUES[4])
            .run()
            .success();
        let text = std::fs::read_to_string(s.repo.join("plan.json")).expect("plan.json");
        for secret in VALUES {
            assert!(!text.contains(secret), "{secret} in plan.json");
            assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
        }
        monoarch::contract::read_plan(&s.repo.join("plan.json")).expect("plan")
    };
    let key = |plan: &monoarch::contract::Plan, project: &str| {
        plan.project(project).and_then(|p| p.jobs[0].key.clone())
    };
    let first = plan_with(VALUES[0], VALUES[2]);
    let second = plan_with(VALUES[1], VALUES[3]);

    assert!(key(&first, "tok").is_some());
    assert_eq!(
        key(&first, "tok"),
        key(&second, "tok"),
        "key: name: the value is left out"
    );
    assert_ne!(
        key(&first, "lic"),
        key(&second, "lic"),
        "key: hmac: a new value, a new key"
    );
    let arg = &first.project("lic").expect("lic").jobs[0]
        .key_inputs
        .as_ref()
        .expect("inputs")
        .args[0];
    let hmac = arg.hmac.clone().expect("an hmac");
    assert_eq!(arg.value, None);
    assert_ne!(
        hmac,
        hex::encode(Sha256::digest(VALUES[2])),
        "not a plain hash of the value"
    );
    let raw = &first.project("raw").expect("raw").jobs[0];
    assert_eq!(raw.key, None);
    assert!(
        raw.why
            .as_deref()
            .is_some_and(|w| w.contains("secret build arg TOKEN has no `key:` setting")),
        "{:?}",
        raw.why
    );

    // Without the salt, an hmac key cannot be made: built, and the plan says why.
    let run = s
        .monoarch()
        .args(["plan", "--projects", "lic"])
        .env("CI_LICENSE", VALUES[2])
        .run()
        .success();
    assert!(
        run.stdout
            .contains("needs $CI_LICENSE and $MONOARCH_KEY_SALT"),
        "{}",
        run.stdout
    );

    // A real build with the secret: its value is in no record, annotation or line of output.
    plan_with(VALUES[0], VALUES[2]);
    let build = s
        .world
        .buildah()
        .monoarch_build(s.repo.path())
        .env("MONOARCH_INSECURE_REGISTRIES", &s.host)
        .env("CI_LICENSE", VALUES[2])
        .env("MONOARCH_KEY_SALT", VALUES[4])
        .args(["--project", "lic", "--arch", arch])
        .run()
        .success();
    let record = std::fs::read_to_string(s.repo.join(&format!("build-records/lic-{arch}.json")))
        .expect("record");
    let tag = &first.project("lic").expect("lic").jobs[0].tag;
    let image = skopeo::raw_manifest(&format!("{}/{}:{tag}", s.host, super::REPOSITORY));
    let annotations = image["annotations"].to_string();
    assert!(
        annotations.contains(&hmac),
        "the key made at build time holds the same hmac"
    );
    for secret in VALUES {
        for (what, text) in [
            ("record", &record),
            ("annotations", &annotations),
            ("stdout", &build.stdout),
            ("stderr", &build.stderr),
        ] {
            assert!(!text.contains(secret), "{secret} in the {what}");
        }
    }
}
