//! The outputs around the commands: shell completions and manual pages made from the
//! command definitions, CSV for spreadsheets, several inputs in one output, and text that
//! fits an 80-column terminal.

mod common;

use std::process::Command;

use common::{fep, golden};

/// Every command a user can type, as `fep --help` lists them.
fn subcommands() -> Vec<String> {
    let r = fep(&["--help"]);
    r.code(0);
    let out = r.out();
    let start = out.find("Commands:").expect("a Commands: section");
    out[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

// ------------------------------------------------------------------ completions and man

#[test]
fn the_help_lists_the_commands_these_tests_expect() {
    assert_eq!(
        subcommands(),
        [
            "check",
            "decode",
            "encode",
            "explain",
            "convert",
            "pair",
            "diff",
            "import",
            "export",
            "completions",
            "man"
        ]
    );
}

#[test]
fn completions_name_every_command_in_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = fep(&["completions", shell]);
        r.code(0);
        assert_eq!(r.stderr, "", "{shell}");
        let out = r.out();
        for sub in subcommands() {
            assert!(out.contains(&sub), "{shell} completion lacks {sub}");
        }
        // Options of a command and the values of an enumerated option.
        assert!(out.contains("keep-going"), "{shell}");
        assert!(out.contains("jsonl"), "{shell}");
    }
}

