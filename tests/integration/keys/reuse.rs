//! A pipeline, then the next plan: identical jobs reused, `manifest` only
//! retags; a moved base changes exactly the keys of the projects built on it.

use super::{REPOSITORY, Scene, keys};
use crate::support::skopeo;

fn arch_ref(s: &Scene, tag: &str) -> String {
    format!("{}/{REPOSITORY}:{tag}", s.host)
}

/// Blob uploads the registry has seen (a copied layer would be one).
fn blob_uploads(s: &Scene) -> usize {
    s.world
        .registry()
        .requests("POST")
        .iter()
        .filter(|r| r.contains("/blobs/uploads"))
        .count()
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
fn a_second_plan_after_a_pipeline_reuses_every_job_and_manifest_only_retags() {
    let s = Scene::new("");
    let (base_amd64, _) = s.push_base("1", "first");
    s.project("app", &s.base("1"), "additional_tags:\n  - latest\n");
    s.project("solo", "scratch", "{}\n");
    s.repo.commit("projects");
    let first = s.pipeline();

    // What was built carries its key, and buildah's record of its base.
    let app = first.project("app").expect("app planned");
    let amd64 = app.job("amd64").expect("amd64 job");
    let built = skopeo::raw_manifest(&arch_ref(&s, &amd64.tag));
    let annotations = &built["annotations"];
    assert_eq!(
        annotations["io.monoarch.key"].as_str(),
        amd64.key.as_deref()
    );
    assert_eq!(
        annotations["org.opencontainers.image.base.digest"].as_str(),
        Some(base_amd64.as_str())
    );
    assert_eq!(
        annotations["org.opencontainers.image.base.name"].as_str(),
        Some(s.base("1").as_str())
    );

    s.touch("a commit outside every project");
    let (second, run) = s.plan(&[]);
    assert!(
        run.stderr
            .contains("reuse: 4 of 4 job(s) reused, 0 to build"),
        "{}",
        run.stderr
    );
    assert_eq!(
        keys(&first),
        keys(&second),
        "nothing that builds an image moved"
    );
    for (old, new) in first.projects.iter().zip(&second.projects) {
        for (old_job, new_job) in old.jobs.iter().zip(&new.jobs) {
            let reuse = new_job.reuse.as_ref().expect("every job is reused");
            assert_eq!(
                reuse.digest,
                skopeo::manifest_digest(&arch_ref(&s, &old_job.tag))
            );
            assert_eq!(
                new_job.why.as_deref(),
                Some(format!("reused: same key as {}", old.primary_tag()).as_str())
            );
            assert_ne!(old_job.tag, new_job.tag, "a new commit, new tags");
        }
    }

    // No job to build, yet the projects still need their manifest job.
    let outputs = s.repo.join("github-output");
    s.monoarch()
        .args(["matrix", "--format", "github", "--plan", "plan.json"])
        .env("GITHUB_OUTPUT", &outputs)
        .run()
        .success();
    let written = std::fs::read_to_string(&outputs).expect("outputs");
    for line in [
        "matrix={\"include\":[]}",
        "has_jobs=false",
        "has_projects=true",
        "job_count=0",
    ] {
        assert!(written.lines().any(|l| l == line), "{line} in {written}");
    }

    let uploads = blob_uploads(&s);
    let run = s.manifest().success();
    assert_eq!(blob_uploads(&s), uploads, "reuse copies no blob");
    let puts = s.world.registry().requests("PUT");
    for (old, new) in first.projects.iter().zip(&second.projects) {
        for (old_job, new_job) in old.jobs.iter().zip(&new.jobs) {
            assert!(
                puts.iter()
                    .any(|p| p.contains(&format!("/manifests/{} ", new_job.tag))),
                "the arch tag {} was put: {puts:?}",
                new_job.tag
            );
            assert_eq!(
                skopeo::manifest_digest(&arch_ref(&s, &new_job.tag)),
                skopeo::manifest_digest(&arch_ref(&s, &old_job.tag)),
                "{} is the image built for {}",
                new_job.tag,
                old_job.tag
            );
        }
        let index = skopeo::raw_manifest(&arch_ref(&s, new.primary_tag()));
        let old_index = skopeo::raw_manifest(&arch_ref(&s, old.primary_tag()));
        assert_eq!(index["manifests"], old_index["manifests"], "{}", run.stdout);
        let last = new.last_tag.as_deref().expect("reuse on: a last tag");
        assert_eq!(
            skopeo::manifest_digest(&arch_ref(&s, last)),
            skopeo::manifest_digest(&arch_ref(&s, new.primary_tag())),
            "{last} follows the newest index"
        );
    }

    // --rebuild: keys are still made, nothing is reused.
    let (rebuilt, _) = s.plan(&["--rebuild"]);
    assert_eq!(keys(&rebuilt), keys(&first));
    for job in rebuilt.projects.iter().flat_map(|p| &p.jobs) {
        assert!(job.reuse.is_none());
        assert_eq!(job.why.as_deref(), Some("built: --rebuild"));
    }
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
fn moving_a_base_tag_changes_exactly_the_keys_of_the_projects_built_on_it() {
    let s = Scene::new("");
    let (old_amd64, old_arm64) = s.push_base("1", "first");
    s.push_base("2", "other base");
    s.project("app", &s.base("1"), "{}\n");
    s.project("other", &s.base("2"), "{}\n");
    s.project("solo", "scratch", "{}\n");
    s.repo.commit("projects");
    let first = s.pipeline();

    let (new_amd64, new_arm64) = s.push_base("1", "patched");
    s.touch("the weekly run");
    let (second, _) = s.plan(&[]);
    let changed: Vec<(String, String)> = keys(&first)
        .into_iter()
        .zip(keys(&second))
        .filter(|(a, b)| a != b)
        .map(|(a, _)| (a.0, a.1))
        .collect();
    assert_eq!(
        changed,
        vec![
            ("app".to_string(), "amd64".to_string()),
            ("app".to_string(), "arm64".to_string())
        ]
    );
    let app = second.project("app").expect("app");
    for (job, from, to) in [
        (app.job("amd64"), &old_amd64, &new_amd64),
        (app.job("arm64"), &old_arm64, &new_arm64),
    ] {
        let job = job.expect("job");
        assert!(job.reuse.is_none(), "built again");
        assert_eq!(job.moved.len(), 1);
        assert_eq!((&job.moved[0].from, &job.moved[0].to), (from, to));
    }
    for name in ["other", "solo"] {
        let project = second.project(name).expect("planned");
        assert!(
            project.jobs.iter().all(|j| j.reuse.is_some()),
            "{name} reused"
        );
    }
    let sha7 = &second.sha7;
    let first_sha7 = &first.sha7;
    insta::assert_snapshot!(
        s.preview(&[])
            .replace(sha7.as_str(), "SHA7")
            .replace(first_sha7.as_str(), "OLDSHA7")
    );
}
