//! `fep import` and `fep export` with real spreadsheets: every bundled layout exported
//! (xlsx, csv) and imported back to the same compiled layout; spec sheets in the styles
//! counterparts send, written here with rust_xlsxwriter, imported with their doubts.

mod common;

use std::path::Path;

use common::{fep as run, root};
use fep_core::{RepeatInfo, Schema, Sensitivity};
use rust_xlsxwriter::{Format, Workbook};

/// Everything a compiled layout says, as text: settings, messages, conditions, keys,
/// answers, and each field's path, offset, width, repeat, type, attributes, description,
/// sensitivity, filler and required flags.
fn canonical(schema: &Schema) -> String {
    let mut s = format!(
        "encoding {}\nframing {}\nkey {:?}\nchecks {:?}\n",
        schema.encoding().name(),
        schema.framing(),
        schema.key_paths().collect::<Vec<_>>(),
        schema.checks().collect::<Vec<_>>()
    );
    for m in schema.messages() {
        s += &format!(
            "message {} len={:?} min={} when={:?} key={:?} answers={:?}\n",
            m.name(),
            m.length(),
            m.min_length(),
            m.conditions(),
            m.key_paths().collect::<Vec<_>>(),
            m.answers().collect::<Vec<_>>()
        );
        for f in m.fields() {
            let rep = match f.repeat() {
                RepeatInfo::One => String::new(),
                RepeatInfo::Fixed(n) => format!("[{n}]"),
                RepeatInfo::Counted {
                    count_path,
                    bound,
                    slots,
                } => format!("[{count_path},{bound},{slots}]"),
                _ => "?".into(),
            };
            let sens = match f.sensitivity() {
                Sensitivity::Mask => "mask",
                Sensitivity::Secret => "secret",
                _ => "",
            };
            s += &format!(
                "  {} {:?} w={} {rep} {} [{}] {:?} {sens} filler={} req={} group={}\n",
                f.path(),
                f.offset(),
                f.width(),
                f.type_text(),
                f.attributes_text(),
                f.description(),
                f.is_filler(),
                f.is_required(),
                f.is_group()
            );
        }
    }
    s
}

fn layouts() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("layouts"))
        .expect("layouts/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "layout"))
        .collect();
    v.sort();
    assert!(v.len() >= 6, "bundled layouts: {v:?}");
    v
}

#[test]
fn every_bundled_layout_round_trips_through_xlsx_and_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    for layout in layouts() {
        let original = Schema::load(&layout).expect("bundled layout loads");
        let stem = layout
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        for ext in ["xlsx", "csv"] {
            let sheet = dir.path().join(format!("{stem}.{ext}"));
            let back = dir.path().join(format!("{stem}-{ext}.layout"));
            run(&[
                "export",
                &layout.display().to_string(),
                "-o",
                &sheet.display().to_string(),
            ])
            .code(0);
            let r = run(&[
                "import",
                &sheet.display().to_string(),
                "-o",
                &back.display().to_string(),
            ]);
            r.code(0);
            assert!(r.stderr.contains("0 doubts"), "{}", r.stderr);
            let again = Schema::load(&back).unwrap_or_else(|e| panic!("{}: {e}", back.display()));
            assert_eq!(
                canonical(&again),
                canonical(&original),
                "{stem} through {ext}"
            );
        }
    }
}

#[test]
fn export_formats_markdown_and_html() {
    let layout = root().join("layouts/firmbanking.layout");
    let md = run(&["export", &layout.display().to_string(), "--to", "md"]);
    md.code(0);
    let out = md.out();
    assert!(out.contains("## transfer"), "{out}");
    assert!(
        out.contains(
            "| 13 | 출금계좌번호 | debit_acct | X(15) | 15 | 100 |  |  | **mask** | mask |"
        ),
        "{out}"
    );
    let html = run(&["export", &layout.display().to_string(), "--to", "html"]);
    html.code(0);
    let out = html.out();
    assert!(
        out.contains("<tr class=\"masked\"><td>13</td><td>출금계좌번호</td>"),
        "{out}"
    );
    let bad = run(&["export", &layout.display().to_string()]);
    bad.code(2);
    assert!(
        bad.stderr.contains("--to xlsx|csv|md|html"),
        "{}",
        bad.stderr
    );
}

