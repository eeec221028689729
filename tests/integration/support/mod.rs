//! The one test harness: real tools, started and cleaned up by the tests.

#![allow(dead_code)]

pub mod buildah;
pub mod ci_log;
pub mod fault_proxy;
pub mod fixture;
pub mod git_daemon;
pub mod git_http;
pub mod git_repo;
pub mod images;
pub mod monoarch;
pub mod plans;
pub mod registry;
pub mod release_server;
pub mod skopeo;
pub mod sshd;
pub mod tekton;
pub mod tls;
pub mod tools;
pub mod validators;
pub mod world;
