//! Times fep against the hand-written code on each bench message of
//! `layouts/securities.layout`, the two **in turns**: `scripts/paired-times.sh`.
//!
//! Criterion times a benchmark and its baseline one after the other, seconds or minutes
//! apart; on a machine whose speed drifts (a shared virtual machine can change by a factor
//! of two within minutes), the ratio of two such times moves by a third from run to run.
//! Here each round times a short batch of fep's operation and a batch of the hand-written
//! code's back to back (which goes first alternates), so that both see the same machine,
//! and the ratio is taken per round. Printed per operation: the median time of each side,
//! the median of the per-round ratios, and the middle half of the ratios (25th to 75th
//! percentile) as a measure of the spread. Each message is timed twice: its sample
//! telegram again and again, then 1,024 different telegrams of it taken in turn
//! ([`different_telegrams`]), the rows "(different)": one telegram repeated lets the
//! processor learn every branch of it, which a stream does not allow.
//!
//! Usage: `paired [ROUNDS]` (default 400; a batch lasts about 200 µs).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use fep_benches::shapes::{self, Any};
use fep_benches::{DIFFERENT, SHAPES, different_telegrams, layouts, shape_telegrams};
use fep_core::{Message, Schema};

/// How long one batch of one side lasts, about.
const BATCH: Duration = Duration::from_micros(200);

fn main() -> ExitCode {
    let rounds = match std::env::args().nth(1).map(|r| r.parse::<usize>()) {
        None => 400,
        Some(Ok(r)) if r > 0 => r,
        Some(_) => {
            eprintln!("usage: paired [ROUNDS]   (ROUNDS a positive integer)");
            return ExitCode::from(2);
        }
    };
    let schema = Schema::load(layouts().join("securities.layout")).expect("layout");
    println!(
        "{:<38} {:>10} {:>10} {:>8} {:>15}  target",
        "bench message", "hand ns", "fep ns", "ratio", "middle half"
    );
    for (name, t) in SHAPES.iter().zip(shape_telegrams()) {
        run(&schema, rounds, name, name, std::slice::from_ref(&t));
    }
    // The same over different telegrams of each message, taken in turn: what a stream gives
    // (one telegram again and again lets the processor learn every branch of it).
    for (name, t) in SHAPES.iter().zip(shape_telegrams()) {
        let different = different_telegrams(name, &t, DIFFERENT, 1);
        run(
            &schema,
            rounds,
            name,
            &format!("{name} (different)"),
            &different,
        );
    }
    ExitCode::SUCCESS
}

/// The telegram after the one at `at`, round `ts`.
fn next<'a, T>(ts: &'a [T], at: &mut usize) -> &'a T {
    *at = if *at + 1 < ts.len() { *at + 1 } else { 0 };
    &ts[*at]
}