/// A sheet of text rows; `None` leaves a cell empty. Numbers are written as numbers,
/// as a person typing into Excel gets them.
fn write_sheet(wb: &mut Workbook, name: &str, rows: &[&[&str]], merges: &[(u32, u16, u32, u16)]) {
    let ws = wb.add_worksheet();
    ws.set_name(name).expect("sheet name");
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let (r, c) = (r as u32, c as u16);
            if merges
                .iter()
                .any(|m| m.0 <= r && r <= m.2 && m.1 <= c && c <= m.3 && (m.0, m.1) != (r, c))
            {
                continue;
            }
            match v.parse::<f64>() {
                Ok(n) if !v.starts_with('0') || *v == "0" => {
                    ws.write_number(r, c, n).expect("number");
                }
                _ => {
                    ws.write_string(r, c, *v).expect("string");
                }
            }
        }
    }
    for &(r0, c0, r1, c1) in merges {
        let v = rows[r0 as usize][c0 as usize];
        ws.merge_range(r0, c0, r1, c1, v, &Format::new())
            .expect("merge");
    }
}

fn import(path: &Path, extra: &[&str]) -> (common::Run, String) {
    let out = path.with_extension("layout");
    let mut args = vec![
        "import",
        path.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    (r, text)
}

#[test]
fn korean_headings_merged_cells_blank_rows_and_a_total() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spec.xlsx");
    let mut wb = Workbook::new();
    write_sheet(
        &mut wb,
        "이체",
        &[
            &["이체 요청 전문 (Transfer request)"],
            &[],
            &["번호", "항목", "항목", "속성", "길이", "위치", "비고"],
            &["", "한글명", "영문명", "", "", "", ""],
            &["공통부"],
            &[
                "1",
                "전문구분코드",
                "msg_code",
                "AN",
                "4",
                "1",
                "고정값 \"0200\"",
            ],
            &["2", "은행코드", "bank_code", "N", "3", "5", ""],
            &["3", "전송일자", "send_date", "9", "8", "8", "YYYYMMDD"],
            &[],
            &["개별부"],
            &["4", "출금금액", "amount", "NUMBER(15,2)", "15", "16", ""],
            &["5", "잔액", "balance", "S9", "14", "31", "선행부호"],
            &["6", "예금주명", "holder", "한글", "20", "45", ""],
            &["7", "적요", "", "X", "10", "65", ""],
            &["합계", "", "", "", "74", "", ""],
        ],
        &[
            (2, 1, 2, 2),
            (2, 0, 3, 0),
            (2, 3, 3, 3),
            (2, 4, 3, 4),
            (2, 5, 3, 5),
            (2, 6, 3, 6),
        ],
    );
    wb.save(&path).expect("save");
    let (r, text) = import(&path, &[]);
    r.code(0);
    assert_eq!(
        r.stderr,
        format!(
            "{}: 1 message, 7 fields, 0 doubts; wrote {}\n",
            path.display(),
            path.with_extension("layout").display()
        )
    );
    for line in [
        "message transfer_request 74 {",
        "  msg_code   AN(4) = \"0200\"  \"전문구분코드\"",
        "  bank_code  N(3)  \"은행코드\"",
        "  send_date  9(8) date  \"전송일자\"",
        "  amount     N(15,2)  \"출금금액\"",
        "  balance    S9(13) sign leading  \"잔액\"",
        "  holder     G(20)  \"예금주명\"",
        "  field_7    X(10)  \"적요\"",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    Schema::parse(&text).expect("the imported layout loads");
}

#[test]
fn english_headings_types_in_each_spelling_and_a_repeated_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inquiry.xlsx");
    let mut wb = Workbook::new();
    write_sheet(
        &mut wb,
        "Inquiry",
        &[
            &["Field name", "ID", "Type", "Length", "Offset", "Remarks"],
            &[
                "Message type",
                "msg_type",
                "CHAR",
                "4",
                "0",
                "fixed \"0300\"",
            ],
            &["Account", "account", "X(15)", "15", "4", ""],
            &["Rate", "rate", "9(3)V99", "5", "19", ""],
            &["Fee", "fee", "DECIMAL", "7,2", "24", ""],
            &["Raw key", "raw_key", "BINARY", "4", "31", ""],
            &["Time", "at", "TIME", "6", "35", ""],
            &["Count", "count", "NUM", "2", "41", ""],
            &[
                "Entries",
                "entries",
                "OCCURS 1 TO 5 DEPENDING ON count",
                "",
                "43",
                "",
            ],
            &["Entry date", "entries.date", "DATE", "8", "43", ""],
            &[
                "Entry amount",
                "entries.amount",
                "SN",
                "10",
                "51",
                "trailing",
            ],
        ],
        &[],
    );
    wb.save(&path).expect("save");
    let (r, text) = import(&path, &[]);
    r.code(0);
    for line in [
        "message Inquiry {",
        "  msg_type  X(4) = \"0300\"  \"Message type\"",
        "  account   X(15)  \"Account\"",
        "  rate      9(3)V9(2)  \"Rate\"",
        "  fee       N(7,2)  \"Fee\"",
        "  raw_key   B(4)  \"Raw key\"",
        "  at        9(6) time  \"Time\"",
        "  count     9(2)  \"Count\"",
        "  entries[count, max=5] {",
        "    date    9(8) date  \"Entry date\"",
        "    amount  SN(9) sign trailing  \"Entry amount\"",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    let schema = Schema::parse(&text).expect("the imported layout loads");
    let m = schema.message("Inquiry").expect("message");
    assert_eq!(m.min_length(), 43);
}

#[test]
fn a_sheet_with_one_mistake_of_each_kind_reports_every_one_by_cell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spec.xlsx");
    let mut wb = Workbook::new();
    write_sheet(
        &mut wb,
        "이체",
        &[
            &["No", "항목명", "항목ID", "타입", "길이", "위치", "비고"],
            &["1", "전문구분", "msg_code", "X", "4", "0", "고정 '0100'"],
            &["2", "통화", "currency", "Q", "3", "4"],
            &["3", "일자", "date", "9", "8", "9"],
            &["4", "메모", "memo-text", "X", "10", "15"],
            &["5", "금액", "amount", "N", "1O", "25"],
        ],
        &[],
    );
    write_sheet(
        &mut wb,
        "조회",
        &[
            &["No", "항목명", "항목ID", "타입", "길이", "위치", "비고"],
            &["1", "전문구분", "msg_code", "X", "4", "0", "고정 '0200'"],
            &["2", "계좌", "account", "X", "15", "4"],
            &["", "합계", "", "", "20", ""],
        ],
        &[],
    );
    wb.save(&path).expect("save");
    let (r, text) = import(&path, &[]);
    r.code(1);
    let file = path.display().to_string();
    let out = path.with_extension("layout").display().to_string();
    assert_eq!(
        r.stderr,
        format!(
            "spec.xlsx!이체!D3: type \"Q\" is not one the import knows: written as X(3)\n\
             spec.xlsx!이체!F4: offset \"9\" disagrees with the widths above, which put the field at 7\n\
             spec.xlsx!이체!C5: ID \"memo-text\" is not a layout name: written as memo_text\n\
             spec.xlsx!이체!E6: length \"1O\" is not a number\n\
             spec.xlsx!조회: widths sum to 19, the sheet says 20 (E4)\n\
             {file}: 2 messages, 6 fields, 5 doubts; wrote {out}\n"
        )
    );
    assert!(
        text.contains("  # amount  ?  \"금액\"  # doubt E6: length \"1O\" is not a number"),
        "{text}"
    );
    assert!(
        text.contains("  currency   X(3)  \"통화\"  # doubt D3: type \"Q\""),
        "{text}"
    );
    assert!(text.contains("  when msg_code = \"0200\"\n"), "{text}");
    Schema::parse(&text).expect("the layout loads, doubts and all");
    let strict = run(&[
        "import",
        &file,
        "-o",
        &dir.path().join("s.layout").display().to_string(),
        "--strict",
    ]);
    strict.code(1);
    assert!(!dir.path().join("s.layout").exists());
}

