//! No two projects may publish the same tag. In one shared repository,
//! project `app` with tag `web-latest` and project `app-web` with `latest`
//! both publish `app-web-latest`: whichever runs last would silently take
//! the other's tag. Here: which unselected projects to check a plan
//! against, and the message; the check itself is
//! [`crate::contract::find_collisions`].

use std::collections::{HashMap, HashSet};

use crate::config::{PROJECT_CONFIG_FILE, Problem, Problems, ProjectConfig};
use crate::contract::{Collision, NamingScheme, ProjectPlan, Source, find_collisions};

/// The names outside `selected` that could publish one of its tags: in
/// one shared repository every tag of project `q` starts with `q-`, so the
/// candidates are the names `may_be_project` accepts that end where a
/// selected tag has a `-`. The caller reads each one's config (a handful),
/// not a listing of every folder. With one repository per project there are none.
pub fn candidates(
    selected: &[ProjectPlan],
    may_be_project: impl Fn(&str) -> bool,
    naming: NamingScheme,
) -> Vec<String> {
    if naming == NamingScheme::PerProject {
        return Vec::new();
    }
    let chosen: HashSet<&str> = selected.iter().map(|p| p.name.as_str()).collect();
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for project in selected {
        let tags = project
            .tags
            .iter()
            .chain(project.jobs.iter().map(|j| &j.tag));
        for tag in tags {
            for (i, _) in tag.match_indices('-') {
                let prefix = &tag[..i];
                if !chosen.contains(prefix) && may_be_project(prefix) && seen.insert(prefix) {
                    out.push(prefix.to_string());
                }
            }
        }
    }
    out.sort();
    out
}

/// A collision as a problem at the additional tag that causes it (the
/// first side's, else the second's); `at` gives the line and column of a
/// project's additional tag.
pub fn problem(
    collision: &Collision,
    projects_dir: &str,
    at: impl Fn(&str, &str) -> Option<(u64, u64)>,
) -> Problem {
    let (blamed, other) = match (&collision.first.1, &collision.second.1) {
        (_, Source::Additional(_)) => (&collision.second, &collision.first),
        _ => (&collision.first, &collision.second),
    };
    let file = |p: &ProjectPlan| format!("{projects_dir}/{}/{PROJECT_CONFIG_FILE}", p.name);
    let describe = |(project, source): &(&ProjectPlan, Source)| match source {
        Source::Primary => format!("project `{}` (its date-sha tag)", project.name),
        Source::Arch(arch) => format!("project `{}` (its {arch} image)", project.name),
        Source::Last => format!(
            "project `{}` (its last-index tag, kept by `reuse:`)",
            project.name
        ),
        Source::Additional(written) => {
            let place = at(&project.name, written)
                .map(|(line, column)| format!(", {}:{line}:{column}", file(project)))
                .unwrap_or_default();
            format!("project `{}` (its tag `{written}`{place})", project.name)
        }
    };
    let (line, column, field) = match &blamed.1 {
        Source::Additional(written) => {
            let (line, column) = at(&blamed.0.name, written).unwrap_or((0, 0));
            (line, column, "additional_tags")
        }
        _ => (0, 0, ""),
    };
    let same = blamed.0.name == other.0.name;
    Problem {
        file: file(blamed.0).into(),
        line,
        column,
        field: field.to_string(),
        message: format!(
            "{} and {} both publish `{}`; {}",
            describe(blamed),
            describe(other),
            collision.reference,
            if same {
                "a tag may name one image only: rename the tag"
            } else {
                "no two projects may publish the same tag: rename one of the tags (or a project folder)"
            }
        ),
    }
}

/// Where each project's additional tags are written, for messages.
#[derive(Debug, Default)]
pub struct TagSpans(HashMap<(String, String), (u64, u64)>);

impl TagSpans {
    pub fn add(&mut self, config: &ProjectConfig) {
        for (tag, at) in config.additional_tags.iter().zip(&config.additional_tag_at) {
            self.0.insert((config.name.clone(), tag.clone()), *at);
        }
    }

