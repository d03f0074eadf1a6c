//! Captures: reading a pcap file through TCP reassembly and the layout's framing, telegrams
//! of 304 bytes (firm banking transfers with their length prefix), 1 to 10 to a segment,
//! over 16 connections. The target is 1 GB/s on one core. The capture is made in memory
//! before the benchmark (64 MiB), so that it measures the reader, not the disk; each
//! iteration asserts the number of telegrams, so that a broken path cannot pass for a fast
//! one. `cargo bench -p fep-benches --bench capture` prints the figures.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fep_benches::pcap::tcp_capture;
use fep_benches::{layouts, transfer_telegrams};
use fep_core::Schema;
use fep_core::capture::{CaptureEvent, CaptureReader};

fn read(c: &mut Criterion) {
    let schema = Schema::load(layouts().join("firmbanking.layout")).expect("layout");
    let [request, _] = transfer_telegrams();
    let mut framed = format!("{:04}", request.len()).into_bytes();
    framed.extend_from_slice(&request);
    let (pcap, telegrams) = tcp_capture(&framed, 64 << 20, 16);
    let mut g = c.benchmark_group("capture");
    g.throughput(Throughput::Bytes(pcap.len() as u64));
    g.sample_size(10);
    g.bench_function("reassemble+frame/64MiB", |b| {
        b.iter(|| {
            let reader = CaptureReader::new(&schema, black_box(&pcap[..])).expect("capture");
            let mut n = 0u64;
            for e in reader {
                if let CaptureEvent::Telegram(t) = e.expect("event") {
                    n += 1;
                    black_box(&t.frame.telegram);
                }
            }
            assert_eq!(n, telegrams);
        })
    });
    g.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