#[test]
fn csv_from_korean_excel_in_cp949_and_column_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spec.csv");
    let text =
        "예금주 조회\n번호,항목명,속성,길이\n1,전문구분코드,AN,4\n2,예금주명,H,10\n합계,,,14\n";
    let (bytes, _, _) = encoding_rs::EUC_KR.encode(text);
    std::fs::write(&path, &bytes).expect("write");
    let (r, layout) = import(&path, &[]);
    r.code(0);
    assert!(layout.contains("message message_1 14 {"), "{layout}");
    assert!(
        layout.contains("  field_2  G(10)  \"예금주명\""),
        "{layout}"
    );
    let forced = run(&[
        "import",
        path.to_str().expect("path"),
        "-o",
        "-",
        "--encoding",
        "utf-8",
    ]);
    forced.code(2);
    assert!(forced.stderr.contains("not UTF-8"), "{}", forced.stderr);
    // No headings at all: the columns given by letter.
    let bare = dir.path().join("bare.csv");
    std::fs::write(&bare, "\u{feff}a,계좌번호,X,15\nb,금액,9,13\n").expect("write");
    let r = run(&[
        "import",
        bare.to_str().expect("path"),
        "-o",
        "-",
        "--columns",
        "id=A,name=B,type=C,length=D",
    ]);
    r.code(0);
    assert!(
        r.out()
            .contains("  a  X(15)  \"계좌번호\"\n  b  9(13)  \"금액\"\n"),
        "{}",
        r.out()
    );
}

