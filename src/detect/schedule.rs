//! The schedule file (`rebuild-weekly.txt`) and `--projects` patterns: names or globs.

use globset::Glob;

use crate::config::{FileProblems, Problems, closest};

/// One pattern and the line it came from (0 for the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub line: u64,
    pub text: String,
}

/// One name or glob per line; `#` starts a comment; blank lines are skipped.
pub fn parse_schedule(text: &str) -> Vec<Pattern> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let body = line.split('#').next().unwrap_or_default().trim();
            (!body.is_empty()).then(|| Pattern {
                line: i as u64 + 1,
                text: body.to_string(),
            })
        })
        .collect()
}

/// Matches patterns against project names; a pattern matching nothing is a problem.
/// Returns the selected names (sorted, unique) with the pattern that chose each.
pub fn match_patterns(
    patterns: &[Pattern],
    projects: &[String],
    file: &str,
) -> Result<Vec<(String, Pattern)>, Problems> {
    let mut problems = FileProblems::new(file);
    let mut selected: Vec<(String, Pattern)> = Vec::new();
    for pattern in patterns {
        let matcher = match Glob::new(&pattern.text) {
            Ok(glob) => glob.compile_matcher(),
            Err(e) => {
                problems.add(
                    pattern.line,
                    1,
                    "",
                    format!(
                        "`{}` is not a valid name or glob: {}",
                        pattern.text,
                        e.kind()
                    ),
                );
                continue;
            }
        };
        let mut matched = false;
        for name in projects.iter().filter(|n| matcher.is_match(n.as_str())) {
            matched = true;
            if !selected.iter().any(|(n, _)| n == name) {
                selected.push((name.clone(), pattern.clone()));
            }
        }
        if !matched {
            let hint = match closest(&pattern.text, projects.iter().map(String::as_str)) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "remove the line or fix the name".to_string(),
            };
            problems.add(
                pattern.line,
                1,
                "",
                format!("`{}` matches no project; {hint}", pattern.text),
            );
        }
    }
    selected.sort_by(|a, b| a.0.cmp(&b.0));
    problems.problems.into_result(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn comments_blank_lines_and_globs() {
        let patterns = parse_schedule("# weekly\n\nkaniko-*  # all kaniko images\nmanifest-tool\n");
        assert_eq!(patterns.len(), 2);
        assert_eq!(
            patterns[0],
            Pattern {
                line: 3,
                text: "kaniko-*".into()
            }
        );
        let projects = names(&["kaniko-debug", "kaniko-executor", "manifest-tool", "other"]);
        let selected =
            match_patterns(&patterns, &projects, "rebuild-weekly.txt").expect("all match");
        let got: Vec<&str> = selected.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            got,
            vec!["kaniko-debug", "kaniko-executor", "manifest-tool"]
        );
    }

    #[test]
    fn unknown_name_names_the_line() {
        let patterns = parse_schedule("kaniko-executor\nkaniko-exector\n");
        let err = match_patterns(
            &patterns,
            &names(&["kaniko-executor"]),
            "rebuild-weekly.txt",
        )
        .expect_err("typo");
        assert_eq!(
            err.to_string(),
            "rebuild-weekly.txt:2:1: `kaniko-exector` matches no project; did you mean `kaniko-executor`?"
        );
    }
}
