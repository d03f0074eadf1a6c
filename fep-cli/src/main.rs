//! `fep`: the command-line door into fep-core, for people at a terminal.
//!
//! Each command converts its arguments, calls the core and reports in words: `check` a
//! layout, `decode` captures and hex dumps, `encode` JSON back to telegrams, `explain` a
//! telegram field by field, `convert` large captures to JSON lines or CSV, `pair` requests
//! with responses, `diff` two telegrams or captures field by field; `import` a layout from
//! a spec sheet and `export` one as spec tables;
//! `completions` and `man` print shell completions and the manual page. Exit codes:
//! 0 success, 1 a data error (a bad telegram, bad hex, bad JSON), 2 a usage or layout error.

mod args;
mod batch;
mod capture;
mod check;
mod convert;
mod decode;
mod diff;
mod docs;
mod encode;
mod explain;
mod export;
mod failure;
mod import;
mod input;
mod pair;
mod parquet;
mod render;
mod sheet;
mod style;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return clap_exit(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_exit(e),
    };
    let sub = matches.subcommand().map(|(_, m)| m);
    let result = match &cli.command {
        Command::Check(a) => check::run(a, cli.color),
        Command::Decode(a) => decode::run(a, sub, cli.color),
        Command::Encode(a) => encode::run(a, cli.color),
        Command::Explain(a) => explain::run(a, sub, cli.color),
        Command::Convert(a) => convert::run(a, cli.color),
        Command::Completions(a) => docs::completions(a),
        Command::Man(a) => docs::man(a),
        Command::Pair(a) => pair::run(a, cli.color),
        Command::Diff(a) => diff::run(a, cli.color),
        Command::Import(a) => import::run(a, cli.color),
        Command::Export(a) => export::run(a, cli.color),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(cli.color),
    }
}

/// Help and version go to stdout with 0; usage errors to stderr with 2.
fn clap_exit(e: clap::Error) -> ExitCode {
    let code = if e.exit_code() == 0 { 0 } else { 2 };
    // Printing can only fail on a closed stream, where there is no one left to tell.
    let _ = e.print();
    ExitCode::from(code)
}
