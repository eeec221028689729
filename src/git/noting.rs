//! gitoxide's tree-diff recorder, telling a callback each changed path as it
//! is recorded, so work on it can start while the diff goes on.

use gix::bstr::BStr;
use gix::diff::tree::visit::{Action, Change};
use gix::diff::tree::{Recorder, Visit, recorder};

/// A [`Recorder`] that also calls `note` with the path of every change.
pub struct Noting<F> {
    inner: Recorder,
    note: F,
}

impl<F: FnMut(&[u8])> Noting<F> {
    pub fn new(note: F) -> Self {
        Noting {
            inner: Recorder::default(),
            note,
        }
    }

    pub fn into_records(self) -> Vec<recorder::Change> {
        self.inner.records
    }
}

impl<F: FnMut(&[u8])> Visit for Noting<F> {
    fn pop_front_tracked_path_and_set_current(&mut self) {
        self.inner.pop_front_tracked_path_and_set_current();
    }

    fn push_back_tracked_path_component(&mut self, component: &BStr) {
        self.inner.push_back_tracked_path_component(component);
    }

    fn push_path_component(&mut self, component: &BStr) {
        self.inner.push_path_component(component);
    }

    fn pop_path_component(&mut self) {
        self.inner.pop_path_component();
    }

    fn visit(&mut self, change: Change) -> Action {
        let action = self.inner.visit(change);
        if let Some(last) = self.inner.records.last() {
            let path = match last {
                recorder::Change::Addition { path, .. }
                | recorder::Change::Deletion { path, .. }
                | recorder::Change::Modification { path, .. } => path,
            };
            (self.note)(path);
        }
        action
    }
}
