//! HTTPS: `wharf serve --tls=self-signed` (a CA and a server certificate made once in the data
//! dir and reused), `--tls-cert/--tls-key` (PEM made with the openssl CLI; bad PEM is a clear
//! error), `wharf login` over HTTPS (`--certificate-authority`, `--insecure-skip-tls-verify`,
//! and oc's refusal of an unknown authority), kubectl with a bearer token (kubectl sends tokens
//! over HTTPS only), and skopeo pushing with `--dest-cert-dir`.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::auth::raw_status;
use common::{output_with_stdin, require, run, wharf_bin, Cli, Layout, Server};

/// `s.addr` as `host:port`: a TLS server announces `listening on https://HOST:PORT`.
fn tls_server(mut s: Server) -> Server {
    let addr = s
        .addr
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("not an HTTPS server: {}\n{}", s.addr, s.log()))
        .to_string();
    s.addr = addr;
    s
}

fn https(s: &Server, path: &str) -> String {
    format!("https://{}{path}", s.addr)
}

/// The generated CA's certificate, as an absolute path (what clients are given).
fn ca_of(s: &Server) -> PathBuf {
    std::path::absolute(s.data_dir.join("tls/ca.crt")).unwrap()
}

/// A server with authentication on (user alice) and a self-signed certificate.
fn secured_self_signed() -> Server {
    tls_server(Server::start_secured_with(
        &[("alice", "wonderland")],
        &["--tls=self-signed"],
    ))
}

/// A ureq agent trusting only `ca`.
fn agent(ca: &Path) -> ureq::Agent {
    use ureq::tls::{PemItem, RootCerts, TlsConfig};
    let pem = std::fs::read(ca).unwrap();
    let certs: Vec<_> = ureq::tls::parse_pem(&pem)
        .filter_map(|i| match i.unwrap() {
            PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::new_with_certs(&certs))
                .build(),
        )
        .build()
        .into()
}

/// `curl -sS ARGS`: (success, stdout, stderr).
fn curl(args: &[&str]) -> (bool, String, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn self_signed_tls_makes_a_ca_once_serves_only_https_and_reuses_the_ca_after_a_restart() {
    if !require("curl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut s = tls_server(Server::start_on(&data, &["--tls=self-signed"]));
    let tls = data.join("tls");
    for f in ["ca.crt", "tls.crt", "tls.key", "ca.key"] {
        assert!(tls.join(f).is_file(), "{f} in {}", tls.display());
    }
    #[cfg(unix)]
    {
        assert_eq!(
            mode(&tls.join("tls.key")),
            0o600,
            "the key is its owner's only"
        );
        assert_eq!(mode(&tls.join("ca.key")), 0o600, "the CA key too");
    }
    // The log says where the CA is and how podman, skopeo and wharf login trust it.
    let log = s.log();
    let ca = ca_of(&s);
    assert!(
        log.contains(&format!("self-signed CA at {}", ca.display())),
        "{log}"
    );
    assert!(log.contains("--certificate-authority="), "{log}");
    assert!(log.contains("certs.d"), "{log}");
    assert!(log.contains("--cert-dir"), "{log}");

    // HTTPS with the CA, by address and by name.
    let ca_arg = ca.display().to_string();
    let (ok, body, err) = curl(&["--cacert", &ca_arg, &https(&s, "/version")]);
    assert!(ok, "{err}");
    assert!(body.contains("gitVersion"), "{body}");
    let port = s.addr.rsplit(':').next().unwrap().to_string();
    let (ok, body, err) = curl(&[
        "--cacert",
        &ca_arg,
        &format!("https://localhost:{port}/healthz"),
    ]);
    assert!(ok && body == "ok", "localhost is in the certificate: {err}");
    // Without the CA the certificate is refused: curl's "unable to get local issuer".
    let (ok, _, err) = curl(&[&https(&s, "/version")]);
    assert!(!ok, "an unknown CA must be refused");
    assert!(err.contains("certificate"), "{err}");
    // Plain HTTP to the port is refused, in words.
    assert_eq!(
        raw_status(&s.addr, "GET /version HTTP/1.1\r\nHost: x\r\n\r\n"),
        400,
        "plain HTTP on an HTTPS port"
    );
    let (ok, body, _) = curl(&[&format!("http://{}/version", s.addr)]);
    assert!(!ok || !body.contains("gitVersion"), "{body}");
    // A broken handshake drops that connection only.
    let mut c = std::net::TcpStream::connect(&s.addr).unwrap();
    c.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])
        .unwrap();
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    let r = agent(&ca).get(&https(&s, "/version")).call().unwrap();
    assert_eq!(
        r.status(),
        200,
        "the server goes on after a failed handshake"
    );

    // A restart keeps the CA and the certificate.
    let ca_bytes = std::fs::read(&ca).unwrap();
    let crt_bytes = std::fs::read(tls.join("tls.crt")).unwrap();
    assert!(s.terminate().success(), "{}", s.log());
    let s = tls_server(Server::start_on(&data, &["--tls=self-signed"]));
    assert_eq!(std::fs::read(&ca).unwrap(), ca_bytes, "the same CA");
    assert_eq!(std::fs::read(tls.join("tls.crt")).unwrap(), crt_bytes);
    let (ok, _, err) = curl(&["--cacert", &ca_arg, &https(&s, "/version")]);
    assert!(ok, "{err}");
    assert!(!s.log().contains("panicked"), "{}", s.log());
}

