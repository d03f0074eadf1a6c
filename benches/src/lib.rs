//! Corpora and the hand-written baseline for fep's benchmarks.
//!
//! The baseline decodes and encodes the 300-byte firm-banking transfer telegram the way a
//! user would without fep: slices at fixed offsets, digits parsed by hand, EUC-KR through
//! encoding_rs, owned strings. It is the floor a generic engine is held against.

pub mod pcap;

use std::path::{Path, PathBuf};

use encoding_rs::EUC_KR;

pub mod shapes;

/// The four bench messages of `layouts/securities.layout`, by name: `order` (ASCII only),
/// `customer` (Hangul-heavy), `settlement` (numeric-heavy) and `history` (20 counted rows).
pub const SHAPES: [&str; 4] = ["order", "customer", "settlement", "history"];

/// The sample telegram of each of [`SHAPES`] (without its length prefix), in that order.
pub fn shape_telegrams() -> [Vec<u8>; 4] {
    let read = |name: &str| {
        std::fs::read(layouts().join("securities").join(name)).expect("sample")[4..].to_vec()
    };
    [
        read("order-request.bin"),
        read("customer-register.bin"),
        read("settlement.bin"),
        read("history-20.bin"),
    ]
}

/// How many different telegrams of each bench message `paired` and `instructions
/// MESSAGE:different` take in turn.
pub const DIFFERENT: usize = 1024;

/// `n` telegrams of bench message `name` (one of [`SHAPES`]), each with values of its own:
/// the sample's values (`sample`, without its length prefix) replaced by random ones of at
/// most their size, encoded by the layout. Korean text becomes random words with numbers
/// and spaces among them (syllables only where the sample's text has no ASCII, as in a
/// full-width field), other text random letters and digits, numbers random with at most
/// their digits (and their sign, half the time), dates and times random; the message code
/// and a repeat's count of rows stay. The same `seed` gives the same telegrams.
///
/// Decoding one telegram again and again lets the processor learn every branch of it
/// (where Hangul gives way to a space, where a pad starts); these are what a stream gives.
pub fn different_telegrams(name: &str, sample: &[u8], n: usize, seed: u64) -> Vec<Vec<u8>> {
    let schema = fep_core::Schema::load(layouts().join("securities.layout")).expect("layout");
    let msg = schema
        .decode(sample)
        .expect("the sample decodes")
        .into_owned();
    assert_eq!(msg.name(), name, "the sample is a {name}");
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    (0..n)
        .map(|_| {
            let mut m = msg.clone();
            vary_record(m.fields_mut(), &mut rng);
            schema.encode(&m).expect("a different telegram encodes")
        })
        .collect()
}

/// Words for the different telegrams' Korean text, as `fep-py/bench/shapes.py` has them.
const WORDS: &[&str] = &[
    "서울",
    "부산",
    "대구",
    "인천",
    "광주",
    "대전",
    "울산",
    "세종",
    "강남구",
    "서초구",
    "송파구",
    "해운대구",
    "영등포구",
    "여의대로",
    "테헤란로",
    "한빛",
    "무역",
    "재무팀",
    "과장",
    "대리",
    "부장",
    "상담",
    "희망",
    "오후",
    "연락",
    "이전",
    "연금저축",
    "적극투자형",
    "안정형",
    "김영희",
    "이철수",
    "박민수",
    "최지우",
    "정다은",
    "파크원타워",
    "센터",
];
const SYLLABLES: &str = "가나다라마바사아자차카타파하김이박최정강조윤장임한오서신권황안송류홍";
const ASCII: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// xorshift64*: enough randomness for bench data, and the same from run to run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64 - 1) as usize]
    }
}

fn vary_record(r: &mut fep_core::Record<'static>, rng: &mut Rng) {
    let names: Vec<String> = r.iter().map(|(n, _)| n.to_string()).collect();
    for name in names {
        if name == "tr_code" || name == "count" {
            continue;
        }
        if let Some(v) = r.get_mut(&name) {
            vary(v, rng);
        }
    }
}

