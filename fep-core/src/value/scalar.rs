//! The exact scalar types: [`Decimal`], [`Date`], [`Time`], [`DateTime`]. Never a float.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Position, Result};

// ------------------------------------------------------------------ exact scalars

/// An exact decimal number: `mantissa × 10^-scale`. Never a float.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    // The mantissa in two halves: an `i128` would align the whole `Value` to 16 bytes and
    // make it 48 bytes long instead of 32 (a record's values would need half again the
    // memory, and a message of 26 fields would leave the allocator's fast size classes).
    lo: u64,
    hi: i64,
    scale: u8,
}

impl Decimal {
    /// `mantissa × 10^-scale`; the scale is at most 38.
    pub fn new(mantissa: i128, scale: u8) -> Decimal {
        Decimal {
            lo: mantissa as u64,
            hi: (mantissa >> 64) as i64,
            scale: scale.min(38),
        }
    }

    /// The unscaled integer.
    pub fn mantissa(&self) -> i128 {
        i128::from(self.hi) << 64 | i128::from(self.lo)
    }

    /// Digits after the point.
    pub fn scale(&self) -> u8 {
        self.scale
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.mantissa() < 0;
        let digits = self.mantissa().unsigned_abs().to_string();
        let scale = self.scale as usize;
        if neg {
            f.write_str("-")?;
        }
        if scale == 0 {
            return f.write_str(&digits);
        }
        if digits.len() <= scale {
            write!(f, "0.{}{}", "0".repeat(scale - digits.len()), digits)
        } else {
            let (int, frac) = digits.split_at(digits.len() - scale);
            write!(f, "{int}.{frac}")
        }
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Why a string is not a decimal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDecimalError(&'static str);

impl fmt::Display for ParseDecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
impl std::error::Error for ParseDecimalError {}

/// A string that is not a decimal, date or time, as the crate's error: a
/// [`ErrorKind::BadValue`] with the same text, so that `?` carries it into a [`Result`].
impl From<ParseDecimalError> for Error {
    fn from(e: ParseDecimalError) -> Error {
        Error::new(ErrorKind::BadValue(e.0.into()), Position::None)
    }
}

impl FromStr for Decimal {
    type Err = ParseDecimalError;
    /// `[-+]digits[.digits]`, at most 38 digits in all.
    fn from_str(s: &str) -> Result<Decimal, ParseDecimalError> {
        const BAD: ParseDecimalError =
            ParseDecimalError("expected a decimal number such as \"-12.50\"");
        let (neg, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || body.ends_with('.')
            || int.is_empty()
        {
            return Err(BAD);
        }
        let int = int.trim_start_matches('0');
        if int.len() + frac.len() > 38 {
            return Err(ParseDecimalError("more than 38 digits"));
        }
        let mut m: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            m = m * 10 + i128::from(b - b'0');
        }
        Ok(Decimal::new(if neg { -m } else { m }, frac.len() as u8))
    }
}

/// A calendar date.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Year, 0 to 9999.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day, 1 to the month's last.
    pub day: u8,
}

/// A time of day; `second` is `None` for patterns without seconds (`hhmm`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Time {
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// Second, 0 to 59, when the pattern has seconds.
    pub second: Option<u8>,
}

/// A date and a time.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime {
    /// The date.
    pub date: Date,
    /// The time.
    pub time: Time,
}

pub(crate) fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A date, checked: `None` for February 30 and the like.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        (year <= 9999 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }
}

impl Time {
    /// A time, checked.
    pub fn new(hour: u8, minute: u8, second: Option<u8>) -> Option<Time> {
        (hour < 24 && minute < 60 && second.is_none_or(|s| s < 60)).then_some(Time {
            hour,
            minute,
            second,
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}
impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)?;
        if let Some(s) = self.second {
            write!(f, ":{s:02}")?;
        }
        Ok(())
    }
}
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T{}", self.date, self.time)
    }
}
macro_rules! debug_as_display {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "{self}") }
        }
    )*};
}
debug_as_display!(Date, Time, DateTime);

fn digits_n(s: &str, n: usize) -> Option<u16> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl FromStr for Date {
    type Err = ParseDecimalError;
    /// `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Date, ParseDecimalError> {
        let bad = ParseDecimalError("expected a date as YYYY-MM-DD");
        let mut it = s.split('-');
        let (Some(y), Some(m), Some(d), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return Err(bad);
        };
        let (Some(y), Some(m), Some(d)) = (digits_n(y, 4), digits_n(m, 2), digits_n(d, 2)) else {
            return Err(bad);
        };
        Date::new(y, m as u8, d as u8).ok_or(ParseDecimalError("no such date"))
    }
}

impl FromStr for Time {
    type Err = ParseDecimalError;
    /// `hh:mm:ss` or `hh:mm`.
    fn from_str(s: &str) -> Result<Time, ParseDecimalError> {
        let bad = ParseDecimalError("expected a time as hh:mm:ss (or hh:mm)");
        let parts: Vec<&str> = s.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad);
        }
        let h = digits_n(parts[0], 2).ok_or(bad.clone())?;
        let m = digits_n(parts[1], 2).ok_or(bad.clone())?;
        let sec = match parts.get(2) {
            Some(p) => Some(digits_n(p, 2).ok_or(bad)? as u8),
            None => None,
        };
        Time::new(h as u8, m as u8, sec).ok_or(ParseDecimalError("no such time"))
    }
}

impl FromStr for DateTime {
    type Err = ParseDecimalError;
    /// `YYYY-MM-DDThh:mm:ss` (or `hh:mm`).
    fn from_str(s: &str) -> Result<DateTime, ParseDecimalError> {
        let (d, t) = s.split_once('T').ok_or(ParseDecimalError(
            "expected a datetime as YYYY-MM-DDThh:mm:ss",
        ))?;
        Ok(DateTime {
            date: d.parse()?,
            time: t.parse()?,
        })
    }
}
