//! Dates and times on the wire: `YYYYMMDD`, `hhmmss`, `YYYYMMDDhhmmss` and patterns such
//! as `date("YYMMDD")` or `date("YYYY-MM-DD")`, checked to be real dates and times.
//!
//! Tokens: `YYYY`, `YY`, `MM`, `DD`, `hh`, `mm`, `ss`; any other character is a literal
//! that must stand on the wire as written. A two-digit year is 1969-2068 (POSIX `%y`):
//! `00`-`68` are 2000-2068, `69`-`99` are 1969-1999; encode refuses years outside.

use crate::codec::number::all_digits;
use crate::error::ErrorKind;
use crate::value::scalar::{date_fault, date_numbers, time_fault, time_numbers};
use crate::value::{Date, DateTime, Time, Value};

/// What a temporal field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TemporalKind {
    Date,
    Time,
    DateTime,
}

impl TemporalKind {
    pub fn name(self) -> &'static str {
        match self {
            TemporalKind::Date => "date",
            TemporalKind::Time => "time",
            TemporalKind::DateTime => "datetime",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Year4,
    Year2,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Lit(u8),
}

fn tok_width(t: Tok) -> usize {
    match t {
        Tok::Year4 => 4,
        Tok::Lit(_) => 1,
        _ => 2,
    }
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub kind: TemporalKind,
    toks: Vec<Tok>,
    text: Box<str>,
    width: usize,
    has_seconds: bool,
    /// `YYYYMMDD`, `hhmmss` or `YYYYMMDDhhmmss`: decoded by a fast path.
    default: bool,
}

impl Pattern {
    /// Compiles a pattern; the default one when `text` is `None`.
    pub fn new(kind: TemporalKind, text: Option<&str>) -> Result<Pattern, String> {
        let text = text.unwrap_or(match kind {
            TemporalKind::Date => "YYYYMMDD",
            TemporalKind::Time => "hhmmss",
            TemporalKind::DateTime => "YYYYMMDDhhmmss",
        });
        let text_is_default = matches!(text, "YYYYMMDD" | "hhmmss" | "YYYYMMDDhhmmss");
        let mut toks = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (tok, len) = if rest.starts_with("YYYY") {
                (Tok::Year4, 4)
            } else if rest.starts_with("YY") {
                (Tok::Year2, 2)
            } else if rest.starts_with("MM") {
                (Tok::Month, 2)
            } else if rest.starts_with("DD") {
                (Tok::Day, 2)
            } else if rest.starts_with("hh") {
                (Tok::Hour, 2)
            } else if rest.starts_with("mm") {
                (Tok::Minute, 2)
            } else if rest.starts_with("ss") {
                (Tok::Second, 2)
            } else {
                let c = rest.as_bytes()[0];
                if !c.is_ascii() || c.is_ascii_alphanumeric() {
                    return Err(format!(
                        "unknown pattern text \"{rest}\"; use YYYY, YY, MM, DD, hh, mm, ss and punctuation"
                    ));
                }
                (Tok::Lit(c), 1)
            };
            if !matches!(tok, Tok::Lit(_)) && toks.contains(&tok) {
                return Err(format!("the pattern \"{text}\" repeats a part"));
            }
            toks.push(tok);
            rest = &rest[len..];
        }
        let has = |t: Tok| toks.contains(&t);
        let date_ok = (has(Tok::Year4) || has(Tok::Year2))
            && has(Tok::Month)
            && has(Tok::Day)
            && !(has(Tok::Year4) && has(Tok::Year2));
        let time_ok = has(Tok::Hour) && has(Tok::Minute);
        let any_date = has(Tok::Year4) || has(Tok::Year2) || has(Tok::Month) || has(Tok::Day);
        let any_time = has(Tok::Hour) || has(Tok::Minute) || has(Tok::Second);
        let ok = match kind {
            TemporalKind::Date => date_ok && !any_time,
            TemporalKind::Time => time_ok && !any_date,
            TemporalKind::DateTime => date_ok && time_ok,
        };
        if !ok {
            return Err(format!(
                "the pattern \"{text}\" does not make a {}: a date needs a year, MM and DD; a time needs hh and mm",
                kind.name()
            ));
        }
        let width = toks.iter().map(|&t| tok_width(t)).sum();
        Ok(Pattern {
            kind,
            text: text.into(),
            has_seconds: has(Tok::Second),
            default: text_is_default,
            toks,
            width,
        })
    }

