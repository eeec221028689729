//! The branch rule: whether a run publishes every tag, only date-sha tags, or nothing.
//!
//! Pure: the trigger and branch names come in, the decision goes into the plan, so
//! every later job (and the preview) follows the one decision.

use crate::config::{Elsewhere, PublishRule, build_set, parse_glob};
use crate::contract::{Publish, PublishMode, Trigger};

/// Where the run is, as the CI system says.
#[derive(Debug, Clone, Default)]
pub struct RunBranch<'a> {
    /// The branch the run builds; `None` for a tag or a detached run.
    pub branch: Option<&'a str>,
    /// The repository's default branch, when known.
    pub default_branch: Option<&'a str>,
}

pub fn decide(rule: &PublishRule, trigger: Trigger, at: &RunBranch) -> Publish {
    let publish = |mode, reason: String| Publish { mode, reason };
    match trigger {
        Trigger::PullRequest | Trigger::MergeRequest => {
            return publish(
                PublishMode::None,
                "a pull or merge request only previews".into(),
            );
        }
        Trigger::Local => return publish(PublishMode::All, "local run".into()),
        Trigger::Push | Trigger::Schedule | Trigger::Manual => {}
    }
    let branches: Vec<String> = if rule.branches.is_empty() {
        vec![at.default_branch.unwrap_or("main").to_string()]
    } else {
        rule.branches.clone()
    };
    let listed = branches.join(", ");
    if let Some(branch) = at.branch
        && branches.iter().any(|pattern| matches(pattern, branch))
    {
        return publish(
            PublishMode::All,
            format!("branch `{branch}` publishes (publish branches: {listed})"),
        );
    }
    let place = match at.branch {
        Some(branch) => format!("branch `{branch}` is not a publish branch ({listed})"),
        None => format!("the run is not on a branch (publish branches: {listed})"),
    };
    match rule.elsewhere {
        Elsewhere::Preview => publish(
            PublishMode::None,
            format!("{place}: preview only (publish.elsewhere: preview)"),
        ),
        Elsewhere::DateSha => publish(
            PublishMode::DateSha,
            format!("{place}: date-sha tags only (publish.elsewhere: date-sha)"),
        ),
    }
}

/// A branch glob; an invalid one (reported by config validation) matches only itself.
fn matches(pattern: &str, branch: &str) -> bool {
    match parse_glob(pattern).map(|glob| build_set(&[glob])) {
        Ok(Ok(set)) => set.is_match(branch),
        _ => pattern == branch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(branches: &[&str], elsewhere: Elsewhere) -> PublishRule {
        PublishRule {
            branches: branches.iter().map(|b| b.to_string()).collect(),
            elsewhere,
        }
    }

    fn on(branch: Option<&'static str>) -> RunBranch<'static> {
        RunBranch {
            branch,
            default_branch: Some("trunk"),
        }
    }

    #[test]
    fn the_default_branch_publishes_everything_by_default() {
        let p = decide(&PublishRule::default(), Trigger::Push, &on(Some("trunk")));
        assert_eq!(p.mode, PublishMode::All);
        assert!(p.reason.contains("`trunk` publishes"), "{}", p.reason);
    }

    #[test]
    fn another_branch_previews_by_default() {
        let p = decide(
            &PublishRule::default(),
            Trigger::Manual,
            &on(Some("feature")),
        );
        assert_eq!(p.mode, PublishMode::None);
        assert!(
            p.reason.contains("not a publish branch (trunk)"),
            "{}",
            p.reason
        );
    }

    #[test]
    fn date_sha_elsewhere_publishes_only_date_sha_tags() {
        let p = decide(
            &rule(&[], Elsewhere::DateSha),
            Trigger::Schedule,
            &on(Some("feature")),
        );
        assert_eq!(p.mode, PublishMode::DateSha);
    }

    #[test]
    fn configured_globs_replace_the_default_branch() {
        let r = rule(&["release/*"], Elsewhere::Preview);
        assert_eq!(
            decide(&r, Trigger::Push, &on(Some("release/1.2"))).mode,
            PublishMode::All
        );
        assert_eq!(
            decide(&r, Trigger::Push, &on(Some("trunk"))).mode,
            PublishMode::None
        );
    }

    #[test]
    fn requests_preview_and_local_runs_publish() {
        let r = PublishRule::default();
        for trigger in [Trigger::PullRequest, Trigger::MergeRequest] {
            assert_eq!(
                decide(&r, trigger, &on(Some("trunk"))).mode,
                PublishMode::None
            );
        }
        assert_eq!(decide(&r, Trigger::Local, &on(None)).mode, PublishMode::All);
    }

    #[test]
    fn a_run_off_any_branch_follows_elsewhere() {
        let p = decide(&PublishRule::default(), Trigger::Push, &on(None));
        assert_eq!(p.mode, PublishMode::None);
        assert!(p.reason.contains("not on a branch"), "{}", p.reason);
    }
}
