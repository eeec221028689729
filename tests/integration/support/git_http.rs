//! A real smart-HTTP git server (`git http-backend`) on 127.0.0.1 that demands
//! basic auth, like a private upstream. A small Python front end does the
//! HTTP and the password check, and records the `Authorization` header of every
//! request (so tests can see where a token went); git itself serves the repositories.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::git_repo::GitRepo;
use super::registry::free_port;

const SERVER: &str = r#"
import base64, gzip, os, subprocess, sys
from http.server import HTTPServer, BaseHTTPRequestHandler
root, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.serve()
    def do_POST(self):
        self.serve()
    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""
    def serve(self):
        body = self.body()
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        with open(os.path.join(root, "authorization.log"), "a") as log:
            log.write((self.headers.get("Authorization") or "-") + "\n")
        if os.environ.get("PUBLIC") != "1" and self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="private"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_USER=user, REMOTE_ADDR="127.0.0.1",
                   GIT_PROTOCOL="" if os.environ.get("V0") == "1" else self.headers.get("Git-Protocol", ""))
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

server = HTTPServer(("127.0.0.1", port), Handler)
if len(sys.argv) > 6:
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[5], sys.argv[6])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"#;

pub struct GitHttp {
    child: Child,
    port: u16,
    root: TempDir,
    tls: bool,
}

/// How the server behaves beyond serving git.
#[derive(Clone, Copy, Default)]
struct Mode {
    tls: bool,
    /// No password needed.
    public: bool,
    /// Protocol v0 only (the client's `Git-Protocol` header is dropped): stock
    /// git then refuses a "want" for an unadvertised sha.
    v0: bool,
}

impl GitHttp {
    /// Starts a server that accepts only `user` / `password`.
    pub fn start(user: &str, password: &str) -> GitHttp {
        GitHttp::launch(user, password, Mode::default())
    }

    /// A public server (no password) that speaks only protocol v0.
    pub fn start_public_v0() -> GitHttp {
        let mode = Mode {
            public: true,
            v0: true,
            ..Mode::default()
        };
        GitHttp::launch("-", "-", mode)
    }

    /// The same over HTTPS with a certificate for 127.0.0.1 from a private CA;
    /// clients trust it through [`GitHttp::ca_file`] (`MONOARCH_CA_FILE`).
    pub fn start_tls(user: &str, password: &str) -> GitHttp {
        crate::support::tools::require("openssl");
        let mode = Mode {
            tls: true,
            ..Mode::default()
        };
        GitHttp::launch(user, password, mode)
    }

    /// The private CA that signed a TLS server's certificate.
    pub fn ca_file(&self) -> std::path::PathBuf {
        self.root.path().join("ca.pem")
    }

    fn launch(user: &str, password: &str, mode: Mode) -> GitHttp {
        let tls = mode.tls;
        crate::support::tools::require("python3");
        crate::support::tools::require("git");
        let root = tempfile::tempdir().expect("temp dir for git http");
        let script = root.path().join("server.py");
        std::fs::write(&script, SERVER).expect("write server script");
        let (cert, key) = (root.path().join("cert.pem"), root.path().join("key.pem"));
        if tls {
            // A private CA and a server certificate it signed (rustls, like
            // browsers, refuses a CA certificate used as the server's own).
            let dir = root.path();
            let openssl = |args: &[&str]| {
                let out = Command::new("openssl")
                    .args(args)
                    .current_dir(dir)
                    .output()
                    .expect("run openssl");
                assert!(
                    out.status.success(),
                    "openssl {args:?} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=monoarch test CA",
                "-keyout",
                "ca-key.pem",
                "-out",
                "ca.pem",
            ]);
            openssl(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "key.pem",
                "-out",
                "server.csr",
            ]);
            std::fs::write(
                dir.join("server.ext"),
                "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
            )
            .expect("write extensions");
            openssl(&[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "server.ext",
                "-out",
                "cert.pem",
            ]);
        }
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("python3")
                .arg(&script)
                .arg(root.path())
                .arg(port.to_string())
                .args([user, password])
                .args(if tls {
                    vec![cert.clone(), key.clone()]
                } else {
                    vec![]
                })
                .env("PUBLIC", if mode.public { "1" } else { "0" })
                .env("V0", if mode.v0 { "1" } else { "0" })
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
                    return GitHttp {
                        child,
                        port,
                        root,
                        tls,
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("git http server did not start in 5 tries");
    }

    /// The `Authorization` header of every request so far, in order (`-` when
    /// there was none).
    pub fn authorizations(&self) -> Vec<String> {
        std::fs::read_to_string(self.root.path().join("authorization.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// `host:port` of the server, e.g. for `MONOARCH_GIT_TOKEN_HOST`.
    pub fn authority(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Publishes `repo` as `<name>.git`; returns its `http://` URL.
    pub fn publish(&self, repo: &GitRepo, name: &str) -> String {
        repo.mirror_to(self.root.path(), name);
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/{name}.git", self.port)
    }
}

impl Drop for GitHttp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
