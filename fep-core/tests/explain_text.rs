//! The explain table, drawn by the core for the command line and Python, over a bundled
//! sample: columns lined up by display width (Hangul two cells), `mask` and `secret` fields
//! hidden unless revealed, and a bad telegram's error and undecoded bytes.

use std::path::{Path, PathBuf};

use bytes::BytesMut;
use fep_core::text::{Tone, display_width};
use fep_core::{Framer, Schema};

fn dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The firmbanking layout and the telegram of its transfer request sample (frame cut off).
fn transfer() -> (Schema, Vec<u8>) {
    let layouts = dir("../layouts");
    let schema = Schema::load(layouts.join("firmbanking.layout")).unwrap_or_else(|e| panic!("{e}"));
    let wire = std::fs::read(layouts.join("firmbanking/transfer-request.bin")).expect("sample");
    let mut framer = Framer::new(&schema);
    let mut buf = BytesMut::from(&wire[..]);
    let frame = framer
        .next_frame(&mut buf)
        .expect("frames")
        .expect("a telegram");
    (schema, frame.telegram.to_vec())
}

/// The line of the table for a field path.
fn row<'t>(text: &'t str, path: &str) -> &'t str {
    text.lines()
        .find(|l| l.split_whitespace().nth(2) == Some(path))
        .unwrap_or_else(|| panic!("no row for {path} in\n{text}"))
}

#[test]
fn the_transfer_sample_as_the_cli_and_python_print_it() {
    let (schema, telegram) = transfer();
    let x = schema.explain(&telegram);
    let want = std::fs::read_to_string(dir("tests/golden/explain-transfer.txt")).expect("golden");
    assert_eq!(x.to_text(false), want);
    assert_eq!(x.text().to_string(), want, "hidden is the default");
}

#[test]
fn columns_line_up_in_display_cells() {
    let (schema, telegram) = transfer();
    let text = schema.explain(&telegram).to_text(false);
    // Each row's hex column starts in the same terminal cell, whatever the Hangul before it.
    let header = text.lines().nth(2).expect("header");
    let hex_at = display_width(&header[..header.find("hex").expect("hex column")]);
    for (path, hex) in [
        ("header.system_id", "20 20"),
        ("holder_name", "C8 AB"),
        ("cms_code", "20 20"),
        ("amount", "30 30"),
        ("debit_acct", "(mask)"),
    ] {
        let line = row(&text, path);
        let at = display_width(&line[..line.find(hex).expect("hex")]);
        assert_eq!(at, hex_at, "{line}");
    }
}

#[test]
fn mask_and_secret_fields_are_hidden_unless_revealed() {
    let (schema, telegram) = transfer();
    let x = schema.explain(&telegram);
    let hidden = x.to_text(false);
    assert_eq!(
        row(&hidden, "password")
            .split_whitespace()
            .collect::<Vec<_>>(),
        [
            "115",
            "8",
            "password",
            "통장비밀번호",
            "(secret)",
            "\"****\""
        ]
    );
    assert_eq!(
        row(&hidden, "debit_acct")
            .split_whitespace()
            .collect::<Vec<_>>(),
        [
            "100",
            "15",
            "debit_acct",
            "출금계좌번호",
            "(mask)",
            "\"*********4005\""
        ]
    );
    assert!(!hidden.contains("4321") && !hidden.contains("1002003004005"));

    let shown = x.to_text(true);
    let password = row(&shown, "password");
    assert!(
        password.contains("34 33 32 31") && password.contains("\"4321\""),
        "{password}"
    );
    assert!(row(&shown, "debit_acct").contains("\"1002003004005\""));
}

#[test]
fn a_bad_telegram_shows_the_error_and_the_bytes_not_decoded_masked() {
    let (schema, mut telegram) = transfer();
    telegram[129 + 5] = b'O';
    let x = schema.explain(&telegram);
    let text = x
        .text()
        .origin("at byte 0 of a log")
        .input_offset(4)
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "transfer (300 bytes, at byte 0 of a log)");
    let amount = row(&text, "amount");
    assert!(amount.ends_with("00000O0010000"), "{amount}");
    assert!(text.contains(
        "\n  >> amount: expected digits, found \"00000O0010000\" (byte 5 of the field, 'O')\n\n\
         error: transfer.amount (bytes 129..142): expected digits, found \"00000O0010000\" (byte 5 of the field, 'O')\n  \
         (offsets count from the start of the telegram, byte 4 of the input)\n\n\
         not decoded: bytes 142..300 (158 bytes)\n\
         offset  hex                                              text\n   \
         142  20 20 20 20 20 20 20 20 20 20 20 20 20 20 30 38                08\n   \
         158  38 ** ** ** ** ** ** ** ** ** ** ** ** ** ** **  8***************\n"
    ));
    assert!(text.ends_with("\n  (** marks bytes of mask and secret fields)\n"));
    let hinted = x.text().reveal_hint("reveal=True shows them").to_string();
    assert!(
        hinted.ends_with("(** marks bytes of mask and secret fields; reveal=True shows them)\n")
    );
    // Revealed, nothing is starred.
    assert!(!x.to_text(true).contains("**"));
}

