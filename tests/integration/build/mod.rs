//! `monoarch build` and its source fetch, on real git daemons, buildah and a real registry.

mod failures;
mod fetch;
mod images;
mod pipeline;
