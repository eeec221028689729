//! The one TLS stack (rustls, the system's roots) and a private CA on top of it.

use std::path::PathBuf;

/// A PEM file with extra CA certificates to trust, added to the system's roots.
pub const CA_FILE_VAR: &str = "MONOARCH_CA_FILE";
/// Larger than any sane CA bundle.
const CA_FILE_CAP: u64 = 4 << 20;

/// Makes ring the process-wide rustls provider (once; later calls do nothing).
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[derive(Debug, thiserror::Error)]
#[error("${CA_FILE_VAR} ({path}): {message}; point it at a PEM file of CA certificates")]
pub struct CaFileError {
    pub path: PathBuf,
    pub message: String,
}

/// The certificates in `ca_file` (the value of `MONOARCH_CA_FILE`), if set.
pub fn extra_roots(ca_file: Option<&str>) -> Result<Vec<reqwest::Certificate>, CaFileError> {
    let Some(path) = ca_file.filter(|p| !p.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let path = PathBuf::from(path);
    let fail = |message: String| CaFileError {
        path: path.clone(),
        message,
    };
    let file = std::fs::File::open(&path).map_err(|e| fail(e.to_string()))?;
    let mut pem = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, CA_FILE_CAP + 1), &mut pem)
        .map_err(|e| fail(e.to_string()))?;
    if pem.len() as u64 > CA_FILE_CAP {
        return Err(fail(format!("larger than {CA_FILE_CAP} bytes")));
    }
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| fail(e.to_string()))?;
    if certs.is_empty() {
        return Err(fail("holds no PEM certificate".into()));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_certificates_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").expect("write");
        let err = extra_roots(path.to_str()).expect_err("no certificate");
        assert!(err.to_string().contains("MONOARCH_CA_FILE"), "{err}");
        assert!(extra_roots(None).expect("unset").is_empty());
    }
}
