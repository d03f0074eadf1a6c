//! Regressions: each case a mistake once made, named for what it checks.

use bytes::BytesMut;
use fep_core::{Category, Framer, Record, Schema, Value};

fn rec(pairs: &[(&str, Value<'static>)]) -> Record<'static> {
    pairs.iter().cloned().collect()
}

fn texts(items: &[&str]) -> Value<'static> {
    Value::List(
        items
            .iter()
            .map(|s| Value::Text(s.to_string().into()))
            .collect(),
    )
}

#[test]
fn a_count_given_as_a_decimal_string_is_checked_against_the_entries() {
    let s = Schema::parse("encoding ascii\nmessage m {\n n 9(1)\n it[n, max=5] X(1)\n}\n")
        .expect("layout");
    let r = rec(&[
        ("n", Value::Text("2.0".into())),
        ("it", texts(&["a", "b", "c"])),
    ]);
    let e = s.encode_record("m", &r).expect_err("2 is not 3");
    assert_eq!(e.to_string(), "m.it: count is 2 but 3 entries are given");
}

#[test]
fn two_repeats_on_one_count_must_agree() {
    let s = Schema::parse(
        "encoding ascii\nmessage m {\n n 9(1)\n a[n, max=5] X(1)\n b[n, max=5] X(1)\n}\n",
    )
    .expect("layout");
    let e = s
        .encode_record(
            "m",
            &rec(&[("a", texts(&["a", "b", "c"])), ("b", texts(&["x"]))]),
        )
        .expect_err("3 vs 1");
    assert_eq!(e.to_string(), "m.b: count is 3 but 1 entries are given");
    let t = s
        .encode_record(
            "m",
            &rec(&[("a", texts(&["a", "b"])), ("b", texts(&["x", "y"]))]),
        )
        .expect("agree");
    assert_eq!(t, b"2abxy");
    assert_eq!(
        s.encode(&s.decode(&t).expect("decodes")).expect("encodes"),
        t
    );
}

#[test]
fn a_letter_is_no_pad() {
    let e = Schema::parse("encoding cp949\nmessage m {\n a X(4) pad \"A\"\n}\n")
        .expect_err("letter pad");
    assert_eq!(e.category(), Category::Layout);
    assert!(e.to_string().contains("a pad is not a letter"), "{e}");
}

#[test]
fn filler_cannot_have_a_counted_repeat() {
    let e = Schema::parse("message m {\n n 9(1)\n _[n, max=3] X(1)\n z X(1)\n}\n")
        .expect_err("counted filler");
    assert!(
        e.to_string()
            .contains("filler `_` cannot have a counted repeat"),
        "{e}"
    );
    // A fixed repeat of filler is fine.
    let s = Schema::parse("message m 4 {\n _[3] X(1)\n z X(1)\n}\n").expect("layout");
    assert_eq!(
        s.encode(&s.decode(b"   z").expect("decodes"))
            .expect("encodes"),
        b"   z"
    );
}

#[test]
fn sensitive_fields_leak_nothing_into_errors() {
    // A count over its bound, the count being secret.
    let s = Schema::parse("encoding ascii\nmessage m {\n n 9(1) secret\n it[n, max=3] X(1)\n}\n")
        .expect("layout");
    let e = s.decode(b"9abc").expect_err("over bound").to_string();
    assert_eq!(e, "m.it (bytes 0..1): count 9 exceeds the bound of 3");
    // A bad date in a masked field does not say which day of which month.
    let s = Schema::parse("message m 8 {\n d 9(8) date mask\n}\n").expect("layout");
    let e = s.decode(b"19880230").expect_err("no such date").to_string();
    assert_eq!(e, "m.d (bytes 0..8): impossible date: (hidden)");
    // Encode errors do not quote a character of a secret value.
    let s = Schema::parse("encoding ascii\nmessage m 4 {\n p X(4) secret\n}\n").expect("layout");
    let e = s
        .encode_record("m", &rec(&[("p", Value::Text("한".into()))]))
        .expect_err("not ascii")
        .to_string();
    assert_eq!(
        e,
        "m.p: a character of the value cannot be encoded in ascii"
    );
}

#[test]
fn an_unwritable_condition_literal_is_a_layout_error() {
    let e =
        Schema::parse("message m {\n when name = \"똠\"\n name X(2)\n}\n").expect_err("not euc-kr");
    assert_eq!(e.category(), Category::Layout);
}

#[test]
fn framing_none_does_not_wait_for_bytes_a_shorter_message_lacks() {
    let s = Schema::parse(
        "encoding ascii\nframing none\nmessage a 2 {\n when k = \"A\"\n k X(1)\n x X(1)\n}\n\
         message b 8 {\n when k = \"B\" and z = \"Z\"\n k X(1)\n y X(4)\n z X(1)\n w X(2)\n}\n",
    )
    .expect("layout");
    let mut framer = Framer::new(&s);
    let mut buf = BytesMut::from(&b"AxAy"[..]);
    let a = framer.next_frame(&mut buf).expect("ok").expect("first");
    let b = framer.next_frame(&mut buf).expect("ok").expect("second");
    assert_eq!(
        (&a.telegram[..], &b.telegram[..], b.offset),
        (&b"Ax"[..], &b"Ay"[..], 2)
    );
    // A "B" telegram waits until its `z` has arrived.
    let mut buf = BytesMut::from(&b"B123"[..]);
    assert!(framer.next_frame(&mut buf).expect("ok").is_none());
    buf.extend_from_slice(b"4Z56");
    assert_eq!(
        &framer
            .next_frame(&mut buf)
            .expect("ok")
            .expect("frame")
            .telegram[..],
        b"B1234Z56"
    );
}

#[test]
fn framing_none_errors_carry_stream_offsets() {
    let s = Schema::parse(
        "encoding ascii\nframing none\nmessage a 3 {\n when k = \"A\"\n k X(1)\n x X(2)\n}\n",
    )
    .expect("layout");
    let mut framer = Framer::new(&s);
    let mut buf = BytesMut::from(&b"AxxAyyQzz"[..]);
    framer.next_frame(&mut buf).expect("ok").expect("first");
    framer.next_frame(&mut buf).expect("ok").expect("second");
    let e = framer.next_frame(&mut buf).expect_err("no match");
    assert_eq!(e.offset(), Some(6), "{e}");
}

#[test]
fn misleading_messages_say_what_is_wrong() {
    let e = Schema::parse("message m {\n n[2] 9(1)\n it[n, max=3] X(1)\n}\n")
        .expect_err("repeated count");
    assert!(e.to_string().contains("is itself repeated"), "{e}");
    let e = Schema::parse("key h\nrecord r {\n a X(1)\n}\nmessage m {\n h r\n}\n")
        .expect_err("record key");
    assert!(e.to_string().contains("is a record"), "{e}");
    let e = Schema::parse("record r {\n when a = \"1\"\n a X(1)\n}\nmessage m {\n x r\n}\n")
        .expect_err("when in record");
    assert!(
        e.to_string()
            .contains("`when` belongs to messages, not records"),
        "{e}"
    );
    let e = Schema::parse("message m {\r  f Q(3)\r}\r").expect_err("CR lines");
    assert_eq!(e.line_column(), Some((2, 5)), "{e}");
    let e = Schema::parse("message m {\n}\n").expect_err("empty");
    assert!(e.to_string().contains("has no field"), "{e}");
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let s = Schema::parse("\u{feff}message m 1 {\n a X(1)\n}\n").expect("layout");
    assert_eq!(s.decode(b"a").expect("decodes").name(), "m");
}

#[test]
fn two_conditions_on_one_field_count_once() {
    // Both messages test one field; `b` writes it twice. Equal specificity, so their
    // overlap ("1") is ambiguous.
    let e = Schema::parse(
        "message a {\n when k = \"1\"\n k X(1)\n}\nmessage b {\n when k in (\"1\", \"2\")\n when k = \"1\"\n k X(1)\n}\n",
    )
    .expect_err("ambiguous");
    assert!(e.to_string().contains("can match the same telegram"), "{e}");
}

#[test]
fn deeply_nested_groups_are_refused_not_a_stack_overflow() {
    let mut text = String::from("message m {\n");
    for i in 0..10_000 {
        text.push_str(&format!("g{i} {{\n"));
    }
    let e = Schema::parse(&text).expect_err("too deep");
    assert!(e.to_string().contains("groups nest too deep"), "{e}");
}

#[test]
fn long_names_in_nested_records_hit_a_limit_not_the_memory() {
    // Records two of the next deep, 17 levels: 131,072 leaves, each with a path of 17
    // names of 60 characters. Without a budget the field table would hold over 100 MB of
    // text for a 3 KB layout.
    let name = |c: char, k: usize| format!("{}{k:02}", c.to_string().repeat(58));
    let mut text = format!("record r0 {{\n  {} X(1)\n}}\n", name('x', 0));
    for k in 1..=17 {
        text.push_str(&format!(
            "record r{k} {{\n  {} r{}\n  {} r{}\n}}\n",
            name('a', k),
            k - 1,
            name('b', k),
            k - 1
        ));
    }
    text.push_str("message m {\n  top r17\n}\n");
    let e = Schema::parse(&text).expect_err("too much text");
    assert_eq!(e.category(), Category::Layout);
    assert!(
        e.to_string()
            .contains("MiB of field names, descriptions and field bytes"),
        "{e}"
    );
    // And a name longer than 64 characters is refused where it stands.
    let e = Schema::parse(&format!("message m {{\n  {} X(1)\n}}\n", "n".repeat(65)))
        .expect_err("long name");
    assert_eq!(
        e.to_string(),
        "<layout>:2:3: a name is at most 64 characters"
    );
}

#[test]
fn a_small_maximum_length_does_not_panic_on_long_lines() {
    let s = Schema::parse("encoding ascii\nframing lines\nmessage m 3 {\n a X(3)\n}\n")
        .expect("layout");
    // No line end within the maximum, fewer than 16 bytes in the buffer.
    let mut framer = Framer::new(&s).max_length(2);
    let mut buf = BytesMut::from(&b"abcd"[..]);
    let e = framer.next_frame(&mut buf).expect_err("too long");
    assert_eq!(
        e.to_string(),
        "frame at byte 0: a line longer than the maximum of 2 bytes, found \"abc\""
    );
    // A whole line over the maximum, shorter than 16 bytes.
    let mut framer = Framer::new(&s).max_length(2);
    let mut buf = BytesMut::from(&b"abc\n"[..]);
    let e = framer.next_frame(&mut buf).expect_err("too long");
    assert_eq!(
        e.to_string(),
        "frame at byte 0: a line longer than the maximum of 2 bytes, found \"abc\""
    );
}

#[test]
fn a_huge_width_is_refused_before_anything_is_allocated_for_it() {
    // From the layout fuzz target: a constant on an 889 MB field.
    let e = Schema::parse("message m {\n n X(000000889092579) = \"x\"\n}\n").expect_err("too wide");
    assert_eq!(
        e.to_string(),
        "<layout>:2:4: the field is wider than 16777216 bytes"
    );
    // Wide fields used many times hit the budget, not the memory.
    let mut text = String::from("record r {\n a X(4000000)\n}\nmessage m {\n");
    for i in 0..40 {
        text.push_str(&format!(" f{i} r\n"));
    }
    text.push_str("}\n");
    let e = Schema::parse(&text).expect_err("too many bytes");
    assert!(e.to_string().contains("field bytes"), "{e}");
}
