//! `monoarch validate`: every config problem in the repository, all at once.

use std::path::PathBuf;

use clap::Args;

use super::base_images::undeclared_bases;
use super::make_plan::MakePlanError;
use super::{Context, Error};
use crate::ci::Console;
use crate::config::{
    Declared, FileProblems, PROJECT_CONFIG_FILE, Problems, RepoConfig, check_graph, load_project,
};
use crate::contract::limits::{CONFIG_CAP, read_in};
use crate::contract::{ProjectPlan, exit_code};
use crate::detect::{list_projects, match_patterns, parse_schedule};
use crate::git::Git;
use crate::plan::collide::{self, TagSpans};
use crate::plan::{date_and_sha7, project_plan};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Root of the monorepo (default: the git repository around the current folder).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

pub fn run(args: ValidateArgs, ctx: &Context) -> Result<i32, Error> {
    let start = args.repo.unwrap_or_else(|| PathBuf::from("."));
    let git = Git::discover(&start).map_err(MakePlanError::from)?;
    let root = git.root().to_path_buf();
    let repo = match RepoConfig::load(&root, &ctx.env) {
        Ok(repo) => repo,
        // Project checks depend on the repo config (runners); report its problems alone.
        Err(problems) => return Err(Error::Invalid(problems)),
    };
    let mut problems = Problems::default();
    let projects = list_projects(&root, &repo.projects_dir).map_err(Error::Invalid)?;
    // Tags as a plan made now would publish them (a repository without a
    // commit yet: a placeholder sha).
    let commit = git
        .head()
        .map(|h| h.to_string())
        .unwrap_or_else(|_| "0".repeat(40));
    let (date, sha7) = date_and_sha7(ctx.now, &commit);
    let mut spans = TagSpans::default();
    let mut plans = Vec::new();
    let mut configs = Vec::new();
    for name in &projects {
        match load_project(&root, &repo.projects_dir, name, &repo) {
            Ok(config) => {
                spans.add(&config);
                plans.push(project_plan(
                    config.clone(),
                    Vec::new(),
                    &repo,
                    &date,
                    &sha7,
                ));
                configs.push(config);
            }
            Err(p) => problems.extend(p),
        }
    }
    let declared: Vec<Declared> = configs.iter().map(Declared::of).collect();
    problems.extend(check_graph(&declared, &projects, &[]));
    let warnings = undeclared_bases(&root, &repo, &configs);
    let all: Vec<&ProjectPlan> = plans.iter().collect();
    problems.extend(collide::problems(
        &all,
        repo.naming,
        &repo.projects_dir,
        &spans,
        |_| true,
    ));
    // Folders without a config are not projects; say so, since it is usually a mistake.
    if let Ok(entries) = std::fs::read_dir(root.join(&repo.projects_dir)) {
        let mut strays: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir() && !e.path().join(PROJECT_CONFIG_FILE).is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .collect();
        strays.sort();
        for name in strays {
            let mut p = FileProblems::new(format!("{}/{name}", repo.projects_dir));
            p.add(0, 0, "", format!("has no {PROJECT_CONFIG_FILE}, so it is not a project; add one or move the folder out of {}", repo.projects_dir));
            problems.extend(p.problems);
        }
    }
    match read_in(&root, &repo.schedule_file, CONFIG_CAP) {
        Ok(text) => {
            if let Err(p) = match_patterns(&parse_schedule(&text), &projects, &repo.schedule_file) {
                problems.extend(p);
            }
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => {
            let mut p = FileProblems::new(&repo.schedule_file);
            p.add(0, 0, "", e.to_string());
            problems.extend(p.problems);
        }
    }
    if !warnings.is_empty() {
        ctx.console
            .err(&crate::ci::escape::lines("warning: ", &warnings.join("\n")));
    }
    if problems.is_empty() {
        ctx.console.out(&format!(
            "{} project(s) checked; no problems.\n",
            projects.len()
        ));
        Ok(exit_code::SUCCESS)
    } else {
        Err(Error::Invalid(problems))
    }
}
