//! The external CI validators: actionlint and check-jsonschema's vendored schemas.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a validator said about the files it was given.
pub struct Verdict {
    pub ok: bool,
    pub output: String,
}

/// Runs actionlint in `project` (a folder holding `.github/workflows`), the way
/// it runs in a repository: local actions under `.github/actions` are resolved.
pub fn actionlint(project: &Path) -> Verdict {
    let binary = crate::support::tools::require("actionlint");
    // actionlint finds the project by its `.git` folder.
    std::fs::create_dir_all(project.join(".git")).expect("mark the project root for actionlint");
    let out = Command::new(binary)
        .current_dir(project)
        .args(["-oneline", "-no-color"])
        .output()
        .expect("run actionlint");
    verdict(out)
}

/// `check-jsonschema --builtin-schema <schema> FILES...`, e.g. `vendor.gitlab-ci`.
pub fn check_jsonschema(schema: &str, files: &[PathBuf]) -> Verdict {
    let binary = crate::support::tools::require("check-jsonschema");
    let out = Command::new(binary)
        .args(["--builtin-schema", schema])
        .args(files)
        .output()
        .expect("run check-jsonschema");
    verdict(out)
}

fn verdict(out: std::process::Output) -> Verdict {
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    Verdict {
        ok: out.status.success(),
        output,
    }
}

/// zizmor's findings at medium confidence or above, offline, on every workflow and
/// action under `project` (a folder holding `.github`), as JSON. `None` when zizmor
/// is missing outside CI.
pub fn zizmor(project: &Path) -> Verdict {
    let binary = crate::support::tools::require("zizmor");
    let out = Command::new(binary)
        .current_dir(project)
        .args([
            "--offline",
            "--no-progress",
            "--min-confidence",
            "medium",
            "--format",
            "json",
            ".",
        ])
        .output()
        .expect("run zizmor");
    // stdout is the JSON list of findings; stderr only progress and errors.
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Verdict {
        ok: out.status.success(),
        output: if stdout.trim().is_empty() {
            String::from_utf8_lossy(&out.stderr).into_owned()
        } else {
            stdout
        },
    }
}

/// `shellcheck` on shell scripts (their shebang picks the dialect).
pub fn shellcheck(files: &[PathBuf]) -> Verdict {
    let binary = crate::support::tools::require("shellcheck");
    let out = Command::new(binary)
        .args(files)
        .output()
        .expect("run shellcheck");
    verdict(out)
}

/// `tekton-lint` (npm `@ibm/tekton-lint`) over these files, run together so references
/// between them (a Pipeline's `taskRef`, its params and results) are checked.
/// `None` when tekton-lint is missing outside CI.
pub fn tekton_lint(files: &[PathBuf]) -> Verdict {
    let binary = crate::support::tools::require("tekton-lint");
    let out = Command::new(binary)
        .args(["--color=false", "--format", "stylish"])
        .args(files)
        .output()
        .expect("run tekton-lint");
    verdict(out)
}

/// `check-jsonschema --schemafile schema/<name>.schema.json FILES...`: a contract
/// file checked against monoarch's own committed schema.
pub fn check_contract(schema_name: &str, files: &[PathBuf]) -> Verdict {
    let binary = crate::support::tools::require("check-jsonschema");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(format!("{schema_name}.schema.json"));
    let out = Command::new(binary)
        .arg("--schemafile")
        .arg(schema)
        .args(files)
        .output()
        .expect("run check-jsonschema");
    verdict(out)
}
