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
    #[inline]
    pub fn new(mantissa: i128, scale: u8) -> Decimal {
        Decimal {
            lo: mantissa as u64,
            hi: (mantissa >> 64) as i64,
            scale: scale.min(38),
        }
    }

    /// The unscaled integer.
    #[inline]
    pub fn mantissa(&self) -> i128 {
        i128::from(self.hi) << 64 | i128::from(self.lo)
    }

    /// Digits after the point.
    #[inline]
    pub fn scale(&self) -> u8 {
        self.scale
    }

    /// The mantissa of the same number at `scale` digits after the point, exactly (as an
    /// Arrow `Decimal128` column of that scale stores it): `None` when digits would be
    /// lost (`12.5` at scale 0) or the result needs more than 38 digits.
    ///
    /// # Example
    /// ```
    /// use fep_core::Decimal;
    /// assert_eq!(Decimal::new(125, 1).rescale(3), Some(12_500));
    /// assert_eq!(Decimal::new(12_500, 3).rescale(1), Some(125));
    /// assert_eq!(Decimal::new(125, 1).rescale(0), None);
    /// ```
    pub fn rescale(&self, scale: u8) -> Option<i128> {
        const LIMIT: u128 = 10u128.pow(38);
        let m = self.mantissa();
        let out = if scale >= self.scale {
            10i128
                .checked_pow(u32::from(scale - self.scale))
                .and_then(|f| m.checked_mul(f))?
        } else {
            let f = 10i128.checked_pow(u32::from(self.scale - scale))?;
            if m % f != 0 {
                return None;
            }
            m / f
        };
        (out.unsigned_abs() < LIMIT).then_some(out)
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
    #[inline]
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        (year <= 9999 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }
}

