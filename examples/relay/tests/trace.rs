//! A response's log line is written inside its request's span, so it carries the trace id
//! the caller sent the request with.
//!
//! In a file of its own: the subscriber is set for this thread only, and a test running
//! beside it on another thread, with none, could make tracing cache its callsites as off.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fep_relay::{CounterpartConfig, LoadConfig, run_load};

/// A `Write` into a shared buffer, for the log.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_response_is_logged_in_its_requests_span() {
    let log = Capture::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("fep_relay=debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // One thread, so that the subscriber set here sees every task.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let r = rt
        .block_on(run_load(LoadConfig {
            requests: 20,
            callers: 5,
            timeout: Duration::from_secs(5),
            counterpart: CounterpartConfig {
                max_delay: Duration::from_millis(5),
                ..CounterpartConfig::default()
            },
        }))
        .expect("the run starts");
    assert_eq!(r.matched, 20, "{r}");
    let log = String::from_utf8(log.0.lock().expect("lock").clone()).expect("utf-8");
    // Request 8 (the load's trace ids count from 0, telegram numbers from 1).
    let line = log
        .lines()
        .find(|l| l.contains("trace_id=7ace000000000007") && l.contains("response \"transfer\""))
        .unwrap_or_else(|| panic!("no response line for the trace:\n{log}"));
    assert!(
        line.contains("key=20240315|004|TESTCO0001|000008"),
        "{line}"
    );
}
