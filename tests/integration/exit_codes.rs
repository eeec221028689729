//! The exit codes are API: `--help` and the README show the one table in
//! `contract::exit_code`, and every command's exit code comes from it.

use monoarch::exit_code;

use crate::support::monoarch::Monoarch;

#[test]
fn the_readme_table_is_the_code_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let section = readme
        .split("\n## Exit codes\n")
        .nth(1)
        .expect("README has an `## Exit codes` section");
    let table: String = section
        .trim_start()
        .lines()
        .take_while(|l| l.starts_with('|'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        table,
        exit_code::markdown_table(),
        "README.md's exit-code table differs from src/contract/exit_code.rs; paste the table from `exit_code::markdown_table()`"
    );
}

#[test]
fn help_lists_every_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = Monoarch::new(dir.path()).args(["--help"]).run().success();
    let expected = format!("Exit codes: {}.", exit_code::help_list());
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
}
