//! The one test harness: real tools, started and cleaned up by the tests.

#![allow(dead_code)]

pub mod fixture;
pub mod git_repo;
pub mod monoarch;
pub mod registry;
pub mod tools;
