//! Runs one core operation N times on the bundled 300-byte transfer request, for counting
//! instructions under callgrind (`scripts/instructions.sh`).
//!
//! `instructions OP N SHAPE` runs OP on one of the four bench messages of
//! `layouts/securities.layout` instead (SHAPE: `order`, `customer`, `settlement`,
//! `history`); OP is then one of `decode`, `decode_owned`, `decode_into`, `encode_into`,
//! `arrow` (as below),
//! `view` (the three fields of the criterion view benchmark) or the hand-written code's
//! `hand_decode`, `hand_decode_owned`, `hand_encode`, `hand_view`. `SHAPE:different`
//! (`settlement:different`) runs it on 1,024 different telegrams of the message in turn
//! (`fep_benches::different_telegrams`, as `paired` has them) instead of the sample: with
//! callgrind's `--branch-sim=yes`, which branches its simple predictor misses there.
//!
//! Usage: `instructions OP N`, OP one of `decode`, `decode_into`, `encode`, `encode_into`,
//! `view`, `key`, `diff` (the request against its response, 4 fields differ), `diff_equal`
//! (the request against itself), `pair` (a correlator insert of the request and complete of the response,
//! with 1,000 requests pending), `expire` (N requests filed, then expired in one call: only
//! the call is counted, by callgrind's `--toggle-collect=*expire_all*`), `capture` (one read
//! of a 4 MiB pcap of the capture benchmark's shape through reassembly and framing: divide
//! by 4 MiB for instructions per byte), `parquet` (one conversion of 10,000 transfer
//! telegrams to a zstd Parquet dataset, as the parquet benchmark's, in a temporary
//! directory: divide by 10,000 for instructions per telegram), `arrow` (one decode of the
//! same 10,000 telegrams to Arrow record batches by `fep_arrow::decode`, values revealed
//! as `decode_arrow` does; with SHAPE, of 10,000 telegrams of that bench message). Each OP does all of its setup (loading the layout, reading the telegram,
//! anything decoded or resolved before the loop) also when N is 0, so that
//! `(instructions(N) - instructions(0)) / N` is the cost of one operation.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use fep_benches::shapes::{self, Any};
use fep_benches::{
    DIFFERENT, SHAPES, different_telegrams, layouts, numbered, shape_telegrams, transfer_telegrams,
};
use fep_core::capture::{CaptureEvent, CaptureReader};
use fep_core::{Correlator, Expired, Message, Schema};

