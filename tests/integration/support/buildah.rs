//! Real buildah with its own image storage per test (vfs driver, chroot isolation),
//! and a busybox base image made locally from Debian's `busybox-static`.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

pub struct Buildah {
    dir: TempDir,
}

impl Buildah {
    /// A private storage for one test.
    pub fn new() -> Buildah {
        crate::support::tools::require("buildah");
        let dir = tempfile::tempdir().expect("temp dir for buildah storage");
        let conf = format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/root\"\nrunroot = \"{0}/run\"\n",
            dir.path().display()
        );
        std::fs::write(dir.path().join("storage.conf"), conf).expect("write storage.conf");
        Buildah { dir }
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

/// A folder holding a `buildah` wrapper that runs the real buildah but
/// injects a fault a real build cannot produce on demand (put it first on
/// PATH). Controlled by the environment of the run:
/// - `FAULT_PLATFORM=linux/x`: `bud` builds for that platform instead of the
///   requested one (a builder that ignores `--platform`);
/// - `FAULT_OVERWRITE_WITH=image`: after the real push, that image is pushed
///   to the same tag (another job racing for the tag).
pub fn fault_shim(dir: &Path) -> PathBuf {
    let real = crate::support::tools::find("buildah").expect("real buildah on PATH");
    let shim_dir = dir.join("fault-shim");
    std::fs::create_dir_all(&shim_dir).expect("mkdir");
    let script = format!(
        r#"#!/bin/sh
real='{}'
if [ "$1" = bud ] && [ -n "$FAULT_PLATFORM" ]; then
  for a do
    shift
    case "$a" in --platform=*) a="--platform=$FAULT_PLATFORM" ;; esac
    set -- "$@" "$a"
  done
fi
if [ "$1" = push ] && [ -n "$FAULT_OVERWRITE_WITH" ]; then
  "$real" "$@" || exit $?
  for last do :; done
  exec "$real" push --tls-verify=false "$FAULT_OVERWRITE_WITH" "$last"
fi
exec "$real" "$@"
"#,
        real.display()
    );
    let path = shim_dir.join("buildah");
    std::fs::write(&path, script).expect("write shim");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    shim_dir
}

impl Buildah {
    /// `monoarch build --plan plan.json --builder buildah` in `dir`, with this storage.
    pub fn monoarch_build(&self, dir: &Path) -> crate::support::monoarch::Monoarch {
        let mut cmd = crate::support::monoarch::Monoarch::new(dir).args([
            "build",
            "--plan",
            "plan.json",
            "--builder",
            "buildah",
        ]);
        for (k, v) in self.env() {
            cmd = cmd.env(k, v);
        }
        cmd
    }
}