fn vary(v: &mut fep_core::Value<'static>, rng: &mut Rng) {
    use fep_core::{Date, Decimal, Time, Value};
    let digits = |m: u128| m.checked_ilog10().map_or(1, |d| d + 1);
    match v {
        Value::Record(r) => vary_record(r, rng),
        Value::List(items) => items.iter_mut().for_each(|i| vary(i, rng)),
        Value::Text(t) => *v = Value::Text(different_text(t, rng).into()),
        Value::Int(i) => {
            let m = rng.range(0, 10u64.pow(digits(i.unsigned_abs().into())) - 1) as i64;
            *v = Value::Int(if *i < 0 && rng.next().is_multiple_of(2) {
                -m
            } else {
                m
            });
        }
        Value::Decimal(d) => {
            let top = 10u64.pow(digits(d.mantissa().unsigned_abs()).min(18)) - 1;
            let m = i128::from(rng.range(0, top));
            let neg = d.mantissa() < 0 && rng.next().is_multiple_of(2);
            *v = Value::Decimal(Decimal::new(if neg { -m } else { m }, d.scale()));
        }
        Value::Date(_) => {
            let days = Date::new(2000, 1, 1).expect("a date").days_since_epoch();
            let d = Date::from_days_since_epoch(days + rng.range(0, 11_000) as i32);
            *v = Value::Date(d.expect("a date"));
        }
        Value::Time(_) => {
            let [h, m, s] = [23, 59, 59].map(|top| rng.range(0, top) as u8);
            *v = Value::Time(Time::new(h, m, Some(s)).expect("a time"));
        }
        _ => {}
    }
}

/// Text like `t`, of at most its size in EUC-KR.
fn different_text(t: &str, rng: &mut Rng) -> String {
    let room = EUC_KR.encode(t).0.len() as u64;
    if t.is_ascii() {
        let n = rng.range(room / 2, room);
        return (0..n).map(|_| char::from(*rng.pick(ASCII))).collect();
    }
    let syllables: Vec<char> = SYLLABLES.chars().collect();
    if !t.chars().any(|c| c.is_ascii()) {
        let n = rng.range(1, (room / 2).max(1));
        return (0..n).map(|_| *rng.pick(&syllables)).collect();
    }
    let goal = rng.range(room / 2, room) as usize;
    let mut out = String::new();
    loop {
        let word = if rng.next().is_multiple_of(4) {
            rng.range(1, 999).to_string()
        } else {
            rng.pick(WORDS).to_string()
        };
        let longer = if out.is_empty() {
            word
        } else {
            format!("{out} {word}")
        };
        if EUC_KR.encode(&longer).0.len() > goal {
            return out;
        }
        out = longer;
    }
}

/// The workspace's `layouts/` directory.
pub fn layouts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts")
}

/// The bundled transfer request and response telegrams (without their length prefix).
pub fn transfer_telegrams() -> [Vec<u8>; 2] {
    let read = |name: &str| {
        std::fs::read(layouts().join("firmbanking").join(name)).expect("sample")[4..].to_vec()
    };
    [read("transfer-request.bin"), read("transfer-response.bin")]
}

/// A deterministic capture: `n` framed transfer telegrams with rising telegram numbers.
pub fn capture(n: usize) -> Vec<u8> {
    let [req, resp] = transfer_telegrams();
    let mut out = Vec::with_capacity(n * 304);
    for i in 0..n {
        let t = if i % 2 == 0 { &req } else { &resp };
        out.extend_from_slice(b"0300");
        let start = out.len();
        out.extend_from_slice(t);
        let seq = format!("{:06}", i % 1_000_000);
        out[start + 32..start + 38].copy_from_slice(seq.as_bytes());
    }
    out
}

/// Request and response telegrams of one bundled layout for the correlator benchmarks:
/// `n` pairs, pair `i` carrying the number `i` in its key, so that the keys differ only
/// where a counterpart's would (a telegram number, a trace number, a reference).
#[derive(Debug, Clone)]
pub struct Pairs {
    /// The layout's name, as the benchmark names it.
    pub name: &'static str,
    /// The layout file, under `layouts/`.
    pub layout: &'static str,
    /// The request telegrams, without their length prefix.
    pub requests: Vec<Vec<u8>>,
    /// The response telegrams, without their length prefix; `responses[i]` answers
    /// `requests[i]`.
    pub responses: Vec<Vec<u8>>,
}