/// Every operation of message `name` against the hand-written code's, over `telegrams`
/// taken in turn (each side its own turn, the same sequence), printed as `label`.
fn run(schema: &Schema, rounds: usize, name: &str, label: &str, telegrams: &[Vec<u8>]) {
    let spec = shapes::view_spec(name);
    let f = spec.paths.map(|p| schema.field(p).expect("path"));
    let (mut i, mut j) = (0, 0);

    let r = paired(
        rounds,
        || {
            let t = next(telegrams, &mut i).as_slice();
            drop(black_box(schema.decode(black_box(t)).expect("decodes")));
        },
        || shapes::decode_and_drop(next(telegrams, &mut j).as_slice()),
    );
    r.print(label, "decode", "<= 1.0x");

    let mut msg = Message::default();
    let r = paired(
        rounds,
        || {
            let t = next(telegrams, &mut i).as_slice();
            schema.decode_into(black_box(t), &mut msg).expect("decodes");
            black_box(&msg);
        },
        || shapes::decode_and_drop(next(telegrams, &mut j).as_slice()),
    );
    r.print(label, "decode_into", "<= 0.8x");

    let decoded: Vec<Message<'static>> = telegrams
        .iter()
        .map(|t| schema.decode(t).expect("decodes").into_owned())
        .collect();
    let any: Vec<Any> = telegrams
        .iter()
        .map(|t| Any::decode(t).expect("decodes"))
        .collect();
    let len = telegrams[0].len();
    let (mut out_fep, mut out_hand) = (Vec::with_capacity(len), Vec::new());
    let (mut last_fep, mut last_hand) = (0, 0);
    let r = paired(
        rounds,
        || {
            out_fep.clear();
            let m = next(&decoded, &mut i);
            last_fep = i;
            schema
                .encode_into(black_box(m), &mut out_fep)
                .expect("encodes");
            black_box(&out_fep);
        },
        || {
            out_hand.clear();
            let a = next(&any, &mut j);
            last_hand = j;
            black_box(a).encode(&mut out_hand).expect("encodes");
            black_box(&out_hand);
        },
    );
    r.print(label, "encode", "<= 1.0x");
    assert_eq!(
        out_fep, telegrams[last_fep],
        "fep's encode gives the telegram back"
    );
    assert_eq!(
        out_hand, telegrams[last_hand],
        "the hand-written encode gives the telegram back"
    );

    let r = paired(
        rounds,
        || {
            let t = next(telegrams, &mut i).as_slice();
            let v = schema.view(black_box(t)).expect("view");
            black_box((spec.fep)(&v, &f));
        },
        || {
            let t = next(telegrams, &mut j).as_slice();
            black_box((spec.hand)(black_box(t)).expect("view"));
        },
    );
    r.print(label, "view, 3 fields", "<= 1.3x");
}

/// The times of one operation and its baseline, per round.
struct Paired {
    fep: Vec<f64>,
    hand: Vec<f64>,
    ratios: Vec<f64>,
}

impl Paired {
    fn print(mut self, message: &str, op: &str, target: &str) {
        let fep = median(&mut self.fep);
        let hand = median(&mut self.hand);
        self.ratios.sort_by(f64::total_cmp);
        let n = self.ratios.len();
        let ratio = median(&mut self.ratios);
        let (lo, hi) = (self.ratios[n / 4], self.ratios[(3 * n) / 4]);
        let label = format!("{message}: {op}");
        let met = if ratio <= target_of(target) {
            "met"
        } else {
            "NOT met"
        };
        println!(
            "{label:<38} {hand:>10.0} {fep:>10.0} {ratio:>7.2}x {:>15}  {target}: {met}",
            format!("{lo:.2}-{hi:.2}x")
        );
    }
}

fn target_of(target: &str) -> f64 {
    target
        .trim_start_matches("<= ")
        .trim_end_matches('x')
        .parse()
        .expect("a target such as <= 1.0x")
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `rounds` rounds of a batch of `fep` and a batch of `hand`, back to back (alternating
/// which goes first); the batch size is chosen once so that a batch of the slower of the
/// two lasts about [`BATCH`]. Times are per call, in nanoseconds.
fn paired(rounds: usize, mut fep: impl FnMut(), mut hand: impl FnMut()) -> Paired {
    // Warm up both, and find how many calls make a batch.
    let per_call = |f: &mut dyn FnMut()| {
        let mut n = 1u64;
        loop {
            let started = Instant::now();
            for _ in 0..n {
                f();
            }
            let took = started.elapsed();
            if took >= BATCH / 4 || n >= 1 << 24 {
                return took.as_secs_f64() / n as f64;
            }
            n *= 2;
        }
    };
    let slower = per_call(&mut fep).max(per_call(&mut hand));
    let batch = ((BATCH.as_secs_f64() / slower) as u64).max(1);
    let time = |f: &mut dyn FnMut()| {
        let started = Instant::now();
        for _ in 0..batch {
            f();
        }
        started.elapsed().as_secs_f64() * 1e9 / batch as f64
    };
    let mut p = Paired {
        fep: Vec::with_capacity(rounds),
        hand: Vec::with_capacity(rounds),
        ratios: Vec::with_capacity(rounds),
    };
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = time(&mut fep);
            (a, time(&mut hand))
        } else {
            let b = time(&mut hand);
            (time(&mut fep), b)
        };
        p.fep.push(a);
        p.hand.push(b);
        p.ratios.push(a / b);
    }
    p
}
