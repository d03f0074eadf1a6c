//! The correlator: insert + complete pairs with a standing population of pending requests,
//! on one thread and on two, and `expire` of 100,000 requests past their deadline.
//!
//! Keys are read from the telegram bytes by the correlator (no decode); the telegrams are
//! made before the benchmark, so that it measures the correlator and not formatting. Each
//! iteration asserts that the response gave back its own request's token, so that a broken
//! path cannot pass for a fast one. `scripts/bench-report.sh correlate` prints the figures.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use fep_benches::{Pairs, correlation_pairs, layouts, transfer_telegrams};
use fep_core::{Correlator, Schema};

/// Requests pending at any time: each insert is answered `STANDING` pairs later.
const STANDING: usize = 1_000;
/// Distinct key numbers each layout cycles through (more than the standing population, so
/// that no key is pending twice; split between the threads of the threaded benchmark).
const NUMBERS: usize = 8_192;
const TIMEOUT: Duration = Duration::from_secs(30);

fn schema(p: &Pairs) -> Schema {
    Schema::load(layouts().join(p.layout)).expect("layout")
}

/// One insert and one complete per iteration, on one thread, for each layout with a key.
fn pairs(c: &mut Criterion) {
    let mut g = c.benchmark_group("correlate");
    g.throughput(Throughput::Elements(1));
    for p in correlation_pairs(NUMBERS) {
        let table = Correlator::<u64>::new(&schema(&p), 10_000, TIMEOUT);
        let t0 = Instant::now();
        let deadline = t0 + TIMEOUT;
        for i in 0..STANDING {
            table
                .insert_at(&p.requests[i], i as u64, t0, deadline)
                .expect("filed");
        }
        let mut next = STANDING;
        g.bench_function(format!("pair/{}", p.name), |b| {
            b.iter(|| {
                let i = next;
                table
                    .insert_at(black_box(&p.requests[i % NUMBERS]), i as u64, t0, deadline)
                    .expect("filed");
                let done = table
                    .complete_at(black_box(&p.responses[(i - STANDING) % NUMBERS]), t0)
                    .expect("matched");
                assert_eq!(done.token, (i - STANDING) as u64);
                next += 1;
            })
        });
        assert_eq!(table.len(), STANDING);
    }
    g.finish();
}

/// `threads` threads, each with its own standing population and its own key numbers, each
/// running `iters` pairs on one shared correlator; the wall time from all of them starting
/// to all of them done.
fn run_threads(table: &Correlator<u64>, p: &Pairs, threads: usize, iters: u64) -> Duration {
    let span = NUMBERS / threads;
    let t0 = Instant::now();
    let deadline = t0 + TIMEOUT;
    let start = Barrier::new(threads + 1);
    let end = Barrier::new(threads + 1);
    let elapsed = std::thread::scope(|s| {
        for t in 0..threads {
            let (start, end) = (&start, &end);
            s.spawn(move || {
                let at = |i: u64| t * span + (i as usize % span);
                let token = |i: u64| ((t as u64) << 48) | i;
                let complete = |i: u64| {
                    let done = table
                        .complete_at(black_box(&p.responses[at(i)]), t0)
                        .expect("matched");
                    assert_eq!(done.token, token(i));
                };
                let standing = STANDING as u64;
                for i in 0..standing {
                    table
                        .insert_at(&p.requests[at(i)], token(i), t0, deadline)
                        .expect("filed");
                }
                start.wait();
                for i in standing..standing + iters {
                    table
                        .insert_at(black_box(&p.requests[at(i)]), token(i), t0, deadline)
                        .expect("filed");
                    complete(i - standing);
                }
                end.wait();
                for i in iters..iters + standing {
                    complete(i);
                }
            });
        }
        start.wait();
        let began = Instant::now();
        end.wait();
        began.elapsed()
    });
    assert!(table.is_empty());
    elapsed
}

/// The transfer pairs on 1 and 2 threads through the same harness: figures in pairs per
/// second in total, so that 2 threads against 1 is the scaling.
fn threads(c: &mut Criterion) {
    let p = correlation_pairs(NUMBERS).swap_remove(0);
    assert_eq!(p.name, "transfer");
    let table = Correlator::<u64>::new(&schema(&p), 10_000, TIMEOUT);
    let mut g = c.benchmark_group("correlate_threads");
    for n in [1, 2] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("transfer/{n}"), |b| {
            b.iter_custom(|iters| run_threads(&table, &p, n, iters))
        });
    }
    g.finish();
}

/// `expire` of 100,000 pending transfer requests, all past their deadline.
fn expire(c: &mut Criterion) {
    const N: usize = 100_000;
    let [req, _] = transfer_telegrams();
    let layout = Schema::load(layouts().join("firmbanking.layout")).expect("layout");
    let t0 = Instant::now();
    let mut g = c.benchmark_group("correlate_expire");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("transfer/100000", |b| {
        b.iter_batched(
            || {
                let table = Correlator::<u64>::new(&layout, N, TIMEOUT);
                let mut t = req.clone();
                for i in 0..N {
                    t[32..38].copy_from_slice(format!("{i:06}").as_bytes());
                    table
                        .insert_at(&t, i as u64, t0, t0 + Duration::from_secs(1))
                        .expect("filed");
                }
                table
            },
            |table| {
                let gone = table.expire(black_box(t0 + Duration::from_secs(2)));
                assert_eq!(gone.len(), N);
                assert!(table.is_empty());
                (table, gone)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, pairs, threads, expire);
criterion_main!(benches);
