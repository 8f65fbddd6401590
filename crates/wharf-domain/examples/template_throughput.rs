//! Templates processed per second, in-process: `cargo run --release -p wharf-domain --example
//! template_throughput -- TEMPLATE.json [SECONDS] [KEY=VALUE...]`. Each round clones the parsed
//! Template, sets the parameters and processes it (generators included), as the
//! `processedtemplates` endpoint does per request. Used by bench/templates.sh.

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: template_throughput TEMPLATE.json [SECONDS] [KEY=VALUE...]");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(1)
    });
    let template: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("{path} is not JSON: {e}");
        std::process::exit(1)
    });
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let parameters: Vec<(String, String)> = args
        .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.into(), v.into())))
        .collect();
    let mut rng = rand::rng();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut rounds = 0u64;
    while Instant::now() < deadline {
        let mut t = template.clone();
        wharf_domain::template::inject_parameters(&mut t, &parameters);
        if let Err(errors) = wharf_domain::template::process(&mut t, &mut rng) {
            eprintln!(
                "{}",
                wharf_domain::template::invalid_template_message("bench", &errors)
            );
            std::process::exit(1);
        }
        std::hint::black_box(&t);
        rounds += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{rounds} templates in {elapsed:.2} s: {:.0} templates/s, {:.1} µs each",
        rounds as f64 / elapsed,
        elapsed * 1e6 / rounds as f64
    );
}
