//! The relay under load and faults: a counterpart that delays, reorders, drops,
//! duplicates, and cuts the session in the middle of a telegram twice. Every request must
//! end exactly once, with its own response, a timeout, or "the session was closed".
//!
//! The full load test runs in release mode only:
//! `cargo test --release -p fep-relay --test load`.

use std::time::Duration;

use fep_relay::{CounterpartConfig, LoadConfig, LoadReport, run_load};

/// The faults of the issue: 1% dropped, 1% duplicated, up to 50 ms late, two cuts.
fn faulty(cut_every: u64) -> CounterpartConfig {
    CounterpartConfig {
        seed: 42,
        max_delay: Duration::from_millis(50),
        p_drop: 0.01,
        p_dup: 0.01,
        cuts: 2,
        cut_every,
    }
}

fn run(config: LoadConfig) -> LoadReport {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(run_load(config)).expect("the run starts")
}

/// What must hold whatever the timing.
fn check(r: &LoadReport) {
    println!("{r}");
    println!(
        "matched/s {:.0}, p50 {:?}, p99 {:?}",
        r.matched_per_sec(),
        r.latency(0.5),
        r.latency(0.99)
    );
    assert_eq!(r.panics, 0, "no task panicked");
    assert_eq!(r.not_once, 0, "every request ends exactly once");
    assert_eq!(r.stopped, 0, "no request is lost");
    assert_eq!(r.rejected, 0, "no request is refused");
    assert_eq!(
        r.misdelivered, 0,
        "responses carry their caller's trace id and key"
    );
    assert_eq!(
        r.matched + r.timed_out + r.session_failed,
        r.requests,
        "the outcomes add up"
    );
    let relay = r.relay.expect("the relay shut down");
    assert_eq!(
        relay.pending, 0,
        "the correlator's table is empty at the end"
    );
    // The relay's own counts agree with what the callers saw: nothing answered twice.
    assert_eq!(relay.counts.matched, r.matched);
    assert_eq!(relay.counts.timed_out, r.timed_out);
    assert_eq!(relay.counts.session_failed, r.session_failed);
    assert_eq!(relay.counts.sent, r.requests);
    assert_eq!(relay.counts.unreadable, 0);

    // The faults happened, and were handled as they should be.
    let c = r.counterpart;
    assert_eq!(c.cuts, 2, "{c:?}");
    assert_eq!(relay.counts.sessions, 3, "a new session after each cut");
    assert!(
        c.requests <= r.requests && r.requests - c.requests <= r.session_failed,
        "a request the counterpart never read was on a cut session"
    );
    assert!(r.session_failed > 0, "the cuts failed the pending requests");
    let e = r.session_error.as_deref().expect("a session error");
    assert!(
        e.starts_with("the session to 127.0.0.1:")
            && e.contains("was closed; request 20240315|004|TESTCO0001|"),
        "{e}"
    );
    // A dropped request times out, unless a cut drains it first; nothing else times out
    // (the longest delay is a tenth of the timeout).
    assert!(c.dropped > 0, "{c:?}");
    assert!(r.timed_out <= c.dropped, "only dropped requests time out");
    assert!(
        relay.counts.unmatched > 0 && relay.counts.unmatched <= c.duplicated,
        "the second copy of a duplicated response is unmatched, and counted"
    );
}

#[test]
fn smoke_two_thousand_requests_with_faults() {
    check(&run(LoadConfig {
        requests: 2_000,
        callers: 100,
        // Longer than the load test's: a debug build on a busy machine is slow.
        timeout: Duration::from_secs(1),
        counterpart: faulty(600),
    }));
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a load test: run it with --release")]
fn load_a_hundred_thousand_requests_a_thousand_in_flight() {
    let r = run(LoadConfig {
        requests: 100_000,
        callers: 1_000,
        timeout: Duration::from_millis(500),
        counterpart: faulty(30_000),
    });
    check(&r);
    // With this many, some dropped requests outlive the cuts and time out.
    assert!(r.timed_out > 0, "dropped requests time out");
}