#[test]
fn bash_completes_commands_and_option_values() {
    let Ok(bash) = which("bash") else {
        panic!("bash is needed for this test");
    };
    let script = fep(&["completions", "bash"]).out();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fep.bash");
    std::fs::write(&path, script).expect("writes the script");
    // As bash calls a completion function: the words, the word under the cursor.
    let complete = |words: &str| -> Vec<String> {
        let probe = format!(
            "source {}\nCOMP_WORDS=({words})\nCOMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n\
             COMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n\
             _fep fep \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            path.display()
        );
        let o = Command::new(&bash)
            .args(["--norc", "--noprofile", "-c", &probe])
            .output()
            .expect("runs bash");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(complete("fep dec"), ["decode"]);
    assert_eq!(complete("fep co"), ["convert", "completions"]);
    assert_eq!(complete("fep completions f"), ["fish"]);
    assert_eq!(complete("fep decode --format j"), ["json", "jsonl"]);
    assert!(complete("fep convert --").contains(&"--delimiter".to_owned()));
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn man_page_names_every_command_and_its_examples() {
    let r = fep(&["man"]);
    r.code(0);
    let page = r.out();
    assert!(page.contains(".TH fep 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS"));
    for sub in subcommands() {
        // roff escapes the hyphen.
        let entry = format!("fep\\-{sub}(1)");
        assert!(page.contains(&entry), "fep(1) does not name {sub}");
    }
    assert!(page.contains("Exit status: 0 success"));
}

#[test]
fn man_dir_writes_a_page_a_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("UTF-8 path");
    let r = fep(&["man", "--dir", d]);
    r.code(0);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("lists the directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = subcommands()
        .iter()
        .map(|s| format!("fep-{s}.1"))
        .chain(["fep.1".to_owned()])
        .collect();
    want.sort();
    assert_eq!(names, want);
    let decode = std::fs::read_to_string(dir.path().join("fep-decode.1")).expect("reads");
    assert!(decode.contains(".TH fep-decode 1"));
    // The synopsis as it is typed, with the command's own options and examples.
    assert!(decode.contains("\\fBfep decode\\fR"), "{decode}");
    assert!(decode.contains("keep\\-going"));
    assert!(decode.contains("hexdump \\-C"));

    let r = fep(&["man", "--dir", "no-such-dir"]);
    r.code(2);
    assert_eq!(r.stderr, "error: no-such-dir: no such directory\n");
}

#[test]
fn completions_and_man_have_help_with_examples() {
    for cmd in ["completions", "man"] {
        let r = fep(&[cmd, "--help"]);
        r.code(0);
        assert!(r.out().contains("Examples:"), "{cmd} --help");
        assert!(r.out().contains(&format!("fep {cmd} ")), "{cmd} --help");
    }
}

#[test]
fn completions_of_an_unknown_shell_is_a_usage_error() {
    let r = fep(&["completions", "tcsh"]);
    r.code(2);
    assert!(r.stderr.contains("invalid value 'tcsh'"), "{}", r.stderr);
    assert!(
        r.stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{}",
        r.stderr
    );
}

// ------------------------------------------------------------------ CSV for spreadsheets

const FB: &str = "layouts/firmbanking.layout";
const TRANSFER: &str = "layouts/firmbanking/transfer-request.bin";
const HISTORY: &str = "layouts/firmbanking/balance-history.bin";
const CMS: &str = "layouts/cms-batch.layout";
const BATCH: &str = "layouts/cms-batch/batch-file.bin";

/// `fep convert -q` to standard output as CSV, with more options.
fn csv(layout: &str, inputs: &[&str], options: &[&str]) -> common::Run {
    let mut args = vec!["convert", "-q", "-l", layout, "-o", "-", "--to", "csv"];
    args.extend(inputs);
    args.extend(options);
    fep(&args)
}

#[test]
fn csv_bom_marks_utf8_for_excel() {
    let plain = csv(CMS, &[BATCH], &[]);
    plain.code(0);
    let bom = csv(CMS, &[BATCH], &["--bom"]);
    bom.code(0);
    assert_eq!(&bom.stdout[..3], b"\xEF\xBB\xBF");
    assert!(bom.stdout[3..] == plain.stdout[..]);
    assert!(plain.out().contains("(주)한빛상사"));
    // The whole text of the file Excel opens.
    golden("convert-cms-batch-bom.csv", &bom.out());
}

#[test]
fn csv_in_cp949_is_the_utf8_text_encoded() {
    let utf8 = csv(CMS, &[BATCH], &[]);
    let cp949 = csv(CMS, &[BATCH], &["--encoding", "cp949"]);
    cp949.code(0);
    let utf8 = utf8.out();
    let (want, _, unmappable) = encoding_rs::EUC_KR.encode(&utf8);
    assert!(!unmappable);
    assert!(cp949.stdout == want.as_ref(), "CP949 bytes");
    // 한 is B0 A1... in KS X 1001: the Hangul is there in two bytes a syllable.
    let (han, _, _) = encoding_rs::EUC_KR.encode("(주)한빛상사");
    assert!(
        cp949.stdout.windows(han.len()).any(|w| w == han.as_ref()),
        "the company name in CP949"
    );
    // The names Windows uses for it.
    for alias in ["ms949", "uhc"] {
        let r = csv(CMS, &[BATCH], &["--encoding", alias]);
        r.code(0);
        assert!(r.stdout == cp949.stdout, "{alias}");
    }
}

#[test]
fn csv_delimiters_quote_what_holds_them() {
    let comma = csv(FB, &[TRANSFER, HISTORY], &[]);
    comma.code(0);
    let records = |bytes: &[u8], delimiter: u8| -> Vec<csv::StringRecord> {
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .from_reader(bytes)
            .records()
            .map(|r| r.expect("a CSV record"))
            .collect()
    };
    let want = records(&comma.stdout, b',');
    assert_eq!(want.len(), 3);
    for (arg, byte) in [
        ("tab", b'\t'),
        ("\\t", b'\t'),
        (";", b';'),
        ("|", b'|'),
        (":", b':'),
    ] {
        let r = csv(FB, &[TRANSFER, HISTORY], &["--delimiter", arg]);
        r.code(0);
        assert_eq!(records(&r.stdout, byte), want, "--delimiter {arg}");
    }
    // A value holding the delimiter is quoted: a time with `:`.
    let colon = csv(FB, &[HISTORY], &["--delimiter", ":"]).out();
    assert!(colon.contains(":2024-03-15:\"09:30:15\":"), "{colon}");
    assert!(!comma.out().contains("\"09:30:15\""));
}

#[test]
fn csv_option_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--delimiter", "ab"],
            "error: invalid value 'ab' for '--delimiter <CHAR>': \"ab\" is not one ASCII character; give , ; | or tab\n",
        ),
        (
            &["--delimiter", "\""],
            "error: invalid value '\"' for '--delimiter <CHAR>': '\"' cannot separate fields: it is a quote, a letter, a digit or a control character; give , ; | or tab\n",
        ),
        (
            &["--bom", "--encoding", "cp949"],
            "error: --bom marks UTF-8; CP949 has no byte order mark (give one or the other)\n",
        ),
    ];
    for (options, want) in cases {
        let r = csv(FB, &[TRANSFER], options);
        r.code(2);
        let got = r
            .stderr
            .split("\n\nFor more")
            .next()
            .unwrap_or("")
            .to_owned();
        let got = if got.ends_with('\n') {
            got
        } else {
            format!("{got}\n")
        };
        assert_eq!(&got, want, "{options:?}");
        assert!(r.stdout.is_empty());
    }
    for option in [
        &["--bom"][..],
        &["--encoding", "cp949"],
        &["--delimiter", ";"],
    ] {
        let mut args = vec![
            "convert", "-q", "-l", FB, TRANSFER, "-o", "-", "--to", "jsonl",
        ];
        args.extend(option);
        let r = fep(&args);
        r.code(2);
        assert_eq!(
            r.stderr,
            format!(
                "error: {} is for CSV output; give --to csv or an OUT ending in .csv\n",
                option[0]
            )
        );
    }
}

