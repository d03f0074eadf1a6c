//! `fep diff`: two telegrams (files, hex dumps, JSON) and two streams or captures aligned
//! by key, against golden output; exit codes; sensitive values hidden.

mod common;

use std::path::Path;

use common::{fep, golden, read, root};
use etherparse::PacketBuilder;

const LAYOUT: &str = "layouts/firmbanking.layout";
const REQUEST: &str = "layouts/firmbanking/transfer-request.bin";
const RESPONSE: &str = "layouts/firmbanking/transfer-response.bin";

/// The telegram of a framed sample (4-byte ASCII length prefix), with bytes replaced at
/// telegram offsets, framed again.
fn edited(sample: &str, edits: &[(usize, &[u8])]) -> Vec<u8> {
    let framed = read(sample);
    let mut t = framed[4..].to_vec();
    for (at, bytes) in edits {
        t[*at..*at + bytes.len()].copy_from_slice(bytes);
    }
    let mut out = format!("{:04}", t.len()).into_bytes();
    out.extend_from_slice(&t);
    out
}

/// The header's seq_no (offset 32) and send_time (offset 46).
fn telegram(sample: &str, seq: u32, time: Option<&[u8; 6]>) -> Vec<u8> {
    let seq = format!("{seq:06}");
    let mut edits: Vec<(usize, &[u8])> = vec![(32, seq.as_bytes())];
    if let Some(t) = time {
        edits.push((46, t));
    }
    edited(sample, &edits)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("writes");
    p.display().to_string()
}

#[test]
fn the_same_telegram_in_every_form_is_equal() {
    for (a, b, extra) in [
        (REQUEST, REQUEST, None),
        ("layouts/firmbanking/transfer-request.json", REQUEST, None),
        (
            "fep-cli/tests/data/transfer-request.xxd",
            "fep-cli/tests/data/transfer-request.hexdump",
            Some("--hex-file"),
        ),
    ] {
        let mut args = vec!["diff", "-l", LAYOUT, a, b];
        args.extend(extra);
        let r = fep(&args);
        r.code(0);
        assert_eq!(r.out(), "0 fields differ\n", "{a} {b}");
        assert_eq!(r.stderr, "");
    }
    // A hex dump given as text, against itself.
    let hex = std::fs::read_to_string(root().join("fep-cli/tests/data/transfer-request.xxd"))
        .expect("reads");
    fep(&["diff", "-l", LAYOUT, "--hex", &hex, &hex]).code(0);
}

#[test]
fn two_telegrams_golden() {
    let r = fep(&["diff", "-l", LAYOUT, REQUEST, RESPONSE]);
    r.code(1);
    golden("diff-transfer.txt", &r.out());
    let r = fep(&[
        "diff",
        "-l",
        LAYOUT,
        REQUEST,
        "layouts/firmbanking/balance-history.bin",
    ]);
    r.code(1);
    golden("diff-different-messages.txt", &r.out());
}

#[test]
fn masked_fields_are_hidden_unless_revealed() {
    let dir = tempfile::tempdir().expect("temp dir");
    // debit_acct (mask) at 100, password (secret) at 115, holder_name (Korean) at 242.
    let (name, _, _) = encoding_rs::EUC_KR.encode("김철수      ");
    let b = edited(REQUEST, &[(100, b"9"), (115, b"9999"), (226, &name[..12])]);
    let b = write(dir.path(), "b.bin", &b);
    let r = fep(&["diff", "-l", LAYOUT, REQUEST, &b]);
    r.code(1);
    let out = r.out();
    assert!(out.contains("debit_acct"), "{out}");
    assert!(
        out.contains("debit_acct, password differ where the value is hidden"),
        "{out}"
    );
    assert!(out.contains("\"김철수\""), "Hangul shown as it is:\n{out}");
    assert!(out.contains("3 fields differ"), "{out}");
    for secret in ["9002003004005", "1002003004005", "9999"] {
        assert!(!out.contains(secret), "{secret} shown:\n{out}");
    }
    let r = fep(&["diff", "-l", LAYOUT, "--reveal", REQUEST, &b]);
    let out = r.out();
    assert!(out.contains("\"9002003004005\""), "{out}");
    assert!(!out.contains("where the value is hidden"), "{out}");
}

