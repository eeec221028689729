use super::*;
use crate::registry::{Descriptor, ImagePlatform, OCI_INDEX, OCI_MANIFEST};

fn platform(arch: &str) -> Platform {
    Platform::from_arch(arch).expect("known arch")
}

/// An index as monoarch writes it, for `project` at `revision`, with images for `archs`.
fn index(project: &str, revision: &str, created: &str, archs: &[&str]) -> TagNow {
    let raw = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [],
        "annotations": {
            ANNOTATION_PROJECT: project,
            REVISION: revision,
            CREATED: created,
        },
    });
    TagNow::Other(Ok(FetchedManifest {
        digest: format!("sha256:{revision}"),
        media_type: OCI_INDEX.into(),
        size: 1,
        raw: serde_json::to_vec(&raw).expect("json"),
        platform: None,
        children: archs
            .iter()
            .map(|arch| Descriptor {
                media_type: OCI_MANIFEST.into(),
                digest: format!("sha256:{arch}"),
                size: 1,
                platform: Some(ImagePlatform {
                    os: "linux".into(),
                    architecture: (*arch).into(),
                    variant: None,
                }),
                annotations: None,
            })
            .collect(),
    }))
}

/// Commits `a` < `b` < `c` on one line of history; `x` unrelated.
struct Line;

impl Lineage for Line {
    fn compare(&self, ours: &str, theirs: &str) -> Option<Ordering> {
        let rank = |c: &str| ["a", "b", "c"].iter().position(|r| *r == c);
        Some(rank(theirs)?.cmp(&rank(ours)?))
    }
}

const BOTH: &[&str] = &["amd64", "arm64"];

fn decide_as(role: Role, revision: &str, created: &str, archs: &[&str], now: &TagNow) -> Move {
    let platforms: Vec<Platform> = archs.iter().map(|a| platform(a)).collect();
    let planned: Vec<Platform> = BOTH.iter().map(|a| platform(a)).collect();
    let ours = Ours {
        project: "app",
        revision,
        created,
        platforms: &platforms,
        planned: &planned,
    };
    decide(role, &ours, now, ExistingTag::Overwrite, &Line)
}

const T1: &str = "2026-11-20T10:00:00Z";
const T2: &str = "2026-11-20T11:00:00Z";

#[test]
fn absent_and_same_tags() {
    assert_eq!(
        decide_as(Role::Moving, "b", T1, BOTH, &TagNow::Absent),
        Move::Set
    );
    assert_eq!(
        decide_as(Role::Moving, "b", T1, BOTH, &TagNow::Same),
        Move::Unchanged
    );
    assert!(Move::Set.writes() && !Move::Unchanged.writes());
}

#[test]
fn a_moving_tag_never_moves_back_to_an_older_commit() {
    // History decides, whatever the clocks say.
    let newer = index("app", "c", T1, BOTH);
    assert_eq!(
        decide_as(Role::Moving, "b", T2, BOTH, &newer),
        Move::KeptNewer {
            digest: "sha256:c".into(),
            revision: Some("c".into())
        }
    );
    let older = index("app", "a", T2, BOTH);
    assert_eq!(
        decide_as(Role::Moving, "b", T1, BOTH, &older),
        Move::Replaced {
            old: "sha256:a".into()
        }
    );
    // Unrelated commits (or not in this clone): the plan times decide.
    let later = index("app", "x", T2, BOTH);
    assert!(matches!(
        decide_as(Role::Moving, "b", T1, BOTH, &later),
        Move::KeptNewer { .. }
    ));
    let earlier = index("app", "x", T1, BOTH);
    assert!(decide_as(Role::Moving, "b", T2, BOTH, &earlier).writes());
    // The same commit, planned again later: the later run wins.
    let rerun = index("app", "b", T2, BOTH);
    assert!(matches!(
        decide_as(Role::Moving, "b", T1, BOTH, &rerun),
        Move::KeptNewer { .. }
    ));
}

#[test]
fn an_index_without_monoarch_annotations_is_moved() {
    let foreign = TagNow::Other(Err("sha256:old".into()));
    assert_eq!(
        decide_as(Role::Moving, "b", T1, BOTH, &foreign),
        Move::Replaced {
            old: "sha256:old".into()
        }
    );
}

#[test]
fn another_projects_index_is_never_taken_over() {
    let other = index("web", "a", T1, BOTH);
    assert_eq!(
        decide_as(Role::Moving, "b", T2, BOTH, &other),
        Move::Foreign {
            digest: "sha256:a".into(),
            project: "web".into()
        }
    );
}

#[test]
fn a_partial_rerun_keeps_the_complete_date_sha_index() {
    let complete = index("app", "b", T1, BOTH);
    assert_eq!(
        decide_as(Role::DateSha, "b", T2, &["amd64"], &complete),
        Move::KeptComplete {
            digest: "sha256:b".into(),
            platforms: 2
        }
    );
    // A complete rerun replaces a partial one; so does a partial with more.
    let partial = index("app", "b", T1, &["amd64"]);
    assert!(decide_as(Role::DateSha, "b", T2, BOTH, &partial).writes());
}

#[test]
fn the_date_sha_policy_decides_a_same_day_rerun() {
    let earlier = index("app", "b", T1, BOTH);
    assert_eq!(
        decide_as(Role::DateSha, "b", T2, BOTH, &earlier),
        Move::Replaced {
            old: "sha256:b".into()
        }
    );
    let platforms = [platform("amd64"), platform("arm64")];
    let ours = Ours {
        project: "app",
        revision: "b",
        created: T2,
        platforms: &platforms,
        planned: &platforms,
    };
    assert_eq!(
        decide(
            Role::DateSha,
            &ours,
            &earlier,
            ExistingTag::Fail,
            &NoHistory
        ),
        Move::Refused {
            old: "sha256:b".into()
        }
    );
    // The policy is about the date-sha tag only.
    assert!(decide(Role::Moving, &ours, &earlier, ExistingTag::Fail, &NoHistory).writes());
}
