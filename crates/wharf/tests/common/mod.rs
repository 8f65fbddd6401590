//! Harness for tests that run the real `wharf` binary and real peer clients.
//!
//! - [`Server`] starts `wharf serve` on a free loopback port (it binds port 0 and announces the
//!   address on stderr) over a temp data dir, and kills it by PID when dropped.
//! - [`require`] checks that a peer tool is installed. Under `CI=true` a missing peer fails the
//!   test; elsewhere the test says loudly that it skipped.
//! - [`Layout`] builds OCI image layouts with umoci (single-arch images and a multi-arch index).
#![allow(dead_code)]

pub mod auth;
pub mod distribution;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::Digest as _;

pub fn wharf_bin() -> &'static str {
    env!("CARGO_BIN_EXE_wharf")
}

pub struct Server {
    child: Option<Child>,
    pub addr: String,
    pub data_dir: PathBuf,
    log: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Server {
    /// A server on a fresh temp data dir.
    pub fn start() -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = Server::start_on(&tmp.path().join("data"), &[]);
        s._tmp = Some(tmp);
        s
    }

    /// A server on `data_dir` (kept after the server stops), with extra `serve` arguments.
    pub fn start_on(data_dir: &Path, extra: &[&str]) -> Server {
        Server::start_with(data_dir, extra, &[])
    }