/// Makes, with the openssl CLI, a CA and a server certificate for 127.0.0.1 and localhost
/// signed by it, with a key of `key_kind` (`rsa`: PKCS#8, `rsa-pkcs1`, `ec`: SEC1).
fn openssl_certificate(dir: &Path, key_kind: &str) -> (PathBuf, PathBuf, PathBuf) {
    let p = |f: &str| dir.join(f).display().to_string();
    let ca_crt = p("ca.crt");
    if !dir.join("ca.crt").exists() {
        run(Command::new("openssl").args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &p("ca.key"),
            "-out",
            &ca_crt,
            "-days",
            "2",
            "-subj",
            "/CN=wharf-test-ca",
        ]));
    }
    let key = p(&format!("{key_kind}.key"));
    match key_kind {
        "rsa" => run(Command::new("openssl").args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            &key,
        ])),
        "rsa-pkcs1" => {
            let tmp = p("rsa8.key");
            run(Command::new("openssl").args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                &tmp,
            ]));
            run(Command::new("openssl").args(["rsa", "-in", &tmp, "-traditional", "-out", &key]))
        }
        "ec" => run(Command::new("openssl").args([
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            &key,
        ])),
        other => panic!("{other}"),
    };
    let csr = p(&format!("{key_kind}.csr"));
    run(Command::new("openssl").args([
        "req",
        "-new",
        "-key",
        &key,
        "-out",
        &csr,
        "-subj",
        "/CN=localhost",
    ]));
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let crt = p(&format!("{key_kind}.crt"));
    run(Command::new("openssl").args([
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca_crt,
        "-CAkey",
        &p("ca.key"),
        "-CAcreateserial",
        "-out",
        &crt,
        "-days",
        "2",
        "-extfile",
        &p("ext.cnf"),
    ]));
    (ca_crt.into(), crt.into(), key.into())
}