/// The telegram with `n` written as zero-padded digits over `at`.
pub fn numbered(t: &[u8], at: std::ops::Range<usize>, n: usize) -> Vec<u8> {
    let mut t = t.to_vec();
    let digits = format!("{n:0width$}", width = at.len());
    t[at.clone()].copy_from_slice(&digits.as_bytes()[digits.len() - at.len()..]);
    t
}

/// The layouts with a key and both a request and a response among their samples, each as
/// `n` numbered pairs:
///
/// - `transfer`: the firm-banking transfer (300 bytes); key send date, bank, company and
///   telegram number (`header.seq_no`, bytes 32..38), four parts.
/// - `card`: the UTF-8 card approval (150 bytes); key terminal and trace number
///   (`trace_no`, bytes 17..23). The response is the request with an approval number and
///   a response code filled in.
/// - `remittance`: the EUC-KR foreign remittance (600 bytes, request 0100 and response
///   0110); key the 16-byte reference (`ref_no`, bytes 6..22), its last 6 digits numbered.
///
/// (`member-cp949` has a key but only a request among its samples.)
pub fn correlation_pairs(n: usize) -> Vec<Pairs> {
    let read = |dir: &str, name: &str, prefix: usize| {
        std::fs::read(layouts().join(dir).join(name)).expect("sample")[prefix..].to_vec()
    };
    let make = |req: &[u8], resp: &[u8], at: std::ops::Range<usize>| {
        (0..n)
            .map(|i| (numbered(req, at.clone(), i), numbered(resp, at.clone(), i)))
            .unzip::<_, _, Vec<_>, Vec<_>>()
    };
    let [req, resp] = transfer_telegrams();
    let (transfer_req, transfer_resp) = make(&req, &resp, 32..38);
    let card_req = read("card-utf8", "approval-request.bin", 2);
    let mut card_resp = card_req.clone();
    card_resp[126..136].copy_from_slice(b"4812930100");
    let (card_req, card_resp) = make(&card_req, &card_resp, 17..23);
    let (fx_req, fx_resp) = make(
        &read("forex-remittance", "remittance-request.bin", 4),
        &read("forex-remittance", "remittance-response.bin", 4),
        16..22,
    );
    vec![
        Pairs {
            name: "transfer",
            layout: "firmbanking.layout",
            requests: transfer_req,
            responses: transfer_resp,
        },
        Pairs {
            name: "card",
            layout: "card-utf8.layout",
            requests: card_req,
            responses: card_resp,
        },
        Pairs {
            name: "remittance",
            layout: "forex-remittance.layout",
            requests: fx_req,
            responses: fx_resp,
        },
    ]
}

/// A layout with 32 messages told apart by a 4-byte code and a 3-byte task code, each
/// 100 bytes; and one telegram for each message.
pub fn many_messages() -> (String, Vec<Vec<u8>>) {
    let mut layout = String::from("encoding euc-kr\n");
    let mut telegrams = Vec::new();
    for i in 0..32 {
        let code = format!("{:04}", 1000 + i * 100);
        let task = format!("{:03}", 100 + i % 4);
        layout.push_str(&format!(
            "message m{i} 100 {{\n  when code = \"{code}\" and task = \"{task}\"\n  code X(4)\n  task X(3)\n  seq 9(6)\n  amount S9(13) sign leading\n  name X(20)\n  memo X(20)\n  _ X(33)\n}}\n"
        ));
        let mut t = format!("{code}{task}{:06}+{:013}", i, i * 1000).into_bytes();
        t.extend_from_slice(format!("{:<20}{:<20}{:33}", "NAME", "MEMO", "").as_bytes());
        telegrams.push(t);
    }
    (layout, telegrams)
}

