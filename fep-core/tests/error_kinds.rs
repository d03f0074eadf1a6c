//! Error kinds that doors and redaction branch on: structured, with the category set where
//! the error is made.

use fep_core::{Category, Decimal, ErrorKind, Message, Record, Schema, Value};

fn schema() -> Schema {
    Schema::parse(
        r#"
encoding euc-kr
message m 20 {
  code  X(4) = "0100"
  name  G(4)
  pin   G(4) mask
  tag   X(4)
  amt   9(4)
}
"#,
    )
    .expect("layout compiles")
}

fn encode_err(field: &str, value: &str) -> fep_core::Error {
    let rec: Record<'static> = [(field.to_owned(), Value::Text(value.to_owned().into()))]
        .into_iter()
        .collect();
    schema()
        .encode(&Message::new("m", rec))
        .expect_err("the value does not fit")
}

#[test]
fn a_bad_character_is_its_own_kind_and_hidden_in_sensitive_fields() {
    let e = encode_err("name", "a");
    assert!(
        matches!(e.kind(), ErrorKind::BadChar { ch: 'a', .. }),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "m.name: 'a' is a single-byte character; a G field holds full-width characters only"
    );
    let e = encode_err("pin", "7");
    assert!(matches!(e.kind(), ErrorKind::BadValue(_)), "{e}");
    assert!(!e.to_string().contains('7'), "{e}");
}

#[test]
fn a_value_that_loses_its_pad_says_so() {
    let e = encode_err("tag", "ab ");
    assert!(
        matches!(
            e.kind(),
            ErrorKind::PadLost {
                pad: ' ',
                at_start: false
            }
        ),
        "{e}"
    );
    assert_eq!(e.category(), Category::Encoding);
    assert!(e.to_string().ends_with(
        "the value ends with the pad character ' ', which decoding removes; trim it or make the field raw"
    ));
}

#[test]
fn a_hex_dump_error_is_a_data_error_at_line_and_column() {
    let e = fep_core::hexdump::parse("3030\n30g0").expect_err("g is not hex");
    assert!(matches!(e.kind(), ErrorKind::HexDump(_)), "{e}");
    assert_eq!(e.category(), Category::Data);
    assert_eq!(e.line_column(), Some((2, 3)));
    assert!(e.to_string().starts_with("2:3: "), "{e}");
}

#[test]
fn reading_a_field_as_the_wrong_type_is_a_data_error() {
    let s = schema();
    let telegram = b"0100\xB0\xA1\xB0\xA1\xB0\xA1\xB0\xA1abcd0042";
    let view = s.view(telegram).expect("the telegram decodes");
    let tag = s.field("tag").expect("a field");
    let e = view.int(&tag).expect_err("text is not an integer");
    assert!(matches!(e.kind(), ErrorKind::WrongType { .. }), "{e}");
    assert_eq!(e.category(), Category::Data);
    let e = s.field("nope").expect_err("no such field");
    assert!(matches!(e.kind(), ErrorKind::UnknownField(_)), "{e}");
    assert_eq!(e.category(), Category::Data);
    // The same kind from an encode stays an encoding error.
    let rec: Record<'static> = [("nope".to_owned(), Value::Int(1))].into_iter().collect();
    let e = s
        .encode(&Message::new("m", rec))
        .expect_err("no such field");
    assert_eq!(e.category(), Category::Encoding);
}

#[test]
fn a_scalar_that_does_not_parse_carries_into_the_crate_error() {
    fn parse(s: &str) -> fep_core::Result<Decimal> {
        Ok(s.parse::<Decimal>()?)
    }
    let e = parse("1.2.3").expect_err("two points");
    assert!(matches!(e.kind(), ErrorKind::BadValue(_)), "{e}");
    assert_eq!(
        e.to_string(),
        "expected a decimal number such as \"-12.50\""
    );
}
