//! Hand-written decoders and encoders for the four messages of `layouts/securities.layout`
//! that the benchmarks run: an ASCII-only order, a Hangul-heavy customer record, a
//! numeric-heavy settlement and a history of counted rows.
//!
//! Each has exactly fep's semantics, so that the ratios compare like with like:
//!
//! - text without its trailing spaces; pure ASCII is borrowed (`Cow::Borrowed`), anything
//!   else is checked to be strict KS X 1001 and decoded by encoding_rs into an owned
//!   `String`; a `G` field drops its trailing full-width spaces and must hold double-byte
//!   characters only;
//! - numbers, dates and times: blank (all spaces) is `None`; digits are read by hand; a
//!   signed number must have its sign (`+` before zero, never `-0`); a date must exist;
//! - filler must be spaces; the message code must be the message's; the history's count
//!   must be at most 20 and say how long the telegram is.
//!
//! The encoders are the mirror: ASCII copied, Hangul through encoding_rs and checked to be
//! in KS X 1001, numbers written digit by digit into the output, no allocation but the
//! output's. `tests/shapes.rs` requires both to give fep's values on every field (and the
//! same borrowing), the same bytes back, and to accept and refuse the same telegrams.

use std::borrow::Cow;

use encoding_rs::EUC_KR;

use crate::BadField;

/// A date as (year, month, day).
pub type Ymd = (u16, u8, u8);
/// A time as (hour, minute, second).
pub type Hms = (u8, u8, u8);

// ------------------------------------------------------------------ reading

fn trim(b: &[u8], pad: u8) -> &[u8] {
    let mut end = b.len();
    while end > 0 && b[end - 1] == pad {
        end -= 1;
    }
    &b[..end]
}

/// True when every byte at or above 0x80 is half of a KS X 1001 pair (0xA1..=0xFE twice).
fn ks_x_1001(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        if b[i] < 0x80 {
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(&t) if (0xA1..=0xFE).contains(&b[i]) && (0xA1..=0xFE).contains(&t) => i += 2,
            _ => return false,
        }
    }
    true
}

fn hangul(b: &[u8], what: &'static str) -> Result<String, BadField> {
    if !ks_x_1001(b) {
        return Err(BadField(what));
    }
    EUC_KR
        .decode_without_bom_handling_and_without_replacement(b)
        .map(Cow::into_owned)
        .ok_or(BadField(what))
}

/// `X(n)`: space-padded text, ASCII borrowed.
fn text<'a>(b: &'a [u8], what: &'static str) -> Result<Cow<'a, str>, BadField> {
    let b = trim(b, b' ');
    if b.is_ascii() {
        return std::str::from_utf8(b)
            .map(Cow::Borrowed)
            .map_err(|_| BadField(what));
    }
    hangul(b, what).map(Cow::Owned)
}

/// `G(n)`: double-byte text padded with full-width spaces.
fn gtext<'a>(b: &'a [u8], what: &'static str) -> Result<Cow<'a, str>, BadField> {
    let mut end = b.len();
    while end >= 2 && b[end - 2..end] == [0xA1, 0xA1] {
        end -= 2;
    }
    let b = &b[..end];
    if b.is_empty() {
        return Ok(Cow::Borrowed(""));
    }
    if !b.len().is_multiple_of(2) || b.iter().step_by(2).any(|&c| c < 0x80) {
        return Err(BadField(what));
    }
    hangul(b, what).map(Cow::Owned)
}

fn blank(b: &[u8]) -> bool {
    b.iter().all(|&c| c == b' ')
}

/// Digits only, as a number.
fn digits(b: &[u8], what: &'static str) -> Result<u64, BadField> {
    let mut v = 0u64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return Err(BadField(what));
        }
        v = v * 10 + u64::from(d);
    }
    Ok(v)
}

