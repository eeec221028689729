//! Base resolution against small hand-made histories: every rule, no git.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// A history of named commits. Commits listed in `hidden` are missing from
/// the (shallow) clone until [`History::deepen`] fetches them.
struct Table {
    parents: BTreeMap<&'static str, Vec<&'static str>>,
    refs: BTreeMap<&'static str, &'static str>,
    hidden: BTreeSet<&'static str>,
    deepened: Cell<bool>,
}

impl Table {
    /// `commits`: each commit with its parents, oldest first.
    fn new(commits: &[(&'static str, &[&'static str])]) -> Table {
        Table {
            parents: commits.iter().map(|(c, p)| (*c, p.to_vec())).collect(),
            refs: BTreeMap::new(),
            hidden: BTreeSet::new(),
            deepened: Cell::new(false),
        }
    }

    fn refs(mut self, refs: &[(&'static str, &'static str)]) -> Table {
        self.refs.extend(refs.iter().copied());
        self
    }

    /// A shallow clone lacking these commits until deepened.
    fn lacking(mut self, commits: &[&'static str]) -> Table {
        self.hidden.extend(commits.iter().copied());
        self
    }

    fn present(&self, c: &str) -> bool {
        self.parents.contains_key(c) && (self.deepened.get() || !self.hidden.contains(c))
    }

    fn ancestors(&self, c: &'static str) -> BTreeSet<&'static str> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![c];
        while let Some(c) = todo.pop() {
            if self.present(c) && seen.insert(c) {
                todo.extend(self.parents[c].iter().copied());
            }
        }
        seen
    }
}

impl History for Table {
    type Id = &'static str;

    fn resolve(&self, spec: &str) -> Option<&'static str> {
        let id = match self.refs.get(spec) {
            Some(id) => *id,
            None => *self.parents.keys().find(|c| **c == spec)?,
        };
        self.present(id).then_some(id)
    }

    fn is_shallow(&self) -> bool {
        !self.hidden.is_empty() && !self.deepened.get()
    }

    fn merge_base(&self, a: &'static str, b: &'static str) -> Option<&'static str> {
        let common: BTreeSet<_> = self
            .ancestors(a)
            .intersection(&self.ancestors(b))
            .copied()
            .collect();
        // The best common ancestor: one no other common ancestor descends from.
        common.iter().copied().find(|c| {
            !common
                .iter()
                .any(|d| d != c && self.ancestors(d).contains(c))
        })
    }

    fn is_ancestor(&self, ancestor: &'static str, descendant: &'static str) -> bool {
        self.ancestors(descendant).contains(ancestor)
    }

    fn first_parent(&self, commit: &'static str) -> Option<&'static str> {
        self.parents
            .get(commit)?
            .first()
            .copied()
            .filter(|p| self.present(p))
    }

    fn default_branch(
        &self,
        configured: Option<&str>,
        extra: &[String],
    ) -> Option<(String, &'static str)> {
        let mut names: Vec<String> = configured
            .map(|n| vec![format!("origin/{n}"), n.to_string()])
            .unwrap_or_default();
        names.extend(extra.iter().cloned());
        names.extend(["origin/main", "origin/master", "main", "master"].map(String::from));
        names
            .into_iter()
            .find_map(|n| self.resolve(&n).map(|id| (n, id)))
    }

    fn deepen(&self) -> Result<(), GitError> {
        self.deepened.set(true);
        Ok(())
    }
}

const NO_OPTIONS: BaseOptions<'static> = BaseOptions {
    default_branch: None,
    branch_hints: &[],
    deepen: false,
};

/// main: m1 - m2 - m3; feature branches off m2: f1 - f2 (HEAD).
fn branched() -> Table {
    Table::new(&[
        ("m1", &[]),
        ("m2", &["m1"]),
        ("m3", &["m2"]),
        ("f1", &["m2"]),
        ("f2", &["f1"]),
    ])
    .refs(&[("origin/main", "m3"), ("v1", "m1")])
}

fn push(before: &str) -> Request {
    Request::PushBefore {
        before: Some(before.to_string()),
        trigger: Trigger::Push,
        why: "push".into(),
    }
}

