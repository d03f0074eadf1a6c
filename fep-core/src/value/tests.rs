//! Tests of the value tree, its scalars, JSON and redaction.

use super::sensitivity::mask_text;
use super::*;

#[test]
fn a_value_is_four_words() {
    // A decoded record is a vector of these: its size is the memory and the allocator
    // size class of every decode.
    assert_eq!(std::mem::size_of::<Value<'_>>(), 32);
}

#[test]
fn decimals_keep_their_mantissa_in_two_halves() {
    for m in [
        0,
        1,
        -1,
        i128::MAX,
        i128::MIN,
        1 << 64,
        -(1 << 64),
        u64::MAX as i128 + 7,
    ] {
        assert_eq!(Decimal::new(m, 2).mantissa(), m);
    }
    assert_eq!(
        "-12.50".parse::<Decimal>().map(|d| d.to_string()),
        Ok("-12.50".into())
    );
}

#[test]
fn decimal_text() {
    let cases: &[(i128, u8, &str)] = &[
        (123450, 3, "123.450"),
        (-2500, 2, "-25.00"),
        (5, 3, "0.005"),
        (-5, 1, "-0.5"),
        (0, 2, "0.00"),
        (42, 0, "42"),
    ];
    for &(m, s, want) in cases {
        let d = Decimal::new(m, s);
        assert_eq!(d.to_string(), want);
        assert_eq!(want.parse::<Decimal>(), Ok(d), "{want}");
    }
    for bad in ["", "-", "1.", ".5", "1.2.3", "1e5", "abc", " 1"] {
        assert!(bad.parse::<Decimal>().is_err(), "{bad:?}");
    }
}

#[test]
fn dates_are_checked() {
    assert_eq!(
        "2024-02-29".parse::<Date>().map(|d| d.to_string()),
        Ok("2024-02-29".into())
    );
    assert!("2023-02-29".parse::<Date>().is_err());
    assert!("2024-13-01".parse::<Date>().is_err());
    assert!("24:00:00".parse::<Time>().is_err());
    assert_eq!(
        "09:30".parse::<Time>().map(|t| t.to_string()),
        Ok("09:30".into())
    );
    assert_eq!(
        "2024-03-15T09:30:15"
            .parse::<DateTime>()
            .map(|t| t.to_string()),
        Ok("2024-03-15T09:30:15".into())
    );
}

#[test]
fn lookup_paths() {
    let item: Record<'_> = [("amount", Value::Int(5))].into_iter().collect();
    let rec: Record<'_> = [
        (
            "header",
            Value::Record([("seq_no", Value::Int(7))].into_iter().collect()),
        ),
        (
            "items",
            Value::List(vec![Value::Record(item.clone()), Value::Record(item)]),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(rec.lookup("header.seq_no"), Some(&Value::Int(7)));
    assert_eq!(rec.lookup("items[1].amount"), Some(&Value::Int(5)));
    assert_eq!(rec.lookup("items[2].amount"), None);
    assert_eq!(rec.lookup("nope"), None);
}

#[test]
fn json_round_trip_is_exact() {
    let text = r#"{"message":"m","fields":{"a":"x","b":-3,"c":18446744073709551615,"d":null,"e":[1,2],"f":{"g":"1.50"}}}"#;
    let m: Message<'static> = serde_json::from_str(text).expect("parses");
    assert_eq!(serde_json::to_string(&m).expect("serializes"), text);
}

#[test]
fn floats_are_refused() {
    let e = serde_json::from_str::<Value<'static>>("1.5").expect_err("float");
    assert!(
        e.to_string().contains("write exact decimals as strings"),
        "{e}"
    );
}

#[test]
fn masking() {
    assert_eq!(mask_text("1002003004005"), "*********4005");
    assert_eq!(mask_text("123"), "123");
    assert_eq!(mask_text("1234"), "1234");
    assert_eq!(mask_text(""), "");
    // Characters, not bytes: Hangul is hidden and kept by the character.
    assert_eq!(mask_text("홍길동님계좌"), "**동님계좌");
    assert_eq!(mask_text("계좌12"), "계좌12");
    // Longer than one run of stars.
    let long = "9".repeat(100);
    assert_eq!(mask_text(&long), format!("{}9999", "*".repeat(96)));
    let mut out = String::new();
    crate::Sensitivity::Secret
        .write_redacted("1234", &mut out)
        .expect("a string takes any text");
    crate::Sensitivity::Plain
        .write_redacted("ab", &mut out)
        .expect("a string takes any text");
    assert_eq!(out, "****ab");
}

#[test]
fn record_shapes_are_told_by_identity() {
    let schema = crate::Schema::parse(
        "message m 6 {\n  when a = \"AB\"\n  a X(2)\n  b 9(4)\n}\nmessage n 6 {\n  when a = \"EF\"\n  a X(2)\n  b 9(4)\n}\n",
    )
    .expect("the layout compiles");
    let one = schema.decode_message("m", b"AB0001").expect("decodes");
    let two = schema.decode_message("m", b"CD0002").expect("decodes");
    let shape = one.fields().shape();
    assert_eq!(shape.names().collect::<Vec<_>>(), ["a", "b"]);
    assert!(two.fields().has_shape(&shape), "one message, one shape");
    // Equal names are not the same names: another message, or a record built by hand.
    let other = schema.decode_message("n", b"EF0003").expect("decodes");
    assert!(!other.fields().has_shape(&shape));
    let by_hand: Record<'_> = [("a", Value::Null), ("b", Value::Null)]
        .into_iter()
        .collect();
    assert!(!by_hand.has_shape(&shape));
    // A record changed while the shape is held gets names of its own; the shape keeps its.
    let mut changed = two.fields().clone();
    changed.push("c", Value::Null);
    assert!(!changed.has_shape(&shape));
    assert_eq!(shape.names().len(), 2);
    let mut removed = two.fields().clone();
    removed.remove("a");
    assert!(!removed.has_shape(&shape));
    assert_eq!(shape.names().collect::<Vec<_>>(), ["a", "b"]);
}
