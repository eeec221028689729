//! A real OpenSSH server on 127.0.0.1 (Debian's openssh-server), started by the
//! test on a free port with its own host key, one authorized client key and
//! bare repositories served by the real `git-upload-pack`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

use super::git_repo::{GitRepo, run_git};
use super::registry::free_port;

pub struct Sshd {
    child: Child,
    port: u16,
    dir: TempDir,
}

const SSHD: &str = "/usr/sbin/sshd";

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "monoarch-test", "-f"])
        .arg(path)
        .output()
        .expect("run ssh-keygen");
    assert!(
        out.status.success(),
        "ssh-keygen failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("run id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Sshd {
    /// Starts sshd (tests using it need `ssh`, `ssh-keygen`, `sshd` and `git`).
    pub fn start() -> Sshd {
        for tool in ["ssh", "ssh-keygen", "git"] {
            crate::support::tools::require(tool);
        }
        if !Path::new(SSHD).is_file() {
            crate::support::tools::require("sshd");
        }
        let dir = tempfile::tempdir().expect("temp dir for sshd");
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("client_key"));
        keygen(&d.join("stranger_key"));
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys"))
            .expect("authorize the client key");
        // sshd's privilege separation needs this folder (root-owned, as Debian's service makes it).
        let _ = std::fs::create_dir_all("/run/sshd");
        for _ in 0..5 {
            let port = free_port();
            let config = format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {dir}/host_key\nPidFile {dir}/sshd.pid\n\
                 AuthorizedKeysFile {dir}/authorized_keys\nStrictModes no\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
                 PermitRootLogin prohibit-password\nAllowUsers {user}\nLogLevel VERBOSE\n",
                dir = d.display(),
                user = current_user(),
            );
            std::fs::write(d.join("sshd_config"), config).expect("write sshd_config");
            let mut child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(d.join("sshd_config"))
                .stdout(Stdio::null())
                .stderr(
                    std::fs::File::create(d.join("sshd.log"))
                        .map(Stdio::from)
                        .unwrap_or_else(|_| Stdio::null()),
                )
                .spawn()
                .expect("start sshd");
            if super::git_daemon::wait_ready(&mut child, port) {
                return Sshd { child, port, dir };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "sshd did not start in 5 tries: {}",
            std::fs::read_to_string(dir.path().join("sshd.log")).unwrap_or_default()
        );
    }

    /// Publishes `repo` as a bare repository; returns its `ssh://` URL.
    pub fn publish(&self, repo: &GitRepo, name: &str) -> String {
        let bare = repo.mirror_to(self.dir.path(), name);
        format!(
            "ssh://{}@127.0.0.1:{}{}",
            current_user(),
            self.port,
            bare.display()
        )
    }

    /// Sets a config value in a served bare repository.
    pub fn config(&self, name: &str, key: &str, value: &str) {
        run_git(
            &self.dir.path().join(format!("{name}.git")),
            &["config", key, value],
        );
    }

    /// The private key sshd accepts.
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client_key")
    }

    /// A private key sshd does not accept.
    pub fn stranger_key(&self) -> PathBuf {
        self.dir.path().join("stranger_key")
    }

    /// A known_hosts file naming this server's real host key.
    pub fn known_hosts(&self) -> PathBuf {
        let key =
            std::fs::read_to_string(self.dir.path().join("host_key.pub")).expect("read host key");
        let path = self.dir.path().join("known_hosts");
        std::fs::write(&path, format!("[127.0.0.1]:{} {key}", self.port))
            .expect("write known_hosts");
        path
    }

    /// A known_hosts file that names another key for this server (a changed or
    /// impostor host key).
    pub fn wrong_known_hosts(&self) -> PathBuf {
        let key = std::fs::read_to_string(self.dir.path().join("stranger_key.pub"))
            .expect("read stranger key");
        let path = self.dir.path().join("wrong_known_hosts");
        std::fs::write(&path, format!("[127.0.0.1]:{} {key}", self.port))
            .expect("write known_hosts");
        path
    }

    /// An empty known_hosts file: the server is unknown.
    pub fn empty_known_hosts(&self) -> PathBuf {
        let path = self.dir.path().join("empty_known_hosts");
        std::fs::write(&path, "").expect("write known_hosts");
        path
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
