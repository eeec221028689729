//! A release host on 127.0.0.1 laid out like monoarch's declared home: release files
//! under `<base>/releases/download/v<version>/`, and the same `<base>` as a git
//! repository (git's own smart-HTTP backend), so ci-templates/install-monoarch.sh
//! can download, verify and fall back to compiling against one URL, as in CI.

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::git_repo::{GitRepo, run_git};
use super::registry::free_port;

const SERVER: &str = r#"
import os, subprocess, sys
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
root, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.serve()
    def do_POST(self):
        self.serve()
    def serve(self):
        path, _, query = self.path.partition("?")
        with open(log, "a") as f:
            f.write(f"{self.command} {path}\n")
        if "service=" in query or path.endswith("/git-upload-pack"):
            return self.git(path, query)
        file = os.path.realpath(os.path.join(root, path.lstrip("/")))
        if file.startswith(os.path.realpath(root) + os.sep) and os.path.isfile(file):
            data = open(file, "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
    def git(self, path, query):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_ADDR="127.0.0.1",
                   GIT_PROTOCOL=self.headers.get("Git-Protocol", ""))
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
"#;

/// The path of the served repository: `http://127.0.0.1:<port>/monoarch/monoarch`.
const HOME: &str = "monoarch/monoarch";

pub struct ReleaseServer {
    child: Child,
    port: u16,
    root: TempDir,
}

impl ReleaseServer {
    pub fn start() -> ReleaseServer {
        crate::support::tools::require("python3");
        crate::support::tools::require("git");
        let root = tempfile::tempdir().expect("temp dir for the release server");
        let script = root.path().join("server.py");
        fs::write(&script, SERVER).expect("write server script");
        run_git(root.path(), &["init", "-q", "--bare", HOME]);
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("python3")
                .arg(&script)
                .arg(root.path())
                .arg(port.to_string())
                .arg(root.path().join("requests.log"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start python3");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return ReleaseServer { child, port, root };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("release server did not start in 5 tries");
    }

    /// The base URL the templates' MONOARCH_URL points at.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/{HOME}", self.port)
    }

    /// The folder whose files are served as `<url>/releases/download/v<version>/`.
    pub fn release_dir(&self, version: &str) -> PathBuf {
        let dir = self
            .root
            .path()
            .join(HOME)
            .join(format!("releases/download/v{version}"));
        fs::create_dir_all(&dir).expect("release folder");
        dir
    }

    /// Serves `repo` (branches and tags) as the git repository at [`ReleaseServer::url`].
    pub fn publish_git(&self, repo: &GitRepo) {
        let bare = self.root.path().join(HOME);
        repo.git(&["push", "-q", "--mirror", &bare.display().to_string()]);
    }

    /// Every request so far, as `METHOD /path`.
    pub fn requests(&self) -> Vec<String> {
        fs::read_to_string(self.root.path().join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for ReleaseServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Packs `binary` with hack/package-release, as the release workflow does; returns the tarball.
pub fn package(version: &str, target: &str, binary: &Path, out: &Path) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hack/package-release");
    let output = Command::new(script)
        .args([version, target])
        .arg(binary)
        .arg(out)
        .output()
        .expect("run hack/package-release");
    assert!(
        output.status.success(),
        "hack/package-release failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out.join(format!("monoarch-{version}-{target}.tar.gz"))
}

/// [`package`] for this test build's binary, done once per build and kept in cargo's
/// test temp folder (packing a debug binary takes seconds; many tests serve it).
pub fn packaged_test_build(version: &str, target: &str) -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_monoarch"));
    let meta = fs::metadata(binary).expect("test binary");
    let stamp = format!(
        "{}-{}",
        meta.len(),
        meta.modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos())
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("release-{stamp}"));
    let tarball = dir.join(format!("monoarch-{version}-{target}.tar.gz"));
    if !tarball.exists() {
        // Pack aside, then rename: tests in other processes may race to the same file.
        let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("scratch");
        let packed = package(version, target, binary, scratch.path());
        fs::create_dir_all(&dir).expect("release cache folder");
        fs::rename(&packed, &tarball).expect("move the tarball into place");
    }
    tarball
}

/// The SHA-256 of a file, as lowercase hex.
pub fn sha256_hex(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(fs::read(path).expect("read file to hash")))
}
