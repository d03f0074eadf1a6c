//! fep's speed against hand-written slicing code, on the bundled 300-byte transfer telegram.
//!
//! `cargo bench -p fep-benches` prints each figure; `scripts/bench-report.sh` prints the
//! ratios the performance targets are stated in. Every benchmark asserts what it decoded, so
//! a broken fast path cannot pass for a fast one.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fep_benches::shapes::{self, Any, Customer, History, Order, Settlement};
use fep_benches::{
    BadField, SHAPES, Transfer, capture, layouts, many_messages, shape_telegrams,
    transfer_telegrams,
};
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

/// The hand-written code of one bench message: decode (a number read from the result, for
/// the check) and decode + into_owned.
struct Hand {
    decode: fn(&[u8]) -> Result<usize, BadField>,
    decode_owned: fn(&[u8]) -> Result<usize, BadField>,
}

fn hand(name: &str) -> Hand {
    match name {
        "order" => Hand {
            decode: |t| Order::decode(t).map(|o| o.quantity.map_or(18, |_| 19)),
            decode_owned: |t| Order::decode(t).map(|o| o.into_owned().isin.len()),
        },
        "customer" => Hand {
            decode: |t| Customer::decode(t).map(|c| c.birth_date.map_or(15, |_| 16)),
            decode_owned: |t| Customer::decode(t).map(|c| c.into_owned().name.len()),
        },
        "settlement" => Hand {
            decode: |t| Settlement::decode(t).map(|s| s.tax.map_or(20, |_| 21)),
            decode_owned: |t| Settlement::decode(t).map(|s| s.into_owned().isin.len()),
        },
        _ => Hand {
            decode: |t| History::decode(t).map(|h| h.rows.len()),
            decode_owned: |t| History::decode(t).map(|h| h.into_owned().rows.len()),
        },
    }
}

/// The four bench messages of `layouts/securities.layout` (ASCII-only, Hangul-heavy,
/// numeric-heavy, 20 counted rows), each against its hand-written code with fep's
/// semantics (`benches/src/shapes.rs`): one telegram per iteration.
fn shapes(c: &mut Criterion) {
    let schema = Schema::load(layouts().join("securities.layout")).expect("layout");
    for (name, t) in SHAPES.iter().zip(shape_telegrams()) {
        let h = hand(name);
        let t = t.as_slice();
        let fields = schema.decode(t).expect("decodes").fields().len();
        let base_fields = (h.decode)(t).expect("decodes");
        let mut g = c.benchmark_group(format!("shape/{name}"));
        g.throughput(Throughput::Elements(1));
        g.bench_function("baseline/decode", |b| {
            b.iter(|| assert_eq!((h.decode)(black_box(t)), Ok(base_fields)))
        });
        g.bench_function("fep/decode", |b| {
            b.iter(|| {
                let m = schema.decode(black_box(t)).expect("decodes");
                assert_eq!(m.fields().len(), fields);
            })
        });
        let owned = (h.decode_owned)(t).expect("decodes");
        g.bench_function("baseline/decode_owned", |b| {
            b.iter(|| assert_eq!((h.decode_owned)(black_box(t)), Ok(owned)))
        });
        g.bench_function("fep/decode_owned", |b| {
            b.iter(|| {
                let m = schema.decode(black_box(t)).expect("decodes").into_owned();
                assert_eq!(m.fields().len(), fields);
            })
        });
        let mut msg = Message::default();
        g.bench_function("fep/decode_into", |b| {
            b.iter(|| {
                schema.decode_into(black_box(t), &mut msg).expect("decodes");
                assert_eq!(msg.fields().len(), fields);
            })
        });
        let spec = shapes::view_spec(name);
        let refs = spec.paths.map(|p| schema.field(p).expect("path"));
        let sum = (spec.hand)(t).expect("view");
        g.bench_function("baseline/view_3_fields", |b| {
            b.iter(|| assert_eq!((spec.hand)(black_box(t)), Ok(sum)))
        });
        g.bench_function("fep/view_3_fields", |b| {
            b.iter(|| {
                let v = schema.view(black_box(t)).expect("view");
                assert_eq!((spec.fep)(&v, &refs), sum);
            })
        });
        // Encode from values decoded before the loop: the baseline's struct, fep's message.
        let mut out = Vec::with_capacity(t.len());
        let any = Any::decode(t).expect("decodes");
        g.bench_function("baseline/encode", |b| {
            b.iter(|| {
                out.clear();
                black_box(&any).encode(&mut out).expect("encodes");
                assert_eq!(out.len(), t.len());
            })
        });
        let m: Message<'static> = schema.decode(t).expect("decodes").into_owned();
        g.bench_function("fep/encode", |b| {
            b.iter(|| {
                out.clear();
                schema
                    .encode_into(black_box(&m), &mut out)
                    .expect("encodes");
                assert_eq!(out.len(), t.len());
            })
        });
        g.finish();
    }
}

criterion_group!(benches, transfer, framing, dispatch, shapes);
criterion_main!(benches);
