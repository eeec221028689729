//! End-to-end tests: the built binary on real git repositories, a real
//! registry and real builders. All compiled into one test binary.

mod build;
mod harness_selftest;
mod manifest;
mod support;
