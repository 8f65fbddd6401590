//! HTTPS for `wharf serve`: the certificate (given with `--tls-cert`/`--tls-key`, or a CA and a
//! server certificate generated once under `<data-dir>/tls` with `--tls=self-signed`), and the
//! accept loop that serves the router over rustls (ring) with the same behaviour as the plain
//! listener: the peer address as `ConnectInfo<SocketAddr>`, TCP_NODELAY, graceful shutdown.
//! A connection whose handshake fails is dropped and logged at debug; the server goes on.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rustls::client::danger::ServerCertVerifier as _;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::{Service as _, ServiceExt as _};

/// How the server is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP (`--tls=none`, the default).
    None,
    /// A CA and a server certificate kept in `<data-dir>/tls`.
    SelfSigned,
    /// PEM files given by the operator.
    Files { cert: PathBuf, key: PathBuf },
}

/// The TLS settings after flags, environment and file are merged: `mode` is `--tls`
/// (`none` or `self-signed`), `cert`/`key` are `--tls-cert`/`--tls-key` (or the config file's
/// `servingInfo.certFile`/`keyFile`).
pub fn resolve(
    mode: Option<&str>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
) -> Result<TlsMode, String> {
    match (mode, cert, key) {
        (Some("self-signed"), None, None) => Ok(TlsMode::SelfSigned),
        (Some("self-signed"), _, _) => Err(
            "--tls=self-signed generates its own certificate: it cannot be combined with --tls-cert/--tls-key (servingInfo.certFile/keyFile in the config file)"
                .into(),
        ),
        (Some("none"), None, None) => Ok(TlsMode::None),
        (Some("none"), _, _) => Err(
            "--tls=none turns TLS off, but a certificate was given with --tls-cert/--tls-key (servingInfo.certFile/keyFile in the config file): drop one or the other"
                .into(),
        ),
        (Some(other), _, _) => Err(format!(
            "invalid --tls {other:?}: use none or self-signed, or give --tls-cert and --tls-key"
        )),
        (None, Some(cert), Some(key)) => Ok(TlsMode::Files { cert, key }),
        (None, Some(_), None) => Err(
            "--tls-cert needs --tls-key, the certificate's private key (servingInfo.keyFile in the config file)"
                .into(),
        ),
        (None, None, Some(_)) => Err(
            "--tls-key needs --tls-cert, the certificate (chain) in PEM (servingInfo.certFile in the config file)"
                .into(),
        ),
        (None, None, None) => Ok(TlsMode::None),
    }
}

/// What serving HTTPS needs, made before the listener opens.
pub struct Prepared {
    pub config: Arc<rustls::ServerConfig>,
    /// The generated CA's certificate (`--tls=self-signed`): what clients must trust.
    pub ca_file: Option<PathBuf>,
    /// A line worth telling the operator (e.g. a certificate reissued).
    pub note: Option<String>,
}

/// Loads or generates the certificate for `mode`; None for plain HTTP. `hosts` are the names
/// and addresses clients reach the server by (for a generated certificate's SANs, beside
/// localhost, 127.0.0.1, ::1 and the machine's hostname).
pub fn prepare(
    mode: &TlsMode,
    data_dir: &Path,
    hosts: &[String],
) -> Result<Option<Prepared>, String> {
    match mode {
        TlsMode::None => Ok(None),
        TlsMode::Files { cert, key } => {
            let chain = read_chain(cert)?;
            let key = read_key(key)?;
            Ok(Some(Prepared {
                config: server_config(chain, key)?,
                ca_file: None,
                note: None,
            }))
        }
        TlsMode::SelfSigned => {
            // Absolute, as it is printed for clients to use from anywhere.
            let dir =
                std::path::absolute(data_dir.join("tls")).unwrap_or_else(|_| data_dir.join("tls"));
            let names = wanted_names(hosts);
            let note = self_signed::ensure(&dir, &names)?;
            let chain = read_chain(&dir.join("tls.crt"))?;
            let key = read_key(&dir.join("tls.key"))?;
            Ok(Some(Prepared {
                config: server_config(chain, key)?,
                ca_file: Some(dir.join("ca.crt")),
                note,
            }))
        }
    }
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read the TLS certificate {}: {e}", path.display()))?;
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            format!(
                "the TLS certificate {} is not valid PEM: {e}",
                path.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!(
            "the TLS certificate {} holds no PEM \"CERTIFICATE\" block",
            path.display()
        ));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read the TLS key {}: {e}", path.display()))?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| {
        format!(
            "the TLS key {} holds no usable private key (PEM PKCS#8, RSA or EC): {e}",
            path.display()
        )
    })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the TLS certificate and key cannot be used together: {e}"))?;
    // HTTP/1.1 only, as the plain listener's clients speak it.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The names a generated server certificate is for: localhost, the loopback addresses, the