/// `9(n)` and `9(i)V9(s)` (the mantissa): zero-padded digits, blank is `None`.
fn num(b: &[u8], what: &'static str) -> Result<Option<i64>, BadField> {
    match digits(b, what) {
        Ok(v) => Ok(Some(v as i64)),
        Err(e) if blank(b) => {
            let _ = e;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn signed(negative: bool, v: u64, what: &'static str) -> Result<Option<i64>, BadField> {
    match (negative, v) {
        (true, 0) => Err(BadField(what)),
        (true, v) => Ok(Some(-(v as i64))),
        (false, v) => Ok(Some(v as i64)),
    }
}

fn sign(c: u8, what: &'static str) -> Result<bool, BadField> {
    match c {
        b'+' => Ok(false),
        b'-' => Ok(true),
        _ => Err(BadField(what)),
    }
}

/// `S9(n) sign leading`.
fn leading(b: &[u8], what: &'static str) -> Result<Option<i64>, BadField> {
    if blank(b) {
        return Ok(None);
    }
    let negative = sign(b[0], what)?;
    signed(negative, digits(&b[1..], what)?, what)
}

/// `S9(n) sign trailing`.
fn trailing(b: &[u8], what: &'static str) -> Result<Option<i64>, BadField> {
    if blank(b) {
        return Ok(None);
    }
    let (last, head) = b.split_last().ok_or(BadField(what))?;
    let negative = sign(*last, what)?;
    signed(negative, digits(head, what)?, what)
}

/// `S9(n) sign overpunch`: the sign in the last digit (`{`, `A`-`I` plus; `}`, `J`-`R` minus).
fn overpunch(b: &[u8], what: &'static str) -> Result<Option<i64>, BadField> {
    if blank(b) {
        return Ok(None);
    }
    let (last, head) = b.split_last().ok_or(BadField(what))?;
    let (d, negative) = match *last {
        b'{' => (0, false),
        c @ b'A'..=b'I' => (c - b'A' + 1, false),
        b'}' => (0, true),
        c @ b'J'..=b'R' => (c - b'J' + 1, true),
        _ => return Err(BadField(what)),
    };
    signed(negative, digits(head, what)? * 10 + u64::from(d), what)
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

/// `9(8) date` (YYYYMMDD).
fn date(b: &[u8], what: &'static str) -> Result<Option<Ymd>, BadField> {
    let Some(v) = num(b, what)? else {
        return Ok(None);
    };
    let (y, m, d) = ((v / 10000) as u16, (v / 100 % 100) as u8, (v % 100) as u8);
    if d == 0 || d > days_in_month(y, m) {
        return Err(BadField(what));
    }
    Ok(Some((y, m, d)))
}

/// `9(6) time` (hhmmss).
fn time(b: &[u8], what: &'static str) -> Result<Option<Hms>, BadField> {
    let Some(v) = num(b, what)? else {
        return Ok(None);
    };
    let (h, m, s) = ((v / 10000) as u8, (v / 100 % 100) as u8, (v % 100) as u8);
    if h > 23 || m > 59 || s > 59 {
        return Err(BadField(what));
    }
    Ok(Some((h, m, s)))
}

fn check(ok: bool, what: &'static str) -> Result<(), BadField> {
    if ok { Ok(()) } else { Err(BadField(what)) }
}

fn owned(c: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(c.into_owned())
}

// ------------------------------------------------------------------ writing

fn put_text(out: &mut Vec<u8>, s: &str, w: usize) -> Result<(), BadField> {
    let start = out.len();
    if s.is_ascii() {
        out.extend_from_slice(s.as_bytes());
    } else {
        out.resize(start + s.len(), 0);
        let mut enc = EUC_KR.new_encoder();
        let (r, _, n) = enc.encode_from_utf8_without_replacement(s, &mut out[start..], true);
        out.truncate(start + n);
        if r != encoding_rs::EncoderResult::InputEmpty || !ks_x_1001(&out[start..]) {
            return Err(BadField("text"));
        }
    }
    let n = out.len() - start;
    if n > w || s.ends_with(' ') {
        return Err(BadField("text"));
    }
    out.resize(start + w, b' ');
    Ok(())
}

fn put_gtext(out: &mut Vec<u8>, s: &str, w: usize) -> Result<(), BadField> {
    let start = out.len();
    if !s.is_empty() {
        out.resize(start + s.len(), 0);
        let mut enc = EUC_KR.new_encoder();
        let (r, _, n) = enc.encode_from_utf8_without_replacement(s, &mut out[start..], true);
        out.truncate(start + n);
        let g = &out[start..];
        if r != encoding_rs::EncoderResult::InputEmpty
            || n > w
            || !n.is_multiple_of(2)
            || !ks_x_1001(g)
            || g.iter().step_by(2).any(|&c| c < 0x80)
            || g.ends_with(&[0xA1, 0xA1])
        {
            return Err(BadField("gtext"));
        }
    }
    while out.len() + 2 <= start + w {
        out.extend_from_slice(&[0xA1, 0xA1]);
    }
    Ok(())
}

/// `v` as exactly `w` zero-padded digits.
fn put_digits(out: &mut Vec<u8>, mut v: u64, w: usize) -> Result<(), BadField> {
    let start = out.len();
    out.resize(start + w, b'0');
    for c in out[start..].iter_mut().rev() {
        if v == 0 {
            break;
        }
        *c = b'0' + (v % 10) as u8;
        v /= 10;
    }
    if v != 0 {
        return Err(BadField("too many digits"));
    }
    Ok(())
}

fn put_num(out: &mut Vec<u8>, v: Option<i64>, w: usize) -> Result<(), BadField> {
    match v {
        None => {
            out.resize(out.len() + w, b' ');
            Ok(())
        }
        Some(v) if v < 0 => Err(BadField("negative")),
        Some(v) => put_digits(out, v as u64, w),
    }
}

fn put_leading(out: &mut Vec<u8>, v: Option<i64>, w: usize) -> Result<(), BadField> {
    match v {
        None => out.resize(out.len() + w, b' '),
        Some(v) => {
            out.push(if v < 0 { b'-' } else { b'+' });
            put_digits(out, v.unsigned_abs(), w - 1)?;
        }
    }
    Ok(())
}

fn put_trailing(out: &mut Vec<u8>, v: Option<i64>, w: usize) -> Result<(), BadField> {
    match v {
        None => out.resize(out.len() + w, b' '),
        Some(v) => {
            put_digits(out, v.unsigned_abs(), w - 1)?;
            out.push(if v < 0 { b'-' } else { b'+' });
        }
    }
    Ok(())
}

fn put_overpunch(out: &mut Vec<u8>, v: Option<i64>, w: usize) -> Result<(), BadField> {
    match v {
        None => out.resize(out.len() + w, b' '),
        Some(v) => {
            put_digits(out, v.unsigned_abs(), w)?;
            if let Some(last) = out.last_mut() {
                let d = *last - b'0';
                *last = match (v < 0, d) {
                    (false, 0) => b'{',
                    (false, d) => b'A' + d - 1,
                    (true, 0) => b'}',
                    (true, d) => b'J' + d - 1,
                };
            }
        }
    }
    Ok(())
}

fn put_date(out: &mut Vec<u8>, d: Option<Ymd>) -> Result<(), BadField> {
    put_num(
        out,
        d.map(|(y, m, d)| i64::from(y) * 10000 + i64::from(m) * 100 + i64::from(d)),
        8,
    )
}

fn put_time(out: &mut Vec<u8>, t: Option<Hms>) -> Result<(), BadField> {
    put_num(
        out,
        t.map(|(h, m, s)| i64::from(h) * 10000 + i64::from(m) * 100 + i64::from(s)),
        6,
    )
}

// ------------------------------------------------------------------ order (ASCII only)

/// `order` (200 bytes): every text field ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order<'a> {
    pub tr_code: Cow<'a, str>,
    pub account: Cow<'a, str>,
    pub branch: Cow<'a, str>,
    pub order_no: Option<i64>,
    pub orig_order_no: Option<i64>,
    pub order_date: Option<Ymd>,
    pub order_time: Option<Hms>,
    pub isin: Cow<'a, str>,
    pub market: Cow<'a, str>,
    pub side: Cow<'a, str>,
    pub order_type: Cow<'a, str>,
    pub quantity: Option<i64>,
    pub price: Option<i64>,
    pub condition: Cow<'a, str>,
    pub channel: Cow<'a, str>,
    pub ip_addr: Cow<'a, str>,
    pub mac_addr: Cow<'a, str>,
    pub user_id: Cow<'a, str>,
    pub resp_code: Cow<'a, str>,
}

impl<'a> Order<'a> {
    /// Decodes the 200-byte order at fixed offsets.
    pub fn decode(t: &'a [u8]) -> Result<Order<'a>, BadField> {
        check(t.len() == 200, "length")?;
        check(&t[0..4] == b"0100", "tr_code")?;
        check(blank(&t[158..200]), "filler")?;
        Ok(Order {
            tr_code: text(&t[0..4], "tr_code")?,
            account: text(&t[4..15], "account")?,
            branch: text(&t[15..18], "branch")?,
            order_no: num(&t[18..28], "order_no")?,
            orig_order_no: num(&t[28..38], "orig_order_no")?,
            order_date: date(&t[38..46], "order_date")?,
            order_time: time(&t[46..52], "order_time")?,
            isin: text(&t[52..64], "isin")?,
            market: text(&t[64..66], "market")?,
            side: text(&t[66..67], "side")?,
            order_type: text(&t[67..69], "order_type")?,
            quantity: num(&t[69..79], "quantity")?,
            price: num(&t[79..88], "price")?,
            condition: text(&t[88..89], "condition")?,
            channel: text(&t[89..91], "channel")?,
            ip_addr: text(&t[91..130], "ip_addr")?,
            mac_addr: text(&t[130..142], "mac_addr")?,
            user_id: text(&t[142..154], "user_id")?,
            resp_code: text(&t[154..158], "resp_code")?,
        })
    }

    /// Detaches from the telegram.
    pub fn into_owned(self) -> Order<'static> {
        Order {
            tr_code: owned(self.tr_code),
            account: owned(self.account),
            branch: owned(self.branch),
            order_no: self.order_no,
            orig_order_no: self.orig_order_no,
            order_date: self.order_date,
            order_time: self.order_time,
            isin: owned(self.isin),
            market: owned(self.market),
            side: owned(self.side),
            order_type: owned(self.order_type),
            quantity: self.quantity,
            price: self.price,
            condition: owned(self.condition),
            channel: owned(self.channel),
            ip_addr: owned(self.ip_addr),
            mac_addr: owned(self.mac_addr),
            user_id: owned(self.user_id),
            resp_code: owned(self.resp_code),
        }
    }

    /// Appends the 200-byte telegram.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), BadField> {
        out.reserve(200);
        put_text(out, &self.tr_code, 4)?;
        put_text(out, &self.account, 11)?;
        put_text(out, &self.branch, 3)?;
        put_num(out, self.order_no, 10)?;
        put_num(out, self.orig_order_no, 10)?;
        put_date(out, self.order_date)?;
        put_time(out, self.order_time)?;
        put_text(out, &self.isin, 12)?;
        put_text(out, &self.market, 2)?;
        put_text(out, &self.side, 1)?;
        put_text(out, &self.order_type, 2)?;
        put_num(out, self.quantity, 10)?;
        put_num(out, self.price, 9)?;
        put_text(out, &self.condition, 1)?;
        put_text(out, &self.channel, 2)?;
        put_text(out, &self.ip_addr, 39)?;
        put_text(out, &self.mac_addr, 12)?;
        put_text(out, &self.user_id, 12)?;
        put_text(out, &self.resp_code, 4)?;
        out.resize(out.len() + 42, b' ');
        Ok(())
    }
}

// ------------------------------------------------------------------ customer (Hangul)

/// `customer` (400 bytes): names, addresses, memos in EUC-KR, two `G` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer<'a> {
    pub tr_code: Cow<'a, str>,
    pub account: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub name_fw: Cow<'a, str>,
    pub birth_date: Option<Ymd>,
    pub phone: Cow<'a, str>,
    pub zip_code: Cow<'a, str>,
    pub address: Cow<'a, str>,
    pub address_detail: Cow<'a, str>,
    pub employer: Cow<'a, str>,
    pub job_title: Cow<'a, str>,
    pub branch_name: Cow<'a, str>,
    pub manager: Cow<'a, str>,
    pub risk_grade: Cow<'a, str>,
    pub memo: Cow<'a, str>,
    pub resp_code: Cow<'a, str>,
}

impl<'a> Customer<'a> {
    /// Decodes the 400-byte customer record at fixed offsets.
    pub fn decode(t: &'a [u8]) -> Result<Customer<'a>, BadField> {
        check(t.len() == 400, "length")?;
        check(&t[0..4] == b"0200", "tr_code")?;
        check(blank(&t[389..400]), "filler")?;
        Ok(Customer {
            tr_code: text(&t[0..4], "tr_code")?,
            account: text(&t[4..15], "account")?,
            name: text(&t[15..35], "name")?,
            name_fw: gtext(&t[35..55], "name_fw")?,
            birth_date: date(&t[55..63], "birth_date")?,
            phone: text(&t[63..78], "phone")?,
            zip_code: text(&t[78..83], "zip_code")?,
            address: text(&t[83..153], "address")?,
            address_detail: text(&t[153..203], "address_detail")?,
            employer: text(&t[203..243], "employer")?,
            job_title: text(&t[243..263], "job_title")?,
            branch_name: gtext(&t[263..283], "branch_name")?,
            manager: text(&t[283..295], "manager")?,
            risk_grade: text(&t[295..305], "risk_grade")?,
            memo: text(&t[305..385], "memo")?,
            resp_code: text(&t[385..389], "resp_code")?,
        })
    }

    /// Detaches from the telegram.
    pub fn into_owned(self) -> Customer<'static> {
        Customer {
            tr_code: owned(self.tr_code),
            account: owned(self.account),
            name: owned(self.name),
            name_fw: owned(self.name_fw),
            birth_date: self.birth_date,
            phone: owned(self.phone),
            zip_code: owned(self.zip_code),
            address: owned(self.address),
            address_detail: owned(self.address_detail),
            employer: owned(self.employer),
            job_title: owned(self.job_title),
            branch_name: owned(self.branch_name),
            manager: owned(self.manager),
            risk_grade: owned(self.risk_grade),
            memo: owned(self.memo),
            resp_code: owned(self.resp_code),
        }
    }

    /// Appends the 400-byte telegram.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), BadField> {
        out.reserve(400);
        put_text(out, &self.tr_code, 4)?;
        put_text(out, &self.account, 11)?;
        put_text(out, &self.name, 20)?;
        put_gtext(out, &self.name_fw, 20)?;
        put_date(out, self.birth_date)?;
        put_text(out, &self.phone, 15)?;
        put_text(out, &self.zip_code, 5)?;
        put_text(out, &self.address, 70)?;
        put_text(out, &self.address_detail, 50)?;
        put_text(out, &self.employer, 40)?;
        put_text(out, &self.job_title, 20)?;
        put_gtext(out, &self.branch_name, 20)?;
        put_text(out, &self.manager, 12)?;
        put_text(out, &self.risk_grade, 10)?;
        put_text(out, &self.memo, 80)?;
        put_text(out, &self.resp_code, 4)?;
        out.resize(out.len() + 11, b' ');
        Ok(())
    }
}

