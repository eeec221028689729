//! The preview's lines about build keys and reuse: which jobs are reused and
//! why, which base images moved, which scheduled projects were left alone.

use std::fmt::Write;

use crate::contract::key::short_digest;
use crate::contract::{Plan, ProjectPlan};

/// One line under the plan's header, when reuse is on.
pub fn summary(plan: &Plan) -> Option<String> {
    let settings = plan.reuse.as_ref()?;
    let (jobs, reused) = (plan.job_count(), plan.reused_count());
    let mut line = format!(
        "reuse: on (keys for {}{}); {reused} of {jobs} job(s) reused, {} to build",
        settings.builder,
        if settings.rebuild { ", --rebuild" } else { "" },
        jobs - reused
    );
    if !plan.unchanged.is_empty() {
        let _ = write!(
            line,
            "; {} unchanged project(s) left alone",
            plan.unchanged.len()
        );
    }
    Some(line)
}

/// A project's lines: each job's verdict, then the base images that moved.
pub fn project_lines(project: &ProjectPlan) -> String {
    let mut out = String::new();
    for job in &project.jobs {
        if let Some(why) = &job.why {
            let _ = writeln!(out, "  {}: {why}", job.platform);
        }
    }
    let mut moved: Vec<String> = Vec::new();
    for job in &project.jobs {
        for base in &job.moved {
            let line = format!(
                "  {} moved: {} -> {} ({})",
                base.name,
                short_digest(&base.from),
                short_digest(&base.to),
                job.platform
            );
            moved.push(line);
        }
    }
    for line in moved {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The scheduled projects the plan left alone.
pub fn unchanged(plan: &Plan) -> String {
    let mut out = String::new();
    if !plan.unchanged.is_empty() {
        let _ = writeln!(out, "\nunchanged, left alone (reuse.unchanged: skip):");
        for p in &plan.unchanged {
            let _ = writeln!(out, "  {}: {}", p.name, p.reason);
        }
    }
    out
}
