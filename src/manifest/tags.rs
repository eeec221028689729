//! Which tags an index gets: all of them when it holds every planned
//! platform, only the date-sha tag when it holds some, none when it holds none.

use crate::contract::{Platform, ProjectPlan};

use super::publish::Role;

/// The tags to point at an index holding `present`, in order: the date-sha
/// tag first, then additional tags, floating ones last (the plan keeps them
/// in that order). Additional and floating tags never move to an index that
/// lacks a planned platform, and no tag ever moves to an empty index: this is
/// the last check before anything is written, whatever the caller decided.
pub fn tags_to_set(project: &ProjectPlan, present: &[Platform]) -> Vec<(String, Role)> {
    let planned: Vec<Platform> = project.jobs.iter().map(|j| j.platform).collect();
    let has = |p: &Platform| present.contains(p);
    if present.is_empty() || planned.is_empty() || !present.iter().all(|p| planned.contains(p)) {
        return Vec::new();
    }
    let complete = planned.iter().all(has);
    project
        .tags
        .iter()
        .enumerate()
        .take(if complete { usize::MAX } else { 1 })
        .map(|(i, tag)| {
            let role = if i == 0 { Role::DateSha } else { Role::Moving };
            (tag.clone(), role)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_gets_all_tags_in_plan_order_partial_only_the_first_empty_none() {
        let mut project = crate::manifest::index::tests::project();
        project.tags = vec![
            "app-20261120-abc1234".into(),
            "app-v1".into(),
            "app-latest".into(),
        ];
        let amd64 = Platform::from_arch("amd64").expect("arch");
        let arm64 = Platform::from_arch("arm64").expect("arch");
        let armv7 = Platform::from_arch("armv7").expect("arch");
        let names =
            |present: &[Platform]| -> Vec<(String, Role)> { tags_to_set(&project, present) };
        assert_eq!(
            names(&[arm64, amd64]),
            vec![
                ("app-20261120-abc1234".to_string(), Role::DateSha),
                ("app-v1".to_string(), Role::Moving),
                ("app-latest".to_string(), Role::Moving),
            ]
        );
        assert_eq!(
            names(&[amd64]),
            vec![("app-20261120-abc1234".to_string(), Role::DateSha)]
        );
        assert_eq!(names(&[]), vec![]);
        assert_eq!(
            names(&[amd64, arm64, armv7]),
            vec![],
            "an unplanned platform"
        );
        project.jobs.clear();
        assert_eq!(tags_to_set(&project, &[amd64]), vec![], "nothing planned");
    }
}