// ------------------------------------------------------------------ settlement (numbers)

/// `settlement` (250 bytes): implied decimals (mantissas, the scale in the comment),
/// leading, trailing and overpunched signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement<'a> {
    pub tr_code: Cow<'a, str>,
    pub account: Cow<'a, str>,
    pub trade_date: Option<Ymd>,
    pub settle_date: Option<Ymd>,
    pub isin: Cow<'a, str>,
    pub quantity: Option<i64>,
    /// Scale 2.
    pub price: Option<i64>,
    pub gross_amount: Option<i64>,
    /// Scale 2.
    pub commission: Option<i64>,
    pub tax: Option<i64>,
    /// Scale 4.
    pub fx_rate: Option<i64>,
    /// Scale 2.
    pub foreign_amount: Option<i64>,
    pub pnl: Option<i64>,
    /// Scale 4.
    pub pnl_rate: Option<i64>,
    /// Scale 2.
    pub accrued: Option<i64>,
    pub net_amount: Option<i64>,
    pub cash_before: Option<i64>,
    pub cash_after: Option<i64>,
    pub loan_balance: Option<i64>,
    /// Scale 2.
    pub margin_ratio: Option<i64>,
    pub resp_code: Cow<'a, str>,
}

impl<'a> Settlement<'a> {
    /// Decodes the 250-byte settlement at fixed offsets.
    pub fn decode(t: &'a [u8]) -> Result<Settlement<'a>, BadField> {
        check(t.len() == 250, "length")?;
        check(&t[0..4] == b"0300", "tr_code")?;
        check(blank(&t[233..250]), "filler")?;
        Ok(Settlement {
            tr_code: text(&t[0..4], "tr_code")?,
            account: text(&t[4..15], "account")?,
            trade_date: date(&t[15..23], "trade_date")?,
            settle_date: date(&t[23..31], "settle_date")?,
            isin: text(&t[31..43], "isin")?,
            quantity: num(&t[43..53], "quantity")?,
            price: num(&t[53..64], "price")?,
            gross_amount: num(&t[64..79], "gross_amount")?,
            commission: num(&t[79..92], "commission")?,
            tax: overpunch(&t[92..103], "tax")?,
            fx_rate: num(&t[103..113], "fx_rate")?,
            foreign_amount: leading(&t[113..129], "foreign_amount")?,
            pnl: trailing(&t[129..143], "pnl")?,
            pnl_rate: overpunch(&t[143..150], "pnl_rate")?,
            accrued: overpunch(&t[150..163], "accrued")?,
            net_amount: leading(&t[163..179], "net_amount")?,
            cash_before: leading(&t[179..195], "cash_before")?,
            cash_after: leading(&t[195..211], "cash_after")?,
            loan_balance: num(&t[211..224], "loan_balance")?,
            margin_ratio: num(&t[224..229], "margin_ratio")?,
            resp_code: text(&t[229..233], "resp_code")?,
        })
    }

    /// Detaches from the telegram.
    pub fn into_owned(self) -> Settlement<'static> {
        let numbers = self.numbers();
        Settlement {
            tr_code: owned(self.tr_code),
            account: owned(self.account),
            isin: owned(self.isin),
            resp_code: owned(self.resp_code),
            ..numbers
        }
    }

