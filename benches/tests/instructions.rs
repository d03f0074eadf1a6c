//! The `instructions` program that `scripts/instructions.sh` runs under callgrind: every
//! operation on a bench message runs, on its sample and on its different telegrams
//! (`MESSAGE:different`), and a message it does not know is refused with the usage.

use std::process::{Command, Output};

use fep_benches::SHAPES;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_instructions"))
        .args(args)
        .output()
        .expect("the instructions program runs")
}

#[test]
fn every_operation_runs_on_the_sample_and_on_different_telegrams() {
    let ops = [
        "decode",
        "decode_owned",
        "decode_into",
        "encode_into",
        "view",
        "hand_decode",
        "hand_decode_owned",
        "hand_encode",
        "hand_view",
    ];
    for shape in SHAPES {
        for message in [shape.to_string(), format!("{shape}:different")] {
            for op in ops {
                // Three rounds: the different telegrams' first three, each checked (an
                // encode asserts that it gives its telegram back).
                let out = run(&[op, "3", &message]);
                assert!(
                    out.status.success(),
                    "{op} {message}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

#[test]
fn an_unknown_message_or_suffix_is_refused_with_the_usage() {
    for message in ["nosuch", "order:same", "nosuch:different"] {
        let out = run(&["decode", "1", message]);
        assert_eq!(out.status.code(), Some(2), "{message}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unknown message"), "{message}: {err}");
        assert!(err.contains("SHAPE:different"), "{message}: {err}");
    }
}