#[test]
fn a_value_cp949_cannot_write_is_reported_and_its_row_left_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The card layout is UTF-8: a merchant name may hold what CP949 has no code for.
    let json =
        std::fs::read_to_string(common::root().join("layouts/card-utf8/approval-request.json"))
            .expect("sample")
            .replace("김밥천국·신촌점", "김밥천국 😀신촌");
    let good = common::read("layouts/card-utf8/approval-request.bin");
    let e = common::fep_in(
        &["encode", "-l", "layouts/card-utf8.layout"],
        json.as_bytes(),
    );
    e.code(0);
    let mut capture = good.clone();
    capture.extend(&e.stdout);
    capture.extend(&good);
    let input = dir.path().join("cards.bin");
    std::fs::write(&input, &capture).expect("writes");
    let i = input.to_str().expect("path");
    let r = fep(&[
        "convert",
        "-l",
        "layouts/card-utf8.layout",
        i,
        "-o",
        "-",
        "--to",
        "csv",
        "--encoding",
        "cp949",
    ]);
    r.code(1);
    let (text, _, _) = encoding_rs::EUC_KR.decode(&r.stdout);
    assert_eq!(
        text.lines().count(),
        3,
        "the header and the two good rows:\n{text}"
    );
    let at = good.len();
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "error: {i}: frame at byte {at}: approval.merchant_name: '😀' (U+1F600) has no \
             code in CP949, so the row cannot be written; write UTF-8 instead (--bom, without \
             --encoding)"
        )
    );
    assert!(
        lines[1].starts_with("converted 2 telegrams ("),
        "{}",
        r.stderr
    );
    // In UTF-8 the same capture converts whole.
    let r = fep(&[
        "convert",
        "-q",
        "-l",
        "layouts/card-utf8.layout",
        i,
        "-o",
        "-",
        "--to",
        "csv",
        "--bom",
    ]);
    r.code(0);
    assert!(r.out().contains("김밥천국 😀신촌"));
}

// ------------------------------------------------------------------ several inputs

