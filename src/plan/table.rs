//! The human-readable preview of a plan (`monoarch plan`).

use std::fmt::Write;

use crate::ci::{System, escape};
use crate::contract::{BuildArg, JobPlan, Plan, PublishMode};
use crate::env::Env;

/// Which runner names the preview shows: the CI system's own, with `$VARIABLES`
/// in GitLab tags expanded the way GitLab will expand them.
pub enum RunnerColumn<'a> {
    Github,
    Gitlab(&'a Env),
}

impl RunnerColumn<'_> {
    /// GitLab's when running in GitLab CI, else GitHub's (the default).
    pub fn for_system(system: System, env: &Env) -> RunnerColumn<'_> {
        match system {
            System::GitLab => RunnerColumn::Gitlab(env),
            System::GitHub | System::Local => RunnerColumn::Github,
        }
    }

    fn name(&self, job: &JobPlan) -> String {
        match self {
            RunnerColumn::Github if !job.github_runner.is_empty() => job.github_runner.clone(),
            RunnerColumn::Github => job.gitlab_tags.join(","),
            RunnerColumn::Gitlab(env) => job
                .gitlab_tags
                .iter()
                .map(|tag| match tag.strip_prefix('$').and_then(|v| env.get(v)) {
                    Some(value) => format!("{value} ({tag})"),
                    None => tag.clone(),
                })
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// Appends one line of the preview, made inert ([`escape`]): its values
/// (reasons, refs, file names, build args) cannot start a CI command.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&escape::text(&format!($($arg)*)));
        $out.push('\n');
    }};
}

/// Renders the plan as a table for a person; deterministic for a given plan.
pub fn render_table(plan: &Plan, runners: &RunnerColumn) -> String {
    let mut out = String::new();
    let jobs = plan.job_count();
    put!(
        out,
        "monoarch plan: {} project(s), {} job(s); date {}, commit {}",
        plan.projects.len(),
        jobs,
        plan.date,
        plan.sha7
    );
    put!(out, "selected by: {}", plan.selection.reason);
    let host = if plan.registry.host.is_empty() {
        "(none set: pass --registry or set REGISTRY)".to_string()
    } else {
        plan.registry.host.clone()
    };
    put!(out, "registry: {host}");
    if !plan.publish.reason.is_empty() {
        let what = match plan.publish.mode {
            PublishMode::All => "every tag",
            PublishMode::DateSha => "date-sha tags only",
            PublishMode::None => "nothing (preview only)",
        };
        put!(out, "publishes: {what}; {}", plan.publish.reason);
    }
    if let Some(line) = super::keys_view::summary(plan) {
        let _ = writeln!(out, "{line}");
    }
    if plan.projects.is_empty() {
        put!(out, "");
        put!(out, "Nothing to build.");
    } else {
        let rows: Vec<[String; 4]> = plan
            .projects
            .iter()
            .flat_map(|p| {
                p.jobs.iter().enumerate().map(move |(i, j)| {
                    let runner = runners.name(j);
                    [
                        if i == 0 {
                            p.name.clone()
                        } else {
                            String::new()
                        },
                        j.platform.to_string(),
                        runner,
                        format!(
                            "{}:{}{}",
                            plan.image_name(p),
                            j.tag,
                            if j.reuse.is_some() { " (reused)" } else { "" }
                        ),
                    ]
                })
            })
            .collect();
        let header = [
            "PROJECT",
            "PLATFORM",
            match runners {
                RunnerColumn::Github => "RUNNER",
                RunnerColumn::Gitlab(_) => "RUNNER TAGS",
            },
            "IMAGE",
        ];
        let widths: Vec<usize> = (0..4)
            .map(|c| {
                rows.iter()
                    .map(|r| r[c].len())
                    .chain([header[c].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: [&str; 4]| {
            let mut s = String::new();
            for (c, cell) in cells.iter().enumerate() {
                if c == 3 {
                    s.push_str(cell);
                } else {
                    let _ = write!(s, "{cell:<w$}  ", w = widths[c]);
                }
            }
            s.trim_end().to_string()
        };
        put!(out, "");
        put!(out, "{}", line(header));
        for row in &rows {
            put!(out, "{}", line([&row[0], &row[1], &row[2], &row[3]]));
        }
        put!(out, "");
        for p in &plan.projects {
            put!(out, "{}:", p.name);
            put!(out, "  index tags: {}", p.tags.join(", "));
            let source = match &p.upstream {
                Some(u) => format!(
                    "{} @ {}{}",
                    u.repo,
                    u.git_ref,
                    u.commit
                        .as_deref()
                        .map(|c| format!(" ({})", &c[..c.len().min(12)]))
                        .unwrap_or_default()
                ),
                None => format!("{} (this repository)", p.path),
            };
            let target = p
                .target
                .as_deref()
                .map(|t| format!(", target {t}"))
                .unwrap_or_default();
            put!(
                out,
                "  source: {source}; dockerfile {}, context {}{target}",
                p.dockerfile,
                p.context
            );
            if !p.build_args.is_empty() {
                let args: Vec<String> = p
                    .build_args
                    .iter()
                    .map(|a| match a {
                        BuildArg::Value { name, value } => format!("{name}={value}"),
                        BuildArg::FromEnv {
                            name,
                            from_env,
                            secret: true,
                            ..
                        } => format!("{name}=<secret from ${from_env}>"),
                        BuildArg::FromEnv {
                            name,
                            from_env,
                            secret: false,
                            ..
                        } => format!("{name}=<from ${from_env}>"),
                    })
                    .collect();
                put!(out, "  build args: {}", args.join(" "));
            }
            out.push_str(&super::keys_view::project_lines(p));
            if p.level > 0 {
                put!(
                    out,
                    "  level: {} (built after the projects it builds on)",
                    p.level
                );
            }
            for base in &p.bases {
                let which = if base.rebuilt {
                    "this plan's index"
                } else {
                    "not rebuilt: its last index"
                };
                put!(
                    out,
                    "  builds on: {} ({which}, {}:{}, by digest in {})",
                    base.project,
                    base.repository,
                    base.tag,
                    base.arg
                );
            }
            for reason in &p.reasons {
                let more = if reason.more > 0 {
                    format!(" (+{} more)", reason.more)
                } else {
                    String::new()
                };
                if let Some(text) = &reason.text {
                    put!(out, "  why: {text}");
                } else if reason.files.is_empty() {
                    put!(out, "  why: {}", reason.rule);
                } else {
                    put!(
                        out,
                        "  why: {}: {}{more}",
                        reason.rule,
                        reason.files.join(", ")
                    );
                }
            }
        }
    }
    out.push_str(&super::keys_view::unchanged(plan));
    if !plan.removed.is_empty() {
        let names: Vec<&str> = plan.removed.iter().map(|r| r.path.as_str()).collect();
        put!(out, "");
        put!(out, "removed, not built: {}", names.join(", "));
    }
    put!(out, "");
    put!(out, "Preview only: nothing was built or pushed.");
    out
}
