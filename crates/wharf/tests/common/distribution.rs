//! CNCF Distribution (`docker-registry serve`, the Debian package docker-registry 2.8) as an
//! external registry for import tests: a free loopback port, a temp storage root, optionally
//! htpasswd auth. Killed by PID when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{http, require, run};

pub struct Distribution {
    child: Option<Child>,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The storage root: blobs live under `docker/registry/v2/blobs/sha256/XX/HEX/data`.
    pub root: PathBuf,
    /// `user:pass` when started with auth.
    pub creds: Option<String>,
    log: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Distribution {
    /// An anonymous registry, or None (after saying so) when docker-registry is missing.
    pub fn start() -> Option<Distribution> {
        Distribution::start_with(None, None)
    }

    /// An anonymous registry that sends its events (CNCF Distribution's notifications) to
    /// `url` as they happen.
    pub fn start_notifying(url: &str) -> Option<Distribution> {
        Distribution::start_with(None, Some((url, None)))
    }

    /// The same, sending `Authorization: Bearer <token>` with each notification.
    pub fn start_notifying_with_token(url: &str, token: &str) -> Option<Distribution> {
        Distribution::start_with(None, Some((url, Some(token))))
    }

    /// A registry that accepts only `user`/`pass` (htpasswd, bcrypt).
    pub fn start_with_htpasswd(user: &str, pass: &str) -> Option<Distribution> {
        Distribution::start_with(Some((user, pass)), None)
    }

    fn start_with(
        auth: Option<(&str, &str)>,
        notify: Option<(&str, Option<&str>)>,
    ) -> Option<Distribution> {
        if !require("docker-registry") {
            return None;
        }
        if auth.is_some() && !require("htpasswd") {
            return None;
        }
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("storage");
        std::fs::create_dir_all(&root).unwrap();
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
             http:\n  addr: {addr}\n",
            root.display()
        );
        if let Some((user, pass)) = auth {
            let line = run(Command::new("htpasswd").args(["-Bbn", user, pass]));
            let file = tmp.path().join("htpasswd");
            std::fs::write(&file, line.trim_end().to_string() + "\n").unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: basic-realm\n    path: {}\n",
                file.display()
            ));
        }
        if let Some((url, token)) = notify {
            config.push_str(&format!(
                "notifications:\n  endpoints:\n    - name: wharf\n      url: {url}\n      timeout: 2s\n      threshold: 5\n      backoff: 1s\n"
            ));
            if let Some(t) = token {
                config.push_str(&format!(
                    "      headers:\n        Authorization: [\"Bearer {t}\"]\n"
                ));
            }
        }
        let config_path = tmp.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = tmp.path().join("registry.log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start docker-registry");
        let mut d = Distribution {
            child: Some(child),
            addr,
            root,
            creds: auth.map(|(u, p)| format!("{u}:{p}")),
            log,
            _tmp: tmp,
        };
        d.wait_ready();
        Some(d)
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let agent = http();
        loop {
            if let Ok(r) = agent.get(&self.url("/v2/")).call() {
                if matches!(r.status().as_u16(), 200 | 401) {
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "docker-registry exited with {status} before answering:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not answer /v2/ in 20 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The file holding blob `digest` (`sha256:HEX`) in the storage root.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.root
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// `skopeo copy` from `src` into `docker://ADDR/dest` (plain HTTP, with the credentials
    /// when the registry has auth).
    pub fn push(&self, all: bool, src: &str, dest: &str) {
        let mut cmd = Command::new("skopeo");
        cmd.args([
            "copy",
            "-q",
            "--dest-tls-verify=false",
            "--src-tls-verify=false",
        ]);
        if let Some(c) = &self.creds {
            cmd.args(["--dest-creds", c]);
        }
        if all {
            cmd.arg("--all");
        }
        cmd.arg(src).arg(format!("docker://{}/{dest}", self.addr));
        run(&mut cmd);
    }
}

impl Distribution {
    /// Kills the registry: the source disappears.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Distribution {
    fn drop(&mut self) {
        self.stop();
    }
}
