//! `wharf image mirror`: copying images and manifest lists between real registries — CNCF
//! Distribution and `wharf serve` — over plain HTTP. Single images, manifest lists (whole,
//! kept, filtered), resumed runs that skip blobs the target has, mounts within a registry,
//! dry runs, and the errors (unreachable source, plain HTTP without --insecure, bad
//! arguments).

mod common;

use std::process::Command;

use common::distribution::Distribution;
use common::{get, http, require, run, sha256_digest, wharf_bin, Layout, Server};
use serde_json::Value;

fn peers() -> bool {
    require("skopeo") && require("umoci")
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `wharf image mirror ARGS`, whatever it exits with.
fn mirror(args: &[&str]) -> Out {
    let out = Command::new(wharf_bin())
        .args(["image", "mirror"])
        .args(args)
        .env("HOME", "/nonexistent")
        .env_remove("REGISTRY_AUTH_FILE")
        .output()
        .unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `wharf image mirror ARGS`, asserting success.
fn mirror_ok(args: &[&str]) -> Out {
    let o = mirror(args);
    assert_eq!(
        o.code,
        Some(0),
        "wharf image mirror {args:?}\nstdout:\n{}\nstderr:\n{}",
        o.stdout,
        o.stderr
    );
    o
}

/// The digest of the manifest `addr` serves for `repo:reference` (its bytes' sha256), or
/// None when it answers 404.
fn manifest_digest(addr: &str, repo: &str, reference: &str) -> Option<String> {
    let (status, _, body) = get(&format!("http://{addr}/v2/{repo}/manifests/{reference}"));
    match status {
        200 => Some(sha256_digest(&body)),
        404 => None,
        s => panic!(
            "{addr}/{repo}:{reference}: {s} {}",
            String::from_utf8_lossy(&body)
        ),
    }
}

fn manifest_json(addr: &str, repo: &str, reference: &str) -> Value {
    let (status, _, body) = get(&format!("http://{addr}/v2/{repo}/manifests/{reference}"));
    assert_eq!(status, 200, "{addr}/{repo}:{reference}");
    serde_json::from_slice(&body).unwrap()
}

fn blob_status(addr: &str, repo: &str, digest: &str) -> u16 {
    http()
        .head(&format!("http://{addr}/v2/{repo}/blobs/{digest}"))
        .call()
        .unwrap()
        .status()
        .as_u16()
}

/// Config and layer digests of an image manifest.
fn blobs_of(manifest: &Value) -> Vec<String> {
    let mut out = vec![manifest["config"]["digest"].as_str().unwrap().to_string()];
    for l in manifest["layers"].as_array().unwrap() {
        out.push(l["digest"].as_str().unwrap().to_string());
    }
    out
}

/// The digest of the `arch` entry of a manifest list.
fn child_for(list: &Value, arch: &str) -> String {
    list["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["architecture"] == arch)
        .unwrap_or_else(|| panic!("no {arch} in {list:#}"))["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A Distribution holding `src/app:v1` (amd64), `src/app:arm` and `src/app:multi` (a list).
fn source(layer_bytes: usize) -> Option<(Distribution, Layout)> {
    if !peers() {
        return None;
    }
    let d = Distribution::start()?;
    let layout = Layout::build(layer_bytes);
    d.push(false, &layout.image("amd64"), "src/app:v1");
    d.push(false, &layout.image("arm64"), "src/app:arm");
    d.push(true, &layout.image("multi"), "src/app:multi");
    Some((d, layout))
}

#[test]
fn mirroring_a_single_image_from_distribution_to_wharf_keeps_its_digest_and_blobs() {
    let Some((d, _layout)) = source(3 << 20) else {
        return;
    };
    let s = Server::start();
    let src = format!("{}/src/app:v1", d.addr);
    // The destination names no tag: it gets the source's (v1).
    let dst = format!("{}/mirror/app", s.addr);
    let o = mirror_ok(&["--insecure", &src, &dst]);

    let want = manifest_digest(&d.addr, "src/app", "v1").unwrap();
    assert_eq!(
        manifest_digest(&s.addr, "mirror/app", "v1"),
        Some(want.clone())
    );
    assert!(
        o.stdout
            .contains(&format!("{want} {}/mirror/app:v1", s.addr)),
        "summary line missing:\n{}",
        o.stdout
    );
    assert!(
        o.stderr.contains("info: Mirroring completed in "),
        "{}",
        o.stderr
    );
    // Not a terminal: no bars drawn, one line per finished blob.
    let manifest = manifest_json(&s.addr, "mirror/app", "v1");
    for b in blobs_of(&manifest) {
        assert_eq!(blob_status(&s.addr, "mirror/app", &b), 200, "blob {b}");
        assert!(
            o.stderr
                .contains(&format!("uploaded: {}/mirror/app {b}", s.addr)),
            "no line for {b}:\n{}",
            o.stderr
        );
    }
    assert!(
        !o.stderr.contains('\u{1b}'),
        "escape codes without a terminal:\n{}",
        o.stderr
    );
    // A real client can read it.
    let inspect = run(Command::new("skopeo").args([
        "inspect",
        "--tls-verify=false",
        &format!("docker://{}/mirror/app:v1", s.addr),
    ]));
    let v: Value = serde_json::from_str(&inspect).unwrap();
    assert_eq!(v["Digest"], want.as_str());
    assert_eq!(v["Architecture"], "amd64");
}

#[test]
fn mirroring_from_wharf_to_distribution_works_the_other_way_round() {
    let Some((d, _layout)) = source(64 << 10) else {
        return;
    };
    let s = Server::start();
    mirror_ok(&[
        "--insecure",
        &format!("{}/src/app:v1", d.addr),
        &format!("{}/hop/app:one", s.addr),
    ]);
    mirror_ok(&[
        "--insecure",
        &format!("{}/hop/app:one", s.addr),
        &format!("{}/back/app:two", d.addr),
    ]);
    assert_eq!(
        manifest_digest(&d.addr, "back/app", "two"),
        manifest_digest(&d.addr, "src/app", "v1")
    );
}

#[test]
fn a_manifest_list_is_mirrored_whole_by_default_and_with_keep_manifest_list() {
    let Some((d, _layout)) = source(64 << 10) else {
        return;
    };
    let s = Server::start();
    let list_digest = manifest_digest(&d.addr, "src/app", "multi").unwrap();
    let list = manifest_json(&d.addr, "src/app", "multi");
    for (flags, repo) in [
        (vec![], "all/app"),
        (vec!["--keep-manifest-list"], "kept/app"),
    ] {
        let mut args = vec!["--insecure"];
        args.extend(flags);
        let src = format!("{}/src/app:multi", d.addr);
        let dst = format!("{}/{repo}:multi", s.addr);
        args.extend([src.as_str(), dst.as_str()]);
        let o = mirror_ok(&args);
        assert_eq!(
            manifest_digest(&s.addr, repo, "multi"),
            Some(list_digest.clone())
        );
        assert!(
            o.stdout.contains(&format!("{list_digest} {dst}")),
            "{}",
            o.stdout
        );
        for arch in ["amd64", "arm64"] {
            let child = child_for(&list, arch);
            assert_eq!(manifest_digest(&s.addr, repo, &child), Some(child.clone()));
            let m = manifest_json(&s.addr, repo, &child);
            for b in blobs_of(&m) {
                assert_eq!(blob_status(&s.addr, repo, &b), 200, "{arch} blob {b}");
            }
        }
    }
    // Even a filter keeps the whole list when asked to.
    mirror_ok(&[
        "--insecure",
        "--keep-manifest-list",
        "--filter-by-os=linux/arm64",
        &format!("{}/src/app:multi", d.addr),
        &format!("{}/keptfiltered/app:multi", s.addr),
    ]);
    assert_eq!(
        manifest_digest(&s.addr, "keptfiltered/app", "multi"),
        Some(list_digest)
    );
}

#[test]
fn filter_by_os_pushes_only_the_matching_manifest() {
    let Some((d, _layout)) = source(64 << 10) else {
        return;
    };
    let s = Server::start();
    let list = manifest_json(&d.addr, "src/app", "multi");
    let arm = child_for(&list, "arm64");
    let amd = child_for(&list, "amd64");
    let o = mirror_ok(&[
        "--insecure",
        "--filter-by-os=linux/arm64",
        &format!("{}/src/app:multi", d.addr),
        &format!("{}/only/arm:latest", s.addr),
    ]);
    assert_eq!(
        manifest_digest(&s.addr, "only/arm", "latest"),
        Some(arm.clone())
    );
    assert_eq!(manifest_digest(&s.addr, "only/arm", &amd), None);
    assert!(
        o.stdout
            .contains(&format!("{arm} {}/only/arm:latest", s.addr)),
        "{}",
        o.stdout
    );
    // The amd64 image's own blobs were not copied.
    let amd_manifest = manifest_json(&d.addr, "src/app", &amd);
    let arm_manifest = manifest_json(&d.addr, "src/app", &arm);
    let arm_blobs = blobs_of(&arm_manifest);
    for b in blobs_of(&amd_manifest) {
        if !arm_blobs.contains(&b) {
            assert_eq!(
                blob_status(&s.addr, "only/arm", &b),
                404,
                "amd64 blob {b} copied"
            );
        }
    }
    // Every entry matches: the list is pushed unchanged.
    mirror_ok(&[
        "--insecure",
        "--filter-by-os=linux/.*",
        &format!("{}/src/app:multi", d.addr),
        &format!("{}/only/both:multi", s.addr),
    ]);
    assert_eq!(
        manifest_digest(&s.addr, "only/both", "multi"),
        manifest_digest(&d.addr, "src/app", "multi")
    );
    // No entry matches: an error, nothing pushed.
    let o = mirror(&[
        "--insecure",
        "--filter-by-os=windows/.*",
        &format!("{}/src/app:multi", d.addr),
        &format!("{}/only/none:x", s.addr),
    ]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(o.stderr.starts_with("error: "), "{}", o.stderr);
    assert!(o.stderr.contains("--filter-by-os"), "{}", o.stderr);
    assert_eq!(manifest_digest(&s.addr, "only/none", "x"), None);
}

#[test]
fn a_second_run_sends_no_blobs() {
    let Some((d, _layout)) = source(1 << 20) else {
        return;
    };
    let s = Server::start();
    let src = format!("{}/src/app:multi", d.addr);
    let dst = format!("{}/again/app:multi", s.addr);
    let first = mirror_ok(&["--insecure", &src, &dst]);
    assert!(first.stderr.contains("uploaded: "), "{}", first.stderr);
    let second = mirror_ok(&["--insecure", &src, &dst]);
    assert!(!second.stderr.contains("uploaded: "), "{}", second.stderr);
    assert!(second.stderr.contains("exists: "), "{}", second.stderr);
    assert!(
        second.stderr.contains("info: 0 blobs uploaded (0B)"),
        "{}",
        second.stderr
    );
    assert_eq!(
        manifest_digest(&s.addr, "again/app", "multi"),
        manifest_digest(&d.addr, "src/app", "multi")
    );
}

#[test]
fn an_interrupted_mirror_resumes_without_resending_finished_blobs() {
    let Some((d, _layout)) = source(256 << 10) else {
        return;
    };
    let s = Server::start();
    // The amd64 image made it across before the "interruption"; the list did not.
    mirror_ok(&[
        "--insecure",
        &format!("{}/src/app:v1", d.addr),
        &format!("{}/resume/app:v1", s.addr),
    ]);
    let o = mirror_ok(&[
        "--insecure",
        &format!("{}/src/app:multi", d.addr),
        &format!("{}/resume/app:multi", s.addr),
    ]);
    let list = manifest_json(&d.addr, "src/app", "multi");
    let amd = blobs_of(&manifest_json(
        &d.addr,
        "src/app",
        &child_for(&list, "amd64"),
    ));
    let arm = blobs_of(&manifest_json(
        &d.addr,
        "src/app",
        &child_for(&list, "arm64"),
    ));
    for b in &amd {
        assert!(
            o.stderr
                .contains(&format!("exists: {}/resume/app {b}", s.addr)),
            "{b} not skipped:\n{}",
            o.stderr
        );
        assert!(!o
            .stderr
            .contains(&format!("uploaded: {}/resume/app {b}", s.addr)));
    }
    for b in arm.iter().filter(|b| !amd.contains(b)) {
        assert!(
            o.stderr
                .contains(&format!("uploaded: {}/resume/app {b}", s.addr)),
            "{b} not uploaded:\n{}",
            o.stderr
        );
    }
    assert_eq!(
        manifest_digest(&s.addr, "resume/app", "multi"),
        manifest_digest(&d.addr, "src/app", "multi")
    );
}

#[test]
fn mirroring_within_one_registry_mounts_the_blobs() {
    let Some((d, _layout)) = source(64 << 10) else {
        return;
    };
    let s = Server::start();
    mirror_ok(&[
        "--insecure",
        &format!("{}/src/app:v1", d.addr),
        &format!("{}/first/app:v1", s.addr),
    ]);
    let o = mirror_ok(&[
        "--insecure",
        &format!("{}/first/app:v1", s.addr),
        &format!("{}/second/app:v1", s.addr),
    ]);
    assert!(o.stderr.contains("mounted: "), "{}", o.stderr);
    assert!(!o.stderr.contains("uploaded: "), "{}", o.stderr);
    assert_eq!(
        manifest_digest(&s.addr, "second/app", "v1"),
        manifest_digest(&s.addr, "first/app", "v1")
    );
}

#[test]
fn several_pairs_and_src_eq_dst_mappings_are_all_mirrored() {
    let Some((d, _layout)) = source(64 << 10) else {
        return;
    };
    let s = Server::start();
    let map = format!("{}/src/app:arm={}/pairs/c:arm", d.addr, s.addr);
    mirror_ok(&[
        "--insecure",
        &format!("{}/src/app:v1", d.addr),
        &format!("{}/pairs/a", s.addr),
        &format!("{}/src/app:arm", d.addr),
        &format!("{}/pairs/b:other", s.addr),
        &map,
    ]);
    assert!(manifest_digest(&s.addr, "pairs/a", "v1").is_some());
    assert_eq!(
        manifest_digest(&s.addr, "pairs/b", "other"),
        manifest_digest(&d.addr, "src/app", "arm")
    );
    assert!(manifest_digest(&s.addr, "pairs/c", "arm").is_some());
}

#[test]
fn dry_run_prints_the_plan_and_copies_nothing() {
    let Some((d, _layout)) = source(64 << 10) else {
        return;
    };
    let s = Server::start();
    let o = mirror_ok(&[
        "--insecure",
        "--dry-run",
        &format!("{}/src/app:v1", d.addr),
        &format!("{}/dry/app", s.addr),
    ]);
    let want = manifest_digest(&d.addr, "src/app", "v1").unwrap();
    assert!(
        o.stdout.contains(&format!("{}/dry/app", s.addr)),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains(&format!("{want} -> v1")), "{}", o.stdout);
    assert!(o.stdout.contains("blobs:"), "{}", o.stdout);
    assert_eq!(manifest_digest(&s.addr, "dry/app", "v1"), None);
}

#[test]
fn an_unreachable_source_is_an_error_with_exit_code_1() {
    let s = Server::start();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let o = mirror(&[
        "--insecure",
        &format!("127.0.0.1:{dead}/src/app:v1"),
        &format!("{}/x/app", s.addr),
    ]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(
        o.stderr.starts_with(&format!(
            "error: unable to retrieve source image 127.0.0.1:{dead}/src/app:v1"
        )),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("reachable"), "{}", o.stderr);
}

#[test]
fn a_missing_source_tag_is_an_error_with_exit_code_1() {
    let s = Server::start();
    let o = mirror(&[
        "--insecure",
        &format!("{}/nothing/here:v1", s.addr),
        &format!("{}/x/app", s.addr),
    ]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(o.stderr.contains("not found"), "{}", o.stderr);
}

#[test]
fn a_plain_http_registry_needs_insecure() {
    let s = Server::start();
    let o = mirror(&[&format!("{}/a/b:v1", s.addr), &format!("{}/x/app", s.addr)]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(o.stderr.starts_with("error: "), "{}", o.stderr);
    assert!(o.stderr.contains("--insecure"), "{}", o.stderr);
}

#[test]
fn a_bad_argument_count_is_a_usage_error() {
    for args in [
        vec!["127.0.0.1:1/a:v1"],
        vec!["127.0.0.1:1/a:v1", "127.0.0.1:2/b", "127.0.0.1:1/c:v1"],
        vec![],
    ] {
        let o = mirror(&args);
        assert_eq!(o.code, Some(1), "{args:?}: {}", o.stderr);
        assert!(o.stderr.starts_with("error: "), "{}", o.stderr);
        assert!(
            o.stderr.contains("Usage: wharf image mirror SRC DST"),
            "{}",
            o.stderr
        );
    }
    let o = mirror(&["127.0.0.1:1/a:v1", "127.0.0.1:2/b@sha256:0123"]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(o.stderr.contains("not a valid destination"), "{}", o.stderr);
}
