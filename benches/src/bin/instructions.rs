//! Runs one core operation N times on the bundled 300-byte transfer request, for counting
//! instructions under callgrind (`scripts/instructions.sh`).
//!
//! Usage: `instructions OP N`, OP one of `decode`, `decode_into`, `encode`, `encode_into`,
//! `view`, `key`. Each OP does all of its setup (loading the layout, reading the telegram,
//! anything decoded or resolved before the loop) also when N is 0, so that
//! `(instructions(N) - instructions(0)) / N` is the cost of one operation.

use std::hint::black_box;
use std::process::ExitCode;

use fep_benches::{layouts, transfer_telegrams};
use fep_core::{Message, Schema};

const OPS: &str = "decode, decode_into, encode, encode_into, view, key";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (op, n) = match args.as_slice() {
        [op, n] => match n.parse::<u64>() {
            Ok(n) => (op.as_str(), n),
            Err(_) => return usage(&format!("not a count: {n}")),
        },
        _ => return usage("expected two arguments"),
    };
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
        _ => return usage(&format!("unknown operation: {op}")),
    }
    ExitCode::SUCCESS
}

fn usage(why: &str) -> ExitCode {
    eprintln!("{why}\nusage: instructions OP N   (OP: {OPS})");
    ExitCode::from(2)
}
