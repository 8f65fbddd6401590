//! `wharf adm samples install`: sample image streams and templates into the `openshift`
//! namespace. (Being written.)

use clap::Args;

use crate::client::{error, CliResult, Client};

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// A directory laid out like openshift/library (default: the set that ships with Wharf)
    #[arg(long)]
    pub from: Option<std::path::PathBuf>,
    /// Names of streams or templates to leave alone (repeatable, or comma-separated)
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
}

pub fn install(_client: &Client, _args: &InstallArgs) -> CliResult<()> {
    Err(error("samples install is being written"))
}