    fn numbers(&self) -> Settlement<'static> {
        Settlement {
            tr_code: Cow::Borrowed(""),
            account: Cow::Borrowed(""),
            trade_date: self.trade_date,
            settle_date: self.settle_date,
            isin: Cow::Borrowed(""),
            quantity: self.quantity,
            price: self.price,
            gross_amount: self.gross_amount,
            commission: self.commission,
            tax: self.tax,
            fx_rate: self.fx_rate,
            foreign_amount: self.foreign_amount,
            pnl: self.pnl,
            pnl_rate: self.pnl_rate,
            accrued: self.accrued,
            net_amount: self.net_amount,
            cash_before: self.cash_before,
            cash_after: self.cash_after,
            loan_balance: self.loan_balance,
            margin_ratio: self.margin_ratio,
            resp_code: Cow::Borrowed(""),
        }
    }

    /// Appends the 250-byte telegram.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), BadField> {
        out.reserve(250);
        put_text(out, &self.tr_code, 4)?;
        put_text(out, &self.account, 11)?;
        put_date(out, self.trade_date)?;
        put_date(out, self.settle_date)?;
        put_text(out, &self.isin, 12)?;
        put_num(out, self.quantity, 10)?;
        put_num(out, self.price, 11)?;
        put_num(out, self.gross_amount, 15)?;
        put_num(out, self.commission, 13)?;
        put_overpunch(out, self.tax, 11)?;
        put_num(out, self.fx_rate, 10)?;
        put_leading(out, self.foreign_amount, 16)?;
        put_trailing(out, self.pnl, 14)?;
        put_overpunch(out, self.pnl_rate, 7)?;
        put_overpunch(out, self.accrued, 13)?;
        put_leading(out, self.net_amount, 16)?;
        put_leading(out, self.cash_before, 16)?;
        put_leading(out, self.cash_after, 16)?;
        put_num(out, self.loan_balance, 13)?;
        put_num(out, self.margin_ratio, 5)?;
        put_text(out, &self.resp_code, 4)?;
        out.resize(out.len() + 17, b' ');
        Ok(())
    }
}

