//! A problem found in a config file: where it is, which field, what to do.

use std::fmt;
use std::path::PathBuf;

/// One problem, rendered as `file:line:column: field: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: u64,
    pub column: u64,
    /// The key the problem is about (`platforms`, `runners.arm64.github`), or empty.
    pub field: String,
    /// What is wrong and what to do, one sentence.
    pub message: String,
}

/// One problem is one line of a CI log, whatever a config value held: a
/// control character is shown escaped, so no value can start a line.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", one_line(&self.file.display().to_string()))?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", one_line(&self.field))?;
        }
        write!(f, ": {}", one_line(&self.message))
    }
}

fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// Every problem found; validation reports them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    pub fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    /// `Ok(value)` when no problem was recorded.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Builds problems for one file.
pub struct FileProblems {
    pub file: PathBuf,
    pub problems: Problems,
}

impl FileProblems {
    pub fn new(file: impl Into<PathBuf>) -> FileProblems {
        FileProblems {
            file: file.into(),
            problems: Problems::default(),
        }
    }

    pub fn add(&mut self, line: u64, column: u64, field: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.clone(),
            line,
            column,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Orders the problems as they appear in the file.
    pub fn sort(&mut self) {
        self.problems.0.sort_by_key(|p| (p.line, p.column));
    }

    pub fn at<T>(
        &mut self,
        spanned: &serde_saphyr::Spanned<T>,
        field: &str,
        message: impl Into<String>,
    ) {
        let loc = spanned.referenced;
        self.add(loc.line(), loc.column(), field, message);
    }
}
