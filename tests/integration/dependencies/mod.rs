//! Projects built on projects (`depends_on:`): selection, levels, pinning and
//! the CI job lists, on real git repositories (and real buildah and registry in `run`).

mod ci;
mod github;
mod keys;
mod plan;
mod run;

use serde_json::Value;

use crate::support::git_repo::GitRepo;
use crate::support::monoarch::Monoarch;

/// Three levels and a diamond, plus a project on its own:
/// root <- mid <- leaf; root <- left, root <- right, top on left and right.
pub const GRAPH: &[(&str, &[&str])] = &[
    ("root", &[]),
    ("mid", &["root"]),
    ("leaf", &["mid"]),
    ("left", &["root"]),
    ("right", &["root"]),
    ("top", &["left", "right"]),
    ("solo", &[]),
];

/// `platforms` for every project (`None`: the default ones); the registry of `monoarch.yaml`.
pub fn graph_repo(registry: &str, platforms: Option<&str>) -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "monoarch.yaml",
        &format!("registry: {registry}\nrepository: images\ndependencies: true\n"),
    );
    let platforms = platforms
        .map(|p| format!("platforms: [{p}]\n"))
        .unwrap_or_default();
    for (name, bases) in GRAPH {
        let depends = if bases.is_empty() {
            String::new()
        } else {
            format!("depends_on: [{}]\n", bases.join(", "))
        };
        repo.write(
            &format!("projects/{name}/build-config.yaml"),
            &format!("additional_tags: [latest]\n{platforms}{depends}"),
        );
        repo.write(&format!("projects/{name}/{name}.txt"), &format!("{name}\n"));
        repo.write(
            &format!("projects/{name}/Dockerfile"),
            &dockerfile(name, bases),
        );
    }
    repo.commit("graph");
    repo
}

/// Each base by its build arg; the image gets one file per project on its way.
fn dockerfile(name: &str, bases: &[&str]) -> String {
    let mut text = String::new();
    for base in bases {
        let arg = arg(base);
        text.push_str(&format!("ARG {arg}\n"));
    }
    match bases {
        [] => text.push_str("FROM scratch\n"),
        [first, rest @ ..] => {
            for (i, base) in rest.iter().enumerate() {
                text.push_str(&format!("FROM ${{{}}} AS extra{i}\n", arg(base)));
            }
            text.push_str(&format!("FROM ${{{}}}\n", arg(first)));
            for i in 0..rest.len() {
                text.push_str(&format!("COPY --from=extra{i} / /\n"));
            }
        }
    }
    text.push_str(&format!("COPY {name}.txt /\n"));
    text
}

pub fn arg(project: &str) -> String {
    format!("MONOARCH_BASE_{}", project.to_uppercase().replace('-', "_"))
}

pub fn plan_json(repo: &GitRepo, args: &[&str]) -> Value {
    let run = Monoarch::new(repo.path())
        .args(["plan", "--format", "json"])
        .args(args)
        .run()
        .success();
    serde_json::from_str(&run.stdout).expect("plan JSON")
}

/// `(name, level)` of each planned project.
pub fn levels(plan: &Value) -> Vec<(String, u64)> {
    plan["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_string(),
                p["level"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}
