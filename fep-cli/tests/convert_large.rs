//! `fep convert` on a generated capture of 100,000 telegrams: every one converted, in
//! order, to JSON lines and to CSV, with flat memory.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{read, root};

const FB: &str = "layouts/firmbanking.layout";
const COUNT: usize = 100_000;

/// The transfer sample repeated with sequence numbers 000000, 000001, ... (the header's
/// `seq_no`, bytes 32..38 of the telegram, 36..42 of the frame).
fn capture() -> Vec<u8> {
    let sample = read("layouts/firmbanking/transfer-request.bin");
    assert_eq!(&sample[36..42], b"000123", "the sample's seq_no");
    let mut out = Vec::with_capacity(sample.len() * COUNT);
    for i in 0..COUNT {
        let start = out.len();
        out.extend_from_slice(&sample);
        out[start + 36..start + 42].copy_from_slice(format!("{:06}", i % 1_000_000).as_bytes());
    }
    out
}

/// Runs `fep` and returns (exit code, stderr, peak resident memory in KiB when the system
/// shows it).
fn run_measured(args: &[&str]) -> (i32, String, Option<u64>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fep"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs fep");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = None;
    let status = loop {
        // VmHWM is the peak so far; the last reading before exit is the peak of the run.
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && let Some(kib) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = Some(kib);
        }
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("reads stderr");
    (status.code().expect("exited"), stderr, peak)
}

#[test]
fn convert_a_capture_of_100_000_telegrams() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("capture.bin");
    let bytes = capture();
    std::fs::write(&input, &bytes).expect("writes capture");
    let input = input.to_str().expect("path");

    for (ext, format) in [("jsonl", "jsonl"), ("csv", "csv")] {
        let out = dir.path().join(format!("out.{ext}"));
        let (code, stderr, peak) = run_measured(&[
            "convert",
            "-l",
            FB,
            input,
            "-o",
            out.to_str().expect("path"),
        ]);
        assert_eq!(code, 0, "{format}: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert!(
            lines[0].starts_with("converted 100,000 telegrams (30,400,000 bytes) to "),
            "{format}: {stderr}"
        );
        assert!(lines[0].ends_with(" telegrams/s"), "{format}: {stderr}");
        assert_eq!(
            &lines[1..],
            [
                "  transfer              100,000",
                "  errors                      0",
                "read 100,000 telegrams: 100,000 converted + 0 rejected",
            ],
            "{format}"
        );
        check_output(&out, format);
        if let Some(kib) = peak {
            // The capture is 30 MB and the output larger: holding either would show here.
            assert!(kib < 24 * 1024, "{format}: peak memory {kib} KiB");
        }
    }
}

fn check_output(path: &Path, format: &str) {
    let text = std::fs::read_to_string(path).expect("output");
    let mut lines = text.lines();
    if format == "csv" {
        let header = lines.next().expect("header");
        assert!(
            header.starts_with("source,offset,message,header.system_id,"),
            "{header}"
        );
    }
    let mut n = 0;
    for (i, line) in lines.enumerate() {
        let (offset, seq) = if format == "csv" {
            let cells: Vec<&str> = line.split(',').collect();
            assert!(cells[0].ends_with("capture.bin"), "row {i}");
            assert_eq!(cells[2], "transfer", "row {i}");
            (
                cells[1].parse::<u64>().expect("offset"),
                cells[9].parse::<u64>().expect("seq_no"),
            )
        } else {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            assert_eq!(v["message"], "transfer", "line {i}");
            assert!(
                v["source"]
                    .as_str()
                    .is_some_and(|s| s.ends_with("capture.bin")),
                "line {i}"
            );
            assert_eq!(v["fields"]["debit_acct"], "*********4005", "masked");
            (
                v["offset"].as_u64().expect("offset"),
                v["fields"]["header"]["seq_no"].as_u64().expect("seq_no"),
            )
        };
        assert_eq!(offset, i as u64 * 304, "line {i}");
        assert_eq!(seq, i as u64, "line {i}");
        n += 1;
    }
    assert_eq!(n, COUNT, "{format}");
}