/// The transfer telegram, decoded by hand into owned values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transfer {
    pub system_id: String,
    pub company_id: String,
    pub bank_code: u16,
    pub msg_code: String,
    pub task_code: String,
    pub send_count: u8,
    pub seq_no: u32,
    pub send_date: (u16, u8, u8),
    pub send_time: (u8, u8, u8),
    pub resp_code: String,
    pub reserved: String,
    pub debit_acct: String,
    pub password: String,
    pub verify_code: String,
    pub amount: Option<u64>,
    pub balance: Option<i64>,
    pub credit_bank: Option<u16>,
    pub credit_acct: String,
    pub fee: Option<u64>,
    pub cms_code: String,
    pub memo: String,
    pub holder_id: String,
    pub holder_name: String,
    pub orig_seq_no: String,
    pub fee_waiver: String,
    pub fund_type: String,
}

/// Why the hand-written decoder refused a telegram.
#[derive(Debug, PartialEq, Eq)]
pub struct BadField(pub &'static str);

fn text(b: &[u8]) -> Result<String, BadField> {
    let end = b.len() - b.iter().rev().take_while(|&&c| c == b' ').count();
    match EUC_KR.decode_without_bom_handling_and_without_replacement(&b[..end]) {
        Some(s) => Ok(s.into_owned()),
        None => Err(BadField("text")),
    }
}

fn digits(b: &[u8], what: &'static str) -> Result<Option<u64>, BadField> {
    if b.iter().all(|&c| c == b' ') {
        return Ok(None);
    }
    let mut v = 0u64;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(BadField(what));
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Ok(Some(v))
}

fn signed(b: &[u8], what: &'static str) -> Result<Option<i64>, BadField> {
    if b.iter().all(|&c| c == b' ') {
        return Ok(None);
    }
    let neg = match b[0] {
        b'+' => false,
        b'-' => true,
        _ => return Err(BadField(what)),
    };
    let v = digits(&b[1..], what)?.unwrap_or(0) as i64;
    Ok(Some(if neg { -v } else { v }))
}

impl Transfer {
    /// Decodes the 300-byte transfer telegram at fixed offsets.
    pub fn decode(t: &[u8]) -> Result<Transfer, BadField> {
        if t.len() != 300 {
            return Err(BadField("length"));
        }
        let d = |a: usize, b: usize, w| digits(&t[a..b], w);
        let date = d(38, 46, "send_date")?.ok_or(BadField("send_date"))?;
        let time = d(46, 52, "send_time")?.ok_or(BadField("send_time"))?;
        let (y, m, day) = (
            (date / 10000) as u16,
            (date / 100 % 100) as u8,
            (date % 100) as u8,
        );
        if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
            return Err(BadField("send_date"));
        }
        let (hh, mm, ss) = (
            (time / 10000) as u8,
            (time / 100 % 100) as u8,
            (time % 100) as u8,
        );
        if hh > 23 || mm > 59 || ss > 59 {
            return Err(BadField("send_time"));
        }
        if !t[247..300].iter().all(|&c| c == b' ') {
            return Err(BadField("filler"));
        }
        Ok(Transfer {
            system_id: text(&t[0..9])?,
            company_id: text(&t[9..21])?,
            bank_code: d(21, 24, "bank_code")?.unwrap_or(0) as u16,
            msg_code: text(&t[24..28])?,
            task_code: text(&t[28..31])?,
            send_count: d(31, 32, "send_count")?.unwrap_or(0) as u8,
            seq_no: d(32, 38, "seq_no")?.unwrap_or(0) as u32,
            send_date: (y, m, day),
            send_time: (hh, mm, ss),
            resp_code: text(&t[52..56])?,
            reserved: String::from_utf8(t[56..100].to_vec()).map_err(|_| BadField("reserved"))?,
            debit_acct: text(&t[100..115])?,
            password: text(&t[115..123])?,
            verify_code: text(&t[123..129])?,
            amount: d(129, 142, "amount")?,
            balance: signed(&t[142..156], "balance")?,
            credit_bank: d(156, 159, "credit_bank")?.map(|v| v as u16),
            credit_acct: text(&t[159..174])?,
            fee: d(174, 183, "fee")?,
            cms_code: text(&t[183..199])?,
            memo: text(&t[199..213])?,
            holder_id: text(&t[213..226])?,
            holder_name: text(&t[226..238])?,
            orig_seq_no: text(&t[238..244])?,
            fee_waiver: text(&t[244..245])?,
            fund_type: text(&t[245..247])?,
        })
    }

    /// Encodes back into the 300-byte telegram.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), BadField> {
        fn text(out: &mut Vec<u8>, s: &str, w: usize) -> Result<(), BadField> {
            let (b, _, bad) = EUC_KR.encode(s);
            if bad || b.len() > w {
                return Err(BadField("text"));
            }
            out.extend_from_slice(&b);
            out.resize(out.len() + w - b.len(), b' ');
            Ok(())
        }
        fn num(out: &mut Vec<u8>, v: Option<u64>, w: usize) {
            match v {
                None => out.resize(out.len() + w, b' '),
                Some(v) => {
                    let s = v.to_string();
                    out.resize(out.len() + w - s.len(), b'0');
                    out.extend_from_slice(s.as_bytes());
                }
            }
        }
        out.reserve(300);
        text(out, &self.system_id, 9)?;
        text(out, &self.company_id, 12)?;
        num(out, Some(self.bank_code.into()), 3);
        text(out, &self.msg_code, 4)?;
        text(out, &self.task_code, 3)?;
        num(out, Some(self.send_count.into()), 1);
        num(out, Some(self.seq_no.into()), 6);
        let (y, m, d) = self.send_date;
        num(
            out,
            Some(u64::from(y) * 10000 + u64::from(m) * 100 + u64::from(d)),
            8,
        );
        let (h, mi, s) = self.send_time;
        num(
            out,
            Some(u64::from(h) * 10000 + u64::from(mi) * 100 + u64::from(s)),
            6,
        );
        text(out, &self.resp_code, 4)?;
        out.extend_from_slice(self.reserved.as_bytes());
        text(out, &self.debit_acct, 15)?;
        text(out, &self.password, 8)?;
        text(out, &self.verify_code, 6)?;
        num(out, self.amount, 13);
        match self.balance {
            None => out.resize(out.len() + 14, b' '),
            Some(v) => {
                out.push(if v < 0 { b'-' } else { b'+' });
                num(out, Some(v.unsigned_abs()), 13);
            }
        }
        num(out, self.credit_bank.map(u64::from), 3);
        text(out, &self.credit_acct, 15)?;
        num(out, self.fee, 9);
        text(out, &self.cms_code, 16)?;
        text(out, &self.memo, 14)?;
        text(out, &self.holder_id, 13)?;
        text(out, &self.holder_name, 12)?;
        text(out, &self.orig_seq_no, 6)?;
        text(out, &self.fee_waiver, 1)?;
        text(out, &self.fund_type, 2)?;
        out.resize(out.len() + 53, b' ');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_round_trips_and_agrees_with_fep() {
        let schema = fep_core::Schema::load(layouts().join("firmbanking.layout")).expect("layout");
        for t in transfer_telegrams() {
            let hand = Transfer::decode(&t).expect("decodes");
            let mut out = Vec::new();
            hand.encode(&mut out).expect("encodes");
            assert_eq!(out, t);
            let m = schema.decode(&t).expect("decodes");
            assert_eq!(
                m.get("holder_name").and_then(|v| v.as_str()),
                Some(hand.holder_name.as_str())
            );
            assert_eq!(m.get("balance").and_then(|v| v.as_i64()), hand.balance);
            assert_eq!(
                m.get("header.seq_no").and_then(|v| v.as_i64()),
                Some(i64::from(hand.seq_no))
            );
        }
    }

    #[test]
    fn the_corpora_decode() {
        let schema = fep_core::Schema::load(layouts().join("firmbanking.layout")).expect("layout");
        let n = fep_core::MessageReader::new(&schema, &capture(100)[..])
            .filter(|r| r.is_ok())
            .count();
        assert_eq!(n, 100);
        let (layout, telegrams) = many_messages();
        let many = fep_core::Schema::parse(&layout).expect("layout");
        for (i, t) in telegrams.iter().enumerate() {
            assert_eq!(many.decode(t).expect("decodes").name(), format!("m{i}"));
        }
    }
}
