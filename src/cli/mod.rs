//! Command-line parsing and the three commands: migrate, plan, verify.
//! Exit status: 0 when everything is synced (or matches), 1 when anything failed,
//! 2 when the input cannot be used.

mod advice;
mod args;
mod batch;
mod batch_create;
mod batch_progress;
mod commands;
mod cutover;
mod login;
mod progress;
mod wording;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;

pub const EXIT_FAILED: u8 = 1;
pub const EXIT_INPUT: u8 = 2;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mailferry: cannot start: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    runtime.block_on(commands::run(cli))
}
