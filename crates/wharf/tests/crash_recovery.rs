//! Design invariants 1, 2 and 8 under crashes: the server is killed with SIGKILL at random
//! moments during parallel pushes, many times, and restarted on the same data directory. Then:
//! every acknowledged push is still there; every visible manifest's blobs exist and hash to
//! their digests; every file in the blob store hashes to its name.
//!
//! `WHARF_CRASH_ROUNDS` sets the number of kills (default 12); the random seed is printed so a
//! failure can be replayed with `WHARF_CRASH_SEED`.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{get, get_json, http, sha256_digest, Server};
use serde_json::json;

/// xorshift64*: a small deterministic generator, so a failing seed replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[derive(Clone, Debug)]
struct Acked {
    repo: String,
    tag: String,
    digest: String,
}

/// What a pusher saw that it should not have: a status other than the expected one while the
/// server was up.
type Anomalies = Arc<Mutex<Vec<String>>>;

enum Outcome {
    Done,
    /// The server went away (connection refused or reset): expected once it is killed.
    Gone,
}

fn expect_status(
    r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    want: &[u16],
    what: &str,
    anomalies: &Anomalies,
) -> Result<ureq::http::Response<ureq::Body>, Outcome> {
    match r {
        Ok(resp) if want.contains(&resp.status().as_u16()) => Ok(resp),
        Ok(mut resp) => {
            let body = resp.body_mut().read_to_string().unwrap_or_default();
            anomalies
                .lock()
                .unwrap()
                .push(format!("{what}: {} {body}", resp.status()));
            Err(Outcome::Done)
        }
        Err(_) => Err(Outcome::Gone),
    }
}

fn location(resp: &ureq::http::Response<ureq::Body>, base: &str) -> String {
    let loc = resp.headers().get("location").unwrap().to_str().unwrap();
    if loc.starts_with('/') {
        format!("{base}{loc}")
    } else {
        loc.to_string()
    }
}

/// Pushes one blob by one of the three upload styles.
fn push_blob(
    base: &str,
    repo: &str,
    data: &[u8],
    rng: &mut Rng,
    an: &Anomalies,
) -> Result<String, Outcome> {
    let agent = http();
    let digest = sha256_digest(data);
    let start = format!("{base}/v2/{repo}/blobs/uploads/");
    let sep = |u: &str| if u.contains('?') { '&' } else { '?' };
    match rng.below(3) {
        0 => {
            expect_status(
                agent.post(&format!("{start}?digest={digest}")).send(data),
                &[201],
                "monolithic POST",
                an,
            )?;
        }
        1 => {
            let r = expect_status(agent.post(&start).send_empty(), &[202], "POST", an)?;
            let loc = location(&r, base);
            expect_status(
                agent
                    .put(&format!("{loc}{}digest={digest}", sep(&loc)))
                    .send(data),
                &[201],
                "PUT with body",
                an,
            )?;
        }
        _ => {
            let r = expect_status(agent.post(&start).send_empty(), &[202], "POST", an)?;
            let mut loc = location(&r, base);
            let mut offset = 0usize;
            for chunk in data.chunks(data.len().div_ceil(3).max(1)) {
                let range = format!("{}-{}", offset, offset + chunk.len() - 1);
                let r = expect_status(
                    agent
                        .patch(&loc)
                        .header("Content-Range", &range)
                        .send(chunk),
                    &[202],
                    "PATCH",
                    an,
                )?;
                loc = location(&r, base);
                offset += chunk.len();
            }
            expect_status(
                agent
                    .put(&format!("{loc}{}digest={digest}", sep(&loc)))
                    .send_empty(),
                &[201],
                "PUT",
                an,
            )?;
        }
    }
    Ok(digest)
}