#[test]
fn repeats_of_different_counts_and_json() {
    // The balance history's JSON with its last entry gone, against the telegram.
    let dir = tempfile::tempdir().expect("temp dir");
    let json = String::from_utf8(read("layouts/firmbanking/balance-history.json")).expect("UTF-8");
    let mut v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    v["fields"]["count"] = 1.into();
    v["fields"]["items"]
        .as_array_mut()
        .expect("items")
        .truncate(1);
    v["fields"]["items"][0]["amount"] = (-150_000).into();
    let a = write(dir.path(), "a.json", v.to_string().as_bytes());
    let r = fep(&[
        "diff",
        "-l",
        LAYOUT,
        &a,
        "layouts/firmbanking/balance-history.bin",
    ]);
    r.code(1);
    golden("diff-repeat-counts.txt", &r.out());
    // The same as JSON lines: one object a difference, values as JSON.
    let r = fep(&[
        "diff",
        "-l",
        LAYOUT,
        "--format",
        "jsonl",
        &a,
        "layouts/firmbanking/balance-history.bin",
    ]);
    r.code(1);
    let rows: Vec<serde_json::Value> = r
        .out()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 3, "{}", r.out());
    assert_eq!(rows[1]["path"], "items[0].amount");
    assert_eq!(rows[1]["value_a"], -150_000);
    assert_eq!(rows[1]["value_b"], 150_000);
    assert_eq!(rows[2]["path"], "items[1]");
    assert_eq!(rows[2]["change"], "only_b");
    assert_eq!(rows[2]["value_a"], serde_json::Value::Null);
    assert_eq!(rows[2]["value_b"]["memo"], "관리비");
    assert_eq!(rows[2]["offset_a"], serde_json::Value::Null);
    assert_eq!(r.stderr, "3 fields differ\n");
}

#[test]
fn streams_aligned_by_key_with_one_field_different_everywhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Some(b"101500");
    let a: Vec<u8> = [
        telegram(REQUEST, 1, None),
        telegram(RESPONSE, 1, None),
        telegram(REQUEST, 2, None),
        telegram(RESPONSE, 2, None),
        telegram(REQUEST, 3, None),
    ]
    .concat();
    // B: the same exchanges with another send_time, 3 missing, 4 extra, out of order.
    let b: Vec<u8> = [
        telegram(REQUEST, 2, t),
        telegram(REQUEST, 1, t),
        telegram(RESPONSE, 1, t),
        telegram(RESPONSE, 2, t),
        telegram(REQUEST, 4, t),
    ]
    .concat();
    let a = write(dir.path(), "legacy.bin", &a);
    let b = write(dir.path(), "fep.bin", &b);
    let r = fep(&["diff", "-l", LAYOUT, &a, &b]);
    r.code(1);
    let out = r.out().replace(&format!("{}/", dir.path().display()), "");
    golden("diff-streams.txt", &out);
    // Equal streams: exit 0, a summary with nothing differing.
    let r = fep(&["diff", "-l", LAYOUT, &a, &a]);
    r.code(0);
    assert_eq!(
        r.out(),
        "5 telegrams in A, 5 in B: 5 pairs compared, 0 differ; 0 only in A, 0 only in B\n"
    );
}

#[test]
fn telegrams_without_a_key_are_aligned_by_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let layout = write(
        dir.path(),
        "nokey.layout",
        b"encoding ascii\nframing lines\nmessage m 6 {\n id X(2)\n n 9(4)\n}\n",
    );
    let a = write(dir.path(), "a.txt", b"AA0001\r\nBB0002\r\nCC0003\r\n");
    let b = write(dir.path(), "b.txt", b"AA0001\r\nBB0009\r\n");
    let r = fep(&["diff", "-l", &layout, &a, &b]);
    r.code(1);
    let out = r.out();
    assert!(
        out.contains("m: no key, by position (A #2 at byte 8, B #2 at byte 8)"),
        "{out}"
    );
    assert!(out.contains("only in A: m (#3 at byte 16)"), "{out}");
    assert!(
        out.contains(
            "3 telegrams in A, 2 in B: 2 pairs compared, 1 differs; 1 only in A, 0 only in B"
        ),
        "{out}"
    );
    assert!(
        r.stderr
            .contains("no `key` directive: telegrams were aligned by position"),
        "{}",
        r.stderr
    );
}

#[test]
fn trouble_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A telegram that does not decode: the comparison is incomplete.
    let bad = write(dir.path(), "bad.bin", &edited(REQUEST, &[(32, b"00x001")]));
    let r = fep(&["diff", "-l", LAYOUT, REQUEST, &bad]);
    r.code(2);
    assert!(r.stderr.contains("header.seq_no"), "{}", r.stderr);
    assert!(r.stderr.contains("bad.bin"), "{}", r.stderr);
    // A missing file, an unknown message, standard input twice.
    let r = fep(&["diff", "-l", LAYOUT, REQUEST, "no-such.bin"]);
    r.code(2);
    assert!(
        r.stderr.contains("no-such.bin: no such file"),
        "{}",
        r.stderr
    );
    fep(&["diff", "-l", LAYOUT, "--message", "nope", REQUEST, REQUEST]).code(2);
    fep(&["diff", "-l", LAYOUT, "-", "-"]).code(2);
    // Filters given, and no capture to filter.
    fep(&["diff", "-l", LAYOUT, "--port", "9000", REQUEST, REQUEST]).code(2);
    // A bare telegram without --no-frame gets the hint; with it, it compares.
    let bare = write(dir.path(), "bare.bin", &read(REQUEST)[4..]);
    let r = fep(&["diff", "-l", LAYOUT, &bare, &bare]);
    r.code(2);
    assert!(r.stderr.contains("--no-frame"), "{}", r.stderr);
    fep(&["diff", "-l", LAYOUT, "--no-frame", &bare, &bare]).code(0);
}