const OPS: &str = "decode, decode_into, encode, encode_into, view, key, diff, diff_equal, pair, expire, capture, parquet, arrow";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (op, n) = match args.as_slice() {
        [op, n] | [op, n, _] => match n.parse::<u64>() {
            Ok(n) => (op.as_str(), n),
            Err(_) => return usage(&format!("not a count: {n}")),
        },
        _ => return usage("expected two or three arguments"),
    };
    if let [_, _, shape] = args.as_slice() {
        let (name, different) = match shape.split_once(':') {
            Some((name, "different")) => (name, true),
            Some(_) => return usage(&format!("unknown message: {shape}")),
            None => (shape.as_str(), false),
        };
        return match SHAPES.iter().position(|s| *s == name) {
            Some(i) => {
                let sample = &shape_telegrams()[i];
                let telegrams = if different {
                    different_telegrams(name, sample, DIFFERENT, 1)
                } else {
                    vec![sample.clone()]
                };
                shape_op(op, n, &telegrams)
            }
            None => usage(&format!("unknown message: {shape}")),
        };
    }
    let schema = Schema::load(layouts().join("firmbanking.layout")).expect("layout");
    let [req, _] = transfer_telegrams();
    let req = req.as_slice();
    assert_eq!(req.len(), 300);

    match op {
        // A fresh message each time, dropped.
        "decode" => {
            for _ in 0..n {
                let m = schema.decode(black_box(req)).expect("decodes");
                black_box(&m);
            }
        }
        // One message, its strings and vectors reused.
        "decode_into" => {
            let mut msg = Message::default();
            for _ in 0..n {
                schema
                    .decode_into(black_box(req), &mut msg)
                    .expect("decodes");
                black_box(&msg);
            }
        }
        // A new vector each time, dropped.
        "encode" => {
            let msg = schema.decode(req).expect("decodes");
            assert_eq!(schema.encode(&msg).expect("encodes"), req);
            for _ in 0..n {
                let out = schema.encode(black_box(&msg)).expect("encodes");
                black_box(&out);
            }
        }
        // One vector, cleared and reused (as in the criterion bench).
        "encode_into" => {
            let msg = schema.decode(req).expect("decodes");
            let mut out = Vec::with_capacity(300);
            for _ in 0..n {
                out.clear();
                schema
                    .encode_into(black_box(&msg), &mut out)
                    .expect("encodes");
                black_box(&out);
            }
        }
        // The three fields of the criterion view bench, through handles resolved once.
        "view" => {
            let fields = [
                schema.field("header.msg_code").expect("path"),
                schema.field("header.seq_no").expect("path"),
                schema.field("amount").expect("path"),
            ];
            for _ in 0..n {
                let v = schema.view(black_box(req)).expect("view");
                let mut sum = v.str(&fields[0]).expect("code").len() as i64;
                sum += v.int(&fields[1]).expect("seq").unwrap_or(0);
                sum += v.int(&fields[2]).expect("amount").unwrap_or(0);
                black_box(sum);
            }
        }
        // The layout's correlation key, as a new string.
        "key" => {
            assert!(schema.key_paths().next().is_some(), "the layout has a key");
            for _ in 0..n {
                let k = schema.key(black_box(req)).expect("key");
                black_box(&k);
            }
        }
        // The request against its response (4 fields differ), and against itself.
        "diff" | "diff_equal" => {
            let [_, resp] = transfer_telegrams();
            let a = schema.decode(req).expect("decodes");
            let b = if op == "diff" {
                schema.decode(&resp).expect("decodes").into_owned()
            } else {
                a.clone().into_owned()
            };
            for _ in 0..n {
                let d = schema.diff(black_box(&a), black_box(&b));
                black_box(&d);
            }
        }
        // One insert + complete pair, 1,000 requests pending, keys cycling through 8,192
        // telegram numbers (as the criterion benchmark).
        "pair" => {
            const STANDING: usize = 1_000;
            const NUMBERS: usize = 8_192;
            let [_, resp] = transfer_telegrams();
            let reqs: Vec<_> = (0..NUMBERS).map(|i| numbered(req, 32..38, i)).collect();
            let resps: Vec<_> = (0..NUMBERS).map(|i| numbered(&resp, 32..38, i)).collect();
            let table = Correlator::<u64>::new(&schema, 10_000, Duration::from_secs(30));
            let t0 = Instant::now();
            let deadline = t0 + Duration::from_secs(30);
            for (i, r) in reqs.iter().enumerate().take(STANDING) {
                table.insert_at(r, i as u64, t0, deadline).expect("filed");
            }
            for i in STANDING..STANDING + n as usize {
                table
                    .insert_at(black_box(&reqs[i % NUMBERS]), i as u64, t0, deadline)
                    .expect("filed");
                let done = table
                    .complete_at(black_box(&resps[(i - STANDING) % NUMBERS]), t0)
                    .expect("matched");
                assert_eq!(done.token, (i - STANDING) as u64);
            }
            assert_eq!(table.len(), STANDING);
        }
        // N requests filed in a table of capacity max(N, 100,000), then expired at once.
        "expire" => {
            let n = n as usize;
            assert!(n <= 1_000_000, "telegram numbers have 6 digits");
            let table = Correlator::<u64>::new(&schema, n.max(100_000), Duration::from_secs(30));
            let t0 = Instant::now();
            let mut t = req.to_vec();
            for i in 0..n {
                t[32..38].copy_from_slice(format!("{i:06}").as_bytes());
                table
                    .insert_at(&t, i as u64, t0, t0 + Duration::from_secs(1))
                    .expect("filed");
            }
            let gone = expire_all(&table, t0 + Duration::from_secs(2));
            assert_eq!(gone.len(), n);
            assert!(table.is_empty());
        }
        // Reads of a 4 MiB capture (the capture benchmark's, smaller).
        "capture" => {
            let mut framed = format!("{:04}", req.len()).into_bytes();
            framed.extend_from_slice(req);
            let (pcap, telegrams) = fep_benches::pcap::tcp_capture(&framed, 4 << 20, 16);
            let read = || {
                let reader = CaptureReader::new(&schema, black_box(&pcap[..])).expect("capture");
                let mut count = 0u64;
                for e in reader {
                    if let CaptureEvent::Telegram(t) = e.expect("event") {
                        count += 1;
                        black_box(&t.frame.telegram);
                    }
                }
                assert_eq!(count, telegrams);
            };
            // One read in the setup: what is done once (tables built on first use) is not
            // counted as the cost of a read.
            read();
            for _ in 0..n {
                read();
            }
        }
        // Conversions of 10,000 transfer telegrams to a zstd Parquet dataset.
        "parquet" => {
            const TELEGRAMS: usize = 10_000;
            let input = fep_benches::capture(TELEGRAMS);
            let dir = std::env::temp_dir().join(format!("fep-instructions-{}", std::process::id()));
            // One conversion in the setup, as for `capture`.
            for _ in 0..=n {
                let parts = fep_arrow::parquet::convert(
                    &schema,
                    black_box(&input[..]),
                    &dir,
                    fep_arrow::parquet::Options::default(),
                )
                .expect("converts");
                assert_eq!(parts[0].rows, TELEGRAMS as u64);
                std::fs::remove_dir_all(&dir).expect("removes");
            }
        }
        "arrow" => {
            const TELEGRAMS: usize = 10_000;
            let input = fep_benches::capture(TELEGRAMS);
            arrow_op(&schema, req, &input, TELEGRAMS, n);
        }
        _ => return usage(&format!("unknown operation: {op}")),
    }
    ExitCode::SUCCESS
}

