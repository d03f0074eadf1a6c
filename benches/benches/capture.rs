//! Captures: reading a pcap file through TCP reassembly and the layout's framing, telegrams
//! of 304 bytes (firm banking transfers with their length prefix), 1 to 10 to a segment,
//! over 16 connections. The target is 1 GB/s on one core. Two readings: a 64 MiB capture
//! made in memory before the benchmark, which measures the reader alone, and a 1 GiB pcap
//! file (written once to the build's scratch folder, then read through `std::fs::File`
//! as `fep pair` reads one: from the page cache after the first pass, so that the disk is
//! not what is measured). Each iteration asserts the number of telegrams, so that a broken
//! path cannot pass for a fast one. `cargo bench -p fep-benches --bench capture` prints
//! the figures.

use std::fs::File;
use std::hint::black_box;
use std::io::BufWriter;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fep_benches::pcap::{tcp_capture, write_tcp_capture};
use fep_benches::{layouts, transfer_telegrams};
use fep_core::Schema;
use fep_core::capture::{CaptureEvent, CaptureReader};

/// Reads one capture to the end and returns the number of telegrams in it.
fn count(schema: &Schema, input: impl std::io::Read) -> u64 {
    let reader = CaptureReader::new(schema, input).expect("capture");
    let mut n = 0u64;
    for e in reader {
        if let CaptureEvent::Telegram(t) = e.expect("event") {
            n += 1;
            black_box(&t.frame.telegram);
        }
    }
    n
}

fn read(c: &mut Criterion) {
    let schema = Schema::load(layouts().join("firmbanking.layout")).expect("layout");
    let [request, _] = transfer_telegrams();
    let mut framed = format!("{:04}", request.len()).into_bytes();
    framed.extend_from_slice(&request);
    let mut g = c.benchmark_group("capture");
    g.sample_size(10);

    let (pcap, telegrams) = tcp_capture(&framed, 64 << 20, 16);
    g.throughput(Throughput::Bytes(pcap.len() as u64));
    g.bench_function("reassemble+frame/64MiB", |b| {
        b.iter(|| assert_eq!(count(&schema, black_box(&pcap[..])), telegrams))
    });
    drop(pcap);

    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("capture-1GiB.pcap");
    let mut out = BufWriter::new(File::create(&path).expect("capture file"));
    let telegrams = write_tcp_capture(&mut out, &framed, 1 << 30, 16).expect("capture file");
    drop(out);
    let len = std::fs::metadata(&path).expect("capture file").len();
    g.throughput(Throughput::Bytes(len));
    g.bench_function("reassemble+frame/1GiB-file", |b| {
        b.iter(|| {
            let file = File::open(&path).expect("capture file");
            assert_eq!(count(&schema, file), telegrams)
        })
    });
    g.finish();
    // A gigabyte left behind in the build folder would only take space.
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, read);
criterion_main!(benches);
