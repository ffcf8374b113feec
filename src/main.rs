use std::process::ExitCode;

use clap::Parser;
use madoguchi::cli::{self, Cli, ConfigFailure};

#[tokio::main]
async fn main() -> ExitCode {
    match cli::run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, no backtrace: the chain of causes, joined.
            eprintln!("error: {error:#}");
            if error.is::<ConfigFailure>() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}