// ------------------------------------------------------------------ captures

/// A pcap of one TCP connection (client 10.0.0.1:40000, server 10.0.0.2:9000): the
/// handshake, then each (to_server, bytes) as one segment.
fn pcap(segments: &[(bool, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    for v in [0u32, 0, 262_144, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let mut ms = 0u32;
    let mut packet = |out: &mut Vec<u8>, to_server: bool, seq: u32, flags: &str, data: &[u8]| {
        let (c, s) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        let b = PacketBuilder::ethernet2([1; 6], [2; 6]);
        let b = if to_server {
            b.ipv4(c, s, 64).tcp(40_000, 9_000, seq, 65_000)
        } else {
            b.ipv4(s, c, 64).tcp(9_000, 40_000, seq, 65_000)
        };
        let b = match flags {
            "S" => b.syn(),
            "SA" => b.syn().ack(1),
            _ => b.ack(1),
        };
        let mut frame = Vec::new();
        b.write(&mut frame, data).expect("packet");
        ms += 10;
        for v in [1_710_462_600 + ms / 1000, (ms % 1000) * 1000] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for _ in 0..2 {
            out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(&frame);
    };
    let (client_isn, server_isn) = (1_000u32, 5_000u32);
    packet(&mut out, true, client_isn, "S", b"");
    packet(&mut out, false, server_isn, "SA", b"");
    packet(&mut out, true, client_isn + 1, "A", b"");
    let (mut to_s, mut to_c) = (0u32, 0u32);
    for (to_server, bytes) in segments {
        if *to_server {
            packet(&mut out, true, client_isn + 1 + to_s, "A", bytes);
            to_s += bytes.len() as u32;
        } else {
            packet(&mut out, false, server_isn + 1 + to_c, "A", bytes);
            to_c += bytes.len() as u32;
        }
    }
    out
}

#[test]
fn captures_aligned_by_key_and_direction() {
    let dir = tempfile::tempdir().expect("temp dir");
    let legacy: Vec<(bool, Vec<u8>)> = (1..=4)
        .flat_map(|n| {
            [
                (true, telegram(REQUEST, n, None)),
                (false, telegram(RESPONSE, n, None)),
            ]
        })
        .collect();
    // The new system: every response with another send_time; exchange 3 is missing and
    // exchange 5 is extra.
    let t = Some(b"101500");
    let new: Vec<(bool, Vec<u8>)> = [1, 2, 4, 5]
        .into_iter()
        .flat_map(|n| {
            [
                (true, telegram(REQUEST, n, None)),
                (false, telegram(RESPONSE, n, t)),
            ]
        })
        .collect();
    let a = write(dir.path(), "legacy.pcap", &pcap(&legacy));
    let b = write(dir.path(), "fep.pcap", &pcap(&new));
    let r = fep(&["diff", "-l", LAYOUT, &a, &b]);
    r.code(1);
    let out = r.out();
    golden("diff-captures.txt", &out);
    // The same with JSON lines: the summary goes to standard error.
    let r = fep(&["diff", "-l", LAYOUT, "--format", "jsonl", &a, &b]);
    r.code(1);
    let rows: Vec<serde_json::Value> = r
        .out()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let changed = rows.iter().filter(|r| r["change"] == "changed").count();
    assert_eq!(changed, 3, "one field in each of the 3 common responses");
    assert!(
        rows.iter()
            .filter(|r| r["change"] == "changed")
            .all(|r| r["path"] == "header.send_time")
    );
    let lone: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["change"] != "changed")
        .map(|r| {
            (
                r["change"].as_str().unwrap_or(""),
                r["key"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        lone,
        [
            ("only_a", "20240315|004|TESTCO0001|000003"),
            ("only_a", "20240315|004|TESTCO0001|000003"),
            ("only_b", "20240315|004|TESTCO0001|000005"),
            ("only_b", "20240315|004|TESTCO0001|000005"),
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r.get("pair").is_none() || r["a"]["ts"].is_string())
    );
    assert!(r.stderr.contains("header.send_time"), "{}", r.stderr);
    // A port that matches nothing leaves both sides empty: nothing differs.
    let r = fep(&["diff", "-l", LAYOUT, "--port", "1", &a, &b]);
    r.code(0);
}
