//! The schedule file (`rebuild-weekly.txt`) and `--projects` patterns: names or globs.

use crate::config::{FileProblems, Problems, build_set, closest, parse_glob, shown};

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

/// Suggestions ("did you mean") for at most this many unmatched patterns:
/// each costs an edit distance against every project.
const MAX_HINTS: usize = 20;

/// Matches patterns against project names; a pattern matching nothing, or one
/// that is no usable glob, is a problem. Returns the selected names (sorted,
/// unique), each with the first pattern that chose it. One glob set matches
/// every name once: linear in names plus patterns.
pub fn match_patterns(
    patterns: &[Pattern],
    projects: &[String],
    file: &str,
) -> Result<Vec<(String, Pattern)>, Problems> {
    let mut problems = FileProblems::new(file);
    let mut globs = Vec::new();
    let mut usable: Vec<&Pattern> = Vec::new();
    for pattern in patterns {
        match parse_glob(&pattern.text) {
            Ok(glob) => {
                globs.push(glob);
                usable.push(pattern);
            }
            Err(why) => problems.add(
                pattern.line,
                1,
                "",
                format!("`{}` {why}", shown(&pattern.text)),
            ),
        }
    }
    let set = match build_set(&globs) {
        Ok(set) => set,
        Err(faults) => {
            for (index, why) in faults {
                match index.and_then(|i| usable.get(i)) {
                    Some(p) => problems.add(p.line, 1, "", format!("`{}` {why}", shown(&p.text))),
                    None => problems.add(
                        0,
                        0,
                        "",
                        format!("these {} patterns together {why}", usable.len()),
                    ),
                }
            }
            problems.sort();
            return Err(problems.problems);
        }
    };
    let mut matched = vec![false; usable.len()];
    let mut selected: Vec<(String, Pattern)> = Vec::new();
    for name in projects {
        let hits = set.matches(name.as_str());
        if let Some(&first) = hits.iter().min() {
            selected.push((name.clone(), usable[first].clone()));
        }
        for i in hits {
            matched[i] = true;
        }
    }
    let mut hints = 0;
    for (pattern, _) in usable.iter().zip(&matched).filter(|(_, m)| !**m) {
        hints += 1;
        let near = (hints <= MAX_HINTS)
            .then(|| closest(&pattern.text, projects.iter().map(String::as_str)))
            .flatten();
        let hint = match near {
            Some(near) => format!("did you mean `{near}`?"),
            None => "remove the line or fix the name".to_string(),
        };
        problems.add(
            pattern.line,
            1,
            "",
            format!("`{}` matches no project; {hint}", shown(&pattern.text)),
        );
    }
    selected.sort_by(|a, b| a.0.cmp(&b.0));
    selected.dedup_by(|a, b| a.0 == b.0);
    problems.sort();
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
