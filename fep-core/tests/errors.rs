//! One named test per error kind, each asserting the whole message: the message name,
//! the field path, the byte offset and length, and what was found.

use fep_core::{Category, ErrorKind, Message, Record, Schema, Value};

const LAYOUT: &str = r#"
encoding euc-kr
record head 8 {
  code      X(4)                  "전문구분코드"
  kind      X(1) = "A"            "종류"
  seq       9(3)                  "일련번호"
}
message pay {
  when head.code in ("1000", "1100")
  head      head
  amount    9(5)                  "금액"
  balance   S9(4) sign leading    "잔액"
  date      9(8)  date            "일자"
  time      9(6)  time            "시각"
  name      X(6)                  "예금주명"
  acct      X(6)  mask            "계좌번호"
  pin       X(4)  secret          "비밀번호"
  ref       X(3)  required        "참조"
  n         9(2)                  "건수"
  items[n, max=3] {
    v       9(2)                  "값"
  }
}
message other 10 {
  when head.code = "2000"
  head      head
  rest      X(2)
}
"#;

fn schema() -> Schema {
    Schema::parse_named("test.layout", LAYOUT).expect("layout compiles")
}

/// A valid `pay` telegram, with `patch` bytes written at `at`.
fn pay(at: usize, patch: &[u8]) -> Vec<u8> {
    let mut t = b"1000A001".to_vec(); // head 0..8
    t.extend_from_slice(b"00100"); // amount 8..13
    t.extend_from_slice(b"-025"); // balance 13..17 -- wrong width, fixed below
    t.truncate(13);
    t.extend_from_slice(b"+0025"); // balance 13..18
    t.extend_from_slice(b"20240315"); // date 18..26
    t.extend_from_slice(b"093015"); // time 26..32
    t.extend_from_slice(b"\xC8\xAB\xB1\xE6  "); // name 32..38 (홍길)
    t.extend_from_slice(b"123456"); // acct 38..44
    t.extend_from_slice(b"9999"); // pin 44..48
    t.extend_from_slice(b"R01"); // ref 48..51
    t.extend_from_slice(b"02"); // n 51..53
    t.extend_from_slice(b"1122"); // items 53..57
    t[at..at + patch.len()].copy_from_slice(patch);
    t
}

fn decode_err(t: &[u8]) -> String {
    let e = schema().decode(t).expect_err("should fail");
    assert_eq!(e.category(), Category::Data, "{e}");
    e.to_string()
}

#[test]
fn valid_telegram_decodes() {
    let t = pay(0, b"");
    let m = schema().decode(&t).expect("decodes");
    assert_eq!(m.get("items[1].v"), Some(&Value::Int(22)));
}

#[test]
fn too_short() {
    assert_eq!(
        decode_err(b"2000A0011"),
        "other (at byte 9): telegram too short: the message needs 10 bytes, found 9"
    );
}

#[test]
fn too_long() {
    assert_eq!(
        decode_err(b"2000A00112X"),
        "other (bytes 10..11): telegram too long: the message is 10 bytes, found 11"
    );
    let mut t = pay(0, b"");
    t.push(b'9');
    assert_eq!(
        decode_err(&t),
        "pay (bytes 57..58): telegram too long: the message is 57 bytes, found 58"
    );
}

#[test]
fn no_message_matches() {
    assert_eq!(
        decode_err(b"3000A00112"),
        "(bytes 0..10): no message matches: head.code = \"3000\"; head.code takes \"1000\", \"1100\", \"2000\""
    );
    assert_eq!(
        decode_err(b"30"),
        "(bytes 0..2): no message matches: head.code = (telegram too short)"
    );
}

#[test]
fn non_digit_in_a_numeric() {
    assert_eq!(
        decode_err(&pay(8, b"0O1")),
        "pay.amount (bytes 8..13): expected digits, found \"0O100\" (byte 1 of the field, 'O')"
    );
}

#[test]
fn bad_sign() {
    assert_eq!(
        decode_err(&pay(13, b"*")),
        "pay.balance (bytes 13..18): bad sign: expected '+' or '-', found \"*0025\""
    );
    assert_eq!(
        decode_err(&pay(13, b"-0000")),
        "pay.balance (bytes 13..18): bad sign: '-' before zero; zero is written with '+', found \"-0000\""
    );
}

