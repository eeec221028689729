//! What a CI runner would act on in a job's log: the commands a GitHub runner
//! parses (as actions/runner does) and the sections GitLab draws. Tests use
//! it to prove that no echoed value can forge either.

/// The workflow commands a GitHub runner would run for `log` (stdout and
/// stderr merged, as the runner reads them): lines split at `\n` and `\r`;
/// `::stop-commands::TOKEN` pauses parsing until `::TOKEN::`; `::name ...::`
/// at the start of a line (after spaces), `##[name ...]` anywhere in one.
/// Returns each command's name, the pause and resume lines included.
pub fn github_commands(log: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut paused: Option<String> = None;
    for line in log.split(['\n', '\r']) {
        let trimmed = line.trim_start();
        if let Some(token) = &paused {
            if trimmed == format!("::{token}::") {
                commands.push("resume-commands".into());
                paused = None;
            }
            continue;
        }
        if let Some((head, data)) = trimmed
            .strip_prefix("::")
            .and_then(|rest| rest.split_once("::"))
        {
            let name = head.split(' ').next().unwrap_or_default().to_string();
            if name == "stop-commands" {
                paused = Some(data.to_string());
            }
            commands.push(name);
        }
        if let Some(start) = line.find("##[") {
            let rest = &line[start + 3..];
            if let Some(end) = rest.find(']') {
                commands.push(
                    rest[..end]
                        .split(' ')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                );
            }
        }
    }
    commands
}

/// The GitLab section markers in `log`: `start NAME` / `end NAME` for each
/// `\e[0Ksection_start:TIME:NAME` or `section_end` the log viewer would draw.
pub fn gitlab_sections(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, marker) in [
        ("start", "\x1b[0Ksection_start:"),
        ("end", "\x1b[0Ksection_end:"),
    ] {
        for (at, _) in log.match_indices(marker) {
            let rest = &log[at + marker.len()..];
            let name: String = rest
                .split(':')
                .nth(1)
                .unwrap_or_default()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                .collect();
            out.push(format!("{kind} {name}"));
        }
    }
    out.sort();
    out
}

#[test]
fn the_runner_model_sees_what_a_runner_sees() {
    let log = "ok\n::warning::a\r::add-mask::b\n  ##[error]c x ##[debug]d\n::stop-commands::t1\n::error::hidden\n::t1::\n::endgroup::\n";
    assert_eq!(
        github_commands(log),
        vec![
            "warning",
            "add-mask",
            "error",
            "stop-commands",
            "resume-commands",
            "endgroup"
        ]
    );
    let gl = "\x1b[0Ksection_start:1:build_a[collapsed=true]\r\x1b[0KBuild\nx\n\x1b[0Ksection_end:2:build_a\r\x1b[0K";
    assert_eq!(gitlab_sections(gl), vec!["end build_a", "start build_a"]);
}
