//! What a plan publishes: every `repository:tag` of every project, and the
//! tags published twice (found with one hash map, linear in the tags).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::plan::{NamingScheme, ProjectPlan};

/// Where a published tag comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The date-sha tag of the index.
    Primary,
    /// An additional tag, as written in `build-config.yaml`.
    Additional(String),
    /// The single-architecture image of one job.
    Arch(String),
    /// The tag of the project's last published index (reuse on).
    Last,
}

/// Two publications of one `repository:tag`.
#[derive(Debug, Clone)]
pub struct Collision<'p> {
    pub reference: String,
    pub first: (&'p ProjectPlan, Source),
    pub second: (&'p ProjectPlan, Source),
}

/// Every `(repository, tag, source)` a project publishes.
fn published(
    project: &ProjectPlan,
    naming: NamingScheme,
) -> impl Iterator<Item = (&str, &str, Source)> {
    let prefix = match naming {
        NamingScheme::SingleRepository => format!("{}-", project.name),
        NamingScheme::PerProject => String::new(),
    };
    let index = project.tags.iter().enumerate().map(move |(i, tag)| {
        let source = match i {
            0 => Source::Primary,
            _ => Source::Additional(tag.strip_prefix(&prefix).unwrap_or(tag).to_string()),
        };
        (tag.as_str(), source)
    });
    let arch = project
        .jobs
        .iter()
        .map(|job| (job.tag.as_str(), Source::Arch(job.arch.clone())));
    let last = project
        .last_tag
        .iter()
        .map(|tag| (tag.as_str(), Source::Last));
    let repository = project.repository.as_str();
    index
        .chain(arch)
        .chain(last)
        .map(move |(tag, source)| (repository, tag, source))
}

/// Every tag published twice among `projects`, in the order found.
pub fn find_collisions<'p>(
    projects: &[&'p ProjectPlan],
    naming: NamingScheme,
) -> Vec<Collision<'p>> {
    // Sized up front and hashed once per tag: 20,000 projects publish ~100,000 tags.
    let count = projects
        .iter()
        .map(|p| p.tags.len() + p.jobs.len() + 1)
        .sum();
    let mut owners: HashMap<(&str, &str), (&'p ProjectPlan, Source)> =
        HashMap::with_capacity(count);
    let mut found = Vec::new();
    for &project in projects {
        for (repository, tag, source) in published(project, naming) {
            match owners.entry((repository, tag)) {
                Entry::Occupied(owner) => {
                    let (owner, first) = owner.get();
                    found.push(Collision {
                        reference: format!("{repository}:{tag}"),
                        first: (*owner, first.clone()),
                        second: (project, source),
                    });
                }
                Entry::Vacant(slot) => {
                    slot.insert((project, source));
                }
            }
        }
    }
    found
}