impl Date {
    /// Days since 1970-01-01 (negative before), in the proleptic Gregorian calendar: an
    /// Arrow `Date32`.
    ///
    /// # Example
    /// ```
    /// use fep_core::Date;
    /// assert_eq!(Date::new(1970, 1, 1).map(|d| d.days_since_epoch()), Some(0));
    /// assert_eq!(Date::new(2024, 2, 29).map(|d| d.days_since_epoch()), Some(19_782));
    /// ```
    pub fn days_since_epoch(&self) -> i32 {
        // H. Hinnant's days_from_civil: years start on March 1, so the leap day is last.
        let (y, m, d) = (
            i32::from(self.year),
            i32::from(self.month),
            i32::from(self.day),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (before, when negative); `None` outside the
    /// years 0 to 9999.
    pub fn from_days_since_epoch(days: i32) -> Option<Date> {
        // H. Hinnant's civil_from_days.
        let z = i64::from(days) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }
}

impl Time {
    /// Seconds since midnight (a time without seconds counts them as 0).
    pub fn seconds_since_midnight(&self) -> u32 {
        (u32::from(self.hour) * 60 + u32::from(self.minute)) * 60
            + u32::from(self.second.unwrap_or(0))
    }

    /// Microseconds since midnight: an Arrow `Time64(µs)`.
    pub fn micros_since_midnight(&self) -> i64 {
        i64::from(self.seconds_since_midnight()) * 1_000_000
    }

    /// Nanoseconds since midnight: an Arrow `Time64(ns)`.
    pub fn nanos_since_midnight(&self) -> i64 {
        i64::from(self.seconds_since_midnight()) * 1_000_000_000
    }
}

impl DateTime {
    /// Seconds since 1970-01-01T00:00:00, the date and time taken as UTC (a telegram's
    /// datetime has no zone).
    pub fn seconds_since_epoch(&self) -> i64 {
        i64::from(self.date.days_since_epoch()) * 86_400
            + i64::from(self.time.seconds_since_midnight())
    }

    /// Microseconds since the epoch: an Arrow `Timestamp(µs)` (every year 0 to 9999 fits).
    pub fn micros_since_epoch(&self) -> i64 {
        self.seconds_since_epoch() * 1_000_000
    }

    /// Nanoseconds since the epoch: an Arrow `Timestamp(ns)`; `None` outside the years
    /// 1677 to 2262 that an `i64` of nanoseconds spans.
    pub fn nanos_since_epoch(&self) -> Option<i64> {
        self.seconds_since_epoch().checked_mul(1_000_000_000)
    }
}

impl Time {
    /// A time, checked.
    #[inline]
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

/// Why year `y`, month `mo`, day `d` is no date, in the words every door uses for it, on
/// decode and encode alike: `month 13`, `day 30 of 2024-02`.
pub(crate) fn date_fault(y: u16, mo: u8, d: u8) -> String {
    if (1..=12).contains(&mo) {
        format!("day {d:02} of {y:04}-{mo:02}")
    } else {
        format!("month {mo:02}")
    }
}

/// Why `h:mi:s` is no time: `hour 25`, `minute 60`, `second 61`.
pub(crate) fn time_fault(h: u8, mi: u8, s: Option<u8>) -> String {
    if h > 23 {
        format!("hour {h:02}")
    } else if mi > 59 {
        format!("minute {mi:02}")
    } else {
        format!("second {:02}", s.unwrap_or(0))
    }
}

/// The numbers of a `YYYY-MM-DD` text, whether or not they make a date.
pub(crate) fn date_numbers(s: &str) -> Option<(u16, u8, u8)> {
    let mut it = s.split('-');
    let (Some(y), Some(m), Some(d), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return None;
    };
    Some((
        digits_n(y, 4)?,
        u8::try_from(digits_n(m, 2)?).ok()?,
        u8::try_from(digits_n(d, 2)?).ok()?,
    ))
}

/// The numbers of an `hh:mm:ss` (or `hh:mm`) text, whether or not they make a time.
pub(crate) fn time_numbers(s: &str) -> Option<(u8, u8, Option<u8>)> {
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let n = |p: &str| digits_n(p, 2).and_then(|v| u8::try_from(v).ok());
    let sec = match parts.get(2) {
        Some(p) => Some(n(p)?),
        None => None,
    };
    Some((n(parts[0])?, n(parts[1])?, sec))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: u16, m: u8, d: u8) -> Date {
        Date::new(y, m, d).expect("a real date")
    }

    #[test]
    fn days_since_the_epoch() {
        let cases: &[((u16, u8, u8), i32)] = &[
            ((1970, 1, 1), 0),
            ((1969, 12, 31), -1),
            ((2000, 3, 1), 11_017),
            ((2000, 2, 29), 11_016),
            ((2024, 2, 29), 19_782),
            ((2024, 3, 15), 19_797),
            ((1900, 3, 1), -25_508),
            ((0, 1, 1), -719_528),
            ((9999, 12, 31), 2_932_896),
        ];
        for &((y, m, d), want) in cases {
            assert_eq!(date(y, m, d).days_since_epoch(), want, "{y}-{m}-{d}");
            assert_eq!(
                Date::from_days_since_epoch(want),
                Some(date(y, m, d)),
                "{want}"
            );
        }
        assert_eq!(Date::from_days_since_epoch(2_932_897), None, "year 10000");
        assert_eq!(Date::from_days_since_epoch(-719_529), None, "year -1");
        assert_eq!(Date::from_days_since_epoch(i32::MIN), None);
        assert_eq!(Date::from_days_since_epoch(i32::MAX), None);
    }

    #[test]
    fn every_day_round_trips() {
        let mut expect = date(0, 1, 1);
        for days in -719_528..=2_932_896 {
            let d = Date::from_days_since_epoch(days).expect("in range");
            assert_eq!(d, expect);
            assert_eq!(d.days_since_epoch(), days);
            expect = if d.day < days_in_month(d.year, d.month) {
                Date {
                    day: d.day + 1,
                    ..d
                }
            } else if d.month < 12 {
                Date {
                    month: d.month + 1,
                    day: 1,
                    ..d
                }
            } else if d.year < 9999 {
                date(d.year + 1, 1, 1)
            } else {
                d
            };
        }
    }

    #[test]
    fn times_and_timestamps() {
        let t = Time::new(9, 30, Some(15)).expect("a time");
        assert_eq!(t.seconds_since_midnight(), 34_215);
        assert_eq!(t.micros_since_midnight(), 34_215_000_000);
        assert_eq!(t.nanos_since_midnight(), 34_215_000_000_000);
        let hhmm = Time::new(23, 59, None).expect("a time");
        assert_eq!(hhmm.seconds_since_midnight(), 86_340);
        let dt = DateTime {
            date: date(2024, 3, 15),
            time: t,
        };
        assert_eq!(dt.seconds_since_epoch(), 1_710_495_015);
        assert_eq!(dt.micros_since_epoch(), 1_710_495_015_000_000);
        assert_eq!(dt.nanos_since_epoch(), Some(1_710_495_015_000_000_000));
        let before = DateTime {
            date: date(1969, 12, 31),
            time: Time::new(23, 59, Some(59)).expect("a time"),
        };
        assert_eq!(before.micros_since_epoch(), -1_000_000);
        let last = DateTime {
            date: date(9999, 12, 31),
            time: Time::new(23, 59, Some(59)).expect("a time"),
        };
        assert_eq!(last.micros_since_epoch(), 253_402_300_799_000_000);
        assert_eq!(last.nanos_since_epoch(), None);
    }

    #[test]
    fn rescale_is_exact() {
        assert_eq!(Decimal::new(125, 1).rescale(3), Some(12_500));
        assert_eq!(Decimal::new(-125, 1).rescale(1), Some(-125));
        assert_eq!(Decimal::new(7, 0).rescale(2), Some(700));
        assert_eq!(Decimal::new(12_500, 3).rescale(1), Some(125));
        assert_eq!(
            Decimal::new(-12_500, 3).rescale(0),
            None,
            "12.5 loses a digit"
        );
        assert_eq!(Decimal::new(125, 1).rescale(0), None);
        // 38 digits fit; a 39th does not.
        let nines = 10i128.pow(38) - 1;
        assert_eq!(Decimal::new(nines, 0).rescale(0), Some(nines));
        assert_eq!(Decimal::new(nines, 0).rescale(1), None);
        assert_eq!(Decimal::new(-nines, 2).rescale(2), Some(-nines));
        assert_eq!(Decimal::new(1, 0).rescale(38), None);
        assert_eq!(Decimal::new(1, 0).rescale(37), Some(10i128.pow(37)));
        assert_eq!(Decimal::new(i128::MIN, 0).rescale(0), None);
        assert_eq!(Decimal::new(0, 38).rescale(0), Some(0));
    }
}
