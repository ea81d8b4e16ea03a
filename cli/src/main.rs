//! `tether`: the engine from a terminal. Each subcommand lives in its own module.

mod demo;
mod headers;
mod parse;
mod serve;
mod sync;
mod tail;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "tether", version, about = "Tether: live server state over Server-Sent Events")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Play the sessions story against the embedded server: drops, restart, stall, background.
    Demo(demo::Args),
    /// Follow any SSE endpoint with the engine, printing events and state changes.
    Tail(tail::Args),
    /// Parse raw SSE bytes from stdin and print one JSON object per dispatched event.
    Parse(parse::Args),
    /// Run the scriptable test server as a mock backend.
    Serve(serve::Args),
    /// Follow an endpoint into a local cache (SQLite with --db) and watch it live.
    Sync(sync::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Tail(args) => tail::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Sync(args) => sync::run(args),
    }
}
