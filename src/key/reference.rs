//! Image names as Dockerfiles write them, into the registry, repository and
//! tag or digest a registry is asked for (Docker Hub's defaults included).

/// Docker Hub's registry API host; `docker.io` names it in image references.
pub const DOCKER_HUB: &str = "registry-1.docker.io";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The host to send requests to (`registry-1.docker.io` for Docker Hub).
    pub host: String,
    pub repository: String,
    /// A tag, or `sha256:...` when the name pins a digest.
    pub reference: String,
}

/// Parses `[host[:port]/]path[:tag][@sha256:hex]`. A first component with a
/// `.` or `:`, or `localhost`, is a host; otherwise the image is on Docker
/// Hub, and one-part names are under `library/`.
pub fn parse(name: &str) -> Result<ImageRef, String> {
    let bad = |why: &str| format!("`{name}` is not an image reference: {why}");
    let (rest, digest) = match name.split_once('@') {
        Some((rest, digest)) => {
            let hex = digest
                .strip_prefix("sha256:")
                .ok_or_else(|| bad("only sha256 digests are read"))?;
            if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(bad("the digest is not sha256 and 64 hex digits"));
            }
            (rest, Some(digest.to_string()))
        }
        None => (name, None),
    };
    let (host, path) = match rest.split_once('/') {
        Some((first, path)) if first.contains(['.', ':']) || first == "localhost" => {
            (first.to_string(), path.to_string())
        }
        _ => ("docker.io".to_string(), rest.to_string()),
    };
    // A tag follows the last `:` after the last `/`.
    let last = path.rsplit('/').next().unwrap_or(&path);
    let (repository, tag) = match last.split_once(':') {
        Some((_, tag)) => (
            path[..path.len() - tag.len() - 1].to_string(),
            tag.to_string(),
        ),
        None => (path.clone(), "latest".to_string()),
    };
    let valid_part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    };
    if !repository.split('/').all(valid_part) {
        return Err(bad(
            "the repository must be lowercase letters, digits and `._-/`",
        ));
    }
    let valid_tag = !tag.is_empty()
        && tag.len() <= 128
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !valid_tag {
        return Err(bad("the tag must be letters, digits and `._-`"));
    }
    let (host, repository) = if host == "docker.io" || host == "index.docker.io" {
        let repository = if repository.contains('/') {
            repository
        } else {
            format!("library/{repository}")
        };
        (DOCKER_HUB.to_string(), repository)
    } else {
        (host, repository)
    };
    Ok(ImageRef {
        host,
        repository,
        reference: digest.unwrap_or(tag),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(host: &str, repository: &str, reference: &str) -> ImageRef {
        ImageRef {
            host: host.into(),
            repository: repository.into(),
            reference: reference.into(),
        }
    }

    #[test]
    fn docker_hub_defaults() {
        assert_eq!(
            parse("debian:bookworm-slim"),
            Ok(r(DOCKER_HUB, "library/debian", "bookworm-slim"))
        );
        assert_eq!(
            parse("alpine"),
            Ok(r(DOCKER_HUB, "library/alpine", "latest"))
        );
        assert_eq!(
            parse("docker.io/grafana/grafana:11.0"),
            Ok(r(DOCKER_HUB, "grafana/grafana", "11.0"))
        );
    }

    #[test]
    fn hosts_ports_and_digests() {
        assert_eq!(
            parse("127.0.0.1:5000/base:1"),
            Ok(r("127.0.0.1:5000", "base", "1"))
        );
        assert_eq!(
            parse("localhost/team/app"),
            Ok(r("localhost", "team/app", "latest"))
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            parse(&format!("ghcr.io/o/r:v1@{digest}")),
            Ok(r("ghcr.io", "o/r", &digest))
        );
        assert!(parse(&format!("ghcr.io/o/r@{digest}")).is_ok_and(|i| i.reference == digest));
    }

    #[test]
    fn malformed_names_are_refused() {
        assert!(parse("Debian:12").is_err());
        assert!(parse("debian:").is_err());
        assert!(parse("debian@sha256:abc").is_err());
        assert!(parse("debian@md5:abc").is_err());
        assert!(parse("").is_err());
    }
}