// ------------------------------------------------------------------ history (repeats)

/// One row of the history (100 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    pub trade_date: Option<Ymd>,
    pub seq: Option<i64>,
    pub kind: Cow<'a, str>,
    pub isin: Cow<'a, str>,
    pub quantity: Option<i64>,
    pub price: Option<i64>,
    pub amount: Option<i64>,
    pub balance: Option<i64>,
    pub memo: Cow<'a, str>,
}

/// `history`: a 54-byte head and `count` rows of 100 bytes, at most 20.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History<'a> {
    pub tr_code: Cow<'a, str>,
    pub account: Cow<'a, str>,
    pub from_date: Option<Ymd>,
    pub to_date: Option<Ymd>,
    pub next_key: Cow<'a, str>,
    pub count: Option<i64>,
    pub rows: Vec<Row<'a>>,
}

impl<'a> History<'a> {
    /// Decodes a history telegram: the head, then as many rows as its count says.
    pub fn decode(t: &'a [u8]) -> Result<History<'a>, BadField> {
        check(t.len() >= 54, "length")?;
        check(&t[0..4] == b"0400", "tr_code")?;
        let count = num(&t[51..54], "count")?;
        let n = count.ok_or(BadField("count"))? as usize;
        check(n <= 20, "count")?;
        check(t.len() == 54 + 100 * n, "length")?;
        let mut rows = Vec::with_capacity(n);
        for r in t[54..].chunks_exact(100) {
            rows.push(Row {
                trade_date: date(&r[0..8], "trade_date")?,
                seq: num(&r[8..13], "seq")?,
                kind: text(&r[13..17], "kind")?,
                isin: text(&r[17..29], "isin")?,
                quantity: num(&r[29..39], "quantity")?,
                price: num(&r[39..48], "price")?,
                amount: leading(&r[48..64], "amount")?,
                balance: leading(&r[64..80], "balance")?,
                memo: text(&r[80..100], "memo")?,
            });
        }
        Ok(History {
            tr_code: text(&t[0..4], "tr_code")?,
            account: text(&t[4..15], "account")?,
            from_date: date(&t[15..23], "from_date")?,
            to_date: date(&t[23..31], "to_date")?,
            next_key: text(&t[31..51], "next_key")?,
            count,
            rows,
        })
    }

    /// Detaches from the telegram.
    pub fn into_owned(self) -> History<'static> {
        History {
            tr_code: owned(self.tr_code),
            account: owned(self.account),
            from_date: self.from_date,
            to_date: self.to_date,
            next_key: owned(self.next_key),
            count: self.count,
            rows: self
                .rows
                .into_iter()
                .map(|r| Row {
                    trade_date: r.trade_date,
                    seq: r.seq,
                    kind: owned(r.kind),
                    isin: owned(r.isin),
                    quantity: r.quantity,
                    price: r.price,
                    amount: r.amount,
                    balance: r.balance,
                    memo: owned(r.memo),
                })
                .collect(),
        }
    }

