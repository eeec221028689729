//! The CI system the process runs in (GitHub Actions, GitLab CI or none) and
//! what differs between them: log sections.

mod logsection;

pub use logsection::LogStyle;
