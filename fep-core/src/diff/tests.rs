use crate::{Change, Record, Schema, Value};

/// A difference as (path, offset in A, offset in B, A's text, B's text).
type Row<'d> = (
    &'d str,
    Option<usize>,
    Option<usize>,
    Option<String>,
    Option<String>,
);

const LAYOUT: &str = r#"
encoding euc-kr

record header 10 {
  code    X(4)                "전문구분"
  seq     9(6)                "일련번호"
}

message order {
  when header.code = "0100"
  header   header
  acct     X(8)   mask        "계좌"
  pin      X(4)   secret      "비밀번호"
  name     X(10)              "성명"
  balance  S9(7)  sign leading "잔액"
  count    9(2)               "건수"
  items[count, max=5] {
    qty    9(3)               "수량"
    price  S9(5)  sign leading "단가"
  }
}

message slots {
  when header.code = "0200"
  header   header
  n        9(1)
  rows[n, slots=3] {
    v      X(2)
  }
  tail     X(2)               "꼬리"
}

message reply 20 {
  when header.code = "0110"
  header   header
  result   X(10)              "결과"
}
"#;

fn schema() -> Schema {
    Schema::parse(LAYOUT).expect("the test layout compiles")
}

/// An order telegram in EUC-KR: the name is Korean text.
fn order(seq: &str, acct: &str, pin: &str, name: &str, balance: &str, items: &[&str]) -> Vec<u8> {
    let (name, _, _) = encoding_rs::EUC_KR.encode(name);
    let mut name = name.into_owned();
    name.resize(10, b' ');
    let mut t = Vec::new();
    t.extend_from_slice(b"0100");
    t.extend_from_slice(seq.as_bytes());
    t.extend_from_slice(acct.as_bytes());
    t.extend_from_slice(pin.as_bytes());
    t.extend_from_slice(&name);
    t.extend_from_slice(balance.as_bytes());
    t.extend_from_slice(format!("{:02}", items.len()).as_bytes());
    for i in items {
        t.extend_from_slice(i.as_bytes());
    }
    t
}

#[test]
fn equal_messages_have_no_difference() {
    let s = schema();
    let t = order(
        "000001",
        "12345678",
        "1111",
        "홍길동",
        "+0000100",
        &["001+00500"],
    );
    let a = s.decode(&t).expect("decodes");
    let b = s.decode(&t).expect("decodes");
    let d = s.diff(&a, &b);
    assert!(d.is_equal());
    assert!(d.fields.is_empty());
    // header.code, header.seq, acct, pin, name, balance, count, qty, price.
    assert_eq!(d.compared, 9);
}

#[test]
fn nested_records_signs_and_hangul_with_offsets() {
    let s = schema();
    let ta = order(
        "000001",
        "12345678",
        "1111",
        "홍길동",
        "+0000100",
        &["001+00500"],
    );
    let tb = order(
        "000002",
        "12345678",
        "1111",
        "홍길순",
        "-0000100",
        &["001-00500"],
    );
    let (a, b) = (
        s.decode(&ta).expect("decodes"),
        s.decode(&tb).expect("decodes"),
    );
    let d = s.diff(&a, &b);
    let got: Vec<Row<'_>> = d
        .fields
        .iter()
        .map(|f| {
            (
                f.path.as_str(),
                f.offset_a,
                f.offset_b,
                f.a_text(false),
                f.b_text(false),
            )
        })
        .collect();
    let t = |s: &str| Some(s.to_owned());
    assert_eq!(
        got,
        [
            ("header.seq", Some(4), Some(4), t("1"), t("2")),
            ("name", Some(22), Some(22), t("\"홍길동\""), t("\"홍길순\"")),
            ("balance", Some(32), Some(32), t("100"), t("-100")),
            ("items[0].price", Some(45), Some(45), t("500"), t("-500")),
        ]
    );
    assert!(d.fields.iter().all(|f| f.change == Change::Changed));
    assert_eq!(d.fields[0].description, Some("일련번호"));
    assert_eq!(d.fields[1].length, 10);
}

#[test]
fn masked_and_secret_fields_are_hidden_unless_revealed() {
    let s = schema();
    let ta = order("000001", "12345678", "1111", "a", "+0000000", &[]);
    let tb = order("000001", "99995678", "2222", "a", "+0000000", &[]);
    let (a, b) = (
        s.decode(&ta).expect("decodes"),
        s.decode(&tb).expect("decodes"),
    );
    let d = s.diff(&a, &b);
    assert_eq!(d.fields.len(), 2);
    let acct = &d.fields[0];
    assert_eq!(acct.path, "acct");
    assert_eq!(acct.a_text(false).as_deref(), Some("\"****5678\""));
    assert_eq!(acct.b_text(false).as_deref(), Some("\"****5678\""));
    assert!(acct.hidden_difference(), "differs only where it is hidden");
    assert_eq!(acct.a_text(true).as_deref(), Some("\"12345678\""));
    assert_eq!(acct.b_json(true).as_deref(), Some("\"99995678\""));
    let pin = &d.fields[1];
    assert_eq!(pin.a_text(false).as_deref(), Some("\"****\""));
    assert_eq!(pin.b_json(false).as_deref(), Some("\"****\""));
    assert_eq!(pin.b_text(true).as_deref(), Some("\"2222\""));
    // No hidden value in the debug form either.
    let dbg = format!("{:?}", d.fields);
    assert!(!dbg.contains("1234") && !dbg.contains("2222"), "{dbg}");
}

