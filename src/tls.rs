//! The one TLS stack (rustls, the system's roots) and a private CA on top of it.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

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
    let Some((path, pem)) = read_ca_file(ca_file)? else {
        return Ok(Vec::new());
    };
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| CaFileError {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if certs.is_empty() {
        return Err(no_certificate(path));
    }
    Ok(certs)
}

/// The certificates in `ca_file` as DER, for [`lazy_client_config`].
pub fn extra_roots_der(ca_file: Option<&str>) -> Result<Vec<CertificateDer<'static>>, CaFileError> {
    let Some((path, pem)) = read_ca_file(ca_file)? else {
        return Ok(Vec::new());
    };
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CaFileError {
            path: path.clone(),
            message: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(no_certificate(path));
    }
    Ok(certs)
}

fn no_certificate(path: PathBuf) -> CaFileError {
    CaFileError {
        path,
        message: "holds no PEM certificate".into(),
    }
}

fn read_ca_file(ca_file: Option<&str>) -> Result<Option<(PathBuf, Vec<u8>)>, CaFileError> {
    let Some(path) = ca_file.filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
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
    Ok(Some((path, pem)))
}

/// A rustls client configuration (ring) that trusts the system's roots plus `extra`,
/// read on the first TLS handshake rather than when the client is made: a client
/// that only ever speaks plain HTTP (a registry on `--insecure-registry`) never
/// loads a certificate.
pub fn lazy_client_config(extra: Vec<CertificateDer<'static>>) -> rustls::ClientConfig {
    install_provider();
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let verifier = LazyVerifier {
        extra,
        provider: provider.clone(),
        inner: OnceLock::new(),
    };
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth()
}

/// The platform verifier (system roots plus extra ones), made on first use.
#[derive(Debug)]
struct LazyVerifier {
    extra: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    inner: OnceLock<Result<rustls_platform_verifier::Verifier, rustls::Error>>,
}

impl LazyVerifier {
    fn inner(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.inner
            .get_or_init(|| {
                tracing::debug!("loading the system's CA certificates (first TLS handshake)");
                rustls_platform_verifier::Verifier::new_with_extra_roots(
                    self.extra.iter().cloned(),
                    self.provider.clone(),
                )
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
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
        let err = extra_roots_der(path.to_str()).expect_err("no certificate");
        assert!(
            err.to_string().contains("holds no PEM certificate"),
            "{err}"
        );
        assert!(extra_roots_der(None).expect("unset").is_empty());
    }
}