/// `arrow`: `n` decodes of `input` (`telegrams` framed telegrams of the message of
/// `first`) to Arrow record batches by `fep_arrow::decode`, as `decode_arrow` does (values
/// revealed), after one in the setup.
fn arrow_op(schema: &Schema, first: &[u8], input: &[u8], telegrams: usize, n: u64) {
    let name = schema
        .dispatch(first)
        .expect("dispatches")
        .name()
        .to_owned();
    let target = fep_arrow::Target::one(schema, &name, fep_arrow::Masking::Reveal).expect("target");
    for _ in 0..=n {
        let batches = fep_arrow::decode(
            schema,
            &target,
            black_box(input),
            fep_arrow::Limits::default(),
        )
        .expect("decodes");
        assert_eq!(
            batches.iter().map(|b| b.num_rows()).sum::<usize>(),
            telegrams
        );
        black_box(&batches);
    }
}

/// One operation on a bench message of `layouts/securities.layout`, fep's or the
/// hand-written code's.
/// Runs `op` `n` times on the telegrams of one bench message, taken in turn (one: the
/// sample; or different ones).
fn shape_op(op: &str, n: u64, telegrams: &[Vec<u8>]) -> ExitCode {
    let schema = Schema::load(layouts().join("securities.layout")).expect("layout");
    let t = telegrams[0].as_slice();
    let name = match &t[..4] {
        b"0100" => "order",
        b"0200" => "customer",
        b"0300" => "settlement",
        _ => "history",
    };
    let spec = shapes::view_spec(name);
    // The telegram of round `i`.
    let nth = |i: u64| telegrams[(i % telegrams.len() as u64) as usize].as_slice();
    match op {
        // 10,000 of the message's telegrams, framed as the layout says (a 4-digit length).
        "arrow" => {
            const TELEGRAMS: usize = 10_000;
            let mut input = Vec::with_capacity(TELEGRAMS * (t.len() + 4));
            for i in 0..TELEGRAMS as u64 {
                let t = nth(i);
                input.extend_from_slice(format!("{:04}", t.len()).as_bytes());
                input.extend_from_slice(t);
            }
            arrow_op(&schema, t, &input, TELEGRAMS, n);
        }
        "decode" => {
            for i in 0..n {
                black_box(&schema.decode(black_box(nth(i))).expect("decodes"));
            }
        }
        "decode_owned" => {
            for i in 0..n {
                black_box(
                    &schema
                        .decode(black_box(nth(i)))
                        .expect("decodes")
                        .into_owned(),
                );
            }
        }
        "decode_into" => {
            let mut msg = Message::default();
            for i in 0..n {
                schema
                    .decode_into(black_box(nth(i)), &mut msg)
                    .expect("decodes");
                black_box(&msg);
            }
        }
        "encode_into" => {
            let msgs: Vec<Message<'static>> = telegrams
                .iter()
                .map(|t| schema.decode(t).expect("decodes").into_owned())
                .collect();
            let mut out = Vec::with_capacity(t.len());
            for i in 0..n {
                out.clear();
                let msg = &msgs[(i % msgs.len() as u64) as usize];
                schema
                    .encode_into(black_box(msg), &mut out)
                    .expect("encodes");
                black_box(&out);
            }
            assert!(
                n == 0 || out == nth(n - 1),
                "the encode gives the telegram back"
            );
        }
        "view" => {
            let f = spec.paths.map(|p| schema.field(p).expect("path"));
            for i in 0..n {
                let v = schema.view(black_box(nth(i))).expect("view");
                black_box((spec.fep)(&v, &f));
            }
        }
        "hand_decode" => {
            for i in 0..n {
                shapes::decode_and_drop(nth(i));
            }
        }
        "hand_decode_owned" => {
            for i in 0..n {
                black_box(&Any::decode(black_box(nth(i))).expect("decodes"));
            }
        }
        "hand_encode" => {
            let anys: Vec<Any> = telegrams
                .iter()
                .map(|t| Any::decode(t).expect("decodes"))
                .collect();
            let mut out = Vec::with_capacity(t.len());
            for i in 0..n {
                out.clear();
                let any = &anys[(i % anys.len() as u64) as usize];
                black_box(any).encode(&mut out).expect("encodes");
                black_box(&out);
            }
            assert!(
                n == 0 || out == nth(n - 1),
                "the encode gives the telegram back"
            );
        }
        "hand_view" => {
            for i in 0..n {
                black_box((spec.hand)(black_box(nth(i))).expect("view"));
            }
        }
        _ => return usage(&format!("unknown operation on a bench message: {op}")),
    }
    ExitCode::SUCCESS
}

/// The call `expire` counts (kept out of line so that callgrind can find it by name).
#[inline(never)]
fn expire_all(table: &Correlator<u64>, now: Instant) -> Vec<Expired<u64>> {
    table.expire(black_box(now))
}

fn usage(why: &str) -> ExitCode {
    eprintln!(
        "{why}\nusage: instructions OP N   (OP: {OPS})\n       instructions OP N SHAPE   (SHAPE: {}, or SHAPE:different)",
        SHAPES.join(", ")
    );
    ExitCode::from(2)
}