fn push_image(
    base: &str,
    repo: &str,
    tag: &str,
    rng: &mut Rng,
    an: &Anomalies,
) -> Result<String, Outcome> {
    let config = json!({"architecture": "amd64", "os": "linux", "nonce": rng.next()}).to_string();
    let config_digest = push_blob(base, repo, config.as_bytes(), rng, an)?;
    let mut layers = Vec::new();
    for _ in 0..1 + rng.below(2) {
        let size = rng.below(1_500_000) as usize;
        let data = rng.bytes(size);
        let d = push_blob(base, repo, &data, rng, an)?;
        layers.push(json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": size}));
    }
    let manifest = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": layers}).to_string();
    expect_status(
        http()
            .put(&format!("{base}/v2/{repo}/manifests/{tag}"))
            .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            .send(manifest.as_bytes()),
        &[201],
        "manifest PUT",
        an,
    )?;
    Ok(sha256_digest(manifest.as_bytes()))
}

fn check_blob(s: &Server, repo: &str, digest: &str) {
    let (status, _, body) = get(&s.url(&format!("/v2/{repo}/blobs/{digest}")));
    assert_eq!(
        status, 200,
        "blob {digest} of a visible manifest in {repo} is missing"
    );
    assert_eq!(
        sha256_digest(&body),
        digest,
        "blob bytes in {repo} do not hash to their digest"
    );
}

#[test]
fn sigkill_during_parallel_pushes_loses_nothing_acknowledged_and_shows_nothing_half_written() {
    let rounds: usize = std::env::var("WHARF_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let seed: u64 = std::env::var("WHARF_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test: {rounds} rounds, WHARF_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let anomalies: Anomalies = Arc::default();

    for round in 0..rounds {
        let mut server = Server::start_on(&data, &["--log-level", "warn"]);
        let base = format!("http://{}", server.addr);
        let stop = Arc::new(AtomicBool::new(false));
        let pushers: Vec<_> = (0..4)
            .map(|t| {
                let (base, stop, acked, an) =
                    (base.clone(), stop.clone(), acked.clone(), anomalies.clone());
                let mut rng = Rng(rng.next() | 1);
                std::thread::spawn(move || {
                    let repo = format!("crash/pusher{t}");
                    for n in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let tag = format!("r{round}-{n}");
                        match push_image(&base, &repo, &tag, &mut rng, &an) {
                            Ok(digest) => acked.lock().unwrap().push(Acked {
                                repo: repo.clone(),
                                tag,
                                digest,
                            }),
                            Err(_) => break,
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50 + rng.below(500)));
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        for p in pushers {
            p.join().unwrap();
        }
    }

    let s = Server::start_on(&data, &[]);
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= rounds,
        "too few pushes completed ({}) for the test to mean anything",
        acked.len()
    );
    // 1. Nothing acknowledged was lost.
    for a in &acked {
        let (status, _, body) = get(&s.url(&format!("/v2/{}/manifests/{}", a.repo, a.tag)));
        assert_eq!(status, 200, "acknowledged push {a:?} is lost");
        assert_eq!(
            sha256_digest(&body),
            a.digest,
            "acknowledged push {a:?} serves other bytes"
        );
    }
    // 2. Everything visible is whole: each manifest's blobs exist and hash to their digests.
    let mut visible = 0;
    for repo in get_json(&s.url("/v2/_catalog"))["repositories"]
        .as_array()
        .unwrap()
    {
        let repo = repo.as_str().unwrap();
        for tag in get_json(&s.url(&format!("/v2/{repo}/tags/list")))["tags"]
            .as_array()
            .unwrap()
        {
            let m = get_json(&s.url(&format!("/v2/{repo}/manifests/{}", tag.as_str().unwrap())));
            check_blob(&s, repo, m["config"]["digest"].as_str().unwrap());
            for l in m["layers"].as_array().unwrap() {
                check_blob(&s, repo, l["digest"].as_str().unwrap());
            }
            visible += 1;
        }
    }
    assert!(visible >= acked.len());
    // 3. The blob store holds only whole, verified files.
    let blobs = data.join("blobs/sha256");
    for dir in std::fs::read_dir(&blobs).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let f = f.unwrap();
            let name = f.file_name().into_string().unwrap();
            let bytes = std::fs::read(f.path()).unwrap();
            assert_eq!(
                common::sha256_hex(&bytes),
                name,
                "blob file {name} does not hash to its name"
            );
        }
    }
    let anomalies = anomalies.lock().unwrap();
    assert!(
        anomalies.is_empty(),
        "unexpected responses while the server was up: {anomalies:#?}"
    );
    eprintln!("crash test: {} acknowledged pushes survived {rounds} kills; {visible} visible manifests verified", acked.len());
}
