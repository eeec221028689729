use serde_json::json;

use super::*;
use crate::contract::{Chunk, parse_plan, to_json};

/// A sound plan of `n` projects `p0`, `p1`, ... with one amd64 job each.
fn plan(n: usize) -> Plan {
    let projects: Vec<_> = (0..n)
        .map(|i| {
            json!({
                "name": format!("p{i}"), "path": format!("projects/p{i}"), "reasons": [],
                "dockerfile": "Dockerfile", "context": ".", "repository": "monoarch",
                "tags": [format!("p{i}-20261120-abc1234")],
                "jobs": [{"platform": "linux/amd64", "arch": "amd64", "github_runner": "ubuntu-24.04",
                          "gitlab_tags": [], "tag": format!("p{i}-20261120-abc1234-amd64")}],
            })
        })
        .collect();
    serde_json::from_value(json!({
        "format_version": 1, "generator": "test", "created": "2026-11-20T00:00:00Z",
        "date": "20261120", "commit": format!("abc1234{}", "0".repeat(33)), "sha7": "abc1234",
        "selection": {"trigger": "local", "mode": "all", "reason": "all"},
        "registry": {"host": "r.example", "naming": "single-repository"},
        "projects": projects,
    }))
    .expect("a plan")
}

fn names(share: &PlanShare) -> Vec<&str> {
    share
        .plan
        .projects
        .iter()
        .map(|p| p.name.as_str())
        .collect()
}

fn error(text: &str, share: Share) -> String {
    parse_plan_share(text, "plan.json", share)
        .expect_err("refused")
        .to_string()
}

#[test]
fn a_share_is_the_plan_with_only_its_projects() {
    let text = to_json(&plan(5));
    let whole = parse_plan(&text, "plan.json").expect("sound");
    let all = parse_plan_share(
        &text,
        "plan.json",
        Share::Chunk(Chunk { index: 1, count: 1 }, None),
    )
    .expect("sound");
    assert_eq!(all.plan, whole);
    let second = Share::Chunk(Chunk { index: 2, count: 2 }, None);
    let share = parse_plan_share(&text, "plan.json", second).expect("sound");
    assert_eq!((names(&share), share.names.len()), (vec!["p3", "p4"], 5));
    assert_eq!(share.plan.projects[..], whole.projects[3..]);
    let wanted = ["p4".to_string(), "p1".to_string(), "nope".to_string()];
    let share = parse_plan_share(&text, "plan.json", Share::Named(&wanted)).expect("sound");
    assert_eq!(
        names(&share),
        ["p1", "p4"],
        "plan order; a missing name is left out"
    );
    assert_eq!(share.plan.date, whole.date);
}

#[test]
fn a_shared_project_fails_with_the_whole_reads_message_line_and_column() {
    let mut hostile = plan(3);
    hostile.projects[2].path = "../../etc".into();
    let text = to_json(&hostile);
    let whole = parse_plan(&text, "plan.json")
        .expect_err("refused")
        .to_string();
    let named = ["p2".to_string()];
    assert_eq!(error(&text, Share::Named(&named)), whole);
    assert!(
        whole.contains("projects[2].path: `../../etc` leaves"),
        "{whole}"
    );

    // A wrong shape deep in the file: the same line and column as the whole read.
    let text = to_json(&plan(3)).replacen("\"p2-20261120-abc1234\"", "7", 1);
    let whole = parse_plan(&text, "plan.json")
        .expect_err("refused")
        .to_string();
    assert_eq!(error(&text, Share::Named(&named)), whole);
    assert!(whole.contains("(line "), "{whole}");
    // Broken JSON anywhere, shared or not, is refused (serde_json skipping a value
    // stops at the line break in the string, its typed read just after it).
    let text = to_json(&plan(3)).replacen("\"p0\"", "\"p0", 1);
    assert!(
        error(&text, Share::Named(&named))
            .starts_with("plan.json is not a valid plan (line 19, column 18): control character"),
        "{}",
        error(&text, Share::Named(&named))
    );
    let text = to_json(&plan(3)).replacen("\"format_version\": 1", "\"format_version\": 2", 1);
    assert!(error(&text, Share::Named(&named)).contains("has plan format version 2"));
}