/// `wharf serve ARGS` expected to fail before listening: its stderr.
fn serve_fails(data: &Path, args: &[&str]) -> String {
    let out = Command::new(wharf_bin())
        .arg("serve")
        .arg("--data-dir")
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--auth=none"])
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "wharf serve {args:?} must fail:\n{err}"
    );
    assert!(err.starts_with("error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("listening on"), "{err}");
    err
}

#[test]
fn a_user_provided_certificate_serves_https_and_bad_pem_is_a_clear_error() {
    if !require("openssl") || !require("curl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let certs = tmp.path().join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    let data = tmp.path().join("data");
    for kind in ["rsa", "rsa-pkcs1", "ec"] {
        let (ca, crt, key) = openssl_certificate(&certs, kind);
        let (crt, key) = (crt.display().to_string(), key.display().to_string());
        let mut s = tls_server(Server::start_on(
            &data,
            &["--tls-cert", &crt, "--tls-key", &key],
        ));
        let (ok, body, err) = curl(&[
            "--cacert",
            &ca.display().to_string(),
            &https(&s, "/version"),
        ]);
        assert!(ok && body.contains("gitVersion"), "{kind} key: {err}");
        assert!(!data.join("tls").exists(), "nothing generated");
        s.terminate();
    }
    let (ca, crt, key) = openssl_certificate(&certs, "ec");
    // The same from the config file's servingInfo.
    let config = tmp.path().join("wharf.yaml");
    std::fs::write(
        &config,
        format!(
            "servingInfo:\n  certFile: {}\n  keyFile: {}\n",
            crt.display(),
            key.display()
        ),
    )
    .unwrap();
    let s = tls_server(Server::start_on(
        &data,
        &["--config", &config.display().to_string()],
    ));
    let r = agent(&ca).get(&https(&s, "/healthz")).call().unwrap();
    assert_eq!(r.status(), 200);
    drop(s);

    // Mistakes: said plainly, before listening, never a panic.
    let (crt, key) = (crt.display().to_string(), key.display().to_string());
    let bad = tmp.path().join("bad.pem");
    std::fs::write(
        &bad,
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let bad = bad.display().to_string();
    let garbage = tmp.path().join("garbage.pem");
    std::fs::write(&garbage, "hello\n").unwrap();
    let garbage = garbage.display().to_string();
    let err = serve_fails(&data, &["--tls-cert", &bad, "--tls-key", &key]);
    assert!(err.contains(&bad), "{err}");
    let err = serve_fails(&data, &["--tls-cert", &garbage, "--tls-key", &key]);
    assert!(err.contains("CERTIFICATE"), "{err}");
    let err = serve_fails(&data, &["--tls-cert", &crt, "--tls-key", &garbage]);
    assert!(err.contains("private key"), "{err}");
    let err = serve_fails(
        &data,
        &["--tls-cert", &crt, "--tls-key", "/nonexistent/tls.key"],
    );
    assert!(err.contains("/nonexistent/tls.key"), "{err}");
    let err = serve_fails(&data, &["--tls-cert", &crt]);
    assert!(err.contains("--tls-key"), "{err}");
    let err = serve_fails(
        &data,
        &["--tls=self-signed", "--tls-cert", &crt, "--tls-key", &key],
    );
    assert!(err.contains("self-signed"), "{err}");
    // A key that is not the certificate's.
    let other = certs.join("rsa.key").display().to_string();
    let err = serve_fails(&data, &["--tls-cert", &crt, "--tls-key", &other]);
    assert!(err.contains("cannot be used together"), "{err}");
}

#[test]
fn wharf_login_over_https_needs_the_ca_or_insecure_skip_tls_verify() {
    let s = secured_self_signed();
    let url = https(&s, "");
    let ca = ca_of(&s).display().to_string();
    let pw = s.kubeadmin_password();
    // The log's login hint is the https URL with the CA.
    assert!(
        s.log()
            .contains(&format!("wharf login {url} --certificate-authority={ca}")),
        "{}",
        s.log()
    );

    // Unknown authority: refused, saying what to pass (stdin is not a terminal: no prompt).
    let cli = Cli::new();
    let err = cli.wharf_fails(&["login", &url, "-u", "kubeadmin", "-p", &pw]);
    assert_eq!(
        err.trim(),
        "error: the server uses a certificate signed by an unknown authority; pass --certificate-authority=<data-dir>/tls/ca.crt (wharf serve --tls=self-signed prints its path) or --insecure-skip-tls-verify"
    );
    assert!(!cli.kubeconfig.exists(), "nothing written");
    let err = cli.wharf_fails(&[
        "login",
        &url,
        "-u",
        "kubeadmin",
        "-p",
        &pw,
        "--certificate-authority",
        &ca,
        "--insecure-skip-tls-verify",
    ]);
    assert!(err.contains("not allowed"), "{err}");

    // With the CA: logged in; the kubeconfig keeps the CA for the next commands.
    cli.wharf(&[
        "login",
        &url,
        "-u",
        "kubeadmin",
        "-p",
        &pw,
        "--certificate-authority",
        &ca,
    ]);
    assert_eq!(cli.wharf(&["whoami"]).trim(), "kube:admin");
    assert_eq!(cli.wharf(&["whoami", "--show-server"]).trim(), url);
    let kubeconfig = std::fs::read_to_string(&cli.kubeconfig).unwrap();
    assert!(
        kubeconfig.contains(&format!("certificate-authority: {ca}")),
        "{kubeconfig}"
    );
    // Switching projects keeps it.
    cli.wharf(&["new-project", "demo"]);
    assert_eq!(cli.wharf(&["whoami"]).trim(), "kube:admin");
    let token = cli.wharf(&["whoami", "-t"]).trim().to_string();
    // A relogin with existing credentials, no flags: the kubeconfig's CA.
    let out = cli.wharf(&["login", &url]);
    assert!(out.contains("using existing credentials"), "{out}");

    // --insecure-skip-tls-verify: logged in without a check, and kept.
    let alice = Cli::new();
    alice.wharf(&[
        "login",
        &url,
        "-u",
        "alice",
        "-p",
        "wonderland",
        "--insecure-skip-tls-verify",
    ]);
    assert_eq!(alice.wharf(&["whoami"]).trim(), "alice");
    let kubeconfig = std::fs::read_to_string(&alice.kubeconfig).unwrap();
    assert!(
        kubeconfig.contains("insecure-skip-tls-verify: true"),
        "{kubeconfig}"
    );
    assert!(
        !kubeconfig.contains("certificate-authority"),
        "{kubeconfig}"
    );

    // A kubeconfig with certificate-authority-data (as other tools write it) is honoured.
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&ca).unwrap());
    let other = Cli::new();
    std::fs::create_dir_all(other.kubeconfig.parent().unwrap()).unwrap();
    std::fs::write(
        &other.kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {url}\n    certificate-authority-data: {data}\nusers:\n- name: u\n  user:\n    token: {token}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n    namespace: demo\ncurrent-context: x\n"
        ),
    )
    .unwrap();
    assert_eq!(other.wharf(&["whoami"]).trim(), "kube:admin");
    // --certificate-authority as a global flag of any verb, and the refusal without any CA.
    let bare = Cli::new();
    let err = bare.wharf_fails(&["whoami", "--server", &url, "--token", &token]);
    assert!(err.contains("unknown authority"), "{err}");
    let me = bare.wharf(&[
        "whoami",
        "--server",
        &url,
        "--token",
        &token,
        "--certificate-authority",
        &ca,
    ]);
    assert_eq!(me.trim(), "kube:admin");
    // http:// to the HTTPS port says so.
    let err = Cli::new().wharf_fails(&[
        "login",
        &format!("http://{}", s.addr),
        "-u",
        "kubeadmin",
        "-p",
        &pw,
    ]);
    assert!(err.contains("HTTP request to an HTTPS server"), "{err}");
}

