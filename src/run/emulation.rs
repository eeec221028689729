//! Which foreign architectures this machine can execute: the emulators
//! registered with the kernel's `binfmt_misc` (e.g. Debian's `qemu-user-static`).

use std::path::Path;

use crate::contract::Platform;

/// The usual mount point of `binfmt_misc`.
pub const BINFMT_MISC: &str = "/proc/sys/fs/binfmt_misc";

/// The QEMU user-mode name for a platform's CPU, as binfmt entries are named
/// (`qemu-aarch64`); `None` for platforms QEMU has no user-mode emulator for.
pub fn qemu_name(platform: Platform) -> Option<&'static str> {
    Some(match platform.arch() {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "armv7" | "armv6" => "arm",
        "386" => "i386",
        "ppc64le" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        _ => return None,
    })
}

/// Whether an enabled binfmt entry for `platform` exists under `binfmt_dir`.
/// Entries are named `qemu-<cpu>` by Debian and by tonistiigi/binfmt alike.
pub fn can_emulate(binfmt_dir: &Path, platform: Platform) -> bool {
    let Some(cpu) = qemu_name(platform) else {
        return false;
    };
    match std::fs::read_to_string(binfmt_dir.join(format!("qemu-{cpu}"))) {
        Ok(text) => text.lines().next() == Some("enabled"),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enabled_entry_counts_and_a_disabled_one_does_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let arm64 = Platform::parse("linux/arm64").expect("arm64");
        let s390x = Platform::parse("linux/s390x").expect("s390x");
        assert!(!can_emulate(dir.path(), arm64));
        std::fs::write(
            dir.path().join("qemu-aarch64"),
            "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\n",
        )
        .expect("write entry");
        std::fs::write(dir.path().join("qemu-s390x"), "disabled\n").expect("write entry");
        assert!(can_emulate(dir.path(), arm64));
        assert!(!can_emulate(dir.path(), s390x));
    }
}