#[test]
fn every_row_names_its_source_and_the_frame_offset_in_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let two = dir.path().join("two.bin");
    let mut bytes = common::read(TRANSFER);
    bytes.extend(common::read(HISTORY));
    std::fs::write(&two, &bytes).expect("writes");
    let two = two.to_str().expect("path");
    let want = [
        (HISTORY.to_owned(), 0, "balance_history"),
        (two.to_owned(), 0, "transfer"),
        (two.to_owned(), 304, "balance_history"),
    ];
    let rows = |json: Vec<serde_json::Value>| -> Vec<(String, u64, String)> {
        json.iter()
            .map(|v| {
                (
                    v["source"].as_str().expect("source").to_owned(),
                    v["offset"].as_u64().expect("offset"),
                    v["message"].as_str().expect("message").to_owned(),
                )
            })
            .collect()
    };
    let want: Vec<(String, u64, String)> = want
        .iter()
        .map(|(s, o, m)| (s.clone(), *o, (*m).to_owned()))
        .collect();

    // decode: JSON lines, and the one JSON array.
    let r = fep(&["decode", "-l", FB, "--format", "jsonl", HISTORY, two]);
    r.code(0);
    let lines = r
        .out()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a line"))
        .collect();
    assert_eq!(rows(lines), want);
    let r = fep(&["decode", "-l", FB, HISTORY, two]);
    r.code(0);
    let doc: serde_json::Value = serde_json::from_str(&r.out()).expect("one document");
    assert_eq!(rows(doc.as_array().expect("an array").clone()), want);

    // convert: JSON lines and CSV, the inputs one after another.
    let r = fep(&[
        "convert", "-q", "-l", FB, HISTORY, two, "-o", "-", "--to", "jsonl",
    ]);
    r.code(0);
    let lines = r
        .out()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a line"))
        .collect();
    assert_eq!(rows(lines), want);
    let r = fep(&["convert", "-l", FB, HISTORY, two, "-o", "-", "--to", "csv"]);
    r.code(0);
    let mut reader = csv::Reader::from_reader(&r.stdout[..]);
    let header = reader.headers().expect("header").clone();
    assert_eq!(
        &header.iter().take(3).collect::<Vec<_>>(),
        &["source", "offset", "message"]
    );
    let got: Vec<(String, u64, String)> = reader
        .records()
        .map(|rec| {
            let rec = rec.expect("a row");
            (
                rec[0].to_owned(),
                rec[1].parse().expect("offset"),
                rec[2].to_owned(),
            )
        })
        .collect();
    assert_eq!(got, want);
    let bytes_total = common::read(HISTORY).len() + bytes.len();
    assert!(
        r.stderr.starts_with(&format!(
            "converted 3 telegrams ({} bytes) to standard output in ",
            bytes_total
                .to_string()
                .chars()
                .rev()
                .collect::<Vec<_>>()
                .chunks(3)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(",")
                .chars()
                .rev()
                .collect::<String>()
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn the_format_does_not_change_with_the_number_of_telegrams() {
    let empty = tempfile::NamedTempFile::new().expect("temp file");
    let e = empty.path().to_str().expect("path");
    for (inputs, n) in [
        (&[e][..], 0),
        (&[TRANSFER][..], 1),
        (&[TRANSFER, HISTORY][..], 2),
    ] {
        let mut args = vec!["decode", "-l", FB];
        args.extend(inputs);
        let r = fep(&args);
        r.code(0);
        let doc: serde_json::Value =
            serde_json::from_str(&r.out()).unwrap_or_else(|e| panic!("{n}: one document: {e}"));
        assert_eq!(doc.as_array().map(Vec::len), Some(n), "json, {n} telegrams");
        args.extend(["--format", "jsonl"]);
        let r = fep(&args);
        r.code(0);
        assert_eq!(r.out().lines().count(), n, "jsonl, {n} telegrams");
        for l in r.out().lines() {
            let v: serde_json::Value = serde_json::from_str(l).expect("a line");
            assert!(v.is_object());
        }
    }
    let r = fep(&["decode", "-l", FB, e]);
    assert_eq!(r.out(), "[]\n");
    assert_eq!(r.stderr, format!("note: {e} holds no telegram\n"));
}

#[test]
fn convert_refuses_to_overwrite_any_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = dir.path().join("capture.bin");
    std::fs::write(&capture, common::read(TRANSFER)).expect("writes");
    let c = capture.to_str().expect("path");
    let r = fep(&["convert", "-l", FB, TRANSFER, c, "-o", c, "--to", "csv"]);
    r.code(2);
    assert_eq!(
        r.stderr,
        format!("error: {c}: the output would overwrite the input\n")
    );
    assert!(std::fs::read(&capture).expect("reads") == common::read(TRANSFER));
    // A missing input is found before the output is created.
    let out = dir.path().join("out.csv");
    let o = out.to_str().expect("path");
    let r = fep(&["convert", "-l", FB, TRANSFER, "no-such.bin", "-o", o]);
    r.code(2);
    assert_eq!(r.stderr, "error: no-such.bin: no such file\n");
    assert!(!out.exists());
    let r = fep(&["convert", "-l", FB, "-", "-", "-o", o]);
    r.code(2);
    assert_eq!(r.stderr, "error: standard input can be read only once\n");
}

// ------------------------------------------------------------------ 80 columns

/// Runs `fep ARGS` with standard output and standard error on a terminal of `columns`
/// columns (a pseudo-terminal made by util-linux's `script`), standard input empty; the
/// text the terminal got, carriage returns and colour codes left out, and the exit code.
fn on_terminal(columns: usize, args: &[&str]) -> (String, i32) {
    for a in args {
        assert!(!a.contains(['\'', ' ']), "a simple argument: {a}");
    }
    let command = format!(
        "stty cols {columns} rows 24; '{}' {}",
        env!("CARGO_BIN_EXE_fep"),
        args.iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let o = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(common::root())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux's script runs");
    let raw = String::from_utf8_lossy(&o.stdout);
    let mut text = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // ESC [ ... letter: a colour or a cursor move.
            '\u{1b}' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for c in chars.by_ref() {
                        if c.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            '\r' => text.push('\n'),
            c => text.push(c),
        }
    }
    (text, o.status.code().unwrap_or(-1))
}

fn widest(text: &str) -> usize {
    text.lines()
        .map(fep_core::text::display_width)
        .max()
        .unwrap_or(0)
}

#[test]
fn explain_fits_the_terminal_it_writes_to() {
    let (text, code) = on_terminal(80, &["explain", "-l", FB, TRANSFER]);
    assert_eq!(code, 0, "{text}");
    let table: String = text
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(widest(&table) <= 80, "{table}");
    assert!(
        table.contains("53 bytes of 20"),
        "the filler folded: {table}"
    );
    // The same text as --width 80 writes to a file.
    let r = fep(&["explain", "-l", FB, "--width", "80", TRANSFER]);
    r.code(0);
    let want: String = r
        .out()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(table, want);
    // A wide terminal gets the full table, and so does a pipe.
    let (wide, _) = on_terminal(200, &["explain", "-l", FB, TRANSFER]);
    let full = fep(&["explain", "-l", FB, TRANSFER]).out();
    assert!(widest(&full) > 80);
    assert_eq!(
        wide.lines().filter(|l| !l.is_empty()).count(),
        full.lines().filter(|l| !l.is_empty()).count()
    );
}

#[test]
fn decode_tables_fit_the_terminal_too() {
    let (text, code) = on_terminal(80, &["decode", "-l", FB, "--format", "table", TRANSFER]);
    assert_eq!(code, 0, "{text}");
    let table: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert!(widest(&table) <= 80, "{table}");
    // The 44 spaces of header.reserved, cut; short values whole.
    assert!(table.contains("\"                    "), "{table}");
    assert!(table.contains("...  "), "{table}");
    assert!(table.contains("\"TESTCO0001\""), "{table}");
    // In a pipe, whole.
    let r = fep(&["decode", "-l", FB, "--format", "table", TRANSFER]);
    assert!(r.out().contains(&format!("\"{}\"", " ".repeat(44))));
}

#[test]
fn explain_golden_at_80_columns() {
    let r = fep(&["explain", "-l", FB, "--width", "80", TRANSFER]);
    r.code(0);
    golden("explain-transfer-80.txt", &r.out());
    // A bad telegram: the failing field, its error under its bytes, the rest.
    let mut bad = common::read(TRANSFER);
    bad[4 + 133] = b'O';
    let r = common::fep_in(&["explain", "-l", FB, "-w", "80", "-"], &bad);
    r.code(1);
    golden("explain-bad-amount-80.txt", &r.out());
    let table = r.out();
    // Every line but the error's own text, the heading included (where the telegram came
    // from goes on lines of its own when it does not fit beside the name).
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| !l.starts_with("  >>") && !l.starts_with("error:") && !l.starts_with("  ("))
        .collect();
    assert!(
        rows.iter().all(|l| fep_core::text::display_width(l) <= 80),
        "{table}"
    );
    // --width 0: the full table, as in a pipe.
    let r = fep(&["explain", "-l", FB, "-w", "0", TRANSFER]);
    assert_eq!(r.out(), fep(&["explain", "-l", FB, TRANSFER]).out());
}

#[test]
fn the_progress_bar_fits_and_never_shows_an_empty_rate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut capture = Vec::new();
    for b in [TRANSFER, HISTORY] {
        capture.extend(common::read(b));
    }
    let capture = capture.repeat(6000);
    let input = dir.path().join("capture.bin");
    std::fs::write(&input, &capture).expect("writes");
    let out = dir.path().join("out.jsonl");
    let (text, code) = on_terminal(
        60,
        &[
            "convert",
            "-l",
            FB,
            input.to_str().expect("path"),
            "-o",
            out.to_str().expect("path"),
        ],
    );
    assert_eq!(code, 0, "{text}");
    let bars: Vec<&str> = text.lines().filter(|l| l.starts_with('[')).collect();
    assert!(!bars.is_empty(), "a progress bar on a terminal:\n{text}");
    for l in &bars {
        assert!(fep_core::text::display_width(l) <= 60, "{l}");
        assert!(l.contains("/"), "bytes done and total: {l}");
        for empty in [
            ", ,",
            " ,",
            " 0 telegrams/s",
            ", left",
            " 0s left",
            "telegrams/s,  ",
        ] {
            assert!(!l.contains(empty), "{l}");
        }
    }
    assert!(text.contains("converted 12,000 telegrams"), "{text}");
}

#[test]
fn encode_refuses_bytes_to_a_terminal_unless_asked() {
    let json = "layouts/firmbanking/transfer-request.json";
    let (text, code) = on_terminal(80, &["encode", "-l", FB, json]);
    assert_eq!(code, 2);
    assert_eq!(
        text.trim_end(),
        "error: encode writes telegrams as bytes, which a terminal cannot show: give --hex to \
         see them as hex, -o FILE to write a file, or redirect standard output (> FILE)"
    );
    let (text, code) = on_terminal(80, &["encode", "-l", FB, "--hex", json]);
    assert_eq!(code, 0);
    // The length prefix "0300" in hex.
    assert!(text.starts_with("30333030"), "{text}");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("t.bin");
    let (text, code) = on_terminal(
        80,
        &["encode", "-l", FB, json, "-o", out.to_str().expect("path")],
    );
    assert_eq!((code, text.as_str()), (0, ""));
    assert!(std::fs::read(&out).expect("written") == common::read(TRANSFER));
    // In a pipe, bytes as always.
    let r = fep(&["encode", "-l", FB, json]);
    r.code(0);
    assert!(r.stdout == common::read(TRANSFER));
}
