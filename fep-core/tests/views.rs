//! Views agree with a full decode for every field of every sample in `layouts/`; keys.

use std::path::Path;

use bytes::BytesMut;
use fep_core::{Framer, Schema, Value};

/// Every scalar path with indices, and its value, in a decoded record.
fn leaves<'v>(prefix: &str, v: &'v Value<'v>, out: &mut Vec<(String, &'v Value<'v>)>) {
    match v {
        Value::Record(r) => {
            for (n, v) in r.iter() {
                let p = if prefix.is_empty() {
                    n.to_owned()
                } else {
                    format!("{prefix}.{n}")
                };
                leaves(&p, v, out);
            }
        }
        Value::List(l) => {
            for (i, v) in l.iter().enumerate() {
                leaves(&format!("{prefix}[{i}]"), v, out);
            }
        }
        other => out.push((prefix.to_owned(), other)),
    }
}

fn samples() -> Vec<(Schema, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("layouts") {
        let p = entry.expect("entry").path();
        if p.extension().is_none_or(|e| e != "layout") {
            continue;
        }
        let schema = Schema::load(&p).expect("layout");
        for s in std::fs::read_dir(p.with_extension("")).expect("samples") {
            let s = s.expect("entry").path();
            if s.extension().is_none_or(|e| e != "bin") {
                continue;
            }
            let mut buf = BytesMut::from(&std::fs::read(&s).expect("bin")[..]);
            let mut framer = Framer::new(&schema);
            while let Some(f) = framer.next_frame(&mut buf).expect("frame") {
                out.push((schema.clone(), f.telegram.to_vec()));
            }
            if let Some(f) = framer.finish(&mut buf).expect("frame") {
                out.push((schema.clone(), f.telegram.to_vec()));
            }
        }
    }
    out
}

#[test]
fn views_agree_with_decode_for_every_field_of_every_sample() {
    let mut checked = 0;
    for (schema, t) in samples() {
        let msg = schema.decode(&t).expect("decodes");
        let root = Value::Record(msg.fields().clone());
        let mut all = Vec::new();
        leaves("", &root, &mut all);
        let view = schema.view(&t).expect("view");
        assert_eq!(view.message_name(), msg.name());
        for (path, want) in all {
            let f = schema
                .field(&path)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            let got = view.value(&f).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(&got, want, "{} {path}", msg.name());
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} fields");
}

#[test]
fn typed_access() {
    let schema =
        Schema::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts/firmbanking.layout"))
            .expect("layout");
    let wire = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts/firmbanking/balance-history.bin"),
    )
    .expect("bin");
    let t = &wire[4..];
    let view = schema.view(t).expect("view");
    let seq = schema.field("header.seq_no").expect("path");
    assert_eq!(view.int(&seq).expect("int"), Some(124));
    assert_eq!(
        view.str(&schema.field("header.company_id").expect("path"))
            .expect("str"),
        "TESTCO0001"
    );
    let amount = schema.field("items[1].amount").expect("path");
    assert_eq!(view.int(&amount).expect("int"), Some(-32000));
    let date = schema.field("items[0].date").expect("path");
    assert_eq!(
        view.date(&date).expect("date").map(|d| d.to_string()),
        Some("2024-03-14".into())
    );
    assert_eq!(
        view.raw(&schema.field("header.msg_code").expect("path"))
            .expect("raw"),
        b"7100"
    );
    // Only two entries are in this telegram: the third is refused, not read from pad.
    let e = view
        .int(&schema.field("items[2].amount").expect("path"))
        .expect_err("no entry");
    assert!(
        e.to_string()
            .contains("entry 2 is not in the telegram: the count is 2"),
        "{e}"
    );
    // Out of the layout's bound: refused when resolving.
    assert!(schema.field("items[10].amount").is_err());
    assert!(schema.field("nope").is_err());
    // Typed access to the wrong type says so.
    let e = view
        .int(&schema.field("header.company_id").expect("path"))
        .expect_err("text");
    assert!(e.to_string().contains("wrong type"), "{e}");
}

#[test]
fn entries_of_a_counted_repeat_are_read_only_while_the_count_includes_them() {
    // The count at a fixed place: entries read straight from the bytes while it includes
    // them, and refused (by the general path, with its words) when it does not.
    let schema = Schema::parse(
        "encoding ascii\nmessage m {\n  id X(2)\n  n 9(2)\n  rows[n, max=3] {\n    a 9(3)\n    s S9(3) sign leading\n  }\n}\n",
    )
    .expect("layout");
    let a1 = schema.field("rows[1].a").expect("path");
    let s1 = schema.field("rows[1].s").expect("path");
    let t = b"ID02001+005002-007";
    let view = schema.view(t).expect("view");
    assert_eq!(view.int(&a1).expect("a"), Some(2));
    assert_eq!(view.int(&s1).expect("s"), Some(-7));
    assert_eq!(view.value(&s1).expect("s"), Value::Int(-7));
    assert_eq!(
        view.decimal(&s1).expect("s").map(|d| d.to_string()),
        Some("-7".into())
    );
    let one = b"ID01001+005";
    let e = schema
        .view(one)
        .expect("view")
        .int(&a1)
        .expect_err("one entry");
    assert!(
        e.to_string()
            .contains("entry 1 is not in the telegram: the count is 1"),
        "{e}"
    );
    // A count that is not digits is the count field's error, not a read of the entry.
    let bad = b"ID0x001+005002-007";
    if let Ok(view) = schema.view(bad) {
        let e = view.int(&a1).expect_err("bad count");
        assert!(e.to_string().contains('n'), "{e}");
    }
}

