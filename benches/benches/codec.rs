//! fep's speed against hand-written slicing code, on the bundled 300-byte transfer telegram.
//!
//! `cargo bench -p fep-benches` prints each figure; `scripts/bench-report.sh` prints the
//! ratios the performance targets are stated in. Every benchmark asserts what it decoded, so
//! a broken fast path cannot pass for a fast one.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fep_benches::{Transfer, capture, layouts, many_messages, transfer_telegrams};
use fep_core::{Framer, Message, Schema};

fn transfer(c: &mut Criterion) {
    let schema = Schema::load(layouts().join("firmbanking.layout")).expect("layout");
    let [req, resp] = transfer_telegrams();
    let both = [req.as_slice(), resp.as_slice()];
    let mut g = c.benchmark_group("transfer");
    g.throughput(Throughput::Elements(2));

    g.bench_function("baseline/decode", |b| {
        b.iter(|| {
            let mut seq = 0;
            for t in both {
                seq += Transfer::decode(black_box(t)).expect("decodes").seq_no;
            }
            assert_eq!(seq, 246);
        })
    });
    g.bench_function("fep/decode", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in both {
                n += schema.decode(black_box(t)).expect("decodes").fields().len();
            }
            assert_eq!(n, 32);
        })
    });
    g.bench_function("fep/decode_owned", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in both {
                n += schema
                    .decode(black_box(t))
                    .expect("decodes")
                    .into_owned()
                    .fields()
                    .len();
            }
            assert_eq!(n, 32);
        })
    });
    let mut msg = Message::default();
    g.bench_function("fep/decode_into", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in both {
                schema.decode_into(black_box(t), &mut msg).expect("decodes");
                n += msg.fields().len();
            }
            assert_eq!(n, 32);
        })
    });
    let fields = [
        schema.field("header.msg_code").expect("path"),
        schema.field("header.seq_no").expect("path"),
        schema.field("amount").expect("path"),
    ];
    g.bench_function("fep/view_3_fields", |b| {
        b.iter(|| {
            let mut sum = 0;
            for t in both {
                let v = schema.view(black_box(t)).expect("view");
                sum += v.str(&fields[0]).expect("code").len() as i64;
                sum += v.int(&fields[1]).expect("seq").unwrap_or(0);
                sum += v.int(&fields[2]).expect("amount").unwrap_or(0);
            }
            assert_eq!(sum, 2 * (4 + 123 + 10000));
        })
    });
    let hand: Vec<Transfer> = both
        .iter()
        .map(|t| Transfer::decode(t).expect("decodes"))
        .collect();
    let msgs: Vec<Message<'static>> = both
        .iter()
        .map(|t| schema.decode(t).expect("decodes").into_owned())
        .collect();
    let mut out = Vec::with_capacity(600);
    g.bench_function("baseline/encode", |b| {
        b.iter(|| {
            out.clear();
            for h in &hand {
                h.encode(&mut out).expect("encodes");
            }
            assert_eq!(out.len(), 600);
        })
    });
    g.bench_function("fep/encode", |b| {
        b.iter(|| {
            out.clear();
            for m in &msgs {
                schema.encode_into(black_box(m), &mut out).expect("encodes");
            }
            assert_eq!(out.len(), 600);
        })
    });
    g.bench_function("fep/json", |b| {
        b.iter(|| {
            out.clear();
            for m in &msgs {
                serde_json::to_writer(&mut out, black_box(m)).expect("json");
            }
            assert!(out.len() > 1000);
        })
    });
    g.finish();
}

fn framing(c: &mut Criterion) {
    let schema = Schema::load(layouts().join("firmbanking.layout")).expect("layout");
    let n = 100 * 1024 * 1024 / 304; // about 100 MB
    let wire = capture(n);
    let mut g = c.benchmark_group("framing");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(wire.len() as u64));
    g.bench_function("fep/100MB", |b| {
        b.iter(|| {
            let mut framer = Framer::new(&schema);
            let mut buf = BytesMut::from(&wire[..]);
            let mut count = 0;
            while let Some(f) = framer.next_frame(&mut buf).expect("frames") {
                count += f.telegram.len() / 300;
            }
            assert_eq!(count, n);
        })
    });
    g.finish();
}

fn dispatch(c: &mut Criterion) {
    let (layout, telegrams) = many_messages();
    let schema = Schema::parse(&layout).expect("layout");
    let mut g = c.benchmark_group("dispatch");
    g.throughput(Throughput::Elements(telegrams.len() as u64));
    g.bench_function("fep/32_messages", |b| {
        b.iter(|| {
            let mut sum = 0;
            for t in &telegrams {
                sum += schema
                    .dispatch(black_box(t))
                    .expect("matches")
                    .length()
                    .unwrap_or(0);
            }
            assert_eq!(sum, 3200);
        })
    });
    g.bench_function("fep/32_messages_decode", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in &telegrams {
                n += schema.decode(black_box(t)).expect("decodes").fields().len();
            }
            assert_eq!(n, 32 * 6);
        })
    });
    g.finish();
}

criterion_group!(benches, transfer, framing, dispatch);
criterion_main!(benches);
