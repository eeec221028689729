//! One job's console output, kept while the job runs next to others and written
//! whole when it ends, so concurrent jobs' logs do not interleave line by line.

use std::sync::Mutex;

use crate::ci::Console;

/// What one job wrote, in order (`true`: stderr).
#[derive(Default)]
pub struct Buffered {
    parts: Mutex<Vec<(bool, String)>>,
}

impl Console for Buffered {
    fn out(&self, text: &str) {
        self.push(false, text);
    }

    fn err(&self, text: &str) {
        self.push(true, text);
    }
}

impl Buffered {
    fn push(&self, err: bool, text: &str) {
        self.parts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((err, text.to_string()));
    }

    /// Writes everything kept to `to`, holding `one_at_a_time` so that two jobs
    /// ending together do not mix their blocks.
    pub fn flush(self, to: &dyn Console, one_at_a_time: &Mutex<()>) {
        let parts = self.parts.into_inner().unwrap_or_else(|p| p.into_inner());
        let _turn = one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
        for (err, text) in parts {
            if err { to.err(&text) } else { to.out(&text) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::Recorded;

    #[test]
    fn keeps_the_order_and_the_stream_of_each_part() {
        let job = Buffered::default();
        job.out("a\n");
        job.err("b\n");
        job.out("c\n");
        let to = Recorded::default();
        job.flush(&to, &Mutex::new(()));
        assert_eq!(*to.out.lock().expect("lock"), "a\nc\n");
        assert_eq!(*to.err.lock().expect("lock"), "b\n");
    }
}
