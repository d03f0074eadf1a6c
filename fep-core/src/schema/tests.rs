//! Tests of the field table, dispatch and introspection.

use super::info::{FieldInfo, RepeatInfo};
use super::*;

#[test]
fn field_info_lists_the_layout() {
    let s = Schema::parse(
        "message m {\n n 9(1)\n amount S9(5) sign trailing mask \"금액\"\n items[n, slots=3] {\n  v X(2)\n }\n}\n",
    )
    .expect("layout");
    let m = s.message("m").expect("message");
    let f: Vec<FieldInfo<'_>> = m.fields().collect();
    assert_eq!(
        f.iter()
            .map(|f| (
                f.path(),
                f.offset(),
                f.width(),
                f.type_text(),
                f.attributes_text()
            ))
            .collect::<Vec<_>>(),
        vec![
            ("n", Some(0), 1, "9(1)", ""),
            ("amount", Some(1), 6, "S9(5)", "sign trailing mask"),
            ("items[]", Some(7), 2, "group", ""),
            ("items[].v", Some(7), 2, "X(2)", ""),
        ]
    );
    assert_eq!(
        f[2].repeat(),
        RepeatInfo::Counted {
            count_path: "n",
            bound: 3,
            slots: true
        }
    );
    assert_eq!(f[1].description(), Some("금액"));
    assert_eq!((f[1].digits(), f[1].scale()), (Some(5), Some(0)));
    let t = Schema::parse("message m 4 {\n t 9(4) time(\"hhmm\")\n}\n").expect("layout");
    let tf = t.message("m").expect("m").fields().next().expect("field");
    assert_eq!(tf.temporal_pattern(), Some("hhmm"));
    assert_eq!(m.length(), Some(13));
}

/// Each of the three dispatch paths: up to eight values a discriminator (inline), up to
/// 64 messages (packed keys, binary search), and more (byte-string keys, wide sets).
#[test]
fn dispatch_chooses_right_on_every_path() {
    for n in [5usize, 20, 70] {
        let mut text = String::from("encoding ascii\n");
        for i in 0..n {
            text.push_str(&format!(
                "message m{i} 5 {{\n when code = \"{i:03}\"\n code X(3)\n rest X(2)\n}}\n"
            ));
        }
        // A generic fallback and a more specific variant of m1.
        text.push_str("message any 5 {\n code X(3)\n rest X(2)\n}\n");
        text.push_str(
            "message m1x 5 {\n when code = \"001\" and rest = \"XX\"\n code X(3)\n rest X(2)\n}\n",
        );
        let s = Schema::parse(&text).expect("layout");
        assert_eq!(s.inner.dispatch.inline.is_empty(), n > 8, "{n}");
        for i in 0..n {
            let t = format!("{i:03}ab");
            assert_eq!(
                s.dispatch(t.as_bytes()).expect("matches").name(),
                format!("m{i}"),
                "{n}"
            );
        }
        assert_eq!(s.dispatch(b"001XX").expect("matches").name(), "m1x", "{n}");
        assert_eq!(s.dispatch(b"999ab").expect("matches").name(), "any", "{n}");
    }
}

#[test]
fn schema_is_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Schema>();
}
