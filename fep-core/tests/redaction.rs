//! Sensitive fields in every human-facing output: `Debug`, `Display`, redacted JSON,
//! explain, and error messages never show a `mask` value whole (only its last 4
//! characters) nor a `secret` value at all. Programmatic access returns the real values.

use std::path::Path;

use fep_core::{Message, Schema, Value};

const ACCOUNT: &str = "1002003004005"; // debit_acct, mask
const CREDIT: &str = "110222333444"; // credit_acct, mask
const HOLDER: &str = "800101"; // holder_id, mask
const PASSWORD: &str = "4321"; // password, secret

fn setup() -> (Schema, Vec<u8>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    let schema = Schema::load(dir.join("firmbanking.layout")).expect("layout");
    let t = std::fs::read(dir.join("firmbanking/transfer-request.bin")).expect("bin")[4..].to_vec();
    (schema, t)
}

fn assert_hidden(what: &str, text: &str) {
    for secret in [ACCOUNT, CREDIT, HOLDER, PASSWORD] {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
}

#[test]
fn messages_print_redacted() {
    let (schema, t) = setup();
    let m = schema.decode(&t).expect("decodes");
    let outputs = [
        ("Debug", format!("{m:?}")),
        ("pretty Debug", format!("{m:#?}")),
        ("Display", format!("{m}")),
        (
            "redacted JSON",
            serde_json::to_string(&m.redacted()).expect("json"),
        ),
        ("record Debug", format!("{:?}", m.fields())),
        ("owned Debug", format!("{:?}", m.clone().into_owned())),
    ];
    for (what, text) in &outputs {
        assert_hidden(what, text);
        assert!(
            text.contains("*********4005"),
            "{what} keeps the last 4 characters: {text}"
        );
        assert!(text.contains("\"password\":\"****\""), "{what}: {text}");
    }
    // A nested mask inside a record (the header has none; a list of masked values does).
    let list = Schema::parse("message m 8 {\n accts[2] X(4) mask\n}\n").expect("layout");
    let lm = list.decode(b"ABCDWXYZ").expect("decodes");
    assert_eq!(
        format!("{lm}"),
        r#"{"message":"m","fields":{"accts":["ABCD","WXYZ"]}}"#
    );
    let list = Schema::parse("message m 10 {\n accts[2] X(5) mask\n}\n").expect("layout");
    let lm = list.decode(b"ABCDEVWXYZ").expect("decodes");
    assert_eq!(
        format!("{lm}"),
        r#"{"message":"m","fields":{"accts":["*BCDE","*WXYZ"]}}"#
    );
}

#[test]
fn programmatic_access_is_real() {
    let (schema, t) = setup();
    let m = schema.decode(&t).expect("decodes");
    assert_eq!(m.get("debit_acct").and_then(Value::as_str), Some(ACCOUNT));
    assert_eq!(m.get("password").and_then(Value::as_str), Some(PASSWORD));
    let json = serde_json::to_string(&m).expect("json");
    assert!(json.contains(ACCOUNT) && json.contains(PASSWORD));
}

#[test]
fn explain_hides_unless_revealed() {
    let (schema, t) = setup();
    let x = schema.explain(&t);
    let shown: String = x
        .fields
        .iter()
        .map(|f| f.value_text(false))
        .collect::<Vec<_>>()
        .join("\n");
    assert_hidden("explain", &shown);
    let revealed: String = x
        .fields
        .iter()
        .map(|f| f.value_text(true))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(revealed.contains(ACCOUNT) && revealed.contains(PASSWORD));
    for f in &x.fields {
        assert_eq!(
            f.raw_hidden(false),
            f.sensitivity != fep_core::Sensitivity::Plain,
            "{}",
            f.path
        );
    }
}

#[test]
fn errors_never_show_sensitive_bytes() {
    let (schema, t) = setup();
    // Break the byte after each sensitive field's value so that the field itself fails:
    // debit_acct is at 100..115, password 115..123, credit_acct 159..174.
    let cases: &[(usize, &str)] = &[
        (100 + 13, "debit_acct"),
        (115 + 4, "password"),
        (159 + 12, "credit_acct"),
    ];
    for &(at, path) in cases {
        let mut bad = t.clone();
        bad[at] = 0xFF;
        let e = schema.decode(&bad).expect_err("invalid byte");
        assert_eq!(e.path(), Some(path));
        let texts = [e.to_string(), format!("{e:?}"), e.detail()];
        for text in &texts {
            assert_hidden(path, text);
            assert!(!text.contains("found"), "{path}: {text}");
        }
        // explain of the same telegram shows the error but not the bytes as text.
        let x = schema.explain(&bad);
        let failing = x.fields.last().expect("a failing field");
        assert_eq!(failing.path, path);
        assert!(failing.raw_hidden(false));
        assert_hidden(path, failing.error.as_deref().unwrap_or(""));
    }
    // Encode errors do not show values either.
    let m = schema.decode(&t).expect("decodes").into_owned();
    let mut f = m.fields().clone();
    f.set("debit_acct", Value::Text(format!("{ACCOUNT}9999").into()));
    let e = schema
        .encode(&Message::new("transfer", f))
        .expect_err("too long");
    assert_hidden("encode error", &e.to_string());
    assert_hidden("encode error", &format!("{e:?}"));
}

#[test]
fn diff_hides_unless_revealed() {
    let (schema, telegram) = setup();
    let a = schema.decode(&telegram).expect("decodes");
    // Every sensitive field changed, and a plain one beside them.
    let mut b = a.clone();
    for (field, value) in [
        ("debit_acct", "9002003004005"),
        ("credit_acct", "910222333444"),
        ("holder_id", "900101"),
        ("password", "9999"),
        ("memo", "other"),
    ] {
        b.fields_mut().set(field, Value::Text(value.into()));
    }
    let d = schema.diff(&a, &b);
    assert_eq!(d.fields.len(), 5);
    let mut shown = format!("{d:?}");
    for f in &d.fields {
        for text in [
            f.a_text(false),
            f.b_text(false),
            f.a_json(false),
            f.b_json(false),
        ] {
            shown.push_str(&text.unwrap_or_default());
        }
    }
    assert_hidden("a diff", &shown);
    for other in ["9002003004005", "910222333444", "900101", "9999"] {
        assert!(!shown.contains(other), "a diff shows {other}:\n{shown}");
    }
    assert!(shown.contains("other"), "plain values are shown:\n{shown}");
    // Revealed, they are whole.
    let f = d
        .fields
        .iter()
        .find(|f| f.path == "password")
        .expect("password");
    assert_eq!(f.a_text(true).as_deref(), Some("\"4321\""));
}
