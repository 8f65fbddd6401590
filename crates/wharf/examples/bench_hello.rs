//! A bare hyper 1.x HTTP/1.1 server that answers every request with `hello`.
//!
//! It is the ceiling for request rates in `bench/run.sh`: same runtime (tokio multi-thread),
//! same HTTP stack (hyper), no routing, no storage. Whatever Wharf does per request costs
//! the difference between this figure and Wharf's.
//!
//! ```text
//! cargo build --release -p wharf --example bench_hello
//! target/release/examples/bench_hello [127.0.0.1:0]
//! ```
//! Prints `listening on ADDR` on stderr once bound; stops on SIGINT/SIGTERM (default action).

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

static HELLO: &[u8] = b"hello";

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::builder()
        .header("content-type", "text/plain")
        .body(Full::new(Bytes::from_static(HELLO)))
        .expect("static response"))
}

#[tokio::main]
async fn main() {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    if arg == "-h" || arg == "--help" {
        eprintln!("usage: bench_hello [LISTEN_ADDR]   (default 127.0.0.1:0)");
        return;
    }
    let addr: SocketAddr = match arg.parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_hello: invalid listen address {arg:?}: {e}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bench_hello: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    let bound = listener.local_addr().expect("bound address");
    eprintln!("listening on {bound}");

    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("bench_hello: accept: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(hello))
                .await;
        });
    }
}