#[test]
fn fields_after_a_counted_repeat_are_found() {
    let schema = Schema::parse(
        "encoding ascii\nmessage m {\n  n 9(1)\n  items[n, max=3] {\n    v X(2)\n  }\n  tail X(3)\n}\n",
    )
    .expect("layout");
    let t = b"2aabbEND";
    let view = schema.view(t).expect("view");
    assert_eq!(
        view.str(&schema.field("tail").expect("path"))
            .expect("tail"),
        "END"
    );
    assert_eq!(
        view.str(&schema.field("items[1].v").expect("path"))
            .expect("v"),
        "bb"
    );
    let t = b"0END";
    assert_eq!(
        schema
            .view(t)
            .expect("view")
            .str(&schema.field("tail").expect("path"))
            .expect("tail"),
        "END"
    );
}

#[test]
fn keys_join_the_key_fields() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    let schema = Schema::load(dir.join("firmbanking.layout")).expect("layout");
    let req = std::fs::read(dir.join("firmbanking/transfer-request.bin")).expect("bin");
    let resp = std::fs::read(dir.join("firmbanking/transfer-response.bin")).expect("bin");
    let k = schema.key(&req[4..]).expect("key");
    assert_eq!(k, "20240315|004|TESTCO0001|000123");
    // A response carries the key of its request.
    assert_eq!(schema.key(&resp[4..]).expect("key"), k);
    let no_key = Schema::parse("message m 1 {\n a X(1)\n}\n").expect("layout");
    assert!(no_key.key(b"a").is_err());
}

#[test]
fn paths_parse_once_and_bad_ones_say_why() {
    let schema =
        fep_core::Schema::parse("message m 10 {\n code X(4)\n items[2] {\n v 9(3)\n }\n}\n")
            .expect("layout");
    let e = schema.field("items..v").expect_err("bad path");
    assert!(matches!(e.kind(), fep_core::ErrorKind::BadPath(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "bad field path \"items..v\": an empty field name"
    );
    let path: fep_core::FieldPath = "items[1].v".parse().expect("path");
    let by_path = schema.field_at(&path).expect("field");
    let by_text = schema.field("items[1].v").expect("field");
    let view = schema.view(b"ABCD001002").expect("view");
    assert_eq!(view.int(&by_path).expect("int"), Some(2));
    assert_eq!(view.int(&by_text).expect("int"), Some(2));
    let msg = schema.decode(b"ABCD001002").expect("decode");
    assert_eq!(msg.get_path(&path), msg.get("items[1].v"));
    assert_eq!(
        msg.get("items[1].v").and_then(fep_core::Value::as_i64),
        Some(2)
    );
    assert_eq!(msg.get("items[x].v"), None);
}

#[test]
fn a_field_at_different_places_in_different_messages_is_read_at_each() {
    // 70 messages (beyond the 64 whose reads share one entry): the even ones have `amt`
    // right after the code, the odd ones three bytes further, the last none at all.
    let mut text = String::new();
    for k in 0..70 {
        text.push_str(&format!(
            "message m{k} 20 {{\n  when code = \"{k:02}\"\n  code X(2)\n"
        ));
        match k {
            69 => text.push_str("  rest X(18)\n"),
            k if k % 2 == 0 => text.push_str("  amt S9(10) sign leading\n  name X(7)\n"),
            _ => text.push_str("  pad X(3)\n  amt S9(10) sign leading\n  name X(4)\n"),
        }
        text.push_str("}\n");
    }
    let schema = Schema::parse(&text).expect("layout");
    let amt = schema.field("amt").expect("path");
    let name = schema.field("name").expect("path");
    for k in 0..70i64 {
        let t = match k {
            69 => format!("{k:02}{:18}", "x"),
            k if k % 2 == 0 => format!("{k:02}-{:010}EVEN   ", 1000 + k),
            _ => format!("{k:02}abc+{:010}ODD ", 2000 + k),
        };
        let view = schema.view(t.as_bytes()).expect("view");
        let decoded = schema.decode(t.as_bytes()).expect("decodes");
        match k {
            69 => {
                assert!(view.int(&amt).is_err(), "m69 has no amt");
                assert!(view.str(&name).is_err(), "m69 has no name");
            }
            k => {
                let want = if k % 2 == 0 { -(1000 + k) } else { 2000 + k };
                assert_eq!(view.int(&amt).expect("int"), Some(want), "m{k}");
                assert_eq!(decoded.get("amt"), Some(&Value::Int(want)), "m{k}");
                let want = if k % 2 == 0 { "EVEN" } else { "ODD" };
                assert_eq!(view.str(&name).expect("str"), want, "m{k}");
            }
        }
    }
}
