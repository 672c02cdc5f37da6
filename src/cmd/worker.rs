//! `parbench worker`: a worker process of the `process` backend. Hidden:
//! only the backend starts it, with pipes on its stdin and stdout.

use std::process::ExitCode;

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// The process id of the parent that started this worker (shown in
    /// process listings, so a stray worker can be traced to its parent).
    #[arg(long)]
    pub parent: Option<u32>,
}

pub fn run(_args: Args) -> Result<ExitCode> {
    crate::backends::process::worker::serve()?;
    Ok(ExitCode::SUCCESS)
}
