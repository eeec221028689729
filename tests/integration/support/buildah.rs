//! Real buildah with its own image storage per test (vfs driver, chroot isolation),
//! and a busybox base image made locally from Debian's `busybox-static`.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

pub struct Buildah {
    dir: TempDir,
}

impl Buildah {
    /// A private storage for one test; `None` when buildah is missing outside CI.
    pub fn new() -> Option<Buildah> {
        crate::support::tools::require("buildah")?;
        let dir = tempfile::tempdir().expect("temp dir for buildah storage");
        let conf = format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/root\"\nrunroot = \"{0}/run\"\n",
            dir.path().display()
        );
        std::fs::write(dir.path().join("storage.conf"), conf).expect("write storage.conf");
        Some(Buildah { dir })
    }

    /// Variables that point buildah (run by monoarch or directly) at this storage.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "CONTAINERS_STORAGE_CONF",
                self.dir.path().join("storage.conf").display().to_string(),
            ),
            ("STORAGE_DRIVER", "vfs".to_string()),
            ("BUILDAH_ISOLATION", "chroot".to_string()),
        ]
    }

    /// Runs buildah with this storage; panics with its output on failure.
    pub fn run(&self, args: &[&str], cwd: &Path) -> String {
        let out = Command::new("buildah")
            .args(args)
            .current_dir(cwd)
            .envs(self.env())
            .output()
            .expect("run buildah");
        assert!(
            out.status.success(),
            "buildah {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Makes `name` (e.g. `localhost/monoarch-test-busybox:latest`) in this
    /// storage: busybox-static with its applets installed, for the host
    /// architecture. Nothing is pulled.
    pub fn make_busybox_base(&self, name: &str) {
        let busybox =
            busybox_path().expect("busybox-static is installed by hack/install-test-deps");
        let ctx = self.dir.path().join("busybox-base");
        std::fs::create_dir_all(&ctx).expect("mkdir");
        std::fs::copy(&busybox, ctx.join("busybox")).expect("copy busybox");
        std::fs::write(
            ctx.join("Dockerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
        )
        .expect("write Dockerfile");
        self.run(&["bud", "-q", "-t", name, "."], &ctx);
    }
}

/// The statically linked busybox, if installed.
pub fn busybox_path() -> Option<PathBuf> {
    ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}