    /// The pattern as written (the default one when none was).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The pattern's width in bytes.
    pub fn width(&self) -> usize {
        self.width
    }

    /// True for the default patterns, which [`Pattern::decode_digits`] reads.
    pub fn is_default(&self) -> bool {
        self.default
    }

    /// Reads a date/time from the field's bytes (not blank; the caller handles blanks).
    pub fn decode(&self, bytes: &[u8]) -> Result<Value<'static>, ErrorKind> {
        // The default patterns, read straight from the digits; a date or time that does
        // not exist goes on to the general path, which says which part is wrong.
        if let Some(v) = self.decode_digits(bytes) {
            return Ok(v);
        }
        let what = self.kind.name();
        let bad = |reason: String| ErrorKind::BadDateTime { what, reason };
        if bytes.len() != self.width {
            return Err(bad(format!("expected {} characters", self.width)));
        }
        let (mut y, mut mo, mut d, mut h, mut mi, mut s) = (0u16, 1u8, 1u8, 0u8, 0u8, None);
        let mut pos = 0;
        for t in &self.toks {
            let n = tok_width(*t);
            let part = &bytes[pos..pos + n];
            pos += n;
            if let Tok::Lit(c) = t {
                if part[0] != *c {
                    return Err(bad(format!(
                        "expected '{}' at character {}",
                        *c as char, pos
                    )));
                }
                continue;
            }
            let Some(v) = all_digits(part) else {
                return Err(ErrorKind::NotDigits("digits of a date or time"));
            };
            let v = v as u16;
            match t {
                Tok::Year4 => y = v,
                Tok::Year2 => y = if v < 69 { 2000 + v } else { 1900 + v },
                Tok::Month => mo = v as u8,
                Tok::Day => d = v as u8,
                Tok::Hour => h = v as u8,
                Tok::Minute => mi = v as u8,
                Tok::Second => s = Some(v as u8),
                Tok::Lit(_) => {}
            }
        }
        let date = || Date::new(y, mo, d).ok_or_else(|| bad(date_fault(y, mo, d)));
        let time = || Time::new(h, mi, s).ok_or_else(|| bad(time_fault(h, mi, s)));
        Ok(match self.kind {
            TemporalKind::Date => Value::Date(date()?),
            TemporalKind::Time => Value::Time(time()?),
            TemporalKind::DateTime => Value::DateTime(DateTime {
                date: date()?,
                time: time()?,
            }),
        })
    }

    /// A default pattern's value read straight from its digits; `None` for another
    /// pattern, a byte that is not a digit, or a date or time that does not exist.
    #[inline]
    pub fn decode_digits(&self, bytes: &[u8]) -> Option<Value<'static>> {
        if !self.default || bytes.len() != self.width {
            return None;
        }
        let v = all_digits(bytes)? as u64;
        match self.kind {
            TemporalKind::Date => date_of_digits(v).map(Value::Date),
            TemporalKind::Time => time_of_digits(v).map(Value::Time),
            TemporalKind::DateTime => {
                match (date_of_digits(v / 1_000_000), time_of_digits(v % 1_000_000)) {
                    (Some(date), Some(time)) => Some(Value::DateTime(DateTime { date, time })),
                    _ => None,
                }
            }
        }
    }

    /// Reads an ISO value (`Date`, `Time`, `DateTime` or its text) for this pattern.
    pub fn parse_value(&self, v: &Value<'_>) -> Result<(Option<Date>, Option<Time>), ErrorKind> {
        let wrong = |found| ErrorKind::WrongType {
            expected: match self.kind {
                TemporalKind::Date => "a date string \"YYYY-MM-DD\"",
                TemporalKind::Time => "a time string \"hh:mm:ss\"",
                TemporalKind::DateTime => "a datetime string \"YYYY-MM-DDThh:mm:ss\"",
            },
            found,
        };
        // A date or time that is well written but does not exist gets the words decode
        // uses (`impossible date: day 30 of 2024-02`); a badly written one says how to
        // write it.
        let what = self.kind.name();
        let bad_date = |s: &str, e: crate::value::ParseDecimalError| match date_numbers(s) {
            Some((y, mo, d)) => ErrorKind::BadDateTime {
                what,
                reason: date_fault(y, mo, d),
            },
            None => ErrorKind::BadValue(e.to_string()),
        };
        let bad_time = |s: &str, e: crate::value::ParseDecimalError| match time_numbers(s) {
            Some((h, mi, sec)) => ErrorKind::BadDateTime {
                what,
                reason: time_fault(h, mi, sec),
            },
            None => ErrorKind::BadValue(e.to_string()),
        };
        let (date, time) = match (self.kind, v) {
            (TemporalKind::Date, Value::Date(d)) => (Some(*d), None),
            (TemporalKind::Time, Value::Time(t)) => (None, Some(*t)),
            (TemporalKind::DateTime, Value::DateTime(dt)) => (Some(dt.date), Some(dt.time)),
            (TemporalKind::Date, Value::Text(s)) => {
                (Some(s.parse::<Date>().map_err(|e| bad_date(s, e))?), None)
            }
            (TemporalKind::Time, Value::Text(s)) => {
                (None, Some(s.parse::<Time>().map_err(|e| bad_time(s, e))?))
            }
            (TemporalKind::DateTime, Value::Text(s)) => {
                let dt = s.parse::<DateTime>().map_err(|e| match s.split_once('T') {
                    Some((d, _)) if d.parse::<Date>().is_err() => bad_date(d, e),
                    Some((_, t)) => bad_time(t, e),
                    None => ErrorKind::BadValue(e.to_string()),
                })?;
                (Some(dt.date), Some(dt.time))
            }
            (_, other) => return Err(wrong(other.type_name())),
        };
        // A time with zero seconds fits a field without seconds: languages whose times always
        // have seconds (Python's `time`, Java's `LocalTime`) can write an hhmm field.
        let time = match time {
            Some(t) if !self.has_seconds && t.second == Some(0) => Some(Time { second: None, ..t }),
            other => other,
        };
        if let Some(t) = time
            && t.second.is_some() != self.has_seconds
        {
            return Err(ErrorKind::BadValue(if self.has_seconds {
                "the field's time has seconds: write hh:mm:ss".into()
            } else {
                "the field's time has no seconds: write hh:mm (or hh:mm:00)".into()
            }));
        }
        if let Some(d) = date
            && self.toks.contains(&Tok::Year2)
            && !(1969..=2068).contains(&d.year)
        {
            return Err(ErrorKind::OutOfRange(format!(
                "year {} does not fit a two-digit year (1969-2068)",
                d.year
            )));
        }
        Ok((date, time))
    }

    /// Appends a `Date`, a `Time` with seconds or a `DateTime` in a default pattern
    /// straight from its numbers (the digits [`Pattern::encode`] writes); `false`, with
    /// nothing appended, for another pattern or value, which goes through
    /// [`Pattern::parse_value`] and [`Pattern::encode`].
    pub fn encode_default(&self, v: &Value<'_>, out: &mut Vec<u8>) -> bool {
        if !self.default {
            return false;
        }
        let mut buf = [0u8; 14];
        let n = match (self.kind, v) {
            (TemporalKind::Date, Value::Date(d)) => {
                date_digits(d, &mut buf);
                8
            }
            (TemporalKind::Time, Value::Time(t)) if t.second.is_some() => {
                time_digits(t, &mut buf, 0);
                6
            }
            (TemporalKind::DateTime, Value::DateTime(dt)) if dt.time.second.is_some() => {
                date_digits(&dt.date, &mut buf);
                time_digits(&dt.time, &mut buf, 8);
                14
            }
            _ => return false,
        };
        // Appended as a block of a fixed size (plain stores) and cut back, rather than by
        // a call to `memcpy` for its few bytes; the plan's encoder reserves the room.
        let at = out.len();
        let mut block = [0u8; 16];
        if let Some(b) = block.first_chunk_mut::<14>() {
            *b = buf;
        }
        out.extend_from_slice(&block);
        out.truncate(at + n);
        true
    }

    /// Appends the wire form.
    pub fn encode(&self, date: Option<Date>, time: Option<Time>, out: &mut Vec<u8>) {
        let d = date.unwrap_or(Date {
            year: 0,
            month: 1,
            day: 1,
        });
        let t = time.unwrap_or(Time {
            hour: 0,
            minute: 0,
            second: None,
        });
        // Into a buffer appended at once (four bytes at most a token), rather than a push
        // (and a capacity check) a digit.
        let mut buf = [0u8; 64];
        if self.toks.len() > buf.len() / 4 {
            for tok in &self.toks {
                let mut i = 0;
                put_tok(*tok, &d, &t, &mut buf, &mut i);
                out.extend_from_slice(&buf[..i]);
            }
            return;
        }
        let mut i = 0;
        for tok in &self.toks {
            put_tok(*tok, &d, &t, &mut buf, &mut i);
        }
        out.extend_from_slice(&buf[..i]);
    }
}

