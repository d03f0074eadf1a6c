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
