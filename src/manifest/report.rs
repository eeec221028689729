//! What happened per project: the summary table, its Markdown and JSON, and
//! each project's outcome for the exit code.

use std::fmt::Display;

use serde::{Serialize, Serializer};

use crate::ci::escape;
use crate::contract::Platform;
use crate::contract::exit_code::{self, Outcome};

use super::failure::Failure;
use super::verify::Resolved;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Every architecture present; every tag points at the index.
    Published,
    /// `--allow-partial`: the date-sha tag points at an index lacking some architectures.
    Partial,
    /// Published, but a moving tag (`latest`) was left on an index of a
    /// newer commit: tags never move backwards.
    KeptNewer,
    /// Nothing (or not every tag) was published; see `errors`.
    Failed,
    /// Not built, nothing published: a base this plan rebuilds was not
    /// published (its own jobs failed), and a dependent never builds on the old one.
    Skipped,
}

/// A tag left where it was, on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptTag {
    pub tag: String,
    /// The index it still points at.
    pub digest: String,
    /// `newer` (built from a newer commit) or `more complete`.
    pub reason: String,
}

/// A tag moved from another index to this run's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplacedTag {
    pub tag: String,
    pub old_digest: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildReport {
    pub platform: String,
    pub reference: String,
    pub digest: Option<String>,
    pub media_type: Option<String>,
    pub size: Option<u64>,
    pub attestations: usize,
    /// `ok`, `missing`, `invalid` or `error`.
    pub status: String,
}

impl ChildReport {
    pub fn ok(platform: Platform, r: &Resolved) -> ChildReport {
        ChildReport {
            platform: platform.to_string(),
            reference: r.reference.clone(),
            digest: Some(r.child.digest.clone()),
            media_type: Some(r.child.media_type.clone()),
            size: Some(r.child.size),
            attestations: r.child.attestations.len(),
            status: "ok".into(),
        }
    }

    pub fn failed(platform: Platform, reference: &str, status: &str) -> ChildReport {
        ChildReport {
            platform: platform.to_string(),
            reference: reference.to_string(),
            digest: None,
            media_type: None,
            size: None,
            attestations: 0,
            status: status.to_string(),
        }
    }
}

/// What happened to one project. `F` is what can go wrong: a stitch
/// [`Failure`] in `manifest`; `run` adds the failures of build jobs.
#[derive(Debug, Serialize)]
#[serde(bound(serialize = "F: Display"))]
pub struct ProjectReport<F = Failure> {
    pub project: String,
    pub image: String,
    pub status: ProjectStatus,
    pub index_digest: Option<String>,
    pub index_size: Option<u64>,
    /// Tags written by this run, in order.
    pub tags_set: Vec<String>,
    /// Tags that already pointed at the index (no write).
    pub tags_unchanged: Vec<String>,
    /// Planned tags this run did not point at the index.
    pub tags_not_set: Vec<String>,
    /// Tags left on another index on purpose (newer, or more complete).
    pub tags_kept: Vec<KeptTag>,
    /// Tags in `tags_set` that pointed at another index before.
    pub tags_replaced: Vec<ReplacedTag>,
    /// Planned platforms without an image.
    pub missing: Vec<String>,
    pub children: Vec<ChildReport>,
    /// Everything that went wrong, in order; written as `errors` (messages).
    #[serde(rename = "errors", serialize_with = "messages")]
    pub failures: Vec<F>,
    pub notes: Vec<String>,
}

fn messages<F: Display, S: Serializer>(failures: &[F], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(failures.iter().map(ToString::to_string))
}

