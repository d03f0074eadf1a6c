//! Runs a simulated counterpart and a relay with many callers over one session, and prints
//! what happened. `RUST_LOG=fep_relay=debug` shows every response in its request's span.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use fep_relay::{CounterpartConfig, LoadConfig, run_load};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let config = LoadConfig {
        requests: 1_000,
        callers: 50,
        timeout: Duration::from_millis(500),
        counterpart: CounterpartConfig {
            seed: 7,
            max_delay: Duration::from_millis(20),
            p_drop: 0.01,
            p_dup: 0.01,
            cuts: 1,
            cut_every: 400,
        },
    };
    match run_load(config).await {
        Ok(report) => {
            println!("{report}");
            if let Some(e) = &report.session_error {
                println!("  e.g. {e}");
            }
            if let Some(e) = &report.timeout_error {
                println!("  e.g. {e}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
