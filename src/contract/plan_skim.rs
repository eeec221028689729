//! What a job's share read keeps of every project, the ones it does not run
//! included: borrowed from the plan's text, what the checks across projects
//! need (names, levels, and what each project publishes).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::quote::shown;

/// A string borrowed from the text unless it holds escapes.
#[derive(Deserialize)]
pub(super) struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

#[derive(Deserialize)]
pub(super) struct JobSkim<'a> {
    #[serde(borrow)]
    tag: Text<'a>,
}

#[derive(Deserialize)]
pub(super) struct Skim<'a> {
    #[serde(borrow)]
    pub name: Text<'a>,
    #[serde(default)]
    pub level: u32,
    #[serde(borrow)]
    repository: Text<'a>,
    #[serde(borrow)]
    tags: Vec<Text<'a>>,
    #[serde(borrow)]
    jobs: Vec<JobSkim<'a>>,
    #[serde(borrow, default)]
    last_tag: Option<Text<'a>>,
}

impl Skim<'_> {
    /// Every `(repository, tag)` the project publishes, in `published`'s order.
    fn published(&self) -> impl Iterator<Item = (&str, &str)> {
        let repository = self.repository.0.as_ref();
        self.tags
            .iter()
            .chain(self.jobs.iter().map(|j| &j.tag))
            .chain(self.last_tag.iter())
            .map(move |tag| (repository, tag.0.as_ref()))
    }
}

/// Tags a shared project (`shared[i]`) publishes that another project, one the
/// job does not run, publishes too: the messages `check_plan` gives, first
/// publisher first. Collisions among the shared projects are `check_share`'s.
pub(super) fn shared_collisions(skims: &[Skim], shared: &[bool]) -> Vec<String> {
    let theirs: HashSet<(&str, &str)> = skims
        .iter()
        .zip(shared)
        .filter(|(_, s)| **s)
        .flat_map(|(skim, _)| skim.published())
        .collect();
    let mut owners: HashMap<(&str, &str), (&str, bool)> = HashMap::new();
    let mut out = Vec::new();
    for (skim, &is_shared) in skims.iter().zip(shared) {
        for reference in skim.published().filter(|r| theirs.contains(r)) {
            match owners.get(&reference) {
                Some(&(first, first_shared)) if !(first_shared && is_shared) => {
                    out.push(format!(
                        "projects: `{}` is published by `{}` and by `{}`; a tag may name one image only",
                        shown(&format!("{}:{}", reference.0, reference.1)),
                        shown(first),
                        shown(&skim.name.0)
                    ));
                }
                Some(_) => {}
                None => {
                    owners.insert(reference, (skim.name.0.as_ref(), is_shared));
                }
            }
        }
    }
    out
}