#[test]
fn kubectl_sends_a_bearer_token_over_https() {
    if !require("kubectl") {
        return;
    }
    let s = secured_self_signed();
    let url = https(&s, "");
    let ca = ca_of(&s).display().to_string();
    let cli = Cli::new();
    cli.wharf(&[
        "login",
        &url,
        "-u",
        "kubeadmin",
        "-p",
        &s.kubeadmin_password(),
        "--certificate-authority",
        &ca,
    ]);
    cli.wharf(&["new-project", "demo"]);
    let token = cli.wharf(&["whoami", "-t"]).trim().to_string();
    let kubectl = || {
        let mut c = Command::new("kubectl");
        c.env("KUBECONFIG", "/dev/null")
            .arg("--cache-dir")
            .arg(s.data_dir.with_extension("kube-cache"))
            .args([
                "--server",
                &url,
                "--certificate-authority",
                &ca,
                "--token",
                &token,
            ]);
        c
    };
    let stream = r#"{"apiVersion": "image.openshift.io/v1", "kind": "ImageStream", "metadata": {"name": "app"}}"#;
    let out = output_with_stdin(kubectl().args(["create", "-n", "demo", "-f", "-"]), stream);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = run(kubectl().args(["get", "imagestreams", "-n", "demo", "-o", "name"]));
    assert_eq!(names.trim(), "imagestream.image.openshift.io/app");
    let me: serde_json::Value = serde_json::from_str(&run(kubectl().args([
        "get",
        "--raw",
        "/apis/user.openshift.io/v1/users/~",
    ])))
    .unwrap();
    assert_eq!(me["metadata"]["name"], "kube:admin", "the token was sent");
    // The kubeconfig `wharf login` wrote works for kubectl as it is.
    let names = run(cli
        .cmd("kubectl")
        .args(["get", "is", "-n", "demo", "-o", "name"]));
    assert_eq!(names.trim(), "imagestream.image.openshift.io/app");
    // The registry's challenge and the OAuth metadata name https URLs.
    let a = agent(Path::new(&ca));
    let r = a.get(&https(&s, "/v2/")).call().unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains(&format!("realm=\"{url}/openshift/token\"")),
        "{challenge}"
    );
    let mut r = a
        .get(&https(&s, "/.well-known/oauth-authorization-server"))
        .call()
        .unwrap();
    let meta = r.body_mut().read_to_string().unwrap();
    assert!(meta.contains(&format!("\"issuer\":\"{url}\"")), "{meta}");
}