/// machine's hostname, and `hosts` (the bind address when specific, the registry hostname).
fn wanted_names(hosts: &[String]) -> Vec<String> {
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    if let Some(h) = hostname() {
        names.push(h);
    }
    for h in hosts {
        let h = h.trim_start_matches('[').trim_end_matches(']');
        let unspecified = h.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified());
        if !h.is_empty() && !unspecified {
            names.push(h.to_string());
        }
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| {
        let n = n.to_ascii_lowercase();
        // Only names a certificate can carry.
        (n.parse::<IpAddr>().is_ok() || ServerName::try_from(n.as_str()).is_ok()) && seen.insert(n)
    });
    names
}

/// The machine's hostname, if it has one.
fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = std::str::from_utf8(&buf[..end]).ok()?.trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// The host part of `host:port` (IPv6 in brackets), for a certificate's SANs.
pub fn host_of(addr: &str) -> String {
    match addr.parse::<SocketAddr>() {
        Ok(sa) => sa.ip().to_string(),
        Err(_) => match addr.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h.to_string(),
            _ => addr.to_string(),
        },
    }
    .trim_start_matches('[')
    .trim_end_matches(']')
    .to_string()
}

mod self_signed {
    //! The CA and server certificate of `--tls=self-signed`, kept in `<data-dir>/tls`:
    //! `ca.crt`, `ca.key` (0600), `tls.crt`, `tls.key` (0600). Made once; reused on later
    //! starts. The server certificate is reissued (same CA) when it lacks a name the server is
    //! now reached by.

    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
    };

    const DAY: u64 = 24 * 3600;
    /// The CA's lifetime: clients are told to trust it once.
    const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * DAY);
    /// The server certificate's; it is renewed at a start within [`RENEW_BEFORE`] of its end.
    const LEAF_VALIDITY: Duration = Duration::from_secs(2 * 365 * DAY);
    const RENEW_BEFORE: Duration = Duration::from_secs(30 * DAY);

    pub(super) fn ensure(dir: &Path, names: &[String]) -> Result<Option<String>, String> {
        let ca_crt = dir.join("ca.crt");
        let ca_key = dir.join("ca.key");
        let crt = dir.join("tls.crt");
        let key = dir.join("tls.key");
        create_private_dir(dir)?;
        if !ca_crt.exists() {
            if ca_key.exists() || crt.exists() || key.exists() {
                return Err(format!(
                    "{} is missing but other TLS files are in {}: remove the directory to make a new CA (clients will have to trust the new one)",
                    ca_crt.display(),
                    dir.display()
                ));
            }
            let ca = KeyPair::generate().map_err(gen_err)?;
            let mut params = ca_params(&ca);
            set_validity(&mut params, CA_VALIDITY);
            let ca_cert = params.self_signed(&ca).map_err(gen_err)?;
            write_private(&ca_key, ca.serialize_pem().as_bytes())?;
            write_public(&ca_crt, ca_cert.pem().as_bytes())?;
            issue(&ca, names, &crt, &key)?;
            return Ok(None);
        }
        let reason = if crt.exists() && key.exists() {
            match needs_reissue(&ca_crt, &crt, names)? {
                None => return Ok(None),
                Some(reason) => reason,
            }
        } else {
            format!("{} is missing", crt.display())
        };
        let ca_pem = std::fs::read_to_string(&ca_key).map_err(|e| {
            format!(
                "cannot issue a server certificate ({reason}): the CA key {} cannot be read: {e}",
                ca_key.display()
            )
        })?;
        let ca = KeyPair::from_pem(&ca_pem)
            .map_err(|e| format!("the CA key {} is not usable: {e}", ca_key.display()))?;
        issue(&ca, names, &crt, &key)?;
        Ok(Some(format!(
            "issued a new server certificate {} for {} from the same CA ({reason})",
            crt.display(),
            names.join(", ")
        )))
    }

    fn gen_err(e: rcgen::Error) -> String {
        format!("cannot generate the TLS certificates: {e}")
    }

    /// From an hour ago (clocks differ) to `length` from now.
    fn set_validity(p: &mut CertificateParams, length: Duration) {
        let now = rcgen::date_time_ymd(1970, 1, 1)
            + std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
        p.not_before = now - Duration::from_secs(3600);
        p.not_after = now + length;
    }

    /// The CA's name and usages, a function of its key alone: the same key always gives the
    /// same issuer, so the server certificate can be reissued from `ca.key` later.
    pub(super) fn ca_params(ca: &KeyPair) -> CertificateParams {
        let mut p = CertificateParams::default();
        let id: String = p
            .key_identifier(ca)
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "Wharf");
        dn.push(DnType::CommonName, format!("wharf-ca@{id}"));
        p.distinguished_name = dn;
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        p
    }

    /// A new server key and certificate for `names`, signed by the CA.
    fn issue(ca: &KeyPair, names: &[String], crt: &Path, key: &Path) -> Result<(), String> {
        let issuer = Issuer::new(ca_params(ca), ca);
        let leaf = KeyPair::generate().map_err(gen_err)?;
        let mut p = CertificateParams::new(names.to_vec()).map_err(gen_err)?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "Wharf");
        dn.push(DnType::CommonName, "wharf");
        p.distinguished_name = dn;
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.use_authority_key_identifier_extension = true;
        let mut serial = rand::random::<[u8; 16]>();
        serial[0] &= 0x7f;
        p.serial_number = Some(SerialNumber::from_slice(&serial));
        set_validity(&mut p, LEAF_VALIDITY);
        let cert = p.signed_by(&leaf, &issuer).map_err(gen_err)?;
        write_private(key, leaf.serialize_pem().as_bytes())?;
        write_public(crt, cert.pem().as_bytes())?;
        Ok(())
    }

    /// Why the server certificate in `crt` should be replaced: it is not valid, under the CA
    /// in `ca_crt`, for one of `names`, or will not be in a month.
    fn needs_reissue(
        ca_crt: &Path,
        crt: &Path,
        names: &[String],
    ) -> Result<Option<String>, String> {
        let mut roots = rustls::RootCertStore::empty();
        for c in read_chain(ca_crt)? {
            roots.add(c).map_err(|e| {
                format!("the CA certificate {} is not usable: {e}", ca_crt.display())
            })?;
        }
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .map_err(|e| format!("TLS setup: {e}"))?;
        let chain = read_chain(crt)?;
        let soon = rustls::pki_types::UnixTime::since_unix_epoch(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                + RENEW_BEFORE,
        );
        for n in names {
            let Ok(name) = ServerName::try_from(n.clone()) else {
                continue;
            };
            if let Err(e) = verifier.verify_server_cert(&chain[0], &chain[1..], &name, &[], soon) {
                return Ok(Some(format!(
                    "the old one was not valid for {n} a month ahead: {e}"
                )));
            }
        }
        Ok(None)
    }

    fn create_private_dir(dir: &Path) -> Result<(), String> {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))
    }

    fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
        write_file(path, bytes, 0o600)
    }

    fn write_public(path: &Path, bytes: &[u8]) -> Result<(), String> {
        write_file(path, bytes, 0o644)
    }

    /// Writes through a temporary file and a rename, so a crash never leaves half a key.
    fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), String> {
        use std::io::Write as _;
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, mode);
        #[cfg(not(unix))]
        let _ = mode;
        let mut f = o
            .open(&tmp)
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `app` over TLS on `listener` until `shutdown` completes, then waits for in-flight
/// connections to finish (each is told to close after its current request), as `axum::serve`
/// does for plain HTTP.
pub async fn serve(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    // Dropping `signal_rx` tells every connection to finish; `close_tx.closed()` completes
    // when every connection has (each holds a `close_rx`).
    let (signal_tx, signal_rx) = watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        drop(signal_rx);
    });
    let (close_tx, close_rx) = watch::channel(());
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            _ = signal_tx.closed() => break,
        };
        // TCP_NODELAY, as on the plain listener (see serve.rs).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let Ok(service) = make_service.call(peer).await;
        let service = service.map_request(|req: Request<Incoming>| req.map(Body::new));
        let acceptor = acceptor.clone();
        let signal_tx = signal_tx.clone();
        let close_rx = close_rx.clone();
        tokio::spawn(async move {
            if plain_http(&tcp).await {
                // As Go's servers answer: say what went wrong rather than a TLS alert.
                use tokio::io::AsyncWriteExt as _;
                let mut tcp = tcp;
                let _ = tcp
                    .write_all(b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
                    .await;
                let _ = tcp.shutdown().await;
                return;
            }
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let builder = Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(
                TokioIo::new(tls),
                TowerToHyperService::new(service),
            );
            let mut conn = std::pin::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = signal_tx.closed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::trace!(%peer, error = %e, "connection ended with an error");
            }
            drop(close_rx);
        });
    }
    drop(close_rx);
    drop(listener);
    close_tx.closed().await;
}

