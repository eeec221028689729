//! End-to-end tests: the built binary on real git repositories, a real
//! registry and real builders. All compiled into one test binary.

mod detect_cases;
mod harness_selftest;
mod output_snapshots;
mod support;