    pub fn start_with(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let log = data_dir.with_extension(format!("{}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(wharf_bin());
        cmd.arg("serve").arg("--data-dir").arg(data_dir);
        if !extra.iter().any(|a| a.starts_with("--listen"))
            && !env.iter().any(|(k, _)| *k == "WHARF_LISTEN")
        {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        // Tests of other areas run without authentication; tests of auth pass `--auth=on`.
        if !extra.iter().any(|a| a.starts_with("--auth"))
            && !env.iter().any(|(k, _)| *k == "WHARF_AUTH")
        {
            cmd.arg("--auth=none");
        }
        cmd.args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log_file);
        let child = cmd.spawn().expect("start wharf serve");
        let mut s = Server {
            child: Some(child),
            addr: String::new(),
            data_dir: data_dir.into(),
            log,
            _tmp: None,
        };
        s.addr = s.wait_for_address();
        s
    }

    fn wait_for_address(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(rest) = text.split("listening on ").nth(1) {
                return rest.split(',').next().unwrap().trim().to_string();
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("wharf serve exited with {status} before listening:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "wharf serve did not start in 20 s:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Keeps `dir` (holding the data dir) until the server is dropped.
    pub fn keep_dir(&mut self, dir: tempfile::TempDir) {
        self._tmp = Some(dir);
    }

    /// SIGKILL, as a crash.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait; returns the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("server running");
        // SAFETY: sending a signal to our own child's PID.
        unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        c.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Whether peer `tool` is on PATH. Under `CI=true` a missing peer is a failure.
pub fn require(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("peer {tool} is not installed and CI=true: run scripts/install-peers");
        }
        eprintln!("SKIPPED: peer {tool} is not installed (scripts/install-peers installs it)");
    }
    found
}

/// The Python with the PyPI peers (oras), installed by scripts/install-peers.
pub fn peer_python() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/peer-venv/bin/python");
    let ok = Command::new(&p)
        .args(["-c", "import oras, openshift"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "PyPI peers missing ({}) and CI=true: run scripts/install-peers",
                p.display()
            );
        }
        eprintln!(
            "SKIPPED: PyPI peers not installed at {} (scripts/install-peers installs them)",
            p.display()
        );
        return None;
    }
    Some(p)
}

/// Runs a command, asserting success; returns stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// An HTTP client that reports every status instead of failing on 4xx/5xx.
pub fn http() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

pub const ACCEPT_ALL: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// GET returning (status, content-type, body).
pub fn get(url: &str) -> (u16, String, Vec<u8>) {
    let mut r = http()
        .get(url)
        .header("Accept", ACCEPT_ALL)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = r
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .unwrap();
    (r.status().as_u16(), ct, body)
}

pub fn get_json(url: &str) -> Value {
    let (status, _, body) = get(url);
    assert_eq!(status, 200, "GET {url}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// OCI layouts built with umoci: tags `amd64`, `arm64` (one random layer each) and `multi`
/// (an OCI index of the two, written by hand since umoci has no index command).
pub struct Layout {
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Layout {
    pub fn build(layer_bytes: usize) -> Layout {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("layout");
        let image = |tag: &str| format!("{}:{tag}", dir.display());
        run(Command::new("umoci").args(["init", "--layout"]).arg(&dir));
        for (tag, arch) in [("amd64", "amd64"), ("arm64", "arm64")] {
            run(Command::new("umoci").args(["new", "--image", &image(tag)]));
            let src = tmp.path().join(format!("src-{tag}"));
            std::fs::create_dir_all(&src).unwrap();
            let mut data = vec![0u8; layer_bytes];
            std::fs::File::open("/dev/urandom")
                .unwrap()
                .read_exact(&mut data)
                .unwrap();
            std::fs::write(src.join("payload.bin"), &data).unwrap();
            std::fs::write(src.join("arch.txt"), arch).unwrap();
            run(Command::new("umoci")
                .args(["insert", "--image", &image(tag)])
                .arg(&src)
                .arg("/data"));
            run(Command::new("umoci").args([
                "config",
                "--image",
                &image(tag),
                "--os",
                "linux",
                "--architecture",
                arch,
                "--config.entrypoint",
                "/bin/true",
            ]));
        }
        let layout = Layout { dir, _tmp: tmp };
        layout.add_index("multi", &["amd64", "arm64"]);
        layout
    }

    pub fn image(&self, tag: &str) -> String {
        format!("oci:{}:{tag}", self.dir.display())
    }

    fn blob(&self, digest: &str) -> Vec<u8> {
        std::fs::read(
            self.dir
                .join("blobs/sha256")
                .join(digest.trim_start_matches("sha256:")),
        )
        .unwrap()
    }

    /// The manifest descriptor tagged `tag` in index.json.
    pub fn descriptor(&self, tag: &str) -> Value {
        let index: Value =
            serde_json::from_slice(&std::fs::read(self.dir.join("index.json")).unwrap()).unwrap();
        index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
            .unwrap_or_else(|| panic!("no tag {tag} in layout"))
            .clone()
    }

    fn add_index(&self, tag: &str, children: &[&str]) {
        let manifests: Vec<Value> = children
            .iter()
            .map(|c| {
                let d = self.descriptor(c);
                let m: Value =
                    serde_json::from_slice(&self.blob(d["digest"].as_str().unwrap())).unwrap();
                let cfg: Value =
                    serde_json::from_slice(&self.blob(m["config"]["digest"].as_str().unwrap()))
                        .unwrap();
                json!({"mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"],
                       "platform": {"architecture": cfg["architecture"], "os": cfg["os"]}})
            })
            .collect();
        let ix = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}).to_string();
        let hex = sha256_hex(ix.as_bytes());
        std::fs::write(self.dir.join("blobs/sha256").join(&hex), &ix).unwrap();
        let path = self.dir.join("index.json");
        let mut index: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        index["manifests"].as_array_mut().unwrap().push(json!({
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": format!("sha256:{hex}"), "size": ix.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag}}));
        std::fs::write(path, index.to_string()).unwrap();
    }
}

/// `skopeo copy` into the server, plain HTTP.
pub fn skopeo_copy(all: bool, src: &str, dest: &str) {
    let mut cmd = Command::new("skopeo");
    cmd.args([
        "copy",
        "-q",
        "--dest-tls-verify=false",
        "--src-tls-verify=false",
    ]);
    if all {
        cmd.arg("--all");
    }
    run(cmd.args([src, dest]));
}

/// A private containers-storage (vfs driver) for podman and buildah, so tests neither share
/// nor touch the machine's image store.
pub struct ContainersStorage {
    pub conf: PathBuf,
    _tmp: tempfile::TempDir,
}

impl ContainersStorage {
    pub fn new() -> ContainersStorage {
        let tmp = tempfile::tempdir().unwrap();
        let conf = tmp.path().join("storage.conf");
        std::fs::write(
            &conf,
            format!(
                "[storage]\ndriver = \"vfs\"\nrunroot = \"{0}/run\"\ngraphroot = \"{0}/root\"\n",
                tmp.path().display()
            ),
        )
        .unwrap();
        ContainersStorage { conf, _tmp: tmp }
    }

    /// A command for `tool` (podman or buildah) using this storage. podman also gets its own
    /// libpod state directory: by default every podman process shares `/run/libpod`.
    pub fn cmd(&self, tool: &str) -> Command {
        let mut c = Command::new(tool);
        c.env("CONTAINERS_STORAGE_CONF", &self.conf)
            .env("BUILDAH_ISOLATION", "chroot");
        if tool == "podman" {
            c.arg("--tmpdir")
                .arg(self.conf.with_file_name("libpod-tmp"));
        }
        c
    }
}

/// The media type a manifest is served with.
pub fn served_media_type(s: &Server, repo: &str, reference: &str) -> String {
    let (status, ct, body) = get(&s.url(&format!("/v2/{repo}/manifests/{reference}")));
    assert_eq!(
        status,
        200,
        "{repo}:{reference}: {}",
        String::from_utf8_lossy(&body)
    );
    ct
}

/// Pushes a small image (an OCI config with `config` as its `config` section, one layer of
/// `layer` bytes) to `repo:tag` over plain HTTP; returns the manifest digest.
pub fn push_image(s: &Server, repo: &str, tag: &str, config: Value, layer: &[u8]) -> String {
    push_image_as(s, None, repo, tag, config, layer).manifest
}

/// What a push left: the manifest and layer digests.
pub struct Pushed {
    pub manifest: String,
    pub layer: String,
}

/// [`push_image`] with an `Authorization` value, asserting every step succeeds.
pub fn push_image_as(
    s: &Server,
    auth: Option<&str>,
    repo: &str,
    tag: &str,
    config: Value,
    layer: &[u8],
) -> Pushed {
    let config = serde_json::json!({"architecture": "amd64", "os": "linux",
        "created": "2026-01-01T00:00:00Z", "config": config})
    .to_string();
    let blob = |bytes: &[u8]| {
        let d = sha256_digest(bytes);
        let r = auth::call(
            "POST",
            &s.url(&format!("/v2/{repo}/blobs/uploads/?digest={d}")),
            auth,
            Some(("application/octet-stream", bytes)),
        );
        assert_eq!(r.status, 201, "blob upload to {repo}: {}", r.body);
        d
    };
    let c = blob(config.as_bytes());
    let l = blob(layer);
    let manifest = serde_json::json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": c, "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": l, "size": layer.len()}]})
    .to_string();
    let r = auth::call(
        "PUT",
        &s.url(&format!("/v2/{repo}/manifests/{tag}")),
        auth,
        Some((
            "application/vnd.oci.image.manifest.v1+json",
            manifest.as_bytes(),
        )),
    );
    assert_eq!(r.status, 201, "manifest push to {repo}:{tag}: {}", r.body);
    Pushed {
        manifest: sha256_digest(manifest.as_bytes()),
        layer: l,
    }
}

/// The `wharf` client with a kubeconfig of its own (shared with kubectl through `cmd`).
pub struct Cli {
    pub kubeconfig: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Cli {
    pub fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        Cli {
            kubeconfig: dir.path().join("kube/config"),
            _dir: dir,
        }
    }

    /// `tool` with this client's kubeconfig and, for kubectl, a discovery cache of its own
    /// (see [`kubectl`]).
    pub fn cmd(&self, tool: &str) -> Command {
        let mut c = Command::new(tool);
        c.env("KUBECONFIG", &self.kubeconfig);
        if tool == "kubectl" {
            c.arg("--cache-dir")
                .arg(self.kubeconfig.with_file_name("cache"));
        }
        c
    }

    /// Runs `wharf ARGS`, asserting success; returns stdout.
    pub fn wharf(&self, args: &[&str]) -> String {
        run(self.cmd(wharf_bin()).args(args))
    }

    /// Runs `wharf ARGS`, asserting exit code 1; returns stderr.
    pub fn wharf_fails(&self, args: &[&str]) -> String {
        let out: std::process::Output = self.cmd(wharf_bin()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "wharf {args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

impl Cli {
    /// A client logged into `s` and using a new project `ns`.
    pub fn in_project(s: &Server, ns: &str) -> Cli {
        let cli = Cli::new();
        cli.wharf(&["login", &s.url("")]);
        cli.wharf(&["new-project", ns]);
        cli
    }
}

/// The cells of one line of a kubectl-style table (columns are separated by 3+ spaces).
pub fn table_cells(line: &str) -> Vec<&str> {
    line.split("   ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// kubectl against `s` with an empty kubeconfig and a discovery cache of this server's own:
/// kubectl keeps discovery for hours per host:port, and a port reused from an earlier server
/// must not answer with that server's resources.
pub fn kubectl(s: &Server) -> Command {
    let mut c = Command::new("kubectl");
    c.env("KUBECONFIG", "/dev/null")
        .arg("--cache-dir")
        .arg(kube_cache(&s.data_dir))
        .arg("--server")
        .arg(s.url(""));
    c
}

fn kube_cache(data_dir: &Path) -> PathBuf {
    data_dir.with_extension("kube-cache")
}

/// Runs `cmd` with `stdin` as its standard input; returns its output, whatever the exit code.
pub fn output_with_stdin(cmd: &mut Command, stdin: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