#[test]
fn impossible_date_or_time() {
    assert_eq!(
        decode_err(&pay(18, b"20230229")),
        "pay.date (bytes 18..26): impossible date: day 29 of 2023-02, found \"20230229\""
    );
    assert_eq!(
        decode_err(&pay(26, b"245959")),
        "pay.time (bytes 26..32): impossible time: hour 24, found \"245959\""
    );
}

#[test]
fn constant_mismatch() {
    assert_eq!(
        decode_err(&pay(4, b"B")),
        "pay.head.kind (bytes 4..5): expected the constant \"A\", found \"B\""
    );
}

#[test]
fn hangul_split_at_the_field_end() {
    // 홍길 plus the first byte of 동 (B5 BF): the field ends inside a syllable.
    assert_eq!(
        decode_err(&pay(32, b"\xC8\xAB\xB1\xE6 \xB5")),
        "pay.name (bytes 32..38): a double-byte (Hangul) character is split at the end of the field, found [C8 AB B1 E6 20 B5]"
    );
}

#[test]
fn bytes_invalid_in_the_encoding() {
    // 똠 in CP949 (8C 63) is not KS X 1001.
    assert_eq!(
        decode_err(&pay(32, b"\x8C\x63")),
        "pay.name (bytes 32..38): bytes invalid in euc-kr at field byte 0, found [8C 63 B1 E6 20 20]"
    );
}

#[test]
fn count_over_its_bound() {
    let mut t = pay(51, b"04");
    t.extend_from_slice(b"3344");
    assert_eq!(
        decode_err(&t),
        "pay.items (bytes 51..53): count 4 exceeds the bound of 3, found \"04\""
    );
}

#[test]
fn required_blank() {
    assert_eq!(
        decode_err(&pay(48, b"   ")),
        "pay.ref (bytes 48..51): required field is blank, found \"   \""
    );
}

#[test]
fn error_in_a_repeat_names_the_entry() {
    assert_eq!(
        decode_err(&pay(55, b"2x")),
        "pay.items[1].v (bytes 55..57): expected digits, found \"2x\" (byte 1 of the field, 'x')"
    );
}

#[test]
fn sensitive_fields_never_show_their_bytes() {
    let e = decode_err(&pay(38, b"\xFF23456"));
    assert_eq!(
        e,
        "pay.acct (bytes 38..44): bytes invalid in euc-kr at field byte 0"
    );
    let schema = Schema::parse("message m 4 {\n pin 9(4) secret\n}\n").expect("layout");
    let e = schema.decode(b"12x4").expect_err("not digits").to_string();
    assert_eq!(e, "m.pin (bytes 0..4): expected digits");
    assert!(!format!("{:?}", schema.decode(b"12x4").expect_err("not digits")).contains("12x4"));
}

// ---------------------------------------------------------------- encode errors

