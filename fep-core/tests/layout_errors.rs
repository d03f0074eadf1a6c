//! Layout errors: each names file:line:col, shows the offending text, and says what is wrong.

use fep_core::{Category, Position, Schema};

/// (name, layout, expected message, expected snippet)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "syntax_unknown_type",
        "message m {\n  f Q(3)\n}\n",
        "t.layout:2:5: unknown type; expected X(n), AN(n), G(n), 9(n), N(n), S9(n) or B(n)",
        "Q(3)",
    ),
    (
        "syntax_unknown_attribute",
        "message m {\n  f X(3) masked\n}\n",
        "t.layout:2:10: expected an attribute: a \"description\", date, time, datetime, = \"constant\", default, required, raw, mask, secret, lenient, align, pad or sign; did you mean \"mask\"?",
        "masked",
    ),
    (
        "unknown_encoding",
        "encoding euckr\nmessage m {\n f X(1)\n}\n",
        "t.layout:1:10: unknown encoding \"euckr\"; expected euc-kr, cp949, utf-8 or ascii",
        "euckr",
    ),
    (
        "duplicate_field",
        "message m {\n  a X(1)\n  a X(2)\n}\n",
        "t.layout:3:3: duplicate name \"a\" (first defined on line 2)",
        "a",
    ),
    (
        "duplicate_message",
        "message m {\n  when a = \"1\"\n  a X(1)\n}\nmessage m {\n  when a = \"2\"\n  a X(1)\n}\n",
        "t.layout:5:9: duplicate name \"m\" (first defined on line 1)",
        "m",
    ),
    (
        "unknown_record",
        "message m {\n  h hedaer\n}\n",
        "t.layout:2:5: unknown record \"hedaer\"",
        "hedaer",
    ),
    (
        "record_contains_itself",
        "record a {\n  x b\n}\nrecord b {\n  y a\n}\nmessage m {\n  z a\n}\n",
        "t.layout:5:5: record \"a\" contains itself (through a → b)",
        "a",
    ),
    (
        "declared_length_mismatch",
        "message m 10 {\n  a X(4)\n  b 9(5)\n}\n",
        "t.layout:1:11: declared length 10 but the fields add up to 9",
        "10",
    ),
    (
        "declared_length_of_a_varying_message",
        "message m 10 {\n  n 9(1)\n  x[n, max=3] {\n    v X(3)\n  }\n}\n",
        "t.layout:1:11: declared length 10 but the fields add up to a length that varies with a count (at least 1)",
        "10",
    ),
    (
        "odd_graphic_width",
        "message m {\n  g G(5)\n}\n",
        "t.layout:2:5: G(5) is odd: a G field holds double-byte characters, so its width is even",
        "G(5)",
    ),
    (
        "numeric_too_wide",
        "message m {\n  n 9(39)\n}\n",
        "t.layout:2:5: a number has 1 to 38 digits, this one 39",
        "9(39)",
    ),
    (
        "count_after_the_repeat",
        "message m {\n  x[n, max=3] {\n    v X(3)\n  }\n  n 9(1)\n}\n",
        "t.layout:2:5: the count field \"n\" must come before the repeat",
        "n",
    ),
    (
        "count_not_numeric",
        "message m {\n  n X(1)\n  x[n, max=3] {\n    v X(3)\n  }\n}\n",
        "t.layout:3:5: the count field \"n\" must be an unsigned integer such as 9(3), not X(1)",
        "n",
    ),
    (
        "count_missing",
        "message m {\n  x[cnt, slots=3] {\n    v X(3)\n  }\n}\n",
        "t.layout:2:5: no field \"cnt\" before the repeat to take the count from",
        "cnt",
    ),
    (
        "condition_unknown_path",
        "message m {\n  when h.code = \"1\"\n  a X(1)\n}\n",
        "t.layout:2:8: message \"m\" has no field \"h.code\" (a single field outside any repeat)",
        "h.code",
    ),
    (
        "condition_at_different_offsets",
        "message a {\n  when code = \"1\"\n  code X(1)\n}\nmessage b {\n  when code = \"2\"\n  x X(1)\n  code X(1)\n}\n",
        "t.layout:6:8: \"code\" is at bytes 1..2 here but at 0..1 in message \"a\"; a condition must test the same bytes in every message",
        "code",
    ),
    (
        "condition_literal_too_long",
        "message a {\n  when code = \"12\"\n  code X(1)\n}\n",
        "t.layout:2:15: the literal is 2 bytes, the field 1",
        "\"12\"",
    ),
    (
        "ambiguous_messages",
        "message a {\n  when k = \"1\" and j = \"x\"\n  k X(1)\n  j X(1)\n}\nmessage b {\n  when k in (\"1\", \"2\") and j = \"x\"\n  k X(1)\n  j X(1)\n}\n",
        "t.layout:7:8: messages \"a\" and \"b\" can match the same telegram; add a condition that tells them apart",
        "k",
    ),
    (
        "two_messages_without_conditions",
        "message a {\n  k X(1)\n}\nmessage b {\n  k X(1)\n}\n",
        "t.layout:4:9: messages \"a\" and \"b\" can match the same telegram; add a condition that tells them apart",
        "b",
    ),
    (
        "date_of_the_wrong_width",
        "message m {\n  d 9(6) date\n}\n",
        "t.layout:2:10: a date of this pattern is 8 bytes, the field is 6; for YYMMDD write date(\"YYMMDD\")",
        "date",
    ),
    (
        "sign_on_unsigned",
        "message m {\n  n 9(3) sign trailing\n}\n",
        "t.layout:2:10: `sign` needs a signed type: S9(n)",
        "sign trailing",
    ),
    (
        "constant_too_long",
        "message m {\n  c X(2) = \"ABC\"\n}\n",
        "t.layout:2:10: the constant does not fit the field: value is 3 bytes in euc-kr, the field holds 2",
        "= \"ABC\"",
    ),
    (
        "attribute_twice",
        "message m {\n  c X(2) mask mask\n}\n",
        "t.layout:2:15: mask/secret is given twice",
        "mask",
    ),
    (
        "key_without_field",
        "key h.seq\nmessage m {\n  a X(1)\n}\n",
        "t.layout:1:5: no message has a field \"h.seq\" for the key",
        "h.seq",
    ),
    (
        "repeat_bound_zero",
        "message m {\n  a[0] X(1)\n}\n",
        "t.layout:2:4: a repeat is 1 to 100000 entries",
        "[0]",
    ),
    (
        "unterminated_block",
        "message m {\n  a X(1)\n",
        "t.layout:3:1: expected `}` before the end of the layout",
        "",
    ),
];

