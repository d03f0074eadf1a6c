//! Parquet conversion (`fep convert --to parquet`, `fep_arrow::parquet`) of the 300-byte
//! transfer telegram: a capture of 100,000 framed telegrams, decoded and written as one
//! zstd-compressed dataset, and the Arrow decoding alone for comparison.
//!
//! Target: at least 1,000,000 telegrams a second on one core. `cargo bench -p fep-benches
//! --bench parquet` prints the figure (elements are telegrams).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fep_arrow::parquet::{Options, convert};
use fep_arrow::{Limits, Masking, Target};
use fep_benches::{capture, layouts};
use fep_core::Schema;

const N: usize = 100_000;

fn parquet(c: &mut Criterion) {
    let schema = Schema::load(layouts().join("firmbanking.layout")).expect("layout");
    let input = capture(N);
    let mut g = c.benchmark_group("parquet");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);

    let target = Target::new(&schema, Some("transfer"), Masking::Reveal).expect("target");
    g.bench_function("decode_arrow", |b| {
        b.iter(|| {
            let batches =
                fep_arrow::decode(&schema, &target, black_box(&input[..]), Limits::default())
                    .expect("decodes");
            assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), N);
        })
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let mut run = 0;
    g.bench_function("convert_zstd", |b| {
        b.iter(|| {
            run += 1;
            let out = dir.path().join(run.to_string());
            let parts = convert(&schema, black_box(&input[..]), &out, Options::default())
                .expect("converts");
            assert_eq!(parts[0].rows, N as u64);
            std::fs::remove_dir_all(&out).expect("removes");
        })
    });
    g.finish();
}

criterion_group!(benches, parquet);
criterion_main!(benches);
