//! The hand-written baselines of the bench messages (`fep_benches::shapes`) against fep:
//! the same value on every field, the same borrowing (ASCII borrowed, Hangul owned), the
//! same bytes back, and the same telegrams accepted and refused when any byte changes.

use std::borrow::Cow;

use fep_benches::shapes::{Customer, History, Hms, Order, Settlement, Ymd, view_spec};
use fep_benches::{BadField, SHAPES, different_telegrams, layouts, shape_telegrams};
use fep_core::{Date, Decimal, Message, Record, Schema, Time, Value};

fn schema() -> Schema {
    Schema::load(layouts().join("securities.layout")).expect("layout")
}

fn text<'a>(c: &Cow<'a, str>) -> Value<'a> {
    Value::Text(c.clone())
}

fn int(v: Option<i64>) -> Value<'static> {
    v.map_or(Value::Null, Value::Int)
}

fn dec(v: Option<i64>, scale: u8) -> Value<'static> {
    v.map_or(Value::Null, |m| {
        Value::Decimal(Decimal::new(i128::from(m), scale))
    })
}

fn date(v: Option<Ymd>) -> Value<'static> {
    v.map_or(Value::Null, |(y, m, d)| {
        Value::Date(Date::new(y, m, d).expect("a real date"))
    })
}

fn time(v: Option<Hms>) -> Value<'static> {
    v.map_or(Value::Null, |(h, m, s)| {
        Value::Time(Time::new(h, m, Some(s)).expect("a real time"))
    })
}

fn rec<'a>(fields: Vec<(&str, Value<'a>)>) -> Record<'a> {
    fields.into_iter().collect()
}

fn order<'a>(o: &Order<'a>) -> Record<'a> {
    rec(vec![
        ("tr_code", text(&o.tr_code)),
        ("account", text(&o.account)),
        ("branch", text(&o.branch)),
        ("order_no", int(o.order_no)),
        ("orig_order_no", int(o.orig_order_no)),
        ("order_date", date(o.order_date)),
        ("order_time", time(o.order_time)),
        ("isin", text(&o.isin)),
        ("market", text(&o.market)),
        ("side", text(&o.side)),
        ("order_type", text(&o.order_type)),
        ("quantity", int(o.quantity)),
        ("price", int(o.price)),
        ("condition", text(&o.condition)),
        ("channel", text(&o.channel)),
        ("ip_addr", text(&o.ip_addr)),
        ("mac_addr", text(&o.mac_addr)),
        ("user_id", text(&o.user_id)),
        ("resp_code", text(&o.resp_code)),
    ])
}

fn customer<'a>(c: &Customer<'a>) -> Record<'a> {
    rec(vec![
        ("tr_code", text(&c.tr_code)),
        ("account", text(&c.account)),
        ("name", text(&c.name)),
        ("name_fw", text(&c.name_fw)),
        ("birth_date", date(c.birth_date)),
        ("phone", text(&c.phone)),
        ("zip_code", text(&c.zip_code)),
        ("address", text(&c.address)),
        ("address_detail", text(&c.address_detail)),
        ("employer", text(&c.employer)),
        ("job_title", text(&c.job_title)),
        ("branch_name", text(&c.branch_name)),
        ("manager", text(&c.manager)),
        ("risk_grade", text(&c.risk_grade)),
        ("memo", text(&c.memo)),
        ("resp_code", text(&c.resp_code)),
    ])
}

fn settlement<'a>(s: &Settlement<'a>) -> Record<'a> {
    rec(vec![
        ("tr_code", text(&s.tr_code)),
        ("account", text(&s.account)),
        ("trade_date", date(s.trade_date)),
        ("settle_date", date(s.settle_date)),
        ("isin", text(&s.isin)),
        ("quantity", int(s.quantity)),
        ("price", dec(s.price, 2)),
        ("gross_amount", int(s.gross_amount)),
        ("commission", dec(s.commission, 2)),
        ("tax", int(s.tax)),
        ("fx_rate", dec(s.fx_rate, 4)),
        ("foreign_amount", dec(s.foreign_amount, 2)),
        ("pnl", int(s.pnl)),
        ("pnl_rate", dec(s.pnl_rate, 4)),
        ("accrued", dec(s.accrued, 2)),
        ("net_amount", int(s.net_amount)),
        ("cash_before", int(s.cash_before)),
        ("cash_after", int(s.cash_after)),
        ("loan_balance", int(s.loan_balance)),
        ("margin_ratio", dec(s.margin_ratio, 2)),
        ("resp_code", text(&s.resp_code)),
    ])
}

fn history<'a>(h: &History<'a>) -> Record<'a> {
    let rows = h
        .rows
        .iter()
        .map(|r| {
            Value::Record(rec(vec![
                ("trade_date", date(r.trade_date)),
                ("seq", int(r.seq)),
                ("kind", text(&r.kind)),
                ("isin", text(&r.isin)),
                ("quantity", int(r.quantity)),
                ("price", int(r.price)),
                ("amount", int(r.amount)),
                ("balance", int(r.balance)),
                ("memo", text(&r.memo)),
            ]))
        })
        .collect();
    rec(vec![
        ("tr_code", text(&h.tr_code)),
        ("account", text(&h.account)),
        ("from_date", date(h.from_date)),
        ("to_date", date(h.to_date)),
        ("next_key", text(&h.next_key)),
        ("count", int(h.count)),
        ("rows", Value::List(rows)),
    ])
}