impl<F> ProjectReport<F> {
    pub fn new(project: &str, image: &str) -> ProjectReport<F> {
        ProjectReport {
            project: project.to_string(),
            image: image.to_string(),
            status: ProjectStatus::Published,
            index_digest: None,
            index_size: None,
            tags_set: Vec::new(),
            tags_unchanged: Vec::new(),
            tags_not_set: Vec::new(),
            tags_kept: Vec::new(),
            tags_replaced: Vec::new(),
            missing: Vec::new(),
            children: Vec::new(),
            failures: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Records a failure; the project is then failed, whatever else it has.
    pub fn fail(&mut self, failure: impl Into<F>) {
        self.status = ProjectStatus::Failed;
        self.failures.push(failure.into());
    }

    /// Records why the project was skipped (a base not published): nothing of
    /// it is published, and it did not fail by itself.
    pub fn skip(&mut self, why: impl Into<F>) {
        self.status = ProjectStatus::Skipped;
        self.failures.push(why.into());
    }

    /// The project's outcome for the command's exit code: the first failure
    /// counts, its code given by `code_of` (the one table, in `commands`).
    pub fn outcome(&self, code_of: impl Fn(&F) -> i32) -> Outcome {
        match self.status {
            ProjectStatus::Published | ProjectStatus::KeptNewer => Outcome::Done,
            ProjectStatus::Partial | ProjectStatus::Skipped => Outcome::Partial,
            ProjectStatus::Failed => {
                Outcome::Failed(self.failures.first().map_or(exit_code::FAILURE, code_of))
            }
        }
    }

    /// The same report with each failure wrapped, for a caller that adds failures of its own.
    pub fn map_failures<G>(self, wrap: impl FnMut(F) -> G) -> ProjectReport<G> {
        ProjectReport {
            project: self.project,
            image: self.image,
            status: self.status,
            index_digest: self.index_digest,
            index_size: self.index_size,
            tags_set: self.tags_set,
            tags_unchanged: self.tags_unchanged,
            tags_not_set: self.tags_not_set,
            tags_kept: self.tags_kept,
            tags_replaced: self.tags_replaced,
            missing: self.missing,
            children: self.children,
            failures: self.failures.into_iter().map(wrap).collect(),
            notes: self.notes,
        }
    }
}

fn short(digest: &Option<String>) -> String {
    match digest {
        Some(d) => d.chars().take(19).collect(),
        None => "-".into(),
    }
}

fn size(size: Option<u64>) -> String {
    size.map(|s| s.to_string()).unwrap_or_else(|| "-".into())
}

fn index_status<F>(r: &ProjectReport<F>) -> String {
    match r.status {
        ProjectStatus::Failed if r.tags_set.is_empty() => "failed: no tag moved".into(),
        ProjectStatus::Failed => format!("failed: only {} moved", r.tags_set.join(", ")),
        ProjectStatus::Skipped => "skipped: a base was not published".into(),
        ProjectStatus::Partial => format!(
            "partial: {} (missing {})",
            tag_summary(r),
            r.missing.join(", ")
        ),
        ProjectStatus::Published => format!("published: {}", tag_summary(r)),
        ProjectStatus::KeptNewer => format!(
            "kept newer: {}; {} left on a newer index",
            tag_summary(r),
            r.tags_kept
                .iter()
                .map(|k| k.tag.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn tag_summary<F>(r: &ProjectReport<F>) -> String {
    format!(
        "{} tag(s) set, {} already there",
        r.tags_set.len(),
        r.tags_unchanged.len()
    )
}

/// Rows: one per project x platform, then the project's index.
fn rows<F>(reports: &[ProjectReport<F>]) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for r in reports {
        for c in &r.children {
            let status = if c.attestations > 0 {
                format!("{} (+{} attestation)", c.status, c.attestations)
            } else {
                c.status.clone()
            };
            rows.push([
                r.project.clone(),
                c.platform.clone(),
                short(&c.digest),
                size(c.size),
                status,
            ]);
        }
        rows.push([
            r.project.clone(),
            "index".into(),
            short(&r.index_digest),
            size(r.index_size),
            index_status(r),
        ]);
    }
    rows
}

const HEADER: [&str; 5] = ["PROJECT", "PLATFORM", "DIGEST", "SIZE", "STATUS"];

/// The summary table for a terminal.
pub fn table<F>(reports: &[ProjectReport<F>]) -> String {
    let rows = rows(reports);
    let mut widths = HEADER.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 5]| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        // One inert line: cells echo project names, tags and references.
        out.push_str(&escape::text(text.join("  ").trim_end()));
        out.push('\n');
    };
    line(HEADER);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    out
}

/// The summary as Markdown, for `$GITHUB_STEP_SUMMARY`.
pub fn markdown<F: Display>(reports: &[ProjectReport<F>]) -> String {
    let mut out = String::from(
        "### monoarch manifest\n\n| Project | Platform | Digest | Size | Status |\n|---|---|---|---|---|\n",
    );
    for row in rows(reports) {
        let cells: Vec<String> = row
            .iter()
            .map(|c| escape::text(c).replace('|', "\\|"))
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    for r in reports {
        for e in &r.failures {
            out.push_str(&format!("\n- :x: {}", escape::text(&e.to_string())));
        }
        for n in &r.notes {
            out.push_str(&format!("\n- {}", escape::text(n)));
        }
    }
    out.push('\n');
    out
}

/// The step outputs (`$GITHUB_OUTPUT`): `digest` (only for one published
/// project) and `digests` (a JSON object, project -> index digest).
pub fn step_outputs<F>(reports: &[ProjectReport<F>]) -> Vec<(&'static str, String)> {
    let digests: std::collections::BTreeMap<&str, &str> = reports
        .iter()
        .filter_map(|r| Some((r.project.as_str(), r.index_digest.as_deref()?)))
        .collect();
    let mut out = Vec::new();
    if let [only] = reports
        && let Some(d) = only
            .index_digest
            .as_deref()
            .filter(|_| !matches!(only.status, ProjectStatus::Failed | ProjectStatus::Skipped))
    {
        out.push(("digest", d.to_string()));
    }
    out.push((
        "digests",
        serde_json::to_string(&digests).expect("a map of strings serializes"),
    ));
    out
}

#[derive(Serialize)]
#[serde(bound(serialize = "F: Display"))]
pub struct Summary<'a, F> {
    pub format_version: u32,
    pub projects: &'a [ProjectReport<F>],
}

pub fn summary_json<F: Display>(reports: &[ProjectReport<F>]) -> String {
    let mut text = serde_json::to_string_pretty(&Summary {
        format_version: 1,
        projects: reports,
    })
    .expect("the summary serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, status: ProjectStatus) -> ProjectReport {
        let mut r = ProjectReport::new(name, "r/app");
        r.status = status;
        r.index_digest = Some(format!("sha256:{name}"));
        r
    }

    #[test]
    fn outputs_name_digests() {
        let one = [report("a", ProjectStatus::Published)];
        assert_eq!(
            step_outputs(&one),
            vec![
                ("digest", "sha256:a".to_string()),
                ("digests", r#"{"a":"sha256:a"}"#.to_string())
            ]
        );
        let table = table(&one);
        assert!(table.starts_with("PROJECT"), "{table}");
        assert!(table.contains("published"), "{table}");
        assert!(markdown(&one).contains("| a | index | sha256:a |"));
    }
}
