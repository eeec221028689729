//! What happened per project: the summary table, its Markdown, JSON and exit code.

use serde::Serialize;

use crate::contract::Platform;
use crate::contract::exit_code;

use super::verify::Resolved;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Every architecture present; every tag points at the index.
    Published,
    /// `--allow-partial`: the date-sha tag points at an index lacking some architectures.
    Partial,
    /// Nothing (or not every tag) was published; see `errors`.
    Failed,
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

#[derive(Debug, Clone, Serialize)]
pub struct ProjectReport {
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
    /// Planned platforms without an image.
    pub missing: Vec<String>,
    pub children: Vec<ChildReport>,
    pub errors: Vec<String>,
    pub notes: Vec<String>,
    #[serde(skip)]
    pub exit_code: i32,
}

impl ProjectReport {
    pub fn new(project: &str, image: &str) -> ProjectReport {
        ProjectReport {
            project: project.to_string(),
            image: image.to_string(),
            status: ProjectStatus::Published,
            index_digest: None,
            index_size: None,
            tags_set: Vec::new(),
            tags_unchanged: Vec::new(),
            tags_not_set: Vec::new(),
            missing: Vec::new(),
            children: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            exit_code: exit_code::SUCCESS,
        }
    }

    /// Records a failure; the first failure's exit code is the project's.
    pub fn fail(&mut self, code: i32, message: String) {
        if self.status != ProjectStatus::Failed {
            self.exit_code = code;
        }
        self.status = ProjectStatus::Failed;
        self.errors.push(message);
    }
}

/// The run's exit code: 0 when every project was published in full; the
/// failure's own code when every project failed alike; else PARTIAL.
pub fn exit_code(reports: &[ProjectReport]) -> i32 {
    if reports.iter().all(|r| r.status == ProjectStatus::Published) {
        return exit_code::SUCCESS;
    }
    let failed: Vec<&ProjectReport> = reports
        .iter()
        .filter(|r| r.status == ProjectStatus::Failed)
        .collect();
    if failed.len() == reports.len() && failed.iter().all(|r| r.exit_code == failed[0].exit_code) {
        return failed[0].exit_code;
    }
    exit_code::PARTIAL
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

fn index_status(r: &ProjectReport) -> String {
    match r.status {
        ProjectStatus::Failed if r.tags_set.is_empty() => "failed: no tag moved".into(),
        ProjectStatus::Failed => format!("failed: only {} moved", r.tags_set.join(", ")),
        ProjectStatus::Partial => format!(
            "partial: {} (missing {})",
            tag_summary(r),
            r.missing.join(", ")
        ),
        ProjectStatus::Published => format!("published: {}", tag_summary(r)),
    }
}

fn tag_summary(r: &ProjectReport) -> String {
    format!(
        "{} tag(s) set, {} already there",
        r.tags_set.len(),
        r.tags_unchanged.len()
    )
}

/// Rows: one per project x platform, then the project's index.
fn rows(reports: &[ProjectReport]) -> Vec<[String; 5]> {
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
pub fn table(reports: &[ProjectReport]) -> String {
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
        out.push_str(text.join("  ").trim_end());
        out.push('\n');
    };
    line(HEADER);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    out
}

/// The summary as Markdown, for `$GITHUB_STEP_SUMMARY`.
pub fn markdown(reports: &[ProjectReport]) -> String {
    let mut out = String::from(
        "### monoarch manifest\n\n| Project | Platform | Digest | Size | Status |\n|---|---|---|---|---|\n",
    );
    for row in rows(reports) {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    for r in reports {
        for e in &r.errors {
            out.push_str(&format!("\n- :x: {}", e.replace('\n', " ")));
        }
    }
    out.push('\n');
    out
}

/// `digest=` (one project) and `digests=` (JSON object) lines for `$GITHUB_OUTPUT`.
pub fn github_output(reports: &[ProjectReport]) -> String {
    let digests: std::collections::BTreeMap<&str, &str> = reports
        .iter()
        .filter_map(|r| Some((r.project.as_str(), r.index_digest.as_deref()?)))
        .collect();
    let mut out = String::new();
    if let [only] = reports
        && let Some(d) = only
            .index_digest
            .as_deref()
            .filter(|_| only.status != ProjectStatus::Failed)
    {
        out.push_str(&format!("digest={d}\n"));
    }
    out.push_str(&format!(
        "digests={}\n",
        serde_json::to_string(&digests).expect("a map of strings serializes")
    ));
    out
}

#[derive(Serialize)]
pub struct Summary<'a> {
    pub format_version: u32,
    pub projects: &'a [ProjectReport],
}

pub fn summary_json(reports: &[ProjectReport]) -> String {
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

    fn report(name: &str, status: ProjectStatus, code: i32) -> ProjectReport {
        let mut r = ProjectReport::new(name, "r/app");
        r.status = status;
        r.exit_code = code;
        r.index_digest = Some(format!("sha256:{name}"));
        r
    }

    #[test]
    fn exit_codes() {
        use ProjectStatus::*;
        assert_eq!(exit_code(&[report("a", Published, 0)]), exit_code::SUCCESS);
        assert_eq!(
            exit_code(&[report("a", Failed, exit_code::VERIFY)]),
            exit_code::VERIFY
        );
        assert_eq!(
            exit_code(&[
                report("a", Published, 0),
                report("b", Failed, exit_code::REGISTRY)
            ]),
            exit_code::PARTIAL
        );
        assert_eq!(exit_code(&[report("a", Partial, 0)]), exit_code::PARTIAL);
        assert_eq!(
            exit_code(&[
                report("a", Failed, exit_code::VERIFY),
                report("b", Failed, exit_code::REGISTRY)
            ]),
            exit_code::PARTIAL
        );
    }

    #[test]
    fn outputs_name_digests() {
        let one = [report("a", ProjectStatus::Published, 0)];
        assert_eq!(
            github_output(&one),
            "digest=sha256:a\ndigests={\"a\":\"sha256:a\"}\n"
        );
        let table = table(&one);
        assert!(table.starts_with("PROJECT"), "{table}");
        assert!(table.contains("published"), "{table}");
        assert!(markdown(&one).contains("| a | index | sha256:a |"));
    }
}