fn base_of(r: &Resolved<&'static str>) -> Option<&'static str> {
    match r.choice {
        Choice::Changes { base } => Some(base),
        _ => None,
    }
}

#[test]
fn an_explicit_base_on_the_branch_is_taken_as_it_is() {
    let request = Request::Explicit {
        git_ref: "v1".into(),
        trigger: Trigger::Local,
    };
    let r = resolve(&request, &branched(), "f2", &NO_OPTIONS).expect("resolved");
    assert_eq!(base_of(&r), Some("m1"));
    assert_eq!(r.reason, "--base v1 (m1)");
}

#[test]
fn an_explicit_base_off_the_branch_gives_the_merge_base() {
    let request = Request::Explicit {
        git_ref: "origin/main".into(),
        trigger: Trigger::Local,
    };
    let r = resolve(&request, &branched(), "f2", &NO_OPTIONS).expect("resolved");
    assert_eq!(base_of(&r), Some("m2"));
    assert_eq!(r.reason, "--base origin/main: its merge base with HEAD, m2");
}

#[test]
fn an_unknown_base_is_a_git_error_or_a_shallow_one() {
    let request = Request::Explicit {
        git_ref: "v9".into(),
        trigger: Trigger::Local,
    };
    let full = resolve(&request, &branched(), "f2", &NO_OPTIONS);
    assert!(matches!(full, Err(GitError::UnknownRef { .. })), "{full:?}");
    // A name the clone does not know is unknown, shallow clone or not; a
    // missing sha may be history the shallow clone lacks.
    let shallow = branched().lacking(&["m1"]);
    let r = resolve(&request, &shallow, "f2", &NO_OPTIONS);
    assert!(matches!(r, Err(GitError::UnknownRef { .. })), "{r:?}");
    let sha = Request::Explicit {
        git_ref: "deadbeef".into(),
        trigger: Trigger::Local,
    };
    let r = resolve(&sha, &shallow, "f2", &NO_OPTIONS);
    assert!(matches!(r, Err(GitError::Shallow { .. })), "{r:?}");
}

#[test]
fn a_push_compares_with_before_when_it_is_an_ancestor() {
    let r = resolve(&push("f1"), &branched(), "f2", &NO_OPTIONS).expect("resolved");
    assert_eq!(base_of(&r), Some("f1"));
    assert_eq!(r.reason, "push (f1)");
}

#[test]
fn a_force_push_compares_with_the_common_ancestor() {
    // `before` (m3) is no ancestor of HEAD (f2): the merge base is m2.
    let r = resolve(&push("m3"), &branched(), "f2", &NO_OPTIONS).expect("resolved");
    assert_eq!(base_of(&r), Some("m2"));
    assert!(
        r.reason.contains("not an ancestor of HEAD (force push)"),
        "{}",
        r.reason
    );
}

#[test]
fn a_new_branch_compares_with_the_default_branch() {
    let zeros = "0000000000000000000000000000000000000000";
    let r = resolve(&push(zeros), &branched(), "f2", &NO_OPTIONS).expect("resolved");
    assert_eq!(base_of(&r), Some("m2"));
    assert!(
        r.reason.contains("all zeros (the first push of"),
        "{}",
        r.reason
    );
    assert!(r.reason.contains("origin/main"), "{}", r.reason);

    let no_default = Table::new(&[("a", &[]), ("b", &["a"])]);
    let r = resolve(&push(zeros), &no_default, "b", &NO_OPTIONS).expect("resolved");
    assert_eq!(r.choice, Choice::All);
    assert!(
        r.reason.contains("no default branch in the clone"),
        "{}",
        r.reason
    );
}

/// On the default branch a merge base with it is HEAD itself: an unknown
/// base there selects every project, never nothing.
#[test]
fn an_unknown_base_on_the_default_branch_selects_every_project() {
    let zeros = "0000000000000000000000000000000000000000";
    let unknown = Request::PushBefore {
        before: None,
        trigger: Trigger::Push,
        why: "push without before".into(),
    };
    for request in [push(zeros), push("gone"), unknown] {
        let r = resolve(&request, &branched(), "m3", &NO_OPTIONS).expect("resolved");
        assert_eq!(r.choice, Choice::All, "{request:?}");
        assert!(
            r.reason.contains("HEAD is on origin/main, so there is no earlier commit to compare with: every project"),
            "{}",
            r.reason
        );
    }
    // Behind the default branch's tip (an older commit of main) is the same.
    let r = resolve(&push(zeros), &branched(), "m2", &NO_OPTIONS).expect("resolved");
    assert_eq!(r.choice, Choice::All);
    // A first push of a repository: one commit, the default branch itself.
    let first = Table::new(&[("c1", &[]), ("c2", &["c1"])]).refs(&[("origin/main", "c2")]);
    let r = resolve(&push(zeros), &first, "c2", &NO_OPTIONS).expect("resolved");
    assert_eq!(r.choice, Choice::All);
}

#[test]
fn a_before_missing_from_a_full_clone_falls_back_but_a_shallow_clone_fails() {
    let r = resolve(&push("gone"), &branched(), "f2", &NO_OPTIONS).expect("resolved");
    assert_eq!(base_of(&r), Some("m2"));
    assert!(
        r.reason.contains("is not in the clone (force push?)"),
        "{}",
        r.reason
    );

    let shallow = branched().lacking(&["f1"]);
    let r = resolve(&push("f1"), &shallow, "f2", &NO_OPTIONS);
    assert!(matches!(r, Err(GitError::Shallow { .. })), "{r:?}");
}

#[test]
fn deepen_fetches_the_history_and_resolves_again() {
    let shallow = branched().lacking(&["f1"]);
    let options = BaseOptions {
        deepen: true,
        ..NO_OPTIONS
    };
    let r = resolve(&push("f1"), &shallow, "f2", &options).expect("resolved after deepening");
    assert_eq!(base_of(&r), Some("f1"));
    assert!(shallow.deepened.get());
}

#[test]
fn a_merge_request_takes_the_first_base_the_clone_has() {
    let request = Request::MergeBase {
        with: vec!["missing-sha".into(), "origin/main".into()],
        trigger: Trigger::MergeRequest,
        why: "merge request".into(),
    };
    let r = resolve(&request, &branched(), "f2", &NO_OPTIONS).expect("resolved");
    assert_eq!(base_of(&r), Some("m2"));
    assert_eq!(r.reason, "merge request (origin/main, merge base m2)");
}

#[test]
fn no_common_history_means_every_project() {
    let two_roots = Table::new(&[("a", &[]), ("x", &[])]).refs(&[("other", "x")]);
    let request = Request::Explicit {
        git_ref: "other".into(),
        trigger: Trigger::Local,
    };
    let r = resolve(&request, &two_roots, "a", &NO_OPTIONS).expect("resolved");
    assert_eq!(r.choice, Choice::All);
    assert!(
        r.reason.contains("shares no history with HEAD"),
        "{}",
        r.reason
    );
}

#[test]
fn a_local_run_compares_with_the_default_branch_or_the_last_commit() {
    let r = resolve(&Request::LocalDefault, &branched(), "f2", &NO_OPTIONS).expect("resolved");
    assert_eq!(base_of(&r), Some("m2"));
    assert_eq!(r.reason, "local run: merge base with origin/main (m2)");

    let on_main =
        resolve(&Request::LocalDefault, &branched(), "m3", &NO_OPTIONS).expect("resolved");
    assert_eq!(base_of(&on_main), Some("m2"), "the last commit's changes");
    assert!(
        on_main.reason.contains("HEAD is on origin/main"),
        "{}",
        on_main.reason
    );

    let first = Table::new(&[("only", &[])]).refs(&[("main", "only")]);
    let r = resolve(&Request::LocalDefault, &first, "only", &NO_OPTIONS).expect("resolved");
    assert_eq!(r.choice, Choice::All);
    assert!(
        r.reason.contains("HEAD is the first commit"),
        "{}",
        r.reason
    );
}