#[test]
fn checks_across_projects_still_see_the_projects_not_shared() {
    let mut twice = plan(3);
    twice.projects[2].name = "p0".into();
    let text = to_json(&twice);
    let chunk = Share::Chunk(Chunk { index: 2, count: 3 }, None);
    assert!(
        error(&text, chunk).starts_with("plan.json: projects[2].name: `p0` is listed twice"),
        "{}",
        error(&text, chunk)
    );
    // A base the plan rebuilds must be on a lower level, wherever it is listed.
    let mut based = plan(2);
    based.projects[1].bases.push(
        serde_json::from_value(json!({"project": "p0", "arg": "MONOARCH_BASE_P0",
            "repository": "monoarch", "tag": "p0-20261120-abc1234", "rebuilt": true}))
        .expect("a base"),
    );
    let named = ["p1".to_string()];
    let message = error(&to_json(&based), Share::Named(&named));
    assert!(message.contains("projects[1].bases[0].project: `p0` is marked rebuilt but is not in the plan on a lower level than `p1`"), "{message}");
    based.projects[1].level = 1;
    parse_plan_share(&to_json(&based), "plan.json", Share::Named(&named)).expect("sound");
}

#[test]
fn a_tag_a_shared_project_and_another_publish_is_refused_as_by_the_whole_read() {
    let mut twice = plan(4);
    // p3's arch image takes the tag of p1's.
    twice.projects[3].jobs[0].tag = "p1-20261120-abc1234-amd64".into();
    let text = to_json(&twice);
    let whole = parse_plan(&text, "plan.json")
        .expect_err("refused")
        .to_string();
    assert!(whole.contains("projects: `monoarch:p1-20261120-abc1234-amd64` is published by `p1` and by `p3`; a tag may name one image only"), "{whole}");
    for share in [["p1".to_string()], ["p3".to_string()]] {
        assert_eq!(error(&text, Share::Named(&share)), whole);
    }
    // Chunk 2/2 runs p2 and p3; p0 has no part in it.
    assert_eq!(
        error(&text, Share::Chunk(Chunk { index: 2, count: 2 }, None)),
        whole
    );
    let neither = ["p0".to_string()];
    assert!(parse_plan_share(&text, "plan.json", Share::Named(&neither)).is_ok());
}

#[test]
fn the_projects_not_shared_are_checked_by_whoever_runs_them() {
    // The trade: a field of a project this job does not run is that job's to refuse.
    let mut hostile = plan(2);
    hostile.projects[1].path = "../../etc".into();
    let text = to_json(&hostile);
    let named = ["p0".to_string()];
    assert_eq!(
        names(&parse_plan_share(&text, "plan.json", Share::Named(&named)).expect("p0 is sound")),
        ["p0"]
    );
    let named = ["p1".to_string()];
    assert!(error(&text, Share::Named(&named)).contains("projects[1].path"));
}

#[test]
fn positions_count_lines_and_bytes_before_the_part() {
    let text = "{\n  \"a\": [1,\n  {\"x\": 7}]}";
    let part = &text[text.find("{\"x\"").expect("part")..text.len() - 2];
    assert_eq!(position_in(text, part, 1, 7), (3, 9));
    assert_eq!(position_in(text, part, 2, 4), (4, 4));
}

#[test]
fn a_level_share_is_the_projects_of_that_level_as_the_whole_plan_counts_them() {
    let mut levels = plan(5);
    for i in [1, 2, 4] {
        levels.projects[i].level = 1;
    }
    let text = to_json(&levels);
    let whole = parse_plan(&text, "plan.json").expect("sound");
    let share = parse_plan_share(&text, "plan.json", Share::Level(1)).expect("sound");
    assert_eq!(names(&share), ["p1", "p2", "p4"]);
    for chunk in Chunk::all(2) {
        let share = parse_plan_share(&text, "plan.json", Share::Chunk(chunk, Some(1)));
        let share = share.expect("sound");
        let expected: Vec<&ProjectPlan> = chunk.level_projects(&whole, 1);
        assert_eq!(share.plan.projects.iter().collect::<Vec<_>>(), expected);
        let jobs = crate::contract::jobs_of(&share.plan.projects, "amd64");
        assert_eq!(
            crate::contract::check_of(&jobs),
            chunk.level_check(&whole, 1, "amd64")
        );
    }
    let nothing = parse_plan_share(&text, "plan.json", Share::Level(7)).expect("sound");
    assert_eq!((names(&nothing).len(), nothing.names.len()), (0, 5));
}
