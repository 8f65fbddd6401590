//! `wharf`: one binary that is both the server (`wharf serve`) and an `oc`-like client
//! (`wharf login`, `project`, `new-project`, `get`, …).

mod auth_cli;
mod cli;
mod client;
mod config;
mod describe;
mod gotemplate;
mod goyaml;
mod import_image;
mod jsonpath;
mod lookup;
mod mirror;
mod objects;
mod policy;
mod printers;
mod process;
mod samples;
mod serve;
mod tag;
mod tls;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "wharf",
    version,
    about = "OpenShift's image system as one binary"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: cli::Global,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: the registry on /v2 and the Kubernetes-style API (embedded default: files + SQLite).
    Serve(serve::ServeArgs),
    #[command(flatten)]
    Client(cli::Verb),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Client(verb) => cli::run(verb, &cli.global).map_err(|e| e.0),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Client errors arrive worded (`error: …`, `Error from server (…): …`); an empty
            // one is a `no` already printed (auth can-i).
            if e.is_empty() {
            } else if e.starts_with("error: ") || e.starts_with("Error from server") {
                eprintln!("{e}");
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
