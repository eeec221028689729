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

/// Where a published tag comes from, without copying a string: a
/// [`Source`] is made only for a tag published twice.
#[derive(Clone, Copy)]
enum Origin {
    Primary,
    Additional(usize),
    Arch(usize),
    Last,
}

impl Origin {
    fn source(self, project: &ProjectPlan, naming: NamingScheme) -> Source {
        match self {
            Origin::Primary => Source::Primary,
            Origin::Additional(i) => {
                let tag = &project.tags[i];
                let written = match naming {
                    NamingScheme::SingleRepository => tag
                        .strip_prefix(project.name.as_str())
                        .and_then(|rest| rest.strip_prefix('-')),
                    NamingScheme::PerProject => None,
                };
                Source::Additional(written.unwrap_or(tag).to_string())
            }
            Origin::Arch(i) => Source::Arch(project.jobs[i].arch.clone()),
            Origin::Last => Source::Last,
        }
    }
}

/// Every `(repository, tag, source)` a project publishes.
fn published(project: &ProjectPlan) -> impl Iterator<Item = (&str, &str, Origin)> {
    let index = project.tags.iter().enumerate().map(|(i, tag)| {
        let from = match i {
            0 => Origin::Primary,
            _ => Origin::Additional(i),
        };
        (tag.as_str(), from)
    });
    let arch = project
        .jobs
        .iter()
        .enumerate()
        .map(|(i, job)| (job.tag.as_str(), Origin::Arch(i)));
    let last = project
        .last_tag
        .iter()
        .map(|tag| (tag.as_str(), Origin::Last));
    let repository = project.repository.as_str();
    index
        .chain(arch)
        .chain(last)
        .map(move |(tag, from)| (repository, tag, from))
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
    let mut owners: HashMap<(&str, &str), (&'p ProjectPlan, Origin)> =
        HashMap::with_capacity(count);
    let mut found = Vec::new();
    for &project in projects {
        for (repository, tag, from) in published(project) {
            match owners.entry((repository, tag)) {
                Entry::Occupied(owner) => {
                    let &(owner, first) = owner.get();
                    found.push(Collision {
                        reference: format!("{repository}:{tag}"),
                        first: (owner, first.source(owner, naming)),
                        second: (project, from.source(project, naming)),
                    });
                }
                Entry::Vacant(slot) => {
                    slot.insert((project, from));
                }
            }
        }
    }
    found
}
