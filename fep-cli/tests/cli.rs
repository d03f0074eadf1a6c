//! The `fep` binary on the samples in `layouts/`: golden outputs for every command and
//! format, every error path with its exit code, masking, and `decode | encode` giving back
//! the input bytes exactly.

mod common;

use common::{fep, fep_in, golden, line_ending, read, samples};

const FB: &str = "layouts/firmbanking.layout";
const TRANSFER: &str = "layouts/firmbanking/transfer-request.bin";
const HISTORY: &str = "layouts/firmbanking/balance-history.bin";
const FB_SAMPLES: [&str; 5] = [
    "layouts/firmbanking/balance-history.bin",
    "layouts/firmbanking/balance-inquiry-request.bin",
    "layouts/firmbanking/balance-inquiry-response.bin",
    "layouts/firmbanking/transfer-request.bin",
    "layouts/firmbanking/transfer-response.bin",
];

/// Values of `mask`/`secret` fields in the firmbanking samples, and the hex of one.
const SENSITIVE: [&str; 4] = ["1002003004005", "4321", "110222333444", "800101"];
const SENSITIVE_HEX: &str = "31 30 30 32 30 30 33 30 30 34 30 30 35";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The firmbanking transfer sample with bytes replaced at `at` (an offset in the framed
/// bytes: the telegram starts at 4).
fn transfer_with(at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut t = read(TRANSFER);
    t[at..at + bytes.len()].copy_from_slice(bytes);
    t
}

/// Three good transfers around a bad amount and an unknown message code.
fn mixed_capture() -> Vec<u8> {
    let good = read(TRANSFER);
    let mut c = good.clone();
    c.extend(transfer_with(4 + 129 + 5, b"O"));
    c.extend(transfer_with(4 + 24, b"9999"));
    c.extend(&good);
    c
}

// ------------------------------------------------------------------ check

#[test]
fn check_prints_each_bundled_layout_as_spec_tables() {
    for name in [
        "card-utf8",
        "cms-batch",
        "firmbanking",
        "forex-remittance",
        "member-cp949",
        "securities",
    ] {
        let r = fep(&["check", &format!("layouts/{name}.layout")]);
        r.code(0);
        assert_eq!(r.stderr, "", "{name}");
        golden(&format!("check-{name}.txt"), &r.out());
    }
}

#[test]
fn check_shows_layout_errors_with_the_line_and_a_caret() {
    for name in ["bad-record", "bad-syntax", "bad-length"] {
        let r = fep(&["check", &format!("fep-cli/tests/data/{name}.layout")]);
        r.code(2);
        assert!(r.stdout.is_empty(), "{name}");
        golden(&format!("check-{name}.txt"), &r.stderr);
    }
}

#[test]
fn layout_file_errors() {
    // One case a line: arguments, exit code, the whole of standard error.
    let cases: &[(&str, &[&str], i32, &str)] = &[
        (
            "missing",
            &["check", "no-such.layout"],
            2,
            "error: no-such.layout: no such file\n",
        ),
        (
            "directory",
            &["check", "layouts"],
            2,
            "error: layouts: is a directory, not a layout file\n",
        ),
        ("not UTF-8", &["check", TRANSFER], 2, ""),
        (
            "decode with a bad layout",
            &[
                "decode",
                "-l",
                "fep-cli/tests/data/bad-length.layout",
                TRANSFER,
            ],
            2,
            "error: fep-cli/tests/data/bad-length.layout:2:14: declared length 12 but the fields add up to 10\n  |\n2 | message ping 12 {\n  |              ^^\n",
        ),
    ];
    for (name, args, code, want) in cases {
        let r = fep(args);
        r.code(*code);
        if want.is_empty() {
            assert!(r.stderr.starts_with("error: "), "{name}: {}", r.stderr);
        } else {
            assert_eq!(r.stderr, *want, "{name}");
        }
    }
}

// ------------------------------------------------------------------ decode

/// Decode's pretty JSON with each entry's `source` and `offset` lines left out.
fn without_source(json: &str) -> String {
    json.lines()
        .filter(|l| !l.starts_with("    \"source\": ") && !l.starts_with("    \"offset\": "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Lines indented by two spaces, as serde_json indents an array's entries.
fn indented(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

#[test]
fn decode_reveal_gives_each_sample_json_exactly() {
    for (layout, stem) in samples() {
        let bin = format!("{stem}.bin");
        let r = fep(&[
            "decode", "-l", &layout, "--reveal", "--format", "json", &bin,
        ]);
        r.code(0);
        let want = String::from_utf8(read(&format!("{stem}.json"))).expect("UTF-8");
        // Always one array, whatever the number of telegrams: a sample of one telegram is
        // its one entry.
        let want = if want.starts_with('[') {
            format!("{}\n", want.trim_end())
        } else {
            format!("[\n{}]\n", indented(&want))
        };
        assert_eq!(without_source(&r.out()), want, "{stem}");
        let v: serde_json::Value = serde_json::from_str(&r.out()).expect("one JSON document");
        for entry in v.as_array().expect("an array") {
            assert_eq!(entry["source"], bin.as_str(), "{stem}");
        }
        // JSON is the default.
        let d = fep(&["decode", "-l", &layout, "--reveal", &bin]);
        assert_eq!(d.out(), r.out(), "{stem} (default format)");
    }
}

#[test]
fn decode_golden_outputs() {
    let r = fep(&["decode", "-l", FB, TRANSFER]);
    r.code(0);
    golden("decode-transfer.json", &r.out());

    let mut args = vec!["decode", "-l", FB, "--format", "jsonl"];
    args.extend(FB_SAMPLES);
    let r = fep(&args);
    r.code(0);
    golden("decode-firmbanking.jsonl", &r.out());

    let r = fep(&["decode", "-l", FB, "--format", "table", TRANSFER, HISTORY]);
    r.code(0);
    golden("decode-table.txt", &r.out());

    let r = fep(&[
        "decode",
        "-l",
        "layouts/cms-batch.layout",
        "--format",
        "jsonl",
        "layouts/cms-batch/batch-file.bin",
    ]);
    r.code(0);
    golden("decode-cms-batch.jsonl", &r.out());
}

#[test]
fn decode_json_of_several_is_an_array() {
    let r = fep(&["decode", "-l", FB, "--format", "json", TRANSFER, HISTORY]);
    r.code(0);
    let v: serde_json::Value = serde_json::from_str(&r.out()).expect("one JSON document");
    let names: Vec<&str> = v
        .as_array()
        .expect("an array")
        .iter()
        .map(|m| m["message"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["transfer", "balance_history"]);
}

#[test]
fn masking_is_on_in_every_output_unless_reveal() {
    let runs: &[&[&str]] = &[
        &["decode", "-l", FB, TRANSFER],
        &["decode", "-l", FB, "--format", "jsonl", TRANSFER],
        &["decode", "-l", FB, "--format", "table", TRANSFER],
        &["explain", "-l", FB, TRANSFER],
        &[
            "convert", "-q", "-l", FB, TRANSFER, "-o", "-", "--to", "csv",
        ],
        &[
            "convert", "-q", "-l", FB, TRANSFER, "-o", "-", "--to", "jsonl",
        ],
    ];
    for args in runs {
        let r = fep(args);
        r.code(0);
        let out = r.out();
        for s in SENSITIVE.iter().chain([&SENSITIVE_HEX]) {
            assert!(!out.contains(s), "{args:?} shows {s}:\n{out}");
        }
        assert!(out.contains("4005"), "{args:?}: a mask keeps the last 4");
        let mut revealed = args.to_vec();
        revealed.push("--reveal");
        let r = fep(&revealed);
        r.code(0);
        for s in SENSITIVE {
            assert!(r.out().contains(s), "{revealed:?} hides {s}");
        }
    }
}

#[test]
fn decode_reads_hex_dumps_as_logs_and_tools_print_them() {
    let want = without_source(&fep(&["decode", "-l", FB, TRANSFER]).out());
    let bytes = read(TRANSFER);
    let plain = hex(&bytes);
    let spaced: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    let spaced = spaced.join(" ");
    let prefixed: Vec<String> = bytes.iter().map(|b| format!("0x{b:02x}")).collect();
    let prefixed = prefixed.join(", ");
    let wrapped: Vec<String> = plain
        .as_bytes()
        .chunks(61) // an odd width: bytes cut across lines
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let wrapped = wrapped.join("\n");
    for (name, text) in [
        ("plain", &plain),
        ("spaced", &spaced),
        ("0x and commas", &prefixed),
        ("wrapped", &wrapped),
    ] {
        let r = fep(&["decode", "-l", FB, "--hex", text]);
        r.code(0);
        assert_eq!(without_source(&r.out()), want, "--hex {name}");
        assert!(
            r.out().contains("    \"source\": \"--hex\",\n"),
            "--hex {name}"
        );
    }
    for file in ["transfer-request.xxd", "transfer-request.hexdump"] {
        let path = format!("fep-cli/tests/data/{file}");
        let r = fep(&["decode", "-l", FB, "--hex-file", &path]);
        r.code(0);
        assert_eq!(without_source(&r.out()), want, "{file}");
        let r = fep_in(&["decode", "-l", FB, "--hex-file", "-"], &read(&path));
        r.code(0);
        assert_eq!(without_source(&r.out()), want, "{file} on standard input");
    }
    // A telegram from a log, without its length prefix.
    let r = fep(&[
        "decode",
        "-l",
        FB,
        "--no-frame",
        "--hex-file",
        "fep-cli/tests/data/transfer-request-bare.txt",
    ]);
    r.code(0);
    assert_eq!(without_source(&r.out()), want, "bare telegram");
}

#[test]
fn decode_inputs_keep_command_line_order() {
    let t = hex(&read(TRANSFER));
    let r = fep(&[
        "decode",
        "-l",
        FB,
        "--format",
        "jsonl",
        "--hex",
        &t,
        HISTORY,
        "--hex-file",
        "fep-cli/tests/data/transfer-request.xxd",
    ]);
    r.code(0);
    let names: Vec<(String, String)> = r
        .out()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            let source = v["source"].as_str().expect("source").to_owned();
            (source, v["message"].as_str().expect("name").to_owned())
        })
        .collect();
    let want = [
        ("--hex", "transfer"),
        (HISTORY, "balance_history"),
        ("fep-cli/tests/data/transfer-request.xxd", "transfer"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(names, want);
}

/// A case: its name, the arguments, standard input, the exit code, standard error.
type Case<'a> = (&'a str, Vec<&'a str>, Vec<u8>, i32, &'a str);

#[test]
fn decode_errors() {
    let short = hex(&read(TRANSFER)[4..]);
    // One case a line: arguments, standard input, exit code, the whole of standard error.
    let cases: &[Case<'_>] = &[
        (
            "bad hex",
            vec!["decode", "-l", FB, "--hex", "30 33 zz"],
            vec![],
            1,
            "error: --hex:1:7: \"zz\" is not hex (a dump may have an offset column and an ASCII column, but this line has neither)\n",
        ),
        (
            "odd hex",
            vec!["decode", "-l", FB, "--hex", "3033303"],
            vec![],
            1,
            "error: --hex:1:7: an odd number of hex digits: the last byte is cut in half\n",
        ),
        (
            "bad telegram",
            vec!["decode", "-l", FB, "-"],
            transfer_with(4 + 129 + 5, b"O"),
            1,
            "error: standard input: transfer.amount (frame at byte 0; field at bytes 129..142 of the telegram): expected digits, found \"00000O0010000\" (byte 5 of the field, 'O')\n",
        ),
        (
            "a bare telegram read as framed",
            vec!["decode", "-l", FB, "--hex", &short],
            vec![],
            1,
            "error: --hex: frame at byte 0: the length prefix is not digits, found \"    \"\n  if the input is one telegram without its frame (no length prefix or line end), give --no-frame\n",
        ),
        (
            "cut short",
            vec!["decode", "-l", FB, "-"],
            read(TRANSFER)[..200].to_vec(),
            1,
            "error: standard input: frame at byte 0: the length prefix says 300 bytes; 196 follow\n  fep explain shows what the frame holds, field by field\n",
        ),
        (
            "missing input",
            vec!["decode", "-l", FB, "no-such.bin"],
            vec![],
            2,
            "error: no-such.bin: no such file\n",
        ),
        (
            "stdin twice",
            vec!["decode", "-l", FB, "-", "--hex-file", "-"],
            vec![],
            2,
            "error: standard input can be read only once\n",
        ),
        (
            "empty input",
            vec!["decode", "-l", FB, "-"],
            vec![],
            0,
            "note: standard input holds no telegram\n",
        ),
    ];
    for (name, args, input, code, want) in cases {
        let r = fep_in(args, input);
        r.code(*code);
        assert_eq!(r.stderr, *want, "{name}");
    }
}

#[test]
fn decode_stops_at_the_first_bad_telegram_unless_keep_going() {
    let capture = mixed_capture();
    let r = fep_in(&["decode", "-l", FB, "--format", "jsonl", "-"], &capture);
    r.code(1);
    assert_eq!(
        r.out().lines().count(),
        1,
        "the telegram before the bad one"
    );
    assert_eq!(
        r.stderr,
        "error: standard input: transfer.amount (frame at byte 304; field at bytes 129..142 of the telegram): expected digits, found \"00000O0010000\" (byte 5 of the field, 'O')\n"
    );

    let r = fep_in(
        &["decode", "-l", FB, "--keep-going", "--format", "jsonl", "-"],
        &capture,
    );
    r.code(1);
    let offsets: Vec<u64> = r
        .out()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["offset"].as_u64().expect("offset")
        })
        .collect();
    assert_eq!(offsets, [0, 912]);
    assert_eq!(
        r.stderr,
        "error: standard input: transfer.amount (frame at byte 304; field at bytes 129..142 of the telegram): expected digits, found \"00000O0010000\" (byte 5 of the field, 'O')\n\
         error: standard input: (frame at byte 608; bytes 0..300 of the telegram): no message matches: header.msg_code = \"9999\", header.task_code = \"100\"; header.msg_code takes \"2000\", \"2100\", \"3000\", \"3100\", \"7000\", \"7100\"\n\
         2 telegrams decoded, 2 errors\n"
    );

    // A length prefix that is not digits: nothing after it can be found.
    let mut capture = read(TRANSFER);
    capture.extend(b"03x0");
    capture.extend(&read(TRANSFER)[4..]);
    let r = fep_in(&["decode", "-l", FB, "-k", "-"], &capture);
    r.code(1);
    assert_eq!(
        r.stderr,
        "error: standard input: frame at byte 304: the length prefix is not digits, found \"03x0\"\n  \
         the telegrams after it cannot be found; the rest of standard input is skipped\n\
         1 telegram decoded, 1 error\n"
    );
}

// ------------------------------------------------------------------ encode

#[test]
fn encode_each_sample_json_gives_its_bytes() {
    for (layout, stem) in samples() {
        let json = format!("{stem}.json");
        let r = fep(&[
            "encode",
            "-l",
            &layout,
            "--line-ending",
            line_ending(&stem),
            &json,
        ]);
        r.code(0);
        assert!(r.stdout == read(&format!("{stem}.bin")), "{stem}");
    }
}

#[test]
fn decode_then_encode_gives_back_the_input_bytes() {
    for (layout, stem) in samples() {
        let bin = read(&format!("{stem}.bin"));
        for format in ["json", "jsonl"] {
            let d = fep_in(
                &["decode", "-l", &layout, "--reveal", "--format", format, "-"],
                &bin,
            );
            d.code(0);
            let e = fep_in(
                &[
                    "encode",
                    "-l",
                    &layout,
                    "--line-ending",
                    line_ending(&stem),
                    "-",
                ],
                &d.stdout,
            );
            e.code(0);
            assert!(e.stdout == bin, "{stem} through {format}");
        }
    }
    // A large stream of JSON lines, back to the same capture.
    let mut capture = Vec::new();
    for b in FB_SAMPLES {
        capture.extend(read(b));
    }
    let capture = capture.repeat(200);
    let d = fep_in(
        &["decode", "-l", FB, "--reveal", "--format", "jsonl", "-"],
        &capture,
    );
    d.code(0);
    assert_eq!(d.out().lines().count(), 1000);
    let e = fep_in(&["encode", "-l", FB], &d.stdout);
    e.code(0);
    assert!(e.stdout == capture, "1,000 telegrams");
}

#[test]
fn encode_hex_bare_and_fields_alone() {
    let bin = read(TRANSFER);
    let json = "layouts/firmbanking/transfer-request.json";
    let r = fep(&["encode", "-l", FB, "--hex", json]);
    r.code(0);
    assert_eq!(r.out(), format!("{}\n", hex(&bin)));
    let r = fep(&["encode", "-l", FB, "--no-frame", json]);
    r.code(0);
    assert!(r.stdout == bin[4..]);
    // With --message, the fields object alone.
    let v: serde_json::Value = serde_json::from_slice(&read(json)).expect("JSON");
    let fields = v["fields"].to_string();
    let r = fep(&[
        "encode",
        "-l",
        FB,
        "--message",
        "transfer",
        "--hex",
        &fields,
    ]);
    r.code(0);
    assert_eq!(r.out(), format!("{}\n", hex(&bin)));
    // The JSON lines decode writes, offsets and all, as the JSON argument.
    let line = fep(&[
        "decode", "-l", FB, "--reveal", "--format", "jsonl", TRANSFER,
    ])
    .out();
    let r = fep(&["encode", "-l", FB, line.trim_end()]);
    r.code(0);
    assert!(r.stdout == bin);
}

#[test]
fn encode_bare_fields_of_a_one_message_layout() {
    // A layout with one message needs no name: the fields alone are that message.
    let layout = "layouts/member-cp949.layout";
    let json = "layouts/member-cp949/member-register.json";
    let bin = read("layouts/member-cp949/member-register.bin");
    let v: serde_json::Value = serde_json::from_slice(&read(json)).expect("JSON");
    let whole = fep(&["encode", "-l", layout, "--hex", json]);
    whole.code(0);
    let fields = v["fields"].to_string();
    let bare = fep(&["encode", "-l", layout, "--hex", &fields]);
    bare.code(0);
    assert_eq!(bare.out(), whole.out());
    assert_eq!(bare.out(), format!("{}\n", hex(&bin)));
}

#[test]
fn encode_errors_name_the_json_path_and_the_field() {
    let sample =
        String::from_utf8(read("layouts/firmbanking/transfer-request.json")).expect("UTF-8");
    let history =
        String::from_utf8(read("layouts/firmbanking/balance-history.json")).expect("UTF-8");
    let edit = |text: &str, from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        text.replacen(from, to, 1)
    };
    let masked = fep(&["decode", "-l", FB, "--format", "jsonl", TRANSFER]).out();
    // One case a line: the JSON on standard input, extra arguments, exit code, standard error.
    let cases: Vec<(&str, String, Vec<&str>, i32, &str)> = vec![
        (
            "too many digits",
            edit(&sample, "\"amount\": 10000", "\"amount\": 100000000000000"),
            vec![],
            1,
            "error: standard input:1: .fields.amount (transfer.amount 9(13) \"출금금액\"): number out of range: the value needs 15 digits, the field has 13\n",
        ),
        (
            "unknown field",
            edit(&sample, "\"fee_waiver\"", "\"fee_waived\""),
            vec![],
            1,
            "error: standard input:1: .fields.fee_waived: unknown field \"fee_waived\"\n",
        ),
        (
            "in a repeat",
            edit(&history, "\"amount\": 150000", "\"amount\": \"lots\""),
            vec![],
            1,
            "error: standard input:1: .fields.items[0].amount (balance_history.items[].amount S9(13) \"금액\"): not a number (expected a decimal number such as \"-12.50\")\n",
        ),
        (
            "not in the encoding",
            edit(
                &sample,
                "\"holder_name\": \"홍길동\"",
                "\"holder_name\": \"똠\"",
            ),
            vec![],
            1,
            "error: standard input:1: .fields.holder_name (transfer.holder_name X(12) \"입금계좌예금주명\"): character '똠' (U+B620) cannot be encoded in euc-kr (it is outside KS X 1001; the layout would need encoding cp949)\n",
        ),
        (
            "masked values",
            masked,
            vec![],
            1,
            "error: standard input:1: .fields.debit_acct (transfer.debit_acct X(15) \"출금계좌번호\"): the value is hidden, as decode writes mask fields without --reveal; decode with --reveal to encode it back\n",
        ),
        (
            "unknown message",
            edit(&sample, "\"transfer\"", "\"transfr\""),
            vec![],
            1,
            "error: standard input:1: .message: unknown message \"transfr\"; did you mean \"transfer\"? The layout has transfer, balance_history, balance_inquiry\n",
        ),
        (
            "bad JSON",
            edit(&sample, "\"amount\": 10000,", "\"amount\": 10000"),
            vec![],
            1,
            "error: standard input:21:5: bad JSON: expected `,` or `}`\n",
        ),
        (
            "a float",
            edit(&sample, "\"amount\": 10000", "\"amount\": 100.5"),
            vec![],
            1,
            "error: standard input:20:20: .fields.amount: the number 100.5 is not an integer; write exact decimals as strings, such as \"123.45\"\n",
        ),
        (
            "a boolean in a repeat",
            edit(&history, "\"amount\": 150000", "\"amount\": true"),
            vec![],
            1,
            "error: standard input:24:22: .fields.items[0].amount: a boolean has no telegram form; use a string or a number\n",
        ),
        (
            "no such date",
            edit(
                &sample,
                "\"send_date\": \"2024-03-15\"",
                "\"send_date\": \"2024-02-30\"",
            ),
            vec![],
            1,
            "error: standard input:1: .fields.header.send_date (transfer.header.send_date 9(8) \"전송일자\"): impossible date: day 30 of 2024-02\n",
        ),
        (
            "ends early",
            sample[..100].to_owned(),
            vec![],
            1,
            "error: standard input:6:20: the JSON ends early (EOF while parsing a value)\n",
        ),
        (
            "second line bad",
            format!(
                "{}\n[1]\n",
                serde_json::to_string(
                    &serde_json::from_str::<serde_json::Value>(&sample).expect("JSON")
                )
                .expect("JSON")
            ),
            vec![],
            1,
            "error: standard input:2: [0] expected an object {\"message\": NAME, \"fields\": {...}}, found an integer\n",
        ),
        (
            "fields without --message",
            "{\"amount\": 1}".to_owned(),
            vec![],
            1,
            "error: standard input:1: expected {\"message\": NAME, \"fields\": {...}}, found an object with \"amount\"; to encode the fields alone, give --message NAME (the layout has transfer, balance_history, balance_inquiry)\n",
        ),
        (
            "--message disagrees",
            sample.clone(),
            vec!["--message", "balance_inquiry"],
            1,
            "error: standard input:1: the JSON is message \"transfer\" but --message says \"balance_inquiry\"\n",
        ),
        (
            "--message unknown",
            sample.clone(),
            vec!["--message", "nope"],
            2,
            "error: --message nope: the layout has no such message; it has transfer, balance_history, balance_inquiry\n",
        ),
        (
            "conditions no longer hold",
            edit(&sample, "\"msg_code\": \"2000\"", "\"msg_code\": \"7000\""),
            vec![],
            1,
            "",
        ),
        (
            "empty",
            String::new(),
            vec![],
            1,
            "error: standard input: no JSON value in it\n",
        ),
    ];
    for (name, json, extra, code, want) in cases {
        let mut args = vec!["encode", "-l", FB];
        args.extend(extra);
        args.push("-");
        let r = fep_in(&args, json.as_bytes());
        r.code(code);
        if name == "second line bad" {
            assert!(
                r.stdout == read(TRANSFER),
                "{name}: the good first line is written"
            );
        } else {
            assert!(r.stdout.is_empty(), "{name}: wrote a telegram");
        }
        if want.is_empty() {
            assert!(
                r.stderr.starts_with("error: standard input:1: .fields ("),
                "{name}: {}",
                r.stderr
            );
        } else {
            assert_eq!(r.stderr, want, "{name}");
        }
    }
}

// ------------------------------------------------------------------ explain

#[test]
fn explain_golden_outputs() {
    let r = fep(&["explain", "-l", FB, TRANSFER]);
    r.code(0);
    assert_eq!(r.stderr, "");
    golden("explain-transfer.txt", &r.out());

    let r = fep(&["explain", "-l", FB, "--reveal", HISTORY]);
    r.code(0);
    golden("explain-history-reveal.txt", &r.out());

    let r = fep(&[
        "explain",
        "-l",
        "layouts/member-cp949.layout",
        "layouts/member-cp949/member-register.bin",
    ]);
    r.code(0);
    golden("explain-member.txt", &r.out());
}

#[test]
fn explain_a_bad_telegram_shows_what_decoded_the_failing_field_and_the_rest() {
    let r = fep_in(
        &["explain", "-l", FB, "-"],
        &transfer_with(4 + 129 + 5, b"O"),
    );
    r.code(1);
    let out = r.out();
    golden("explain-bad-amount.txt", &out);
    assert!(!out.contains(SENSITIVE_HEX), "the rest hides the account");

    let r = fep_in(&["explain", "-l", FB, "-"], &transfer_with(4 + 24, b"9999"));
    r.code(1);
    golden("explain-no-match.txt", &r.out());

    // The telegram ends inside a field.
    let short = &read(TRANSFER)[4..140];
    let r = fep_in(&["explain", "-l", FB, "--no-frame", "-"], short);
    r.code(1);
    golden("explain-short.txt", &r.out());

    // A frame whose length disagrees with its message is reported, and what it holds is
    // explained up to where it ends (the whole text: errors-*.txt in tests/errors.rs).
    let mut framed = b"0136".to_vec();
    framed.extend(short);
    let r = fep_in(&["explain", "-l", FB, "-"], &framed);
    r.code(1);
    assert!(r.out().starts_with(
        "transfer (136 bytes, frame at byte 0 of standard input, telegram at byte 4)\n"
    ));
    assert_eq!(
        r.stderr,
        "error: standard input: frame at byte 0: the length prefix says 136 bytes but message \"transfer\" is 300 bytes\n"
    );
}

#[test]
fn explain_colours_a_terminal_and_not_a_pipe() {
    let bad = transfer_with(4 + 129 + 5, b"O");
    let plain = fep_in(&["explain", "-l", FB, "-"], &bad);
    assert!(!plain.out().contains('\x1b'), "piped output is plain");
    let coloured = fep_in(&["explain", "-l", FB, "--color", "always", "-"], &bad);
    coloured.code(1);
    let out = coloured.out();
    let failing = out
        .lines()
        .find(|l| l.contains("00000O0010000") && l.contains("amount"))
        .expect("the failing row");
    assert!(
        failing.starts_with("\x1b[1;31m"),
        "the failing row is red: {failing:?}"
    );
    // Without the escapes, the same text.
    let mut stripped = String::new();
    let mut rest = out.as_str();
    while let Some(i) = rest.find('\x1b') {
        stripped.push_str(&rest[..i]);
        let end = rest[i..].find('m').expect("end of escape");
        rest = &rest[i + end + 1..];
    }
    stripped.push_str(rest);
    assert_eq!(stripped, plain.out());
}

#[test]
fn explain_errors() {
    let r = fep(&["explain", "-l", FB, "--message", "nope", TRANSFER]);
    r.code(2);
    assert_eq!(
        r.stderr,
        "error: --message nope: the layout has no such message; it has transfer, balance_history, balance_inquiry\n"
    );
    let r = fep(&["explain", "-l", FB, "--hex", "0x30 0x33 0x30 0xZZ"]);
    r.code(1);
    assert!(
        r.stderr
            .starts_with("error: --hex:1:18: \"0xZZ\" is not hex"),
        "{}",
        r.stderr
    );
    // A bare telegram explains with --no-frame, and says how without.
    let bare = "fep-cli/tests/data/transfer-request-bare.txt";
    let r = fep(&["explain", "-l", FB, "--no-frame", "--hex-file", bare]);
    r.code(0);
    assert!(
        r.out()
            .starts_with(&format!("transfer (300 bytes, at byte 0 of {bare})\n"))
    );
    let r = fep(&["explain", "-l", FB, "--hex-file", bare]);
    r.code(1);
    assert!(r.stderr.contains("give --no-frame"), "{}", r.stderr);
}

// ------------------------------------------------------------------ convert

#[test]
fn convert_golden_csv_and_jsonl_like_decode() {
    let mut capture = Vec::new();
    for b in FB_SAMPLES {
        capture.extend(read(b));
    }
    let r = fep_in(
        &["convert", "-l", FB, "-", "-o", "-", "--to", "csv"],
        &capture,
    );
    r.code(0);
    golden("convert-firmbanking.csv", &r.out());
    let summary: Vec<&str> = r.stderr.lines().collect();
    assert!(
        summary[0].starts_with("converted 5 telegrams (1,238 bytes) to standard output in "),
        "{}",
        r.stderr
    );
    assert_eq!(
        &summary[1..],
        [
            "  transfer                    2",
            "  balance_history             1",
            "  balance_inquiry             2",
            "  errors                      0",
            "read 5 telegrams: 5 converted + 0 rejected",
        ]
    );

    let r = fep_in(
        &["convert", "-q", "-l", FB, "-", "-o", "-", "--to", "jsonl"],
        &capture,
    );
    r.code(0);
    assert_eq!(r.stderr, "", "--quiet");
    let d = fep_in(&["decode", "-l", FB, "--format", "jsonl", "-"], &capture);
    assert_eq!(r.out(), d.out());

    let r = fep(&[
        "convert",
        "-q",
        "-l",
        "layouts/forex-remittance.layout",
        "layouts/forex-remittance/remittance-five-charges.bin",
        "-o",
        "-",
        "--to",
        "csv",
    ]);
    r.code(0);
    golden("convert-forex.csv", &r.out());
}

#[test]
fn convert_reports_bad_telegrams_and_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("mixed.bin");
    std::fs::write(&input, mixed_capture()).expect("writes capture");
    let out = dir.path().join("out.csv");
    let (i, o) = (input.to_str().expect("path"), out.to_str().expect("path"));
    let r = fep(&["convert", "-l", FB, i, "-o", o]);
    r.code(1);
    let csv = std::fs::read_to_string(&out).expect("output");
    assert_eq!(csv.lines().count(), 3, "a header and the 2 good telegrams");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 6, "{}", r.stderr);
    assert!(lines[0].ends_with("transfer.amount (frame at byte 304; field at bytes 129..142 of the telegram): expected digits, found \"00000O0010000\" (byte 5 of the field, 'O')"), "{}", lines[0]);
    assert!(
        lines[1].contains("(frame at byte 608; bytes 0..300 of the telegram): no message matches"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("converted 2 telegrams (1,216 bytes) to "));
    assert_eq!(lines[4], "  errors                      2");
    assert_eq!(lines[5], "read 4 telegrams: 2 converted + 2 rejected");

    let r = fep(&["convert", "-q", "-l", FB, i, "-o", o, "--fail-fast"]);
    r.code(1);
    let csv = std::fs::read_to_string(&out).expect("output");
    assert_eq!(csv.lines().count(), 2, "stops at the bad one");
    assert_eq!(r.stderr.lines().count(), 1);
}

#[test]
fn convert_errors() {
    let r = fep(&["convert", "-l", FB, TRANSFER, "-o", "out.txt"]);
    r.code(2);
    assert_eq!(
        r.stderr,
        "error: out.txt: cannot tell the format from the name; give --to jsonl or --to csv\n"
    );
    let r = fep(&["convert", "-l", FB, "no-such.bin", "-o", "-", "--to", "csv"]);
    r.code(2);
    assert_eq!(r.stderr, "error: no-such.bin: no such file\n");
    let r = fep(&["convert", "-l", FB, TRANSFER, "-o", "no-such-dir/out.csv"]);
    r.code(2);
    assert_eq!(r.stderr, "error: no-such-dir/out.csv: no such file\n");
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = dir.path().join("capture.bin");
    std::fs::write(&capture, read(TRANSFER)).expect("writes");
    let c = capture.to_str().expect("path");
    let r = fep(&["convert", "-l", FB, c, "-o", c, "--to", "csv"]);
    r.code(2);
    assert_eq!(
        r.stderr,
        format!("error: {c}: the output would overwrite the input\n")
    );
    assert!(
        std::fs::read(&capture).expect("reads") == read(TRANSFER),
        "the input is intact"
    );
}

// ------------------------------------------------------------------ usage

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in ["check", "decode", "encode", "explain", "convert"] {
        let r = fep(&[cmd, "--help"]);
        r.code(0);
        assert!(r.out().contains("Example"), "{cmd} --help");
        assert!(
            r.out().contains(&format!("fep {cmd} ")),
            "{cmd} --help shows the command"
        );
    }
    let r = fep(&["--help"]);
    r.code(0);
    assert!(r.out().contains("Exit status: 0 success, 1 a data error"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["decode", TRANSFER][..],
        &["frobnicate"],
        &["decode", "-l", FB, "--format", "yaml", TRANSFER],
        &[],
    ] {
        let r = fep(args);
        r.code(2);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
    // No input: standard input, when it is not a terminal.
    let r = fep(&["decode", "-l", FB]);
    r.code(0);
    assert_eq!(r.stderr, "note: standard input holds no telegram\n");
}

/// Whatever bytes come in, the answer is a message and exit 1 or 2, never a panic.
#[test]
fn garbage_never_panics() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let layouts: Vec<String> = samples().into_iter().map(|(l, _)| l).collect();
    for round in 0..12 {
        let layout = &layouts[round % layouts.len()];
        let len = (next() % 700) as usize;
        let mut junk: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 3 == 0 {
            // Mostly digits and spaces, to get past the framing now and then.
            for b in &mut junk {
                *b = b"0123456789    "[(*b as usize) % 14];
            }
        }
        for cmd in ["decode", "explain"] {
            let r = fep_in(&[cmd, "-l", layout, "-"], &junk);
            assert!([0, 1].contains(&r.code), "{cmd} {layout}: {}", r.stderr);
            let r = fep_in(&[cmd, "-l", layout, "--no-frame", "-"], &junk);
            assert!(
                [0, 1].contains(&r.code),
                "{cmd} --no-frame {layout}: {}",
                r.stderr
            );
        }
        let text = String::from_utf8_lossy(&junk).replace('\0', " ");
        let r = fep(&["decode", "-l", layout, "--hex", &text]);
        assert!([0, 1].contains(&r.code), "--hex: {}", r.stderr);
        let r = fep_in(&["encode", "-l", layout, "-"], &junk);
        assert!([1, 2].contains(&r.code), "encode: {}", r.stderr);
    }
}