/// The date that `YYYYMMDD` read as one number gives; `None` for one that does not exist.
#[inline(always)]
pub(crate) fn date_of_digits(v: u64) -> Option<Date> {
    Date::new((v / 10000) as u16, (v / 100 % 100) as u8, (v % 100) as u8)
}

/// The date of eight bytes `YYYYMMDD`; `None` for anything else (not eight digits, or a
/// date that does not exist): [`date_of_digits`] of their value, without the divisions.
#[inline(always)]
pub(crate) fn date_of_bytes(bytes: &[u8]) -> Option<Date> {
    let (y, m, d) = crate::codec::number::ymd_digits(bytes)?;
    Date::new(y, m, d)
}

/// The time that `hhmmss` read as one number gives; `None` for one out of range.
#[inline(always)]
pub(crate) fn time_of_digits(v: u64) -> Option<Time> {
    Time::new(
        (v / 10000) as u8,
        (v / 100 % 100) as u8,
        Some((v % 100) as u8),
    )
}

/// Two digits of `v` as [`put_tok`] writes them (the last two of a larger number).
#[inline(always)]
fn two_digits(v: u16, b: &mut [u8; 14], at: usize) {
    b[at] = b'0' + (v / 10 % 10) as u8;
    b[at + 1] = b'0' + (v % 10) as u8;
}

