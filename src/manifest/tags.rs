//! Which tags an index gets: all of them when complete, only the date-sha tag when partial.

use crate::contract::ProjectPlan;

/// How complete a project's set of arch images is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// Every planned architecture is present.
    Complete,
    /// Some are missing and `--allow-partial` was given.
    Partial,
}

/// The tags to point at the index, in order: the date-sha tag first, then
/// additional tags, floating ones last (the plan keeps them in that order).
/// A partial index gets only the date-sha tag: floating and additional tags
/// never move to an index that lacks a planned architecture.
pub fn tags_to_set(project: &ProjectPlan, completeness: Completeness) -> Vec<String> {
    match completeness {
        Completeness::Complete => project.tags.clone(),
        Completeness::Partial => project.tags.iter().take(1).cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_gets_all_tags_in_plan_order_partial_only_the_first() {
        let mut project = crate::manifest::index::tests::project();
        project.tags = vec![
            "app-20261120-abc1234".into(),
            "app-v1".into(),
            "app-latest".into(),
        ];
        assert_eq!(tags_to_set(&project, Completeness::Complete), project.tags);
        assert_eq!(
            tags_to_set(&project, Completeness::Partial),
            vec!["app-20261120-abc1234".to_string()]
        );
    }
}