#[test]
fn repeats_of_different_counts_give_whole_entries_on_one_side() {
    let s = schema();
    let ta = order(
        "000001",
        "12345678",
        "1111",
        "a",
        "+0000000",
        &["001+00001", "002+00002", "003+00003"],
    );
    let tb = order(
        "000001",
        "12345678",
        "1111",
        "a",
        "+0000000",
        &["001+00001", "009+00002"],
    );
    let (a, b) = (
        s.decode(&ta).expect("decodes"),
        s.decode(&tb).expect("decodes"),
    );
    let d = s.diff(&a, &b);
    let rows: Vec<(&str, Change, Option<usize>, Option<usize>)> = d
        .fields
        .iter()
        .map(|f| (f.path.as_str(), f.change, f.offset_a, f.offset_b))
        .collect();
    assert_eq!(
        rows,
        [
            ("count", Change::Changed, Some(40), Some(40)),
            ("items[1].qty", Change::Changed, Some(51), Some(51)),
            ("items[2]", Change::OnlyInA, Some(60), None),
        ]
    );
    assert_eq!(d.fields[2].length, 9);
    assert_eq!(
        d.fields[2].a_text(false).as_deref(),
        Some(r#"{"qty":3,"price":3}"#)
    );
    // The other way round, the extra entry is B's.
    let d = s.diff(&b, &a);
    assert_eq!(d.fields[2].path, "items[2]");
    assert_eq!(d.fields[2].change, Change::OnlyInB);
    assert_eq!(
        (d.fields[2].offset_a, d.fields[2].offset_b),
        (None, Some(60))
    );
    assert_eq!(d.fields[2].a_text(false), None);
}

#[test]
fn offsets_after_a_repeat_follow_each_side() {
    let s = schema();
    // slots=3: the area is 3 entries wide whatever the count, so `tail` stays put.
    let a = s.decode(b"0200000001" as &[u8]).err();
    assert!(a.is_some(), "a telegram too short is an error, not a diff");
    let ta = b"02000000012abcd  zz".to_vec();
    let tb = b"02000000011ab    yy".to_vec();
    let (a, b) = (
        s.decode(&ta).expect("decodes"),
        s.decode(&tb).expect("decodes"),
    );
    let d = s.diff(&a, &b);
    let rows: Vec<(&str, Change, Option<usize>, Option<usize>)> = d
        .fields
        .iter()
        .map(|f| (f.path.as_str(), f.change, f.offset_a, f.offset_b))
        .collect();
    assert_eq!(
        rows,
        [
            ("n", Change::Changed, Some(10), Some(10)),
            ("rows[1]", Change::OnlyInA, Some(13), None),
            ("tail", Change::Changed, Some(17), Some(17)),
        ]
    );
}

#[test]
fn different_messages_compare_what_they_share() {
    let s = schema();
    let ta = order("000001", "12345678", "1111", "a", "+0000000", &[]);
    let a = s.decode(&ta).expect("decodes");
    let b = s.decode(b"0110000002OK        ").expect("decodes");
    let d = s.diff(&a, &b);
    assert!(!d.same_message());
    assert!(!d.is_equal());
    assert_eq!((d.message_a, d.message_b), ("order", "reply"));
    assert_eq!(d.compared, 2, "the header's two fields");
    let paths: Vec<&str> = d.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["header.code", "header.seq"]);
    // Different messages that share equal fields are still not equal.
    let c = s.decode(b"0110000001OK        ").expect("decodes");
    let d = s.diff(&b, &c);
    assert!(d.same_message());
    assert_eq!(d.fields.len(), 1);
    assert_eq!(d.fields[0].path, "header.seq");
}

#[test]
fn hand_built_messages_missing_fields_and_integer_forms() {
    let s = schema();
    let header: Record<'_> = [
        ("code", Value::Text("0110".into())),
        ("seq", Value::UInt(7)),
    ]
    .into_iter()
    .collect();
    let a = crate::Message::new(
        "reply",
        [("header", Value::Record(header.clone()))]
            .into_iter()
            .collect(),
    );
    let b = s.decode(b"0110000007OK        ").expect("decodes");
    let d = s.diff(&a, &b);
    // seq 7 as UInt equals 7 as Int; `result` is missing on A.
    assert_eq!(d.fields.len(), 1);
    assert_eq!(d.fields[0].path, "result");
    assert_eq!(d.fields[0].change, Change::OnlyInB);
    assert_eq!(d.fields[0].offset_b, Some(10));
    // A message the layout does not know has no fields to compare.
    let x = crate::Message::new("nothing", Record::new());
    let d = s.diff(&x, &b);
    assert_eq!(d.compared, 0);
    assert!(!d.same_message());
}

#[test]
fn a_long_list_in_a_hand_built_message_costs_its_own_length() {
    // Entries beyond the layout's bound are compared as given, one difference each: the
    // walk allocates by what the messages hold, never by a count field's value.
    let s = schema();
    let ta = order("000001", "12345678", "1111", "a", "+0000000", &[]);
    let a = s.decode(&ta).expect("decodes");
    let mut b = a.clone();
    let entry: Record<'_> = [("qty", Value::Int(1)), ("price", Value::Int(1))]
        .into_iter()
        .collect();
    b.fields_mut().set("count", Value::Int(99));
    b.fields_mut()
        .set("items", Value::List(vec![Value::Record(entry); 1000]));
    let d = s.diff(&a, &b);
    assert_eq!(d.fields.len(), 1 + 1000);
    assert!(d.fields[1..].iter().all(|f| f.change == Change::OnlyInB));
}
