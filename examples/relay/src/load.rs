//! Callers, a relay and a counterpart together: every request's outcome collected and
//! checked.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use crate::counterpart::{Counterpart, CounterpartConfig, CounterpartCounts};
use crate::relay::{Relay, RelayConfig, RelayError, RelayReport, TraceId};
use crate::samples::{BoxError, Samples};

/// A load run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Requests in all.
    pub requests: u64,
    /// Callers, each sending its share one after the other: the requests in flight.
    pub callers: usize,
    /// How long a request waits for its response.
    pub timeout: Duration,
    /// How the counterpart misbehaves.
    pub counterpart: CounterpartConfig,
}

/// What a load run saw, from the callers' side and from the relay's and counterpart's.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Requests sent.
    pub requests: u64,
    /// Callers answered with their response.
    pub matched: u64,
    /// Callers answered with a timeout.
    pub timed_out: u64,
    /// Callers answered with "the session was closed".
    pub session_failed: u64,
    /// Callers whose request was refused.
    pub rejected: u64,
    /// Callers told the relay had stopped (a lost request: never, unless a task panicked).
    pub stopped: u64,
    /// Responses given to the wrong caller: another trace id or another key.
    pub misdelivered: u64,
    /// Requests that did not end exactly once.
    pub not_once: u64,
    /// Tasks that panicked (callers, the relay's tasks).
    pub panics: u64,
    /// The first "session closed" error a caller saw, as text.
    pub session_error: Option<String>,
    /// The first timeout error a caller saw, as text.
    pub timeout_error: Option<String>,
    /// Each matched request's time from call to response, sorted.
    pub latencies: Vec<Duration>,
    /// From the first call to the last outcome.
    pub elapsed: Duration,
    /// The relay's end: its counters and what was left pending.
    pub relay: Option<RelayReport>,
    /// What the counterpart did.
    pub counterpart: CounterpartCounts,
}

impl LoadReport {
    /// The latency at quantile `q` (0..=1) of the matched requests.
    pub fn latency(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[i]
    }

    /// Matched responses per second.
    pub fn matched_per_sec(&self) -> f64 {
        self.matched as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Requests (all outcomes) per second.
    pub fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        writeln!(
            f,
            "{} requests in {:.2} s: {:.0} requests/s, {:.0} matched/s",
            self.requests,
            self.elapsed.as_secs_f64(),
            self.requests_per_sec(),
            self.matched_per_sec()
        )?;
        writeln!(
            f,
            "  matched          {:>8}   latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.matched,
            ms(self.latency(0.5)),
            ms(self.latency(0.99)),
            ms(self.latency(1.0))
        )?;
        writeln!(f, "  timed out        {:>8}", self.timed_out)?;
        writeln!(f, "  failed by a cut  {:>8}", self.session_failed)?;
        if self.rejected + self.stopped > 0 {
            writeln!(f, "  refused          {:>8}", self.rejected)?;
            writeln!(f, "  lost (stopped)   {:>8}", self.stopped)?;
        }
        if let Some(r) = &self.relay {
            writeln!(
                f,
                "  unmatched responses (duplicates, late) {}; sessions {}; left pending {}",
                r.counts.unmatched, r.counts.sessions, r.pending
            )?;
        }
        let c = &self.counterpart;
        writeln!(
            f,
            "  counterpart: {} requests read, {} dropped, {} duplicated, {} cuts",
            c.requests, c.dropped, c.duplicated, c.cuts
        )?;
        write!(
            f,
            "  checks: {} misdelivered, {} not ended exactly once, {} panics",
            self.misdelivered, self.not_once, self.panics
        )
    }
}

#[derive(Debug, Default)]
struct Tally {
    matched: u64,
    timed_out: u64,
    session_failed: u64,
    rejected: u64,
    stopped: u64,
    misdelivered: u64,
    session_error: Option<String>,
    timeout_error: Option<String>,
    latencies: Vec<Duration>,
}

