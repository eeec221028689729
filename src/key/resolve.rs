//! Base images to digests, asked of their registries: one manifest read per
//! name and platform per run, each with a deadline.
//!
//! Credentials go only to the host they belong to: `MONOARCH_REGISTRY_USERNAME`
//! / `_PASSWORD` are for the plan's own registry, so every other host gets only
//! what the docker config holds for it (or nothing: anonymous).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::contract::Platform;
use crate::env::Env;
use crate::registry::{PASSWORD_VAR, Registry, USERNAME_VAR};
use crate::store::pick;

use super::reference::{self, ImageRef};

/// The longest one base lookup may take, retries and token requests included.
pub const DEADLINE: Duration = Duration::from_secs(60);

type Cached = Result<String, String>;

/// Resolves image names to the digest of their image for a platform, once each.
pub struct Resolver {
    env: Env,
    /// `env` without the plan registry's credentials, for every other host.
    foreign_env: Env,
    own_host: String,
    insecure: Vec<String>,
    clients: Mutex<HashMap<String, Arc<Registry>>>,
    cache: tokio::sync::Mutex<HashMap<(String, Platform), Cached>>,
}

impl Resolver {
    /// `own_host` is the plan's registry (where `MONOARCH_REGISTRY_*` apply).
    pub fn new(env: &Env, own_host: &str, insecure: &[String]) -> Resolver {
        let foreign_env = Env::from_pairs(
            env.iter()
                .filter(|(k, _)| *k != USERNAME_VAR && *k != PASSWORD_VAR),
        );
        Resolver {
            env: env.clone(),
            foreign_env,
            own_host: own_host.to_string(),
            insecure: insecure.to_vec(),
            clients: Mutex::new(HashMap::new()),
            cache: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// HTTP requests sent so far to every base registry.
    pub fn requests_sent(&self) -> u64 {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.values().map(|c| c.requests_sent()).sum()
    }

    fn client(&self, host: &str) -> Result<Arc<Registry>, String> {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = clients.get(host) {
            return Ok(client.clone());
        }
        let env = if host == self.own_host {
            &self.env
        } else {
            &self.foreign_env
        };
        let client = Arc::new(Registry::new(host, &self.insecure, env).map_err(|e| e.to_string())?);
        clients.insert(host.to_string(), client.clone());
        Ok(client)
    }

    /// The digest of `name`'s image for `platform`: the platform's entry when the
    /// name points at an index, else the manifest itself. Remembered per run.
    pub async fn digest(&self, name: &str, platform: Platform) -> Result<String, String> {
        let key = (name.to_string(), platform);
        if let Some(found) = self.cache.lock().await.get(&key) {
            return found.clone();
        }
        let found = match reference::parse(name) {
            Ok(image) => {
                match tokio::time::timeout(DEADLINE, self.lookup(&image, platform)).await {
                    Ok(result) => result,
                    Err(_) => Err(format!("no answer within {}s", DEADLINE.as_secs())),
                }
            }
            Err(e) => Err(e),
        }
        .map_err(|e| format!("{name} ({platform}): {e}"));
        self.cache.lock().await.insert(key, found.clone());
        found
    }

    async fn lookup(&self, image: &ImageRef, platform: Platform) -> Result<String, String> {
        let client = self.client(&image.host)?;
        let top = client
            .fetch_manifest_only(&image.repository, &image.reference)
            .await
            .map_err(|e| e.to_string())?;
        if !top.is_index() {
            return Ok(top.digest);
        }
        pick::pick(&top.children, platform)
            .map(|(chosen, _)| chosen.digest)
            .map_err(|found| format!("its index has no {platform} image (it has: {found})"))
    }
}
