//! `mailferry`: the command line over the engine.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
