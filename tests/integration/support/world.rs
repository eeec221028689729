//! One test's world, as release-plz's `TestContext`: the real parts a test
//! drives (registry, buildah store, git daemon), each started the first time
//! the test asks for it and stopped when the world is dropped at the test's end.
//!
//! Which tools a test needs is declared on the test itself
//! (`#[cfg_attr(not(tool = "x"), ignore = ...)]`, see `support::tools`).

use std::cell::OnceCell;

use super::buildah::Buildah;
use super::git_daemon::GitDaemon;
use super::images::Pusher;
use super::registry::Registry;

#[derive(Default)]
pub struct World {
    auth: Option<(String, String)>,
    registry: OnceCell<Registry>,
    pusher: OnceCell<Pusher>,
    buildah: OnceCell<Buildah>,
    daemon: OnceCell<GitDaemon>,
}

impl World {
    pub fn new() -> World {
        World::default()
    }

    /// A world whose registry demands basic auth with this user and password.
    pub fn with_auth(user: &str, password: &str) -> World {
        World {
            auth: Some((user.to_string(), password.to_string())),
            ..World::default()
        }
    }

    /// The registry on 127.0.0.1 (`docker-registry`).
    pub fn registry(&self) -> &Registry {
        self.registry.get_or_init(|| match &self.auth {
            Some((user, password)) => Registry::start_with_auth(user, password),
            None => Registry::start(),
        })
    }

    /// Pushes small test images straight to [`World::registry`].
    pub fn pusher(&self) -> &Pusher {
        self.pusher.get_or_init(|| {
            let registry = self.registry();
            Pusher::new(&registry.host(), registry.auth())
        })
    }

    /// A buildah with its own image storage.
    pub fn buildah(&self) -> &Buildah {
        self.buildah.get_or_init(Buildah::new)
    }

    /// A `git daemon` serving repositories the test publishes.
    pub fn git_daemon(&self) -> &GitDaemon {
        self.daemon.get_or_init(GitDaemon::start)
    }
}
