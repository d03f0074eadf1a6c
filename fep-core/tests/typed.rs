//! Typed Rust access through serde, without JSON in between.

use std::path::Path;

use fep_core::{Date, Decimal, Schema};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Header {
    system_id: String,
    company_id: String,
    bank_code: u16,
    msg_code: String,
    task_code: String,
    send_count: u8,
    seq_no: u32,
    send_date: Date,
    send_time: String,
    resp_code: String,
    reserved: String,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Transfer<'a> {
    header: Header,
    debit_acct: &'a str,
    password: String,
    verify_code: String,
    amount: u64,
    balance: Option<i64>,
    credit_bank: u16,
    credit_acct: String,
    fee: Option<Decimal>,
    cms_code: String,
    memo: String,
    holder_id: String,
    holder_name: String,
    orig_seq_no: String,
    fee_waiver: String,
    fund_type: String,
}

fn schema() -> Schema {
    Schema::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts/firmbanking.layout"))
        .expect("layout")
}

fn telegram(name: &str) -> Vec<u8> {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../layouts/firmbanking/{name}.bin"));
    std::fs::read(p).expect("bin")[4..].to_vec()
}

#[test]
fn decode_as_and_encode_from_round_trip() {
    let schema = schema();
    for name in ["transfer-request", "transfer-response"] {
        let t = telegram(name);
        let tr: Transfer<'_> = schema.decode_as(&t).expect("decodes");
        assert_eq!(tr.header.seq_no, 123);
        assert_eq!(tr.holder_name, "홍길동");
        assert_eq!(tr.debit_acct, "1002003004005");
        assert_eq!(
            schema.encode_from("transfer", &tr).expect("encodes"),
            t,
            "{name}"
        );
    }
    let t = telegram("transfer-response");
    let resp: Transfer<'_> = schema.decode_as(&t).expect("decodes");
    assert_eq!(resp.balance, Some(-2500));
    assert_eq!(resp.fee.map(|d| d.to_string()), Some("500".into()));
}

#[test]
fn a_field_the_layout_lacks_is_named() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        amount: u64,
        amonut: u64,
    }
    let e = schema()
        .decode_as::<Wrong>(&telegram("transfer-request"))
        .expect_err("missing");
    assert_eq!(
        e.to_string(),
        "transfer: the type needs a field `amonut` that this message does not have"
    );
}

#[test]
fn a_field_of_the_wrong_type_is_named() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        memo: u32,
    }
    let e = schema()
        .decode_as::<Wrong>(&telegram("transfer-request"))
        .expect_err("type");
    assert_eq!(
        e.to_string(),
        "transfer.memo: invalid type: string \"급여\", expected u32 (the layout gives a string)"
    );
}

#[test]
fn floats_are_refused_on_encode() {
    #[derive(Serialize)]
    struct Bad {
        amount: f64,
    }
    let e = schema()
        .encode_from("transfer", &Bad { amount: 1.5 })
        .expect_err("float");
    assert_eq!(
        e.to_string(),
        "transfer.amount: a float (1.5) is not an exact amount; use fep_core::Decimal, an integer or a decimal string"
    );
}
