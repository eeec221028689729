//! Talking to git servers (gitoxide): listing refs, fetching, deepening; every
//! operation under a deadline, with credentials only where they belong.
//!
//! HTTPS goes through reqwest and rustls (the registry client's stack), `ssh://`
//! and `git@host:path` through the `ssh` program (see [`super::ssh`]), `git://`
//! over TCP. Each operation runs on its own thread so that the overall deadline
//! holds even when a server stops answering mid-read.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gix::remote::Direction;
use thiserror::Error;

use super::ssh::SshSettings;
use crate::env::Env;

/// Time limits for one git network operation. `MONOARCH_GIT_TIMEOUT` (whole
/// operation) and `MONOARCH_GIT_IDLE_TIMEOUT` (connecting, and any wait for the
/// next bytes) in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub deadline: Duration,
    pub idle: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            deadline: Duration::from_secs(600),
            idle: Duration::from_secs(60),
        }
    }
}

pub const TIMEOUT_VAR: &str = "MONOARCH_GIT_TIMEOUT";
pub const IDLE_TIMEOUT_VAR: &str = "MONOARCH_GIT_IDLE_TIMEOUT";

impl Limits {
    pub fn from_env(env: &Env) -> Result<Limits, NetError> {
        let seconds = |var: &'static str, default: Duration| match env.get(var) {
            None => Ok(default),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
                _ => Err(NetError::Setting {
                    var,
                    message: format!("`{text}` is not a whole number of seconds above 0"),
                }),
            },
        };
        let default = Limits::default();
        Ok(Limits {
            deadline: seconds(TIMEOUT_VAR, default.deadline)?,
            idle: seconds(IDLE_TIMEOUT_VAR, default.idle)?,
        })
    }
}

/// The credential a connection may offer, decided before connecting.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpToken {
    /// Where the secret came from, for messages.
    pub var: &'static str,
    pub username: String,
    pub secret: String,
}

impl std::fmt::Debug for HttpToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HttpToken(from {}, user {})", self.var, self.username)
    }
}

/// Everything a connection needs, read from the environment once.
#[derive(Clone)]
pub struct Access {
    pub limits: Limits,
    /// Offered only when an `https://` server asks for it (gitoxide never sends
    /// credentials over plain `http://`).
    pub token: Option<HttpToken>,
    pub ssh: SshSettings,
    /// Extra trusted roots (`MONOARCH_CA_FILE`) on top of the system's.
    pub roots: Vec<reqwest::Certificate>,
}

#[derive(Debug, Error)]
pub enum NetError {
    #[error("${var}: {message}")]
    Setting { var: &'static str, message: String },
    #[error("no answer within {seconds} s (${TIMEOUT_VAR}); the server is slow or unreachable")]
    TimedOut { seconds: u64 },
    #[error("{message}")]
    Failed {
        message: String,
        /// The server asked for credentials.
        auth_asked: bool,
        /// A token was offered and refused.
        auth_refused: bool,
        /// The TLS certificate could not be verified.
        untrusted: bool,
    },
}

impl NetError {
    fn from_gix(e: &gix::Error, auth: &AuthLog) -> NetError {
        let message = chain(e);
        let lower = message.to_ascii_lowercase();
        NetError::Failed {
            untrusted: lower.contains("certificate") || lower.contains("unknownissuer"),
            auth_asked: auth.asked,
            auth_refused: auth.refused,
            message,
        }
    }
}

/// The error and its causes in one line, without repeats.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// What the server asked of the credential callback.
#[derive(Debug, Default, Clone, Copy)]
struct AuthLog {
    asked: bool,
    refused: bool,
}

/// Runs `op` on its own thread and gives up at the deadline: the operation is
/// told to stop (`interrupt`) and its thread is left to wind down.
fn with_deadline<T: Send + 'static>(
    limits: &Limits,
    op: impl FnOnce(&AtomicBool) -> T + Send + 'static,
) -> Result<T, NetError> {
    let interrupt = Arc::new(AtomicBool::new(false));
    let (send, receive) = std::sync::mpsc::channel();
    let flag = Arc::clone(&interrupt);
    std::thread::Builder::new()
        .name("monoarch git".into())
        .spawn(move || {
            let _ = send.send(op(&flag));
        })
        .map_err(|e| NetError::Failed {
            message: format!("cannot start a thread: {e}"),
            auth_asked: false,
            auth_refused: false,
            untrusted: false,
        })?;
    match receive.recv_timeout(limits.deadline) {
        Ok(value) => Ok(value),
        Err(_) => {
            interrupt.store(true, Ordering::Relaxed);
            Err(NetError::TimedOut {
                seconds: limits.deadline.as_secs(),
            })
        }
    }
}