fn encode_err(edit: impl FnOnce(&mut Record<'static>)) -> (ErrorKind, String) {
    let schema = schema();
    let m = schema.decode(&pay(0, b"")).expect("decodes").into_owned();
    let mut fields = m.fields().clone();
    edit(&mut fields);
    let e = schema
        .encode(&Message::new("pay", fields))
        .expect_err("should fail");
    assert_eq!(e.category(), Category::Encoding, "{e}");
    let text = e.to_string();
    let kind = match e.kind() {
        ErrorKind::ValueTooLong {
            bytes,
            width,
            encoding,
        } => ErrorKind::ValueTooLong {
            bytes: *bytes,
            width: *width,
            encoding,
        },
        _ => ErrorKind::BadValue(String::new()),
    };
    (kind, text)
}

#[test]
fn encode_value_too_long() {
    let (_, e) = encode_err(|r| r.set("name", Value::Text("홍길동이".into())));
    assert_eq!(e, "pay.name: value is 8 bytes in euc-kr, the field holds 6");
}

#[test]
fn encode_character_not_in_the_encoding() {
    let (_, e) = encode_err(|r| r.set("name", Value::Text("똠".into())));
    assert_eq!(
        e,
        "pay.name: character '똠' (U+B620) cannot be encoded in euc-kr (it is outside KS X 1001; the layout would need encoding cp949)"
    );
    let (_, e) = encode_err(|r| r.set("name", Value::Text("😀".into())));
    assert_eq!(
        e,
        "pay.name: character '😀' (U+1F600) cannot be encoded in euc-kr"
    );
}

#[test]
fn encode_missing_required() {
    let (_, e) = encode_err(|r| {
        r.remove("ref");
    });
    assert_eq!(e, "pay.ref: missing required field");
}

#[test]
fn encode_unknown_field() {
    let (_, e) = encode_err(|r| r.set("amuont", Value::Int(1)));
    assert_eq!(e, "pay.amuont: unknown field \"amuont\"");
}

#[test]
fn encode_number_out_of_range() {
    let (_, e) = encode_err(|r| r.set("amount", Value::Int(123456)));
    assert_eq!(
        e,
        "pay.amount: number out of range: the value needs 6 digits, the field has 5"
    );
    let (_, e) = encode_err(|r| r.set("amount", Value::Int(-1)));
    assert_eq!(
        e,
        "pay.amount: number out of range: a negative value in an unsigned field"
    );
}

#[test]
fn encode_too_many_decimals() {
    let schema = Schema::parse("message m 5 {\n a 9(3)V9(2)\n}\n").expect("layout");
    let fields: Record<'_> = [("a", Value::Text("1.234".into()))].into_iter().collect();
    let e = schema
        .encode_record("m", &fields)
        .expect_err("too many")
        .to_string();
    assert_eq!(
        e,
        "m.a: too many decimals: the field has 2, the value has 3"
    );
    let fields: Record<'_> = [("a", Value::Text("1.230".into()))].into_iter().collect();
    assert_eq!(
        schema
            .encode_record("m", &fields)
            .expect("trailing zeros are exact"),
        b"00123"
    );
}

#[test]
fn encode_wrong_type() {
    let (_, e) = encode_err(|r| r.set("name", Value::Int(5)));
    assert_eq!(
        e,
        "pay.name: wrong type: expected a string, found an integer"
    );
    let (_, e) = encode_err(|r| r.set("items", Value::Text("x".into())));
    assert_eq!(e, "pay.items: wrong type: expected a list, found a string");
}

#[test]
fn encode_error_in_a_repeat_names_the_entry() {
    let (_, e) = encode_err(|r| {
        let item: Record<'_> = [("v", Value::Int(100))].into_iter().collect();
        r.set(
            "items",
            Value::List(vec![Value::Record(item.clone()), Value::Record(item)]),
        );
    });
    assert_eq!(
        e,
        "pay.items[0].v: number out of range: the value needs 3 digits, the field has 2"
    );
}

#[test]
fn encode_count_must_match_entries() {
    let (_, e) = encode_err(|r| r.set("n", Value::Int(3)));
    assert_eq!(e, "pay.items: count is 3 but 2 entries are given");
}

#[test]
fn encode_fills_a_missing_count() {
    let schema = schema();
    let m = schema.decode(&pay(0, b"")).expect("decodes").into_owned();
    let mut fields = m.fields().clone();
    fields.remove("n");
    assert_eq!(
        schema.encode_record("pay", &fields).expect("encodes"),
        pay(0, b"")
    );
}

#[test]
fn encode_unknown_message() {
    let e = schema()
        .encode_record("nope", &Record::new())
        .expect_err("unknown")
        .to_string();
    assert_eq!(e, "unknown message \"nope\"");
}

#[test]
fn encode_that_would_dispatch_elsewhere() {
    let (_, e) = encode_err(|r| {
        let mut head = r
            .get("head")
            .and_then(Value::as_record)
            .cloned()
            .expect("head");
        head.set("code", Value::Text("2000".into()));
        r.set("head", Value::Record(head));
    });
    assert_eq!(
        e,
        "pay: the telegram would decode as message \"other\"; check the fields its conditions use"
    );
}

#[test]
fn encode_json_float_is_refused() {
    let e =
        serde_json::from_str::<Message<'static>>(r#"{"message":"pay","fields":{"amount":1.5}}"#)
            .expect_err("float");
    assert!(
        e.to_string()
            .starts_with("the number 1.5 is not an integer; write exact decimals as strings"),
        "{e}"
    );
}
