//! A real OCI registry (Debian's `docker-registry`) on 127.0.0.1, one per test.

use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub struct Registry {
    child: ChildGuard,
    port: u16,
    dir: TempDir,
    log_path: PathBuf,
    auth: Option<(String, String)>,
}

impl Registry {
    /// Starts an open registry.
    pub fn start() -> Registry {
        Registry::launch(None, false)
    }

    /// Starts an open registry that speaks only HTTPS (a self-signed certificate).
    pub fn start_tls() -> Registry {
        Registry::launch(None, true)
    }

    /// Starts a registry that demands basic auth with this user and password.
    pub fn start_with_auth(user: &str, password: &str) -> Registry {
        crate::support::tools::require("htpasswd");
        Registry::launch(Some((user.to_string(), password.to_string())), false)
    }

    fn launch(mut auth: Option<(String, String)>, tls: bool) -> Registry {
        let binary = crate::support::tools::require("docker-registry");
        let mut dir = tempfile::tempdir().expect("temp dir for the registry");
        let storage = dir.path().join("storage");
        fs::create_dir_all(&storage).expect("registry storage dir");
        let auth_section = match &auth {
            Some((user, password)) => {
                let htpasswd = dir.path().join("htpasswd");
                let status = Command::new("htpasswd")
                    .args(["-Bbc"])
                    .arg(&htpasswd)
                    .args([user, password])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .expect("run htpasswd");
                assert!(status.success(), "htpasswd failed");
                format!(
                    "auth:\n  htpasswd:\n    realm: monoarch-test\n    path: {}\n",
                    htpasswd.display()
                )
            }
            None => String::new(),
        };
        let tls_section = if tls {
            let (cert, key) = crate::support::tls::self_signed(dir.path());
            format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            )
        } else {
            String::new()
        };
        // A port may be taken between probing and binding; try a few.
        for _ in 0..5 {
            let port = free_port();
            let config = dir.path().join("config.yml");
            fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                     http:\n  addr: 127.0.0.1:{port}\n{tls_section}{auth_section}",
                    storage.display()
                ),
            )
            .expect("write registry config");
            let log_path = dir.path().join("registry.log");
            let log = fs::File::create(&log_path).expect("registry log");
            let child = Command::new(&binary)
                .arg("serve")
                .arg(&config)
                .stdout(log.try_clone().expect("clone log handle"))
                .stderr(log)
                .spawn()
                .expect("start docker-registry");
            let mut registry = Registry {
                child: ChildGuard(child),
                port,
                dir,
                log_path,
                auth,
            };
            if registry.wait_ready() {
                return registry;
            }
            let log = registry.log();
            drop(registry.child);
            if !log.contains("address already in use") {
                panic!("docker-registry did not start; its log:\n{log}");
            }
            dir = registry.dir;
            auth = registry.auth.take();
        }
        panic!("docker-registry found no free port in 5 tries");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.0.try_wait() {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// `127.0.0.1:PORT`, the registry host as images name it.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn auth(&self) -> Option<&(String, String)> {
        self.auth.as_ref()
    }

    /// A scratch folder that lives as long as the registry.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything the registry logged so far, access log lines included.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = fs::File::open(&self.log_path) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    /// Access-log request lines with this method (`PUT`, `GET`, `HEAD`), e.g.
    /// `"PUT /v2/repo/manifests/tag HTTP/1.1"`.
    pub fn requests(&self, method: &str) -> Vec<String> {
        let needle = format!("\"{method} /v2/");
        self.log()
            .lines()
            .filter_map(|line| {
                let start = line.find(&needle)?;
                let rest = &line[start + 1..];
                Some(rest[..rest.find('"')?].to_string())
            })
            .collect()
    }
}

/// Kills the registry process when the test is done with it.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a free port on 127.0.0.1")
}