/// The hand-written decoder chosen by the message code, as fep values.
fn hand(t: &[u8]) -> Result<Record<'_>, BadField> {
    match t.get(..4) {
        Some(b"0100") => Order::decode(t).map(|o| order(&o)),
        Some(b"0200") => Customer::decode(t).map(|c| customer(&c)),
        Some(b"0300") => Settlement::decode(t).map(|s| settlement(&s)),
        Some(b"0400") => History::decode(t).map(|h| history(&h)),
        _ => Err(BadField("tr_code")),
    }
}

/// Whether each text value, in order, is borrowed.
fn borrowing(r: &Record<'_>, out: &mut Vec<bool>) {
    fn value(v: &Value<'_>, out: &mut Vec<bool>) {
        match v {
            Value::Text(t) => out.push(matches!(t, Cow::Borrowed(_))),
            Value::List(l) => l.iter().for_each(|v| value(v, out)),
            Value::Record(r) => borrowing(r, out),
            _ => {}
        }
    }
    for (_, v) in r.iter() {
        value(v, out);
    }
}

fn samples() -> Vec<Vec<u8>> {
    let mut all = shape_telegrams().to_vec();
    let short = std::fs::read(layouts().join("securities/history-3.bin")).expect("sample");
    all.push(short[4..].to_vec());
    all
}

/// The samples, and different telegrams of each message (the benches' other set).
fn samples_and_different() -> Vec<Vec<u8>> {
    let mut all = samples();
    for (name, t) in SHAPES.iter().zip(shape_telegrams()) {
        let different = different_telegrams(name, &t, 25, 7);
        assert_eq!(different.len(), 25);
        for d in &different {
            assert_eq!(d.len(), t.len(), "{name}");
            assert_ne!(d, &t, "{name}");
        }
        all.extend(different);
    }
    all
}

#[test]
fn the_baselines_give_fep_s_value_on_every_field_and_borrow_alike() {
    let schema = schema();
    let mut hangul = 0;
    for t in samples_and_different() {
        let got = schema.decode(&t).expect("fep decodes");
        let want = hand(&t).expect("the baseline decodes");
        assert_eq!(got.fields(), &want, "{}", got.name());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        borrowing(got.fields(), &mut a);
        borrowing(&want, &mut b);
        assert_eq!(a, b, "{}: borrowed text", got.name());
        hangul += a.iter().filter(|b| !**b).count();
    }
    // The customer record alone has ten Hangul fields.
    assert!(hangul >= 10, "{hangul} owned texts");
}

#[test]
fn the_baselines_encode_the_same_bytes_as_fep() {
    let schema = schema();
    for t in samples_and_different() {
        let msg: Message<'static> = schema.decode(&t).expect("decodes").into_owned();
        assert_eq!(schema.encode(&msg).expect("fep encodes"), t);
        let mut out = Vec::new();
        match &t[..4] {
            b"0100" => Order::decode(&t)
                .expect("decodes")
                .into_owned()
                .encode(&mut out),
            b"0200" => Customer::decode(&t)
                .expect("decodes")
                .into_owned()
                .encode(&mut out),
            b"0300" => Settlement::decode(&t)
                .expect("decodes")
                .into_owned()
                .encode(&mut out),
            _ => History::decode(&t)
                .expect("decodes")
                .into_owned()
                .encode(&mut out),
        }
        .expect("the baseline encodes");
        assert_eq!(out, t, "{}", msg.name());
    }
}

#[test]
fn the_baselines_accept_and_refuse_what_fep_does() {
    let schema = schema();
    // Digits, spaces, signs, overpunch letters, Hangul lead and trail bytes, bytes outside
    // KS X 1001 and a control byte: at every offset of every sample.
    let bytes = [
        b'0', b'9', b' ', b'+', b'-', b'{', b'}', b'A', b'J', b'x', 0xA1, 0xB0, 0xC8, 0x81, 0xFF,
        0x00,
    ];
    let mut refused = 0;
    let mut cases = 0;
    for t in samples() {
        for i in 0..t.len() {
            for &b in &bytes {
                let mut m = t.clone();
                m[i] = b;
                let f = schema.decode(&m);
                let h = hand(&m);
                match (&f, &h) {
                    (Ok(f), Ok(h)) => assert_eq!(f.fields(), h, "byte {i} = {b:#04x}"),
                    (Err(_), Err(_)) => refused += 1,
                    _ => panic!(
                        "byte {i} = {b:#04x}: fep {:?}, the baseline {:?}",
                        f.as_ref().map(|_| ()).map_err(|e| e.to_string()),
                        h.as_ref().map(|_| ())
                    ),
                }
                cases += 1;
            }
        }
    }
    assert!(refused > cases / 4, "{refused} of {cases} refused");
}

#[test]
fn the_hand_written_views_read_what_fep_s_views_read() {
    let schema = schema();
    for (name, t) in SHAPES.iter().zip(shape_telegrams()) {
        let spec = view_spec(name);
        let f = spec.paths.map(|p| schema.field(p).expect("path"));
        let v = schema.view(&t).expect("view");
        let fep = (spec.fep)(&v, &f);
        assert_eq!((spec.hand)(&t), Ok(fep), "{name}");
        // Each read changes the sum: a read that came back empty would show.
        assert!(fep.abs() > 100, "{name}: {fep}");
    }
}