#[test]
fn every_layout_error_says_where_and_what() {
    for (name, layout, want, snippet) in CASES {
        let e = match Schema::parse_named("t.layout", layout) {
            Ok(_) => panic!("{name}: compiled"),
            Err(e) => e,
        };
        assert_eq!(e.category(), Category::Layout, "{name}");
        assert_eq!(e.to_string(), *want, "{name}");
        match e.position() {
            Position::Layout(p) => assert_eq!(p.snippet, *snippet, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn load_names_the_file() {
    let dir = std::env::temp_dir().join(format!("fep-layout-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bank.layout");
    std::fs::write(&path, "message m {\n  h hedaer\n}\n").expect("write");
    let e = Schema::load(&path).expect_err("unknown record");
    assert_eq!(
        e.to_string(),
        format!("{}:2:5: unknown record \"hedaer\"", path.display())
    );
    let bad = dir.join("euc-kr.layout");
    std::fs::write(&bad, b"message m {\n  a X(2) \"\xB5\xBF\"\n}\n").expect("write");
    let e = Schema::load(&bad).expect_err("not UTF-8");
    assert_eq!(e.category(), Category::Layout);
    assert_eq!(
        e.to_string(),
        format!(
            "{}:2:11: the layout is not UTF-8 text here (save it as UTF-8)",
            bad.display()
        )
    );
    let e = Schema::load(dir.join("missing.layout")).expect_err("missing");
    assert_eq!(e.category(), Category::Io);
    assert!(e.to_string().contains("missing.layout"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn more_specific_messages_win() {
    let s = Schema::parse(
        "message generic {\n  when k = \"1\"\n  k X(1)\n  j X(1)\n}\nmessage special {\n  when k = \"1\" and j = \"x\"\n  k X(1)\n  j X(1)\n}\n",
    )
    .expect("compiles");
    assert_eq!(s.decode(b"1x").expect("decodes").name(), "special");
    assert_eq!(s.decode(b"1y").expect("decodes").name(), "generic");
}

#[test]
fn a_type_with_a_space_before_its_width_says_so() {
    let e = Schema::parse_named("t.layout", "message m {\n  a X (16)\n}\n").expect_err("space");
    assert_eq!(
        e.to_string(),
        "t.layout:2:6: no space may stand between a type and its width: write X(16)"
    );
    let e = Schema::parse_named("t.layout", "message m {\n  a S9 (5)\n}\n").expect_err("space");
    assert!(e.to_string().ends_with("write S9(5)"), "{e}");
}

#[test]
fn names_that_are_not_there_get_the_nearest_one() {
    let layout = "record header {\n  msg_code X(4)\n}\n\
                  message m {\n  when header.msg_cdoe = \"1\"\n  header header\n}\n";
    let e = Schema::parse_named("t.layout", layout).expect_err("typo");
    assert!(
        e.to_string()
            .ends_with("has no field \"header.msg_cdoe\" (a single field outside any repeat); did you mean \"header.msg_code\"?"),
        "{e}"
    );
    let e = Schema::parse_named(
        "t.layout",
        "record header {\n a X(1)\n}\nmessage m {\n h HEADER\n}\n",
    )
    .expect_err("case");
    assert_eq!(
        e.to_string(),
        "t.layout:5:4: unknown record \"HEADER\"; did you mean \"header\"?"
    );
    // Nothing close: no hint.
    let e = Schema::parse_named(
        "t.layout",
        "record header {\n a X(1)\n}\nmessage m {\n h trailer\n}\n",
    )
    .expect_err("far");
    assert_eq!(e.to_string(), "t.layout:5:4: unknown record \"trailer\"");
}

#[test]
fn independent_mistakes_are_all_reported_in_source_order() {
    let layout = "record header {\n  a X(1)\n}\n\
                  message m1 3 {\n  h hedaer\n  b X(1)\n}\n\
                  message m2 5 {\n  h header\n  b X(1)\n}\n\
                  message m2 {\n  c X(1)\n}\n";
    let e = Schema::parse_named("t.layout", layout).expect_err("three mistakes");
    let all: Vec<String> = std::iter::once(e.alone().to_string())
        .chain(e.related().iter().map(|r| r.to_string()))
        .collect();
    assert_eq!(
        all,
        [
            "t.layout:5:5: unknown record \"hedaer\"; did you mean \"header\"?",
            "t.layout:8:12: declared length 5 but the fields add up to 2",
            "t.layout:12:9: duplicate name \"m2\" (first defined on line 8)",
        ]
    );
    assert_eq!(
        e.to_string(),
        "t.layout:5:5: unknown record \"hedaer\"; did you mean \"header\"? (and 2 more errors)"
    );
    // Syntax mistakes in separate statements, too.
    let e = Schema::parse_named(
        "t.layout",
        "message a {\n  x X (1)\n}\nmessage b {\n  y Q(1)\n}\nmessage c {\n  z X(1)\n}\n",
    )
    .expect_err("two syntax mistakes");
    assert_eq!(e.related().len(), 1);
    assert_eq!(e.related()[0].line_column(), Some((5, 5)));
}

#[test]
fn the_mistakes_reported_are_bounded() {
    let mut layout = String::new();
    for i in 0..100 {
        layout.push_str(&format!("message m{i} 5 {{\n  a X(4)\n}}\n"));
    }
    let e = Schema::parse(&layout).expect_err("many");
    assert_eq!(e.related().len(), fep_core::MAX_RELATED);
    let mut layout = String::new();
    for i in 0..100 {
        layout.push_str(&format!("message m{i} {{\n  a Q(4)\n}}\n"));
    }
    let e = Schema::parse(&layout).expect_err("many syntax mistakes");
    assert_eq!(e.related().len(), fep_core::MAX_RELATED);
}