#[test]
fn a_style_sees_each_line_with_its_tone() {
    let (schema, mut telegram) = transfer();
    telegram[129 + 5] = b'O';
    let x = schema.explain(&telegram);
    let styled = x.text().render_with(|tone, line| match tone {
        Tone::Plain => line.to_owned(),
        t => format!("<{t:?}>{line}</>"),
    });
    assert!(styled.starts_with("<Strong>transfer</> (300 bytes)\n"));
    assert!(styled.contains("\n<Strong>offset  length  path"));
    assert!(styled.contains("\n<Error>   129      13  amount"));
    assert!(styled.contains("\n<Error>  >> amount: expected digits"));
    assert!(styled.contains("\n<Error>error:</> transfer.amount"));
    // Without the tags, the plain text.
    let mut plain = styled.clone();
    for tag in ["<Strong>", "<Error>", "<Dim>", "</>"] {
        plain = plain.replace(tag, "");
    }
    assert_eq!(plain, x.to_text(false));
}

#[test]
fn no_message_no_table() {
    let (schema, _) = transfer();
    let x = schema.explain(b"0000");
    assert_eq!(
        x.to_text(false),
        "no message matches (4 bytes)\n\n\
         error: (bytes 0..4): no message matches: header.msg_code = (telegram too short), \
         header.task_code = (telegram too short)\n\n\
         not decoded: bytes 0..4 (4 bytes)\n\
         offset  hex          text\n     \
         0  30 30 30 30  0000\n"
    );
}

#[test]
fn fitted_to_80_columns_every_table_line_fits() {
    let (schema, telegram) = transfer();
    let x = schema.explain(&telegram);
    let text = x.text().width(80).to_string();
    let want =
        std::fs::read_to_string(dir("tests/golden/explain-transfer-80.txt")).expect("golden");
    assert_eq!(text, want);
    // The heading names the telegram; every line after it fits.
    for line in text.lines().skip(1) {
        assert!(
            display_width(line) <= 80,
            "{} cells: {line}",
            display_width(line)
        );
    }
    // The full table is wider, and is what a wide terminal gets.
    let full = x.text().to_string();
    assert!(full.lines().any(|l| display_width(l) > 80));
    assert_eq!(x.text().width(400).to_string(), full);
    // Even very narrow, the cut cells keep the table lined up.
    let narrow = x.text().width(50).to_string();
    let header = narrow.lines().nth(2).expect("header");
    let value_at = header.find("value").expect("a value column");
    let memo = row(&narrow, "memo");
    assert_eq!(
        display_width(&memo[..memo.find('"').expect("a value")]),
        value_at
    );
}

#[test]
fn long_runs_of_one_byte_fold_to_a_line_unless_they_are_the_error() {
    let schema = Schema::parse("message m 70 {\n pad X(20) \"예비\"\n _ X(30)\n name X(20)\n}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut t = vec![b' '; 50];
    t.extend(b"ABCDEFGHIJKLMNOPQRST");
    assert_eq!(
        schema.explain(&t).to_text(false),
        "\
m (70 bytes)

offset  length  path  description  hex                                              text              value
     0      20  pad   예비         20 bytes of 20                                                     \"\"
    20      30  _     (filler)     30 bytes of 20
    50      20  name               41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50  ABCDEFGHIJKLMNOP  \"ABCDEFGHIJKLMNOPQRST\"
                                   51 52 53 54                                      QRST
"
    );
    // A filler that is not its pad is the error: every byte of it shows.
    t[20..50].copy_from_slice(b"0123456789ABCDEFGHIJKLMNOPQRST");
    let text = schema.explain(&t).to_text(false);
    assert!(
        text.contains(
            "\n    20      30  _     (filler)     30 31 32 33 34 35 36 37 38 39 41 42 43 44 45 46  0123456789ABCDEF\n\
             \x20                                  47 48 49 4A 4B 4C 4D 4E 4F 50 51 52 53 54        GHIJKLMNOPQRST\n"
        ),
        "{text}"
    );
}
