//! `wharf serve` as a user starts it: settings from flags, environment and a YAML file; clear
//! errors for bad settings; graceful shutdown that lets in-flight requests finish.

mod common;

use std::io::Read;
use std::process::Command;
use std::time::Duration;

use common::{http, wharf_bin, Server};

#[test]
fn settings_come_from_the_environment_and_the_config_file() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("from-env");
    let config = tmp.path().join("wharf.yaml");
    std::fs::write(
        &config,
        "logLevel: warn\nregistryHostname: registry.example:5000\nlimits:\n  maxManifestBytes: 100\nuploads:\n  expiry: 1h\nauth:\n  mode: none\n",
    )
    .unwrap();
    let mut cmd = Command::new(wharf_bin());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .env("WHARF_DATA_DIR", &data);
    let log = tmp.path().join("env.log");
    cmd.stderr(std::fs::File::create(&log).unwrap());
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let addr = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if let Some(rest) = text.split("listening on ").nth(1) {
            break rest.split(',').next().unwrap().to_string();
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(data.join("meta.db").exists(), "WHARF_DATA_DIR is used");
    // The config file's manifest limit applies.
    let big = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"annotations":{{"pad":"{}"}}}}"#,
        "x".repeat(200)
    );
    let r = http()
        .put(&format!("http://{addr}/v2/limited/manifests/v1"))
        .header("Content-Type", "application/vnd.oci.image.index.v1+json")
        .send(big.as_bytes())
        .unwrap();
    assert_eq!(r.status(), 413);
    // The registry hostname names image streams' repositories.
    let post = |path: &str, body: &str| {
        http()
            .post(&format!("http://{addr}{path}"))
            .header("Content-Type", "application/json")
            .send(body.as_bytes())
            .unwrap()
            .status()
    };
    assert_eq!(
        post("/api/v1/namespaces", r#"{"metadata":{"name":"ns"}}"#),
        201
    );
    assert_eq!(
        post(
            "/apis/image.openshift.io/v1/namespaces/ns/imagestreams",
            r#"{"metadata":{"name":"app"}}"#
        ),
        201
    );
    let stream = common::get_json(&format!(
        "http://{addr}/apis/image.openshift.io/v1/namespaces/ns/imagestreams/app"
    ));
    assert_eq!(
        stream["status"]["dockerImageRepository"],
        "registry.example:5000/ns/app"
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn serve_error(args: &[&str]) -> String {
    let out = Command::new(wharf_bin())
        .arg("serve")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "expected exit code 1");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_settings_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    let data = data.to_str().unwrap();
    let config = tmp.path().join("bad.yaml");
    std::fs::write(&config, "limts:\n  maxManifestBytes: 1\n").unwrap();
    let e = serve_error(&["--data-dir", data, "--config", config.to_str().unwrap()]);
    assert!(
        e.starts_with("error: config file") && e.contains("limts"),
        "{e}"
    );
    let e = serve_error(&["--data-dir", data, "--config", "/nonexistent/wharf.yaml"]);
    assert!(e.starts_with("error: cannot read config file"), "{e}");
    let e = serve_error(&["--data-dir", data, "--listen", "not-an-address"]);
    assert!(
        e.starts_with("error: invalid --listen") && e.contains("127.0.0.1:5000"),
        "{e}"
    );
    std::fs::write(&config, "uploads:\n  expiry: soon\n").unwrap();
    let e = serve_error(&["--data-dir", data, "--config", config.to_str().unwrap()]);
    assert!(e.contains("invalid duration"), "{e}");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let e = serve_error(&[
        "--data-dir",
        data,
        "--listen",
        &taken.local_addr().unwrap().to_string(),
    ]);
    assert!(e.starts_with("error: cannot listen on"), "{e}");
}

/// A request body that trickles out over about a second.
struct Trickle {
    left: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        std::thread::sleep(Duration::from_millis(100));
        let n = self.left.min(buf.len()).min(10_000);
        buf[..n].fill(b'w');
        self.left -= n;
        Ok(n)
    }
}

#[test]
fn sigterm_lets_an_in_flight_upload_finish_then_exits_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut s = Server::start_on(&data, &[]);
    let base = s.url("");
    let r = http()
        .post(&format!("{base}/v2/graceful/blobs/uploads/"))
        .send_empty()
        .unwrap();
    let loc = format!(
        "{base}{}",
        r.headers().get("location").unwrap().to_str().unwrap()
    );
    let uploader = {
        let loc = loc.clone();
        std::thread::spawn(move || {
            http()
                .patch(&loc)
                .header("Content-Length", "100000")
                .send(ureq::SendBody::from_reader(&mut Trickle { left: 100_000 }))
                .map(|r| r.status().as_u16())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let status = s.terminate();
    assert_eq!(
        uploader.join().unwrap().expect("in-flight PATCH completed"),
        202
    );
    assert!(status.success(), "clean exit after SIGTERM: {status}");
    let s = Server::start_on(&data, &[]);
    let r = http().get(&loc.replace(&base, &s.url(""))).call().unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        r.headers().get("range").unwrap().to_str().unwrap(),
        "0-99999",
        "every acknowledged byte kept"
    );
}

#[test]
fn health_endpoints_answer() {
    let s = Server::start();
    for path in ["/healthz", "/readyz"] {
        let (status, _, body) = common::get(&s.url(path));
        assert_eq!((status, body.as_slice()), (200, &b"ok"[..]));
    }
}
