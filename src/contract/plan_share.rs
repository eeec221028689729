//! A job's share of `plan.json`. A build or manifest job runs a few projects of a
//! plan that may list 20,000, so it builds the plan's own fields and its own
//! projects only; every other project is skimmed (borrowed from the text: its
//! name, level and what it publishes) for the checks that span projects.
//! The whole text is still parsed as JSON, so a damaged file fails as before.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::chunk::Chunk;
use super::limits::{PLAN_CAP, read_capped};
use super::plan::{
    FORMAT_VERSION, Plan, ProjectPlan, Publish, RegistryTarget, RemovedProject, ReuseSettings,
    Selection, UnchangedProject,
};
use super::plan_check::check_share;
use super::plan_file::{PlanFileError, not_a_plan, plain};
use super::plan_skim::{Skim, shared_collisions};

/// Which projects of the plan a job runs.
#[derive(Debug, Clone, Copy)]
pub enum Share<'s> {
    /// The projects with these names (`--project`). A name the plan does not
    /// list is left out; the caller says so.
    Named(&'s [String]),
    /// One chunk of the plan's projects (a packed matrix entry), or of the
    /// projects of one dependency level (`Some(level)`).
    Chunk(Chunk, Option<u32>),
    /// Every project of one dependency level.
    Level(u32),
}

/// The plan with only the shared projects (plan order), and the name of every
/// project it lists (for messages about a project it lacks).
#[derive(Debug)]
pub struct PlanShare {
    pub plan: Plan,
    pub names: Vec<String>,
}

/// [`Plan`]'s fields with the projects left as text. Turned into a `Plan` by a
/// struct literal without `..`, so a field added to `Plan` fails to compile here
/// until it is read.
#[derive(Deserialize)]
struct Head<'a> {
    format_version: u32,
    generator: String,
    created: String,
    date: String,
    commit: String,
    sha7: String,
    #[serde(default)]
    source: Option<String>,
    selection: Selection,
    registry: RegistryTarget,
    #[serde(borrow)]
    projects: Vec<&'a RawValue>,
    #[serde(default)]
    removed: Vec<RemovedProject>,
    #[serde(default)]
    publish: Publish,
    #[serde(default)]
    reuse: Option<ReuseSettings>,
    #[serde(default)]
    unchanged: Vec<UnchangedProject>,
}

/// Reads `share` of the plan at `path`: the same size cap, version check and
/// checks as [`super::read_plan`] on everything the share uses.
pub fn read_plan_share(path: &Path, share: Share) -> Result<PlanShare, PlanFileError> {
    let text = read_capped(path, PLAN_CAP).map_err(|e| PlanFileError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse_plan_share(&text, &path.display().to_string(), share)
}

pub fn parse_plan_share(
    text: &str,
    origin: &str,
    share: Share,
) -> Result<PlanShare, PlanFileError> {
    let head = match serde_json::from_str::<Head>(text) {
        Ok(head) if head.format_version == FORMAT_VERSION => head,
        Ok(head) => {
            return Err(PlanFileError::Version {
                origin: origin.to_string(),
                found: u64::from(head.format_version),
            });
        }
        Err(e) => return Err(not_a_plan(text, origin, &e)),
    };
    let part_error = |part: &RawValue, e: serde_json::Error| {
        let (line, column) = position_in(text, part.get(), e.line(), e.column());
        PlanFileError::Parse {
            origin: origin.to_string(),
            line,
            column,
            message: plain(&e),
        }
    };
    let total = head.projects.len();
    let mut skims: Vec<Skim> = Vec::with_capacity(total);
    for part in &head.projects {
        skims.push(serde_json::from_str(part.get()).map_err(|e| part_error(part, e))?);
    }
    let positions = share_positions(share, &skims);
    let mut shared = vec![false; total];
    let mut projects = Vec::with_capacity(positions.len());
    for &i in &positions {
        let part = head.projects[i];
        projects.push(
            serde_json::from_str::<ProjectPlan>(part.get()).map_err(|e| part_error(part, e))?,
        );
        shared[i] = true;
    }
    let plan = Plan {
        format_version: head.format_version,
        generator: head.generator,
        created: head.created,
        date: head.date,
        commit: head.commit,
        sha7: head.sha7,
        source: head.source,
        selection: head.selection,
        registry: head.registry,
        projects,
        removed: head.removed,
        publish: head.publish,
        reuse: head.reuse,
        unchanged: head.unchanged,
    };
    let everyone: Vec<(&str, u32)> = skims.iter().map(|s| (s.name.0.as_ref(), s.level)).collect();
    let mut problems = check_share(&plan, &positions, &everyone);
    problems.extend(shared_collisions(&skims, &shared));
    if problems.is_empty() {
        let names = everyone.iter().map(|(n, _)| n.to_string()).collect();
        Ok(PlanShare { plan, names })
    } else {
        Err(PlanFileError::Invalid {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// The positions (ascending) of the projects `share` runs.
fn share_positions(share: Share, skims: &[Skim]) -> Vec<usize> {
    let at_level = |level: u32| -> Vec<usize> {
        (0..skims.len())
            .filter(|&i| skims[i].level == level)
            .collect()
    };
    match share {
        Share::Named(names) => {
            let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
            (0..skims.len())
                .filter(|&i| wanted.contains(skims[i].name.0.as_ref()))
                .collect()
        }
        Share::Chunk(chunk, None) => chunk.range(skims.len()).collect(),
        Share::Chunk(chunk, Some(level)) => {
            let all = at_level(level);
            all[chunk.range(all.len())].to_vec()
        }
        Share::Level(level) => at_level(level),
    }
}

/// A position inside `part` (a slice of `text`) as a line and column of `text`;
/// serde_json counts columns in bytes.
fn position_in(text: &str, part: &str, line: usize, column: usize) -> (usize, usize) {
    let offset = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    let before = &text.as_bytes()[..offset.min(text.len())];
    let lines_before = before.iter().filter(|&&b| b == b'\n').count();
    if line > 1 {
        return (lines_before + line, column);
    }
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (lines_before + 1, offset - line_start + column)
}

#[cfg(test)]
#[path = "plan_share_tests.rs"]
mod tests;