    /// Appends the telegram (its length given by the number of rows).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), BadField> {
        check(self.rows.len() <= 20, "rows")?;
        check(self.count == Some(self.rows.len() as i64), "count")?;
        out.reserve(54 + 100 * self.rows.len());
        put_text(out, &self.tr_code, 4)?;
        put_text(out, &self.account, 11)?;
        put_date(out, self.from_date)?;
        put_date(out, self.to_date)?;
        put_text(out, &self.next_key, 20)?;
        put_num(out, self.count, 3)?;
        for r in &self.rows {
            put_date(out, r.trade_date)?;
            put_num(out, r.seq, 5)?;
            put_text(out, &r.kind, 4)?;
            put_text(out, &r.isin, 12)?;
            put_num(out, r.quantity, 10)?;
            put_num(out, r.price, 9)?;
            put_leading(out, r.amount, 16)?;
            put_leading(out, r.balance, 16)?;
            put_text(out, &r.memo, 20)?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ views

/// The three fields the view benchmarks read from each message, by hand (text where the
/// message has Hangul is Hangul). Returns a checksum of what was read: numbers added up,
/// text by its length in UTF-8 bytes.
pub mod view {
    use super::*;

    /// `order`: quantity, price and the ISIN.
    pub fn order(t: &[u8]) -> Result<i64, BadField> {
        check(t.len() == 200 && &t[0..4] == b"0100", "message")?;
        let q = num(&t[69..79], "quantity")?.unwrap_or(0);
        let p = num(&t[79..88], "price")?.unwrap_or(0);
        Ok(q + p + text(&t[52..64], "isin")?.len() as i64)
    }

    /// `customer`: the birth date (its year), the name and the address (both Hangul).
    pub fn customer(t: &[u8]) -> Result<i64, BadField> {
        check(t.len() == 400 && &t[0..4] == b"0200", "message")?;
        let d = date(&t[55..63], "birth_date")?.map_or(0, |(y, _, _)| i64::from(y));
        let name = text(&t[15..35], "name")?;
        let address = text(&t[83..153], "address")?;
        Ok(d + name.len() as i64 + address.len() as i64)
    }

    /// `settlement`: the net amount, the tax (overpunched) and the price (a decimal).
    pub fn settlement(t: &[u8]) -> Result<i64, BadField> {
        check(t.len() == 250 && &t[0..4] == b"0300", "message")?;
        let net = leading(&t[163..179], "net_amount")?.unwrap_or(0);
        let tax = overpunch(&t[92..103], "tax")?.unwrap_or(0);
        let price = num(&t[53..64], "price")?.unwrap_or(0);
        Ok(net + tax + price)
    }

    /// `history`: the count, the last row's balance and its memo.
    pub fn history(t: &[u8]) -> Result<i64, BadField> {
        check(t.len() >= 54 && &t[0..4] == b"0400", "message")?;
        let n = num(&t[51..54], "count")?.ok_or(BadField("count"))? as usize;
        check(n <= 20 && t.len() == 54 + 100 * n && n > 0, "count")?;
        let r = &t[54 + 100 * (n - 1)..];
        let balance = leading(&r[64..80], "balance")?.unwrap_or(0);
        let memo = text(&r[80..100], "memo")?;
        Ok(n as i64 + balance + memo.len() as i64)
    }
}

/// Any of the four messages, detached from its telegram: what the encode benchmarks start
/// from (as fep's start from a decoded `Message<'static>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Any {
    Order(Order<'static>),
    Customer(Customer<'static>),
    Settlement(Settlement<'static>),
    History(History<'static>),
}

/// The hand-written decode of any bench message, chosen by its message code, borrowing as
/// fep's `decode` does; the result is dropped through `black_box`, as a benchmark's loop
/// wants it. Panics on a telegram the decoders refuse (the bench telegrams are valid).
#[inline]
pub fn decode_and_drop(t: &[u8]) {
    use std::hint::black_box;
    match t.get(..4) {
        Some(b"0100") => drop(black_box(Order::decode(black_box(t)).expect("decodes"))),
        Some(b"0200") => drop(black_box(Customer::decode(black_box(t)).expect("decodes"))),
        Some(b"0300") => drop(black_box(
            Settlement::decode(black_box(t)).expect("decodes"),
        )),
        _ => drop(black_box(History::decode(black_box(t)).expect("decodes"))),
    }
}

impl Any {
    /// Decodes by the message code and detaches.
    pub fn decode(t: &[u8]) -> Result<Any, BadField> {
        Ok(match t.get(..4) {
            Some(b"0100") => Any::Order(Order::decode(t)?.into_owned()),
            Some(b"0200") => Any::Customer(Customer::decode(t)?.into_owned()),
            Some(b"0300") => Any::Settlement(Settlement::decode(t)?.into_owned()),
            Some(b"0400") => Any::History(History::decode(t)?.into_owned()),
            _ => return Err(BadField("tr_code")),
        })
    }

    /// Appends the telegram.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), BadField> {
        match self {
            Any::Order(m) => m.encode(out),
            Any::Customer(m) => m.encode(out),
            Any::Settlement(m) => m.encode(out),
            Any::History(m) => m.encode(out),
        }
    }
}

/// The 3-field view of one bench message: the paths, how fep's view reads them (typed
/// reads through resolved handles) and the hand-written equivalent; both give the same
/// checksum.
#[derive(Debug, Clone, Copy)]
pub struct ViewSpec {
    pub paths: [&'static str; 3],
    pub fep: fn(&fep_core::MessageView<'_, '_>, &[fep_core::FieldRef; 3]) -> i64,
    pub hand: fn(&[u8]) -> Result<i64, BadField>,
}

/// The view of the bench message `name` (one of [`crate::SHAPES`]).
pub fn view_spec(name: &str) -> ViewSpec {
    match name {
        "order" => ViewSpec {
            paths: ["quantity", "price", "isin"],
            fep: |v, f| {
                v.int(&f[0]).expect("int").unwrap_or(0)
                    + v.int(&f[1]).expect("int").unwrap_or(0)
                    + v.str(&f[2]).expect("str").len() as i64
            },
            hand: view::order,
        },
        "customer" => ViewSpec {
            paths: ["birth_date", "name", "address"],
            fep: |v, f| {
                v.date(&f[0])
                    .expect("date")
                    .map_or(0, |d| i64::from(d.year))
                    + v.str(&f[1]).expect("str").len() as i64
                    + v.str(&f[2]).expect("str").len() as i64
            },
            hand: view::customer,
        },
        "settlement" => ViewSpec {
            paths: ["net_amount", "tax", "price"],
            fep: |v, f| {
                v.int(&f[0]).expect("int").unwrap_or(0)
                    + v.int(&f[1]).expect("int").unwrap_or(0)
                    + v.decimal(&f[2])
                        .expect("decimal")
                        .map_or(0, |d| d.mantissa() as i64)
            },
            hand: view::settlement,
        },
        _ => ViewSpec {
            paths: ["count", "rows[19].balance", "rows[19].memo"],
            fep: |v, f| {
                v.int(&f[0]).expect("int").unwrap_or(0)
                    + v.int(&f[1]).expect("int").unwrap_or(0)
                    + v.str(&f[2]).expect("str").len() as i64
            },
            hand: view::history,
        },
    }
}
