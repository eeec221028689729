//! The one table of platform facts: OCI platform, tag suffix, default runners.
//!
//! Every other module asks this table; an unknown platform fails loudly here.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One row of the platform table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformFacts {
    /// Canonical `os/arch[/variant]` as OCI writes it.
    pub canonical: &'static str,
    pub os: &'static str,
    pub architecture: &'static str,
    pub variant: Option<&'static str>,
    /// Suffix for arch tags and the name users pass to `--arch`.
    pub arch: &'static str,
    /// GitHub-hosted runner label, where GitHub has a native runner (checked 2026-11).
    pub github_runner: Option<&'static str>,
    /// GitLab.com hosted runner tags, where GitLab has a native runner (checked 2026-11).
    pub gitlab_tags: &'static [&'static str],
}

/// Known platforms. Only amd64 and arm64 have default runners; the others need
/// `runners:` in `monoarch.yaml` before a project may list them.
pub const PLATFORMS: &[PlatformFacts] = &[
    PlatformFacts {
        canonical: "linux/amd64",
        os: "linux",
        architecture: "amd64",
        variant: None,
        arch: "amd64",
        github_runner: Some("ubuntu-24.04"),
        gitlab_tags: &["saas-linux-small-amd64"],
    },
    PlatformFacts {
        canonical: "linux/arm64",
        os: "linux",
        architecture: "arm64",
        variant: None,
        arch: "arm64",
        github_runner: Some("ubuntu-24.04-arm"),
        gitlab_tags: &["saas-linux-small-arm64"],
    },
    PlatformFacts {
        canonical: "linux/arm/v7",
        os: "linux",
        architecture: "arm",
        variant: Some("v7"),
        arch: "armv7",
        github_runner: None,
        gitlab_tags: &[],
    },
    PlatformFacts {
        canonical: "linux/arm/v6",
        os: "linux",
        architecture: "arm",
        variant: Some("v6"),
        arch: "armv6",
        github_runner: None,
        gitlab_tags: &[],
    },
    PlatformFacts {
        canonical: "linux/386",
        os: "linux",
        architecture: "386",
        variant: None,
        arch: "386",
        github_runner: None,
        gitlab_tags: &[],
    },
    PlatformFacts {
        canonical: "linux/ppc64le",
        os: "linux",
        architecture: "ppc64le",
        variant: None,
        arch: "ppc64le",
        github_runner: None,
        gitlab_tags: &[],
    },
    PlatformFacts {
        canonical: "linux/s390x",
        os: "linux",
        architecture: "s390x",
        variant: None,
        arch: "s390x",
        github_runner: None,
        gitlab_tags: &[],
    },
    PlatformFacts {
        canonical: "linux/riscv64",
        os: "linux",
        architecture: "riscv64",
        variant: None,
        arch: "riscv64",
        github_runner: None,
        gitlab_tags: &[],
    },
];

/// The platforms a project gets when its config names none.
pub const DEFAULT_PLATFORMS: &[&str] = &["linux/amd64", "linux/arm64"];

/// A validated platform: a reference into [`PLATFORMS`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform(usize);

impl Platform {
    /// Parses and normalizes a platform string: `linux/arm64/v8`, `arm64`,
    /// `aarch64`, `x86_64` and `linux/arm/7` all map onto their table row.
    pub fn parse(input: &str) -> Option<Platform> {
        let lower = input.trim().to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('/').collect();
        let (os, arch, variant) = match parts.as_slice() {
            [arch] => ("linux", *arch, None),
            [os, arch] if matches!(*os, "linux" | "windows" | "darwin" | "freebsd") => {
                (*os, *arch, None)
            }
            // `arm64/v8`: an arch and its variant, OS implied.
            [arch, variant] => ("linux", *arch, Some(*variant)),
            [os, arch, variant] => (*os, *arch, Some(*variant)),
            _ => return None,
        };
        let arch = match arch {
            "x86_64" | "x86-64" | "x64" => "amd64",
            "aarch64" => "arm64",
            "i386" | "i686" | "x86" => "386",
            "armhf" | "armv7" | "armv7l" => "arm",
            other => other,
        };
        let variant = match (arch, variant) {
            // arm64 has only one variant in practice; registries write v8 or nothing.
            ("arm64", Some("v8") | Some("8")) => None,
            ("arm", None) if lower.contains("armv6") => Some("v6"),
            ("arm", None) => Some("v7"),
            ("arm", Some(v)) if !v.starts_with('v') => Some(if v == "6" { "v6" } else { v }),
            (_, v) => v,
        };
        let variant = match variant {
            Some("7") => Some("v7"),
            v => v,
        };
        PLATFORMS
            .iter()
            .position(|p| p.os == os && p.architecture == arch && p.variant == variant)
            .map(Platform)
    }

    /// Looks a platform up by its arch tag suffix (`amd64`, `arm64`, `armv7`).
    pub fn from_arch(arch: &str) -> Option<Platform> {
        PLATFORMS
            .iter()
            .position(|p| p.arch == arch)
            .map(Platform)
            .or_else(|| Platform::parse(arch))
    }

    /// The platform of the machine this process runs on, if it is in the table.
    pub fn host() -> Option<Platform> {
        Platform::parse(std::env::consts::ARCH)
    }

    pub fn facts(self) -> &'static PlatformFacts {
        &PLATFORMS[self.0]
    }

    pub fn as_str(self) -> &'static str {
        self.facts().canonical
    }

    pub fn arch(self) -> &'static str {
        self.facts().arch
    }

    /// The canonical names of every known platform, for error messages.
    pub fn known() -> Vec<&'static str> {
        PLATFORMS.iter().map(|p| p.canonical).collect()
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Platform({})", self.as_str())
    }
}

impl Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Platform::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown platform `{s}`; known platforms: {}",
                Platform::known().join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("linux/amd64", "linux/amd64")]
    #[case("amd64", "linux/amd64")]
    #[case("x86_64", "linux/amd64")]
    #[case("linux/arm64", "linux/arm64")]
    #[case("linux/arm64/v8", "linux/arm64")]
    #[case("arm64/v8", "linux/arm64")]
    #[case("aarch64", "linux/arm64")]
    #[case("LINUX/ARM64", "linux/arm64")]
    #[case("linux/arm/v7", "linux/arm/v7")]
    #[case("linux/arm", "linux/arm/v7")]
    #[case("linux/arm/7", "linux/arm/v7")]
    #[case("armv7", "linux/arm/v7")]
    #[case("linux/arm/v6", "linux/arm/v6")]
    #[case("linux/386", "linux/386")]
    fn normalizes(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(Platform::parse(input).map(|p| p.as_str()), Some(expected));
    }

    #[rstest]
    #[case("linux/mips")]
    #[case("windows/amd64")]
    #[case("linux/arm64/v9/x")]
    #[case("")]
    fn rejects_unknown(#[case] input: &str) {
        assert_eq!(Platform::parse(input), None);
    }

    #[test]
    fn arch_lookup_round_trips() {
        for p in PLATFORMS {
            let platform = Platform::from_arch(p.arch).expect("every arch suffix resolves");
            assert_eq!(platform.as_str(), p.canonical);
            assert_eq!(Platform::parse(p.canonical), Some(platform));
        }
    }
}