/// A scratch repository's settings: nothing from the user's or the system's git
/// configuration (no `insteadOf` rewrites, no extra headers, no credential
/// helpers), and monoarch's ssh command.
fn open_options(access: &Access) -> gix::open::Options {
    gix::open::Options::isolated().config_overrides([
        format!("core.sshCommand={}", access.ssh.command(access.limits.idle)),
        "ssh.variant=ssh".to_string(),
        concat!("gitoxide.userAgent=monoarch/", env!("CARGO_PKG_VERSION")).to_string(),
        "protocol.version=2".to_string(),
    ])
}

/// HTTP settings for gitoxide's reqwest transport: timeouts, roots, user agent.
fn http_options(access: &Access) -> gix::protocol::transport::client::blocking_io::http::Options {
    use gix::protocol::transport::client::blocking_io::http;
    let limits = access.limits;
    let roots = access.roots.clone();
    let backend = http::reqwest::Options {
        configure_client: Some(Box::new(move |builder| {
            crate::tls::install_provider();
            // The blocking client's `timeout` bounds each connect, request and
            // body read: a stalled server fails after `idle`; the thread in
            // `with_deadline` bounds the whole operation.
            Ok(builder
                .connect_timeout(limits.idle)
                .timeout(limits.idle)
                .tls_certs_merge(roots.clone()))
        })),
        configure_request: None,
    };
    http::Options {
        follow_redirects: http::options::FollowRedirects::Initial,
        connect_timeout: Some(limits.idle),
        user_agent: Some(concat!("monoarch/", env!("CARGO_PKG_VERSION")).to_string()),
        backend: Some(Arc::new(std::sync::Mutex::new(backend))),
        ..Default::default()
    }
}

/// Connects `remote` with monoarch's credentials and transport settings, then runs `f`.
fn connected<T>(
    remote: &gix::Remote<'_>,
    access: &Access,
    auth: &Arc<Mutex<AuthLog>>,
    f: impl FnOnce(
        gix::remote::Connection<
            '_,
            '_,
            '_,
            Box<dyn gix::protocol::transport::client::blocking_io::Transport + Send>,
        >,
    ) -> Result<T, gix::Error>,
) -> Result<T, gix::Error> {
    let mut connection = remote.connect(Direction::Fetch)?;
    if matches!(
        remote.url(Direction::Fetch).map(|u| u.scheme.clone()),
        Some(gix::url::Scheme::Http | gix::url::Scheme::Https)
    ) {
        connection = connection.with_transport_options(Box::new(http_options(access)));
    }
    let token = access.token.clone();
    let log = Arc::clone(auth);
    let connection = connection.with_credentials(move |action| {
        use gix::credentials::helper::Action;
        let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
        match action {
            Action::Get(context) => {
                log.asked = true;
                let https = context
                    .url
                    .as_ref()
                    .is_some_and(|u| u.starts_with(b"https://"));
                Ok(token
                    .as_ref()
                    .filter(|_| https)
                    .map(|t| gix::credentials::protocol::Outcome {
                        identity: gix::sec::identity::Account {
                            username: t.username.clone(),
                            password: t.secret.clone(),
                            oauth_refresh_token: None,
                        },
                        next: gix::credentials::helper::NextAction::from(context),
                    }))
            }
            Action::Erase(_) => {
                log.refused = true;
                Ok(None)
            }
            Action::Store(_) => Ok(None),
        }
    });
    f(connection)
}

fn auth_log(auth: &Arc<Mutex<AuthLog>>) -> AuthLog {
    *auth.lock().unwrap_or_else(|p| p.into_inner())
}

fn scratch_failed(e: impl std::fmt::Display) -> NetError {
    NetError::Failed {
        message: format!("cannot prepare a scratch repository: {e}"),
        auth_asked: false,
        auth_refused: false,
        untrusted: false,
    }
}

/// `git ls-remote`: every advertised `(ref name, oid)`; an annotated tag also
/// as `name^{}` with the commit it peels to.
pub fn list_refs(url: &str, access: &Access) -> Result<Vec<(String, String)>, NetError> {
    let (url, access_in) = (url.to_string(), access.clone());
    with_deadline(&access.limits, move |_interrupt| {
        let scratch = tempfile::tempdir().map_err(scratch_failed)?;
        let repo = gix::ThreadSafeRepository::init_opts(
            scratch.path(),
            gix::create::Kind::Bare,
            gix::create::Options::default(),
            open_options(&access_in),
        )
        .map_err(scratch_failed)?
        .to_thread_local();
        let auth = Arc::new(Mutex::new(AuthLog::default()));
        let listed = (|| {
            let remote = repo
                .remote_at_without_url_rewrite(url.as_str())?
                .with_fetch_tags(gix::remote::fetch::Tags::None)
                .with_refspecs(["+refs/*:refs/*"], Direction::Fetch)?;
            connected(&remote, &access_in, &auth, |connection| {
                // Every ref, as `git ls-remote` lists them (no prefix filter).
                let options = gix::remote::ref_map::Options {
                    prefix_from_spec_as_filter_on_remote: false,
                    ..Default::default()
                };
                let (ref_map, _) = connection.ref_map(gix::progress::Discard, options)?;
                Ok(ref_map.remote_refs)
            })
        })()
        .map_err(|e| NetError::from_gix(&e, &auth_log(&auth)))?;
        let mut out = Vec::new();
        for r in listed {
            use gix::protocol::handshake::Ref;
            match r {
                Ref::Peeled {
                    full_ref_name,
                    tag,
                    object,
                } => {
                    out.push((full_ref_name.to_string(), tag.to_string()));
                    out.push((format!("{full_ref_name}^{{}}"), object.to_string()));
                }
                Ref::Direct {
                    full_ref_name,
                    object,
                }
                | Ref::Symbolic {
                    full_ref_name,
                    object,
                    ..
                } => out.push((full_ref_name.to_string(), object.to_string())),
                Ref::Unborn { .. } => {}
            }
        }
        tracing::debug!(refs = out.len(), "listed the remote's refs");
        tracing::trace!(?out, "remote refs");
        Ok(out)
    })?
}

