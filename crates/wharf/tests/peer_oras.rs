//! oras (PyPI oras-py) against a running `wharf serve`: artifact push monolithic and chunked,
//! tags, manifest, pull byte-identical.

mod common;

use std::process::Command;

use common::{peer_python, run, Server};

#[test]
fn oras_pushes_and_pulls_artifacts_monolithic_and_chunked() {
    let Some(python) = peer_python() else {
        return;
    };
    let s = Server::start();
    let work = tempfile::tempdir().unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/oras_push_pull.py");
    let out = run(Command::new(python)
        .arg(script)
        .arg(&s.addr)
        .arg(work.path()));
    assert!(out.contains("oras ok"), "{out}");
}
