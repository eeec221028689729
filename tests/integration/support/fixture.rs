//! A small monorepo fixture: projects with valid configs, committed on `main`.

use super::git_repo::GitRepo;

/// A self-contained project config with the default platforms.
pub const PLAIN_CONFIG: &str = "additional_tags:\n  - latest\n";

/// A repo with `monoarch.yaml`, a schedule file and projects `alpha`, `beta`,
/// `gamma`, committed once on `main`.
pub fn monorepo() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "monoarch.yaml",
        "registry: registry.example.test\nrepository: images\nignore:\n  - \"**/*.md\"\nrebuild_all:\n  - \"hack/**\"\n  - monoarch.yaml\n",
    );
    repo.write("rebuild-weekly.txt", "# weekly\nalpha\nga*\n");
    for name in ["alpha", "beta", "gamma"] {
        add_project(&repo, name);
    }
    repo.write("README.md", "# fixture\n");
    repo.commit("initial");
    repo
}

pub fn add_project(repo: &GitRepo, name: &str) {
    repo.write(&format!("projects/{name}/build-config.yaml"), PLAIN_CONFIG);
    repo.write(
        &format!("projects/{name}/Dockerfile"),
        "FROM scratch\nCOPY hello.txt /\n",
    );
    repo.write(&format!("projects/{name}/hello.txt"), &format!("{name}\n"));
}
