//! The registry client over HTTPS: the system's roots and `MONOARCH_CA_FILE` are read
//! on the first handshake (not when the client is made), and still decide trust.

use crate::support::git_http::GitHttp;
use crate::support::monoarch::Monoarch;
use crate::support::plans;

#[test]
#[cfg_attr(
    not(all(tool = "openssl", tool = "python3", tool = "git")),
    ignore = "needs openssl, python3, git: run hack/install-test-deps"
)]
fn an_https_registry_is_trusted_through_the_ca_file_read_at_the_first_handshake() {
    // Any HTTPS server with a private CA will do: the question is whether the
    // handshake succeeds, so the answer (this server has no `/v2/`) comes back.
    let server = GitHttp::start_tls("user", "password");
    let host = server.authority();
    let dir = tempfile::tempdir().expect("temp dir");
    plans::write(
        dir.path(),
        &plans::plan(&host, vec![plans::project("app", &["amd64"], &[])]),
    );
    let manifest =
        || Monoarch::new(dir.path()).args(["manifest", "--plan", "plan.json", "--records", "none"]);

    let trusted = manifest().env("MONOARCH_CA_FILE", server.ca_file()).run();
    assert_ne!(trusted.code, 0, "{}", trusted.stderr);
    assert!(
        !trusted.stderr.to_lowercase().contains("certificate"),
        "the private CA should be trusted: {}",
        trusted.stderr
    );
    // The handshake succeeded: this server's own answer came back.
    assert!(
        trusted.stderr.contains("answered 401"),
        "{}",
        trusted.stderr
    );

    let untrusted = manifest().run();
    assert_ne!(untrusted.code, 0, "{}", untrusted.stderr);
    assert!(
        untrusted
            .stderr
            .contains("invalid peer certificate: UnknownIssuer"),
        "an unknown CA must be refused: {}",
        untrusted.stderr
    );
}