/// Starts a counterpart and a relay, runs `config.callers` callers over
/// `config.requests` requests, shuts the relay down and reports every outcome.
///
/// # Errors
/// The counterpart cannot listen.
pub async fn run_load(config: LoadConfig) -> Result<LoadReport, BoxError> {
    let samples = Samples::bundled()?;
    if config.requests > samples.numbers() {
        return Err(format!("at most {} requests (distinct keys)", samples.numbers()).into());
    }
    let counterpart = Counterpart::start(samples.clone(), config.counterpart.clone()).await?;
    let mut relay_config = RelayConfig::new(counterpart.addr());
    relay_config.timeout = config.timeout;
    relay_config.capacity = config.callers * 2;
    let relay = Relay::start(samples.schema(), relay_config);

    let samples = Arc::new(samples);
    let ended: Arc<Vec<AtomicU8>> =
        Arc::new((0..config.requests).map(|_| AtomicU8::new(0)).collect());
    let start = Instant::now();
    let mut callers = Vec::with_capacity(config.callers);
    for c in 0..config.callers as u64 {
        let handle = relay.handle();
        let samples = samples.clone();
        let ended = ended.clone();
        let (requests, callers_n) = (config.requests, config.callers as u64);
        callers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut i = c;
            while i < requests {
                let telegram = samples.request(i + 1);
                let key = samples.schema().key(&telegram).unwrap_or_default();
                let trace_id = TraceId(0x7ace_0000_0000_0000 | i);
                let sent = Instant::now();
                let outcome = handle.call(telegram, trace_id).await;
                ended[i as usize].fetch_add(1, Ordering::Relaxed);
                match outcome {
                    Ok(reply) => {
                        tally.matched += 1;
                        tally.latencies.push(sent.elapsed());
                        let theirs = samples.schema().key(&reply.telegram).unwrap_or_default();
                        if reply.trace_id != trace_id || reply.key.text() != key || theirs != key {
                            tally.misdelivered += 1;
                        }
                    }
                    Err(e @ RelayError::Timeout { .. }) => {
                        tally.timed_out += 1;
                        tally.timeout_error.get_or_insert_with(|| e.to_string());
                    }
                    Err(e @ RelayError::SessionClosed { .. }) => {
                        tally.session_failed += 1;
                        tally.session_error.get_or_insert_with(|| e.to_string());
                    }
                    Err(RelayError::Rejected(_)) => tally.rejected += 1,
                    Err(RelayError::Stopped) => tally.stopped += 1,
                }
                i += callers_n;
            }
            tally
        }));
    }

    let mut total = Tally::default();
    let mut report = LoadReport {
        requests: config.requests,
        ..LoadReport::default()
    };
    for caller in callers {
        match caller.await {
            Ok(t) => {
                total.matched += t.matched;
                total.timed_out += t.timed_out;
                total.session_failed += t.session_failed;
                total.rejected += t.rejected;
                total.stopped += t.stopped;
                total.misdelivered += t.misdelivered;
                if total.session_error.is_none() {
                    total.session_error = t.session_error;
                }
                if total.timeout_error.is_none() {
                    total.timeout_error = t.timeout_error;
                }
                total.latencies.extend(t.latencies);
            }
            Err(_) => report.panics += 1,
        }
    }
    report.elapsed = start.elapsed();
    match relay.shutdown().await {
        Ok(r) => report.relay = Some(r),
        Err(_) => report.panics += 1,
    }
    counterpart.stop();
    report.counterpart = counterpart.counts();

    let mut t = total;
    t.latencies.sort_unstable();
    report.matched = t.matched;
    report.timed_out = t.timed_out;
    report.session_failed = t.session_failed;
    report.rejected = t.rejected;
    report.stopped = t.stopped;
    report.misdelivered = t.misdelivered;
    report.session_error = t.session_error;
    report.timeout_error = t.timeout_error;
    report.latencies = t.latencies;
    report.not_once = ended
        .iter()
        .filter(|e| e.load(Ordering::Relaxed) != 1)
        .count() as u64;
    Ok(report)
}
