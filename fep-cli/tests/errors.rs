//! What an operator sees for the common faults of a telegram, a frame and a layout: the
//! whole text of each message (standard error, standard output and the exit code) in a
//! golden file under `tests/golden/errors-*.txt`, so that the words stay right.

mod common;

use common::{Run, fep, fep_in, golden, read};

const FB: &str = "layouts/firmbanking.layout";
const TRANSFER: &str = "layouts/firmbanking/transfer-request.bin";
const INQUIRY: &str = "layouts/firmbanking/balance-inquiry-request.bin";

/// The whole of a run, as one text: the command, the exit code, standard error, then
/// standard output.
fn whole(args: &[&str], r: &Run) -> String {
    format!(
        "$ fep {}\n--- exit {}\n--- stderr\n{}--- stdout\n{}",
        args.join(" "),
        r.code,
        r.stderr,
        r.out()
    )
}

/// Runs `fep ARGS` with `input` on standard input and compares the whole text with
/// `tests/golden/errors-NAME.txt`.
#[track_caller]
fn check(name: &str, args: &[&str], input: &[u8], code: i32) {
    let r = fep_in(args, input);
    r.code(code);
    golden(&format!("errors-{name}.txt"), &whole(args, &r));
}

/// The transfer sample (framed) with bytes replaced at `at`, an offset in its telegram.
fn transfer_with(at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut t = read(TRANSFER);
    t[4 + at..4 + at + bytes.len()].copy_from_slice(bytes);
    t
}

#[test]
fn a_frame_whose_prefix_promises_more_than_follows() {
    // The balance inquiry's prefix says 200; 199 bytes follow.
    let short = &read(INQUIRY)[..203];
    check("short-decode", &["decode", "-l", FB, "-"], short, 1);
    check("short-explain", &["explain", "-l", FB, "-"], short, 1);
    // Ending inside the prefix itself.
    let mut two = read(TRANSFER);
    two.extend(b"03");
    check("short-prefix", &["decode", "-l", FB, "-"], &two, 1);
}

#[test]
fn a_frame_whose_prefix_disagrees_with_its_message() {
    // A transfer (300 bytes) cut to 200, its prefix saying 200.
    let mut framed = b"0200".to_vec();
    framed.extend(&read(TRANSFER)[4..204]);
    check("mismatch-decode", &["decode", "-l", FB, "-"], &framed, 1);
    check("mismatch-explain", &["explain", "-l", FB, "-"], &framed, 1);
    // With --keep-going the next frame is read.
    framed.extend(read(TRANSFER));
    check(
        "mismatch-keep-going",
        &["decode", "-l", FB, "-k", "--format", "jsonl", "-"],
        &framed,
        1,
    );
}

#[test]
fn a_bare_telegram_read_as_framed_gets_the_no_frame_hint() {
    check("bare", &["decode", "-l", FB, "-"], &read(TRANSFER)[4..], 1);
}

#[test]
fn a_bad_digit_is_pointed_at() {
    // A lowercase L among the digits of the amount, in the second frame of a stream.
    let mut capture = read(TRANSFER);
    capture.extend(transfer_with(129, b"00000l0010000"));
    check("digit", &["decode", "-l", FB, "-"], &capture, 1);
    check("digit-explain", &["explain", "-l", FB, "-"], &capture, 1);
    // A bare telegram has no frame: the offset is the field's alone.
    check(
        "digit-bare",
        &["decode", "-l", FB, "--no-frame", "-"],
        &transfer_with(129, b"00000l0010000")[4..],
        1,
    );
}

#[test]
fn a_space_padded_number_hints_at_lenient() {
    check(
        "lenient",
        &["decode", "-l", FB, "-"],
        &transfer_with(129, b"        10000"),
        1,
    );
}

#[test]
fn no_message_matches_says_what_the_layout_accepts() {
    // A message code no message takes.
    check(
        "no-match-value",
        &["decode", "-l", FB, "-"],
        &transfer_with(24, b"9999"),
        1,
    );
    // Codes each taken by some message, but not together.
    check(
        "no-match-combination",
        &["decode", "-l", FB, "-"],
        &transfer_with(24, b"3000"),
        1,
    );
}

#[test]
fn decode_takes_message_as_explain_and_encode_do() {
    let odd = transfer_with(24, b"9999");
    let r = fep_in(&["decode", "-l", FB, "--message", "transfer", "-"], &odd);
    r.code(0);
    let v: serde_json::Value = serde_json::from_str(&r.out()).expect("JSON");
    assert_eq!(v[0]["message"], "transfer");
    assert_eq!(v[0]["fields"]["header"]["msg_code"], "9999");
    check(
        "decode-unknown-message",
        &["decode", "-l", FB, "--message", "transfr", "-"],
        &odd,
        2,
    );
    // The table format explains as the chosen message too.
    let r = fep_in(
        &["decode", "-l", FB, "-m", "transfer", "-f", "table", "-"],
        &odd,
    );
    r.code(0);
    assert!(r.out().starts_with("transfer (300 bytes"), "{}", r.out());
}

#[test]
fn a_short_file_is_named_by_its_path() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("errors-short-file");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("short.bin");
    std::fs::write(&path, &read(INQUIRY)[..203]).expect("writes short.bin");
    let p = path.to_str().expect("UTF-8 path");
    let r = fep(&["decode", "-l", FB, p]);
    r.code(1);
    let text = whole(&["decode", "-l", FB, "short.bin"], &r).replace(p, "short.bin");
    golden("errors-short-file.txt", &text);
}

#[test]
fn a_layout_with_several_mistakes_shows_each_with_a_hint() {
    for name in ["several-errors", "syntax-errors", "bad-condition"] {
        let path = format!("fep-cli/tests/data/{name}.layout");
        let args = ["check", path.as_str()];
        let r = fep(&args);
        r.code(2);
        golden(&format!("errors-layout-{name}.txt"), &whole(&args, &r));
    }
    // The same when a command loads the layout to use it.
    let r = fep_in(
        &[
            "decode",
            "-l",
            "fep-cli/tests/data/several-errors.layout",
            "-",
        ],
        b"",
    );
    r.code(2);
    assert!(
        r.stderr.ends_with("\n3 errors in the layout\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_layout_with_very_many_mistakes_shows_the_first_ones() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("errors-many");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("many.layout");
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!("message m{i} 5 {{\n  a X(4)\n}}\n"));
    }
    std::fs::write(&path, text).expect("writes the layout");
    let r = fep(&["check", path.to_str().expect("UTF-8 path")]);
    r.code(2);
    assert_eq!(r.stderr.matches("error: ").count(), 20, "{}", r.stderr);
    assert!(
        r.stderr.ends_with(
            "\n20 errors in the layout (the first ones; fix them and check again for more)\n"
        ),
        "{}",
        r.stderr
    );
}