#[test]
fn skopeo_pushes_to_the_tls_registry_with_dest_cert_dir() {
    if !require("skopeo") || !require("umoci") {
        return;
    }
    let layout = Layout::build(64 * 1024);
    let s = secured_self_signed();
    let ca = ca_of(&s);
    let cli = Cli::new();
    cli.wharf(&[
        "login",
        &https(&s, ""),
        "-u",
        "kubeadmin",
        "-p",
        &s.kubeadmin_password(),
        "--certificate-authority",
        &ca.display().to_string(),
    ]);
    cli.wharf(&["new-project", "demo"]);
    let token = cli.wharf(&["whoami", "-t"]).trim().to_string();
    let creds = format!("kubeadmin:{token}");
    let certs = tempfile::tempdir().unwrap();
    std::fs::copy(&ca, certs.path().join("ca.crt")).unwrap();
    let certs = certs.path().display().to_string();
    let dest = format!("docker://{}/demo/app:v1", s.addr);

    // Without the CA skopeo refuses the certificate.
    let out = Command::new("skopeo")
        .args([
            "copy",
            "-q",
            "--dest-creds",
            &creds,
            &layout.image("amd64"),
            &dest,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("certificate"), "{err}");

    run(Command::new("skopeo").args([
        "copy",
        "-q",
        "--dest-cert-dir",
        &certs,
        "--dest-creds",
        &creds,
        &layout.image("amd64"),
        &dest,
    ]));
    let info: serde_json::Value = serde_json::from_str(&run(Command::new("skopeo").args([
        "inspect",
        "--cert-dir",
        &certs,
        "--creds",
        &creds,
        &dest,
    ])))
    .unwrap();
    assert_eq!(info["Digest"], layout.descriptor("amd64")["digest"]);
    // The push is an image stream tag, as over plain HTTP.
    let tags = cli.wharf(&["get", "istag", "-n", "demo", "-o", "name"]);
    assert!(tags.contains("app:v1"), "{tags}");
}

#[test]
fn the_client_address_reaches_the_server_over_https_for_per_address_login_limits() {
    // Failed logins are counted per client address (ConnectInfo): with a limit of 2 per
    // address, a third user's attempt from the same address is held back.
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("wharf.yaml");
    std::fs::write(
        &config,
        "auth:\n  failedLoginsPerAddress: 2\n  failedLoginsPerUser: 100\n",
    )
    .unwrap();
    let s = tls_server(Server::start_secured_with(
        &[("alice", "wonderland")],
        &[
            "--tls=self-signed",
            "--config",
            &config.display().to_string(),
        ],
    ));
    let a = agent(&ca_of(&s));
    let url = https(
        &s,
        "/oauth/authorize?response_type=token&client_id=openshift-challenging-client",
    );
    let statuses: Vec<u16> = ["u1", "u2", "u3", "u4"]
        .iter()
        .map(|u| {
            a.get(&url)
                .header("Authorization", common::auth::basic(u, "guess"))
                .call()
                .unwrap()
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses[..2], [401, 401], "{statuses:?}");
    assert!(
        statuses.contains(&429),
        "held back by address: {statuses:?}"
    );
}