/// `YYYYMMDD` at `b[..8]`.
#[inline(always)]
fn date_digits(d: &Date, b: &mut [u8; 14]) {
    two_digits(d.year / 100, b, 0);
    two_digits(d.year % 100, b, 2);
    two_digits(u16::from(d.month), b, 4);
    two_digits(u16::from(d.day), b, 6);
}

/// `hhmmss` at `b[at..at + 6]`.
#[inline(always)]
fn time_digits(t: &Time, b: &mut [u8; 14], at: usize) {
    two_digits(u16::from(t.hour), b, at);
    two_digits(u16::from(t.minute), b, at + 2);
    two_digits(u16::from(t.second.unwrap_or(0)), b, at + 4);
}

/// Writes one token of a pattern at `buf[*i..]` (four bytes at most), advancing `i`.
#[inline(always)]
fn put_tok(tok: Tok, d: &Date, t: &Time, buf: &mut [u8; 64], i: &mut usize) {
    let mut two = |v: u16| {
        if let Some(b) = buf.get_mut(*i..*i + 2) {
            b[0] = b'0' + (v / 10 % 10) as u8;
            b[1] = b'0' + (v % 10) as u8;
        }
        *i += 2;
    };
    match tok {
        Tok::Year4 => {
            two(d.year / 100);
            two(d.year % 100);
        }
        Tok::Year2 => two(d.year % 100),
        Tok::Month => two(u16::from(d.month)),
        Tok::Day => two(u16::from(d.day)),
        Tok::Hour => two(u16::from(t.hour)),
        Tok::Minute => two(u16::from(t.minute)),
        Tok::Second => two(u16::from(t.second.unwrap_or(0))),
        Tok::Lit(c) => {
            if let Some(b) = buf.get_mut(*i) {
                *b = c;
            }
            *i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `date_of_bytes` gives what the value cut by division gives, for every seventh year
    /// and the years 1890 to 2409 (month numbers 0 to 99, ten day numbers each), every day
    /// number 0 to 99 of every month of five years, and refuses what is not eight digits.
    #[test]
    fn dates_of_bytes_are_those_of_the_value() {
        let check = |text: &str| {
            let by_value =
                crate::codec::number::digits_u64(text.as_bytes()).and_then(date_of_digits);
            assert_eq!(date_of_bytes(text.as_bytes()), by_value, "{text}");
            by_value.is_some()
        };
        let mut valid = 0;
        for year in (0..=9999).step_by(7).chain(1890..2410) {
            for month in 0..=99 {
                for day in [0, 1, 9, 10, 28, 29, 30, 31, 32, 99] {
                    valid += usize::from(check(&format!("{year:04}{month:02}{day:02}")));
                }
            }
        }
        for year in [1900, 2000, 2023, 2024, 2100] {
            for month in 1..=12 {
                for day in 0..=99 {
                    check(&format!("{year:04}{month:02}{day:02}"));
                }
            }
        }
        assert!(valid > 100_000, "{valid}");
        assert_eq!(date_of_bytes(b"20240229"), Date::new(2024, 2, 29));
        assert_eq!(date_of_bytes(b"20230229"), None);
        for bad in [
            &b"2024022"[..],
            b"202402290",
            b"2024 229",
            b"2024-2-9",
            b"2024022/",
            b"2024022:",
            b"\xb0\xa1240229",
            b"        ",
        ] {
            assert_eq!(date_of_bytes(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn defaults_and_patterns() {
        let p = Pattern::new(TemporalKind::Date, None).expect("ok");
        assert_eq!(p.width(), 8);
        assert_eq!(
            p.decode(b"20240315").expect("date"),
            Value::Date(Date {
                year: 2024,
                month: 3,
                day: 15
            })
        );
        assert!(p.decode(b"20240230").is_err());
        let yy = Pattern::new(TemporalKind::Date, Some("YYMMDD")).expect("ok");
        assert_eq!(
            yy.decode(b"690101").map(|v| format!("{v:?}")).ok(),
            Some("Date(1969-01-01)".into())
        );
        assert_eq!(
            yy.decode(b"680101").map(|v| format!("{v:?}")).ok(),
            Some("Date(2068-01-01)".into())
        );
        let iso = Pattern::new(TemporalKind::Date, Some("YYYY-MM-DD")).expect("ok");
        assert_eq!(iso.width(), 10);
        assert!(iso.decode(b"2024/03/15").is_err());
        let hm = Pattern::new(TemporalKind::Time, Some("hhmm")).expect("ok");
        let v = hm.decode(b"0930").expect("time");
        assert_eq!(format!("{v:?}"), "Time(09:30)");
        let mut out = Vec::new();
        let (d, t) = hm.parse_value(&v).expect("parses");
        hm.encode(d, t, &mut out);
        assert_eq!(out, b"0930");
        assert!(Pattern::new(TemporalKind::Date, Some("YYMM")).is_err());
        assert!(Pattern::new(TemporalKind::Date, Some("YYYYMMDDQ")).is_err());
    }

    #[test]
    fn default_patterns_write_as_the_general_encoder() {
        // Every value the shortcut takes gives the general encoder's bytes (out-of-range
        // numbers in the public fields included); what it does not take it leaves alone.
        let date = |year, month, day| Date { year, month, day };
        let time = |hour, minute, second| Time {
            hour,
            minute,
            second,
        };
        let dates = [
            date(2024, 3, 15),
            date(0, 1, 1),
            date(9999, 12, 31),
            date(12345, 13, 99),
            date(u16::MAX, u8::MAX, 0),
        ];
        let times = [
            time(0, 0, Some(0)),
            time(23, 59, Some(59)),
            time(99, 255, Some(200)),
            time(9, 30, None),
        ];
        let mut values = Vec::new();
        for d in dates {
            values.push(Value::Date(d));
            for t in times {
                values.push(Value::DateTime(DateTime { date: d, time: t }));
            }
        }
        values.extend(times.map(Value::Time));
        values.push(Value::Text("2024-03-15".into()));
        values.push(Value::Int(20240315));
        for kind in [
            TemporalKind::Date,
            TemporalKind::Time,
            TemporalKind::DateTime,
        ] {
            let p = Pattern::new(kind, None).expect("default");
            let mut taken = 0;
            for v in &values {
                let mut fast = b"x".to_vec();
                if p.encode_default(v, &mut fast) {
                    taken += 1;
                    let (d, t) = p.parse_value(v).expect("the shortcut took it");
                    let mut general = b"x".to_vec();
                    p.encode(d, t, &mut general);
                    assert_eq!(fast, general, "{kind:?} {v:?}");
                } else {
                    assert_eq!(fast, b"x", "{kind:?} {v:?}");
                }
            }
            assert!(taken >= 3, "{kind:?}: the shortcut took {taken} values");
        }
        let iso = Pattern::new(TemporalKind::Date, Some("YYYY-MM-DD")).expect("ok");
        let mut out = Vec::new();
        assert!(!iso.encode_default(&Value::Date(date(2024, 3, 15)), &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn two_digit_years_are_bounded_on_encode() {
        let yy = Pattern::new(TemporalKind::Date, Some("YYMMDD")).expect("ok");
        assert!(yy.parse_value(&Value::Text("1968-12-31".into())).is_err());
        assert!(yy.parse_value(&Value::Text("2068-12-31".into())).is_ok());
    }
}
