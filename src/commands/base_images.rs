//! `validate`'s look into Dockerfiles: a `FROM` that names another project's
//! image without `depends_on:` builds in parallel with that project, on whatever
//! its tag named before. A warning, since the Dockerfile may mean an old image.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{PROJECT_CONFIG_FILE, ProjectConfig, RepoConfig, base_arg, project_of_image};
use crate::contract::limits::{CONFIG_CAP, read_in};
use crate::contract::{BuildArg, Platform};
use crate::dockerfile::{Known, pulled_images};

/// One warning line per image a project pulls from another project without declaring it.
pub fn undeclared_bases(root: &Path, repo: &RepoConfig, configs: &[ProjectConfig]) -> Vec<String> {
    let names: Vec<&str> = configs.iter().map(|c| c.name.as_str()).collect();
    let mut warnings = Vec::new();
    for config in configs.iter().filter(|c| c.upstream.is_none()) {
        let file = format!("{}/{}", config.path, config.dockerfile);
        // An unreadable Dockerfile is the build's error, with its own message.
        let Ok(text) = read_in(root, &file, CONFIG_CAP) else {
            continue;
        };
        let mut args: BTreeMap<String, String> = BTreeMap::new();
        let mut unknown = Vec::new();
        for arg in &config.build_args {
            match arg {
                BuildArg::Value { name, value } => {
                    args.insert(name.clone(), value.clone());
                }
                BuildArg::FromEnv { name, .. } => unknown.push(name.clone()),
            }
        }
        // Declared bases arrive by digest; any value that names no project will do here.
        for base in &config.depends_on {
            args.insert(base_arg(base), format!("declared/{base}@sha256:0"));
        }
        for platform in &config.platforms {
            let known = Known {
                args: &args,
                unknown: &unknown,
                target: *platform,
                build: Platform::host().unwrap_or(*platform),
            };
            let Ok(pulled) = pulled_images(&text, config.target.as_deref(), &known) else {
                continue;
            };
            for image in pulled {
                let Some(project) = project_of_image(
                    &image.name,
                    &repo.registry,
                    &repo.repository,
                    repo.naming,
                    &names,
                ) else {
                    continue;
                };
                if project == config.name || config.depends_on.iter().any(|d| d == project) {
                    continue;
                }
                let line = format!(
                    "{file}: FROM {} is the image of project `{project}`, which {}/{PROJECT_CONFIG_FILE} does not declare; add `depends_on: [{project}]` and write `ARG {arg}` / `FROM ${{{arg}}}`, so it builds after {project}, on exactly its image",
                    image.name,
                    config.path,
                    arg = base_arg(project),
                );
                if !warnings.contains(&line) {
                    warnings.push(line);
                }
            }
        }
    }
    warnings
}
