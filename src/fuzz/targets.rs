//! One test per parser; each says what it feeds the parser and which
//! messages it checks.

use std::path::Path;

use super::fuzz;
use crate::config::{Problems, RepoConfig, build_set, parse_glob, parse_project};
use crate::contract::{Chunk, Share, parse_plan, parse_plan_share, to_json};
use crate::detect::{match_patterns, parse_payload, parse_schedule};
use crate::dockerfile::{Known, needs_execution, pulled_images};
use crate::env::Env;

const YAML: &[&str] = &[
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!!binary ",
    "!tag ",
    "---\n",
    "...\n",
    "<<: ",
    "~",
    "null",
    "\"\\u0000\"",
    "'",
    "|\n  ",
    ">-\n  ",
    "# ",
    "\t",
    "0x1F",
    ".inf",
    "\u{feff}",
    "yes",
    "\r\n",
];

const PROJECT_KEYS: &[&str] = &[
    "upstream_repo: ",
    "upstream_ref: ",
    "dockerfile_path: ",
    "target: ",
    "context_path: ",
    "build_args:\n  - ",
    "platforms: [",
    "additional_tags: [",
    "name: ",
    "value: ",
    "from_env: ",
    "secret: ",
    "linux/arm/v7",
    "../",
    "{a,{b,c}}",
    "file:///",
    "git@h:o/r",
];

const REPO_KEYS: &[&str] = &[
    "registry: ",
    "repository: ",
    "naming: per-project",
    "projects_dir: ",
    "schedule_file: ",
    "ignore:\n  - ",
    "rebuild_all: [",
    "platforms: [",
    "runners:\n  arm64:\n    github: ",
    "gitlab_tags: [",
    "tekton:\n  ",
    "node_selector: {",
    "tolerations:\n  - ",
    "publish:\n  ",
    "branches: [",
    "elsewhere: ",
    "gitlab:\n  ",
    "${REGISTRY}",
    "https://",
    "{{{{{{{{{",
];

/// Every problem as its own line, for the cleanliness check.
fn lines(problems: &Problems) -> Vec<String> {
    problems.0.iter().map(|p| p.to_string()).collect()
}

fn repo_config() -> RepoConfig {
    RepoConfig::parse("", Path::new("/repo"), &Env::default()).expect("defaults are valid")
}

#[test]
fn fuzz_build_config() {
    let repo = repo_config();
    let dictionary = [YAML, PROJECT_KEYS].concat();
    fuzz("build-config", &dictionary, |text| {
        // What the line reader accepts, it reads as serde_saphyr does (else it panics here).
        crate::config::project_lines_agree(text);
        match parse_project("app", "projects/app", "build-config.yaml", text, &repo) {
            Ok(_) => Vec::new(),
            Err(problems) => lines(&problems),
        }
    });
}

#[test]
fn fuzz_monoarch_yaml() {
    let dictionary = [YAML, REPO_KEYS].concat();
    let env = Env::from_pairs([("REGISTRY", "ghcr.io")]);
    fuzz(
        "monoarch-yaml",
        &dictionary,
        |text| match RepoConfig::parse(text, Path::new("/repo"), &env) {
            Ok(_) => Vec::new(),
            Err(problems) => lines(&problems),
        },
    );
}

#[test]
fn fuzz_schedule_and_globs() {
    let projects: Vec<String> = ["alpha", "beta", "kaniko-executor", "a.b_c", "x"]
        .map(String::from)
        .into();
    let dictionary = [
        "*", "**", "?", "[!a]", "[]]", "{", "}", ",", "\\", "#", "\n", "{a,{b,",
    ];
    fuzz("schedule", &dictionary, |text| {
        let mut messages = match match_patterns(&parse_schedule(text), &projects, "sched") {
            Ok(_) => Vec::new(),
            Err(problems) => lines(&problems),
        };
        // Every line as a path glob too, as `ignore` and `rebuild_all` use them.
        let globs: Vec<_> = text.lines().filter_map(|l| parse_glob(l).ok()).collect();
        if let Err(faults) = build_set(&globs) {
            messages.extend(faults.into_iter().map(|(_, why)| why));
        }
        messages
    });
}

#[test]
fn fuzz_plan_json() {
    let dictionary = [
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "null",
        "true",
        "1e999",
        "-0",
        "\"../x\"",
        "\"\\n\"",
        "\"\\u0000\"",
        "\"format_version\": 1",
        "\"name\": ",
        "\"tags\": [",
        "\"jobs\": [",
        "\"platform\": \"linux/arm64\"",
        "\"arch\": \"arm64\"",
        "\"upstream\": {",
        "\"ref\": ",
    ];
    fuzz("plan", &dictionary, |text| {
        // A job's share of every project (chunk 1/1) accepts exactly what the whole read does.
        let everything = Share::Chunk(Chunk { index: 1, count: 1 }, None);
        let share = parse_plan_share(text, "plan.json", everything);
        match parse_plan(text, "plan.json") {
            // What a stage accepts, it writes back the same way and accepts again.
            Ok(plan) => {
                let again =
                    parse_plan(&to_json(&plan), "plan.json").expect("a valid plan round-trips");
                assert_eq!(again, plan);
                assert_eq!(share.expect("the share reads a valid plan").plan, plan);
                Vec::new()
            }
            Err(e) => {
                assert!(
                    share.is_err(),
                    "the share accepts what the whole read refuses: {e}"
                );
                e.to_string().lines().map(str::to_string).collect()
            }
        }
    });
}

#[test]
fn fuzz_github_event() {
    let dictionary = [
        "{",
        "}",
        "\"before\": ",
        "\"pull_request\": {\"base\": {\"sha\": ",
        "\"merge_group\": {",
        "\"repository\": {\"default_branch\": ",
        "null",
        "\"0000000000000000000000000000000000000000\"",
    ];
    fuzz("event", &dictionary, |text| {
        match parse_payload(text, "event.json") {
            Ok(_) => Vec::new(),
            Err(problems) => lines(&problems),
        }
    });
}

#[test]
fn fuzz_dockerfile() {
    let dictionary = [
        "FROM ",
        " AS ",
        "RUN ",
        "COPY --from=",
        "RUN --mount=type=cache,from=",
        "\\\n",
        "# syntax=",
        "ARG ",
        "${",
        ":-",
        ":+",
        "$TARGETARCH",
        "--platform=$BUILDPLATFORM ",
        "scratch",
        "0",
        "\n",
    ];
    let platform = crate::contract::Platform::parse("linux/arm64").expect("known");
    let args = std::collections::BTreeMap::from([("A".to_string(), "x".to_string())]);
    let unknown = vec!["S".to_string()];
    let known = Known {
        args: &args,
        unknown: &unknown,
        target: platform,
        build: platform,
    };
    fuzz("dockerfile", &dictionary, |text| {
        needs_execution(text, None);
        needs_execution(text, Some("build"));
        // The images a build pulls: an answer or a reason, never a panic.
        let _ = pulled_images(text, None, &known);
        let _ = pulled_images(text, Some("build"), &known);
        Vec::new()
    });
}