    fn get(&self, project: &str, tag: &str) -> Option<(u64, u64)> {
        self.0.get(&(project.to_string(), tag.to_string())).copied()
    }
}

/// Every collision among `projects` that involves a project `concerns`
/// accepts, as problems.
pub fn problems(
    projects: &[&ProjectPlan],
    naming: NamingScheme,
    projects_dir: &str,
    spans: &TagSpans,
    concerns: impl Fn(&str) -> bool,
) -> Problems {
    let mut out = Problems::default();
    for collision in find_collisions(projects, naming) {
        if concerns(&collision.first.0.name) || concerns(&collision.second.0.name) {
            out.push(problem(&collision, projects_dir, |p, t| spans.get(p, t)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{JobPlan, Platform};

    fn project(name: &str, tags: &[&str]) -> ProjectPlan {
        let platform = Platform::parse("linux/amd64").expect("known");
        let primary = format!("{name}-20261120-abc1234");
        let mut all = vec![primary.clone()];
        all.extend(tags.iter().map(|t| format!("{name}-{t}")));
        ProjectPlan {
            name: name.into(),
            path: format!("projects/{name}"),
            reasons: vec![],
            upstream: None,
            dockerfile: "Dockerfile".into(),
            context: ".".into(),
            target: None,
            build_args: vec![],
            repository: "images".into(),
            tags: all,
            jobs: vec![JobPlan {
                platform,
                arch: "amd64".into(),
                github_runner: String::new(),
                gitlab_tags: vec![],
                tag: format!("{primary}-amd64"),
                key: None,
                key_inputs: None,
                reuse: None,
                why: None,
                moved: vec![],
            }],
            last_tag: None,
            cache: None,
            bases: Vec::new(),
            level: 0,
        }
    }

    #[test]
    fn the_last_index_tag_of_reuse_collides_like_any_other() {
        let mut app = project("app", &[]);
        app.last_tag = Some("app-monoarch-last".into());
        let other = project("app-monoarch", &["last"]);
        let found = find_collisions(&[&app, &other], NamingScheme::SingleRepository);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reference, "images:app-monoarch-last");
        let problem = problem(&found[0], "projects", |_, _| Some((2, 5)));
        assert!(
            problem
                .message
                .contains("project `app` (its last-index tag, kept by `reuse:`)"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn a_prefix_project_and_a_dashed_tag_collide() {
        let app = project("app", &["web-latest"]);
        let web = project("app-web", &["latest"]);
        let other = project("other", &["latest"]);
        let found = find_collisions(&[&app, &web, &other], NamingScheme::SingleRepository);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reference, "images:app-web-latest");
        let problem = problem(&found[0], "projects", |_, _| Some((2, 5)));
        assert_eq!(
            problem.to_string(),
            "projects/app-web/build-config.yaml:2:5: additional_tags: project `app-web` (its tag `latest`, projects/app-web/build-config.yaml:2:5) and project `app` (its tag `web-latest`, projects/app/build-config.yaml:2:5) both publish `images:app-web-latest`; no two projects may publish the same tag: rename one of the tags (or a project folder)"
        );
    }

    #[test]
    fn candidates_are_names_ending_at_a_dash() {
        let app = project("app", &["web-latest"]);
        let all: Vec<String> = ["app", "app-web", "ap", "web"].map(String::from).into();
        assert_eq!(
            candidates(
                std::slice::from_ref(&app),
                |name| all.iter().any(|n| n == name),
                NamingScheme::SingleRepository
            ),
            ["app-web"]
        );
        let any = |_: &str| true;
        assert_eq!(
            candidates(
                std::slice::from_ref(&app),
                any,
                NamingScheme::SingleRepository
            ),
            ["app-20261120", "app-20261120-abc1234", "app-web"].map(String::from),
            "every dash of every tag, deduplicated, sorted, the selected project left out"
        );
        assert!(candidates(&[app], any, NamingScheme::PerProject).is_empty());
    }
}