/// The block of docs/spec-sheets.md after `<!-- KIND: PATH -->`, without its fences.
fn doc_block(kind: &str, path: &str) -> String {
    let doc = std::fs::read_to_string(root().join("docs/spec-sheets.md")).expect("docs");
    let marker = format!("<!-- {kind}: {path} -->\n");
    let at = doc.find(&marker).expect("the marker") + marker.len();
    let rest = &doc[at..];
    let body = &rest[rest.find('\n').expect("a fence") + 1..];
    body[..body.find("```").expect("a closing fence")].to_owned()
}

#[test]
fn the_examples_of_the_docs_give_what_the_docs_show() {
    let holder = "examples/spec-sheets/holder.csv";
    let r = run(&[
        "import",
        &root().join(holder).display().to_string(),
        "-o",
        "-",
    ]);
    r.code(0);
    assert_eq!(r.out(), doc_block("import", holder));
    let mistakes = "examples/spec-sheets/transfer-mistakes.csv";
    let r = run(&[
        "import",
        &root().join(mistakes).display().to_string(),
        "-o",
        "-",
    ]);
    r.code(1);
    let shown = doc_block("report", mistakes);
    let want: Vec<&str> = shown.lines().skip(1).collect();
    let got: Vec<String> = r
        .stderr
        .lines()
        .map(|l| {
            l.replace(&root().join(mistakes).display().to_string(), mistakes)
                .replace("5 doubts", "5 doubts; wrote transfer.layout")
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_common_header_sheet_and_a_sheet_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bank.xlsx");
    let mut wb = Workbook::new();
    let heading: &[&str] = &["No", "항목명", "영문명", "Type", "Length", "비고"];
    write_sheet(
        &mut wb,
        "공통부",
        &[
            &["공통부"],
            heading,
            &["1", "시스템", "system", "X", "3", "고정 'FEP'"],
            &["2", "전문코드", "code", "X", "4", ""],
            &["합계", "", "", "", "7", ""],
        ],
        &[],
    );
    write_sheet(
        &mut wb,
        "이체",
        &[
            &["이체 (Transfer)"],
            heading,
            &["1", "전문코드", "code", "X", "4", "고정 '0200'"],
            &["2", "금액", "amount", "N", "10", ""],
        ],
        &[],
    );
    write_sheet(
        &mut wb,
        "조회",
        &[
            &["조회 (Inquiry)"],
            heading,
            &["1", "전문코드", "code", "X", "4", "고정 '0300'"],
            &["2", "계좌", "account", "X", "12", ""],
        ],
        &[],
    );
    wb.save(&path).expect("save");
    let (r, text) = import(&path, &[]);
    r.code(0);
    for part in [
        "record header 7 {\n  system  X(3) = \"FEP\"  \"시스템\"  # 고정 'FEP'\n  code    X(4)  \"전문코드\"\n}\n",
        "message transfer {\n  when code = \"0200\"\n  header  header\n  code    X(4) = \"0200\"",
        "message inquiry {\n  when code = \"0300\"\n  header   header\n",
    ] {
        assert!(text.contains(part), "{part:?} not in:\n{text}");
    }
    let only = run(&[
        "import",
        path.to_str().expect("path"),
        "-o",
        "-",
        "--sheet",
        "없는시트",
    ]);
    only.code(2);
    assert!(
        only.stderr
            .contains("has no such sheet; it has 공통부, 이체, 조회"),
        "{}",
        only.stderr
    );
}

/// The ```layout blocks of docs/layout-language.md, and its ```layout-fragment blocks as
/// the body of a message (every feature of the language, one example each), with the line
/// of each.
fn language_examples() -> Vec<(usize, String)> {
    let md = std::fs::read_to_string(root().join("docs/layout-language.md")).expect("page");
    let mut out = Vec::new();
    let mut open: Option<(usize, String, bool)> = None;
    for (i, line) in md.lines().enumerate() {
        match (&mut open, line.trim_end().strip_prefix("```")) {
            (None, Some("layout")) => open = Some((i + 1, String::new(), false)),
            (None, Some("layout-fragment")) => open = Some((i + 1, String::new(), true)),
            (None, Some(_)) => open = Some((0, String::new(), false)),
            (Some(_), Some("")) => {
                if let Some((n, text, fragment)) = open.take()
                    && n > 0
                {
                    out.push((
                        n,
                        if fragment {
                            format!("message m {{\n{text}}}\n")
                        } else {
                            text
                        },
                    ));
                }
            }
            (Some((_, text, _)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(out.len() > 30, "{} layout blocks", out.len());
    out
}

#[test]
fn every_layout_of_the_language_reference_round_trips_through_csv_and_xlsx() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (line, text) in language_examples() {
        // Fragments that need a record or a key of their own do not compile alone.
        let Ok(original) = Schema::parse(&text) else {
            continue;
        };
        checked += 1;
        let layout = dir.path().join(format!("l{line}.layout"));
        std::fs::write(&layout, &text).expect("write");
        for ext in ["csv", "xlsx"] {
            let sheet = dir.path().join(format!("l{line}.{ext}"));
            let back = dir.path().join(format!("l{line}-{ext}.layout"));
            run(&[
                "export",
                layout.to_str().expect("p"),
                "-o",
                sheet.to_str().expect("p"),
            ])
            .code(0);
            let r = run(&[
                "import",
                sheet.to_str().expect("p"),
                "-o",
                back.to_str().expect("p"),
            ]);
            let again = std::fs::read_to_string(&back).unwrap_or_default();
            match Schema::parse(&again) {
                Ok(s) if r.code == 0 && canonical(&s) == canonical(&original) => {}
                Ok(s) => failures.push(format!(
                    "docs/layout-language.md:{line} ({ext}): {}\n{}\n--- original\n{}--- back\n{}",
                    r.stderr,
                    again,
                    canonical(&original),
                    canonical(&s)
                )),
                Err(e) => failures.push(format!(
                    "docs/layout-language.md:{line} ({ext}): {e}\n{again}"
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        checked > 30,
        "only {checked} layouts of the reference compiled"
    );
}