/// Whether the client's first bytes are plain HTTP (a method) rather than a TLS handshake.
async fn plain_http(tcp: &tokio::net::TcpStream) -> bool {
    let mut first = [0u8; 1];
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tcp.peek(&mut first)).await {
        Ok(Ok(1)) => first[0].is_ascii_uppercase(),
        _ => false,
    }
}

/// As axum's listener: connection-level errors are the peer's; others (EMFILE) wait a second.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!("accept error: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifies(ca_pem: &[u8], leaf: &CertificateDer<'_>, name: &str) -> Result<(), String> {
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(ca_pem) {
            roots.add(c.unwrap()).unwrap();
        }
        let v = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        v.verify_server_cert(
            leaf,
            &[],
            &ServerName::try_from(name.to_string()).unwrap(),
            &[],
            rustls::pki_types::UnixTime::now(),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    }

    #[test]
    fn tls_modes_and_their_conflicts() {
        let p = || Some(PathBuf::from("x.pem"));
        assert_eq!(resolve(None, None, None), Ok(TlsMode::None));
        assert_eq!(resolve(Some("none"), None, None), Ok(TlsMode::None));
        assert_eq!(
            resolve(Some("self-signed"), None, None),
            Ok(TlsMode::SelfSigned)
        );
        assert!(matches!(resolve(None, p(), p()), Ok(TlsMode::Files { .. })));
        for bad in [
            resolve(Some("self-signed"), p(), None),
            resolve(Some("none"), p(), p()),
            resolve(None, p(), None),
            resolve(None, None, p()),
            resolve(Some("on"), None, None),
        ] {
            assert!(bad.is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_self_signed_ca_is_kept_and_the_server_certificate_reissued_for_new_names() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("tls");
        let names = wanted_names(&["127.0.0.1".into()]);
        assert!(names.contains(&"localhost".to_string()));
        assert!(names.contains(&"::1".to_string()));
        assert_eq!(self_signed::ensure(&dir, &names), Ok(None));
        let ca = std::fs::read(dir.join("ca.crt")).unwrap();
        let leaf = read_chain(&dir.join("tls.crt")).unwrap().remove(0);
        for n in ["localhost", "127.0.0.1", "::1"] {
            verifies(&ca, &leaf, n).unwrap();
        }
        assert!(verifies(&ca, &leaf, "example.com").is_err());
        // Nothing changes on a second start.
        let before = std::fs::read(dir.join("tls.crt")).unwrap();
        assert_eq!(self_signed::ensure(&dir, &names), Ok(None));
        assert_eq!(std::fs::read(dir.join("tls.crt")).unwrap(), before);
        // A new name: a new server certificate from the same CA.
        let more = wanted_names(&["registry.example.com".into()]);
        assert!(self_signed::ensure(&dir, &more).unwrap().is_some());
        assert_eq!(std::fs::read(dir.join("ca.crt")).unwrap(), ca);
        let leaf = read_chain(&dir.join("tls.crt")).unwrap().remove(0);
        verifies(&ca, &leaf, "registry.example.com").unwrap();
        verifies(&ca, &leaf, "localhost").unwrap();
        // And it serves.
        server_config(vec![leaf], read_key(&dir.join("tls.key")).unwrap()).unwrap();
    }

    #[test]
    fn host_of_addresses() {
        assert_eq!(host_of("127.0.0.1:5000"), "127.0.0.1");
        assert_eq!(host_of("[::1]:5000"), "::1");
        assert_eq!(host_of("registry.local:5000"), "registry.local");
        assert_eq!(host_of("registry.local"), "registry.local");
    }
}
