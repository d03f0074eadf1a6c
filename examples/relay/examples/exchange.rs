//! A short exchange with the counterpart simulator, for a packet capture to watch: starts
//! the counterpart, prints `listening PORT`, waits for a line on standard input (time to
//! start `tcpdump -i lo 'tcp port PORT'`), then sends REQUESTS transfer requests through
//! the relay and prints what the counterpart did: `requests N dropped D duplicated U`.
//!
//! ```sh
//! cargo run -p fep-relay --example exchange -- 200 0.05 0.05
//! ```
//! Arguments: the number of requests (100), the fraction dropped (0.05), the fraction
//! answered twice (0.05), the seed (1).

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use fep_relay::{Counterpart, CounterpartConfig, Relay, RelayConfig, Samples, TraceId};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: f64| -> f64 {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let requests = arg(0, 100.0) as u64;
    let max_delay = Duration::from_millis(20);
    let config = CounterpartConfig {
        seed: arg(3, 1.0) as u64,
        max_delay,
        p_drop: arg(1, 0.05),
        p_dup: arg(2, 0.05),
        cuts: 0,
        cut_every: u64::MAX,
    };
    let samples = match Samples::bundled() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let counterpart = match Counterpart::start(samples.clone(), config).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: the counterpart cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening {}", counterpart.addr().port());
    // Wait for the capture to start.
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);

    let mut relay_config = RelayConfig::new(counterpart.addr());
    relay_config.timeout = Duration::from_millis(300);
    let relay = Relay::start(samples.schema(), relay_config);
    let samples = Arc::new(samples);
    let callers = 10u64;
    let mut tasks = Vec::new();
    for c in 0..callers {
        let handle = relay.handle();
        let samples = samples.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = c;
            while i < requests {
                // The outcome is the capture's to tell; the relay's own is not needed here.
                let _ = handle.call(samples.request(i + 1), TraceId(i)).await;
                i += callers;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    // Second copies of duplicated responses come up to max_delay after the first.
    tokio::time::sleep(max_delay * 3).await;
    let _ = relay.shutdown().await;
    let counts = counterpart.counts();
    counterpart.stop();
    println!(
        "requests {} dropped {} duplicated {}",
        counts.requests, counts.dropped, counts.duplicated
    );
    ExitCode::SUCCESS
}