/// A fresh work repository at `dest` (which must be empty) with monoarch's
/// isolated settings, ready for [`fetch`].
pub fn init_work_repo(dest: &Path, access: &Access) -> Result<(), NetError> {
    gix::ThreadSafeRepository::init_opts(
        dest,
        gix::create::Kind::WithWorktree,
        gix::create::Options::default(),
        open_options(access),
    )
    .map(|_| ())
    .map_err(scratch_failed)
}

/// Fetches `refspecs` from `url` into the repository at `dest`; `depth` 1 for
/// the tip alone, `None` for full history. No tags beyond the refspecs.
pub fn fetch(
    dest: &Path,
    url: &str,
    refspecs: &[String],
    depth: Option<NonZeroU32>,
    access: &Access,
) -> Result<(), NetError> {
    let (dest, url, refspecs, access_in) = (
        dest.to_path_buf(),
        url.to_string(),
        refspecs.to_vec(),
        access.clone(),
    );
    with_deadline(&access.limits, move |interrupt| {
        let repo = gix::ThreadSafeRepository::open_opts(&dest, open_options(&access_in))
            .map_err(scratch_failed)?
            .to_thread_local();
        let auth = Arc::new(Mutex::new(AuthLog::default()));
        (|| {
            let remote = repo
                .remote_at_without_url_rewrite(url.as_str())?
                .with_fetch_tags(gix::remote::fetch::Tags::None)
                .with_refspecs(refspecs.iter().map(String::as_str), Direction::Fetch)?;
            connected(&remote, &access_in, &auth, |connection| {
                let mut prepare =
                    connection.prepare_fetch(gix::progress::Discard, Default::default())?;
                if let Some(depth) = depth {
                    prepare =
                        prepare.with_shallow(gix::remote::fetch::Shallow::DepthAtRemote(depth));
                }
                prepare.receive(gix::progress::Discard, interrupt)?;
                Ok(())
            })
        })()
        .map_err(|e| NetError::from_gix(&e, &auth_log(&auth)))
    })?
}

/// Fetches the whole history of `origin` into the repository around `root`
/// (unshallow), with that repository's own configuration and credentials.
pub fn deepen(root: &Path, limits: &Limits) -> Result<(), NetError> {
    let root: PathBuf = root.to_path_buf();
    with_deadline(limits, move |interrupt| {
        let auth = AuthLog::default();
        (|| {
            let repo = gix::open(&root)?;
            let remote = repo.find_remote("origin")?;
            let connection = remote.connect(Direction::Fetch)?;
            connection
                .prepare_fetch(gix::progress::Discard, Default::default())?
                .with_shallow(gix::remote::fetch::Shallow::undo())
                .receive(gix::progress::Discard, interrupt)?;
            Ok(())
        })()
        .map_err(|e: gix::Error| NetError::from_gix(&e, &auth))
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_come_from_the_environment() {
        assert_eq!(
            Limits::from_env(&Env::default()).ok(),
            Some(Limits::default())
        );
        let env = Env::from_pairs([(TIMEOUT_VAR, "30"), (IDLE_TIMEOUT_VAR, "5")]);
        assert_eq!(
            Limits::from_env(&env).ok(),
            Some(Limits {
                deadline: Duration::from_secs(30),
                idle: Duration::from_secs(5)
            })
        );
        let bad = Env::from_pairs([(TIMEOUT_VAR, "soon")]);
        let err = Limits::from_env(&bad).expect_err("not a number");
        assert!(err.to_string().contains("MONOARCH_GIT_TIMEOUT"), "{err}");
    }

    #[test]
    fn the_deadline_holds_when_the_operation_hangs() {
        let limits = Limits {
            deadline: Duration::from_millis(200),
            idle: Duration::from_millis(100),
        };
        let started = std::time::Instant::now();
        let outcome = with_deadline(&limits, |interrupt: &AtomicBool| {
            while !interrupt.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        assert!(matches!(outcome, Err(NetError::TimedOut { .. })));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
