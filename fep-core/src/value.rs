//! Decoded values: [`Message`], [`Record`], [`Value`] and the exact scalar types
//! ([`Decimal`], [`Date`], [`Time`], [`DateTime`]), with serde for exact JSON.
//!
//! A record keeps its field names in a shared [`Arc`]ed shape that the schema builds once,
//! so decoding a telegram allocates one vector per record and no name at all. Text that is
//! pure ASCII borrows from the telegram (`Cow::Borrowed`); [`Message::into_owned`] detaches.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a field is shown in human-facing output (`Debug`, `Display`, redacted JSON, logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sensitivity {
    /// Shown as is.
    #[default]
    Plain,
    /// `mask`: all but the last 4 characters hidden.
    Mask,
    /// `secret`: hidden whole.
    Secret,
}

impl Sensitivity {
    /// The text as human-facing output shows it: whole, all but the last 4 characters
    /// hidden (`mask`), or `****` (`secret`).
    ///
    /// # Example
    /// ```
    /// use fep_core::Sensitivity;
    /// assert_eq!(Sensitivity::Mask.redact("1002003004005"), "*********4005");
    /// assert_eq!(Sensitivity::Secret.redact("4321"), "****");
    /// ```
    pub fn redact<'t>(self, text: &'t str) -> Cow<'t, str> {
        match self {
            Sensitivity::Plain => Cow::Borrowed(text),
            Sensitivity::Mask => Cow::Owned(mask_text(text)),
            Sensitivity::Secret => Cow::Borrowed(SECRET),
        }
    }
}

/// A value of a telegram field.
#[derive(Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// A blank numeric, date or time field (all spaces on the wire).
    Null,
    /// A number without scale that fits `i64`.
    Int(i64),
    /// A number without scale above `i64::MAX` that fits `u64`.
    UInt(u64),
    /// A number with a scale, or an integer beyond `u64`: exact, never a float.
    Decimal(Decimal),
    /// Text without its pad.
    Text(Cow<'a, str>),
    /// Raw bytes of a `B(n)` field (hex in JSON).
    Bytes(Cow<'a, [u8]>),
    /// A `date` field.
    Date(Date),
    /// A `time` field.
    Time(Time),
    /// A `datetime` field.
    DateTime(DateTime),
    /// A repeated field.
    List(Vec<Value<'a>>),
    /// A record or group.
    Record(Record<'a>),
}

impl<'a> Value<'a> {
    /// Detaches the value from the telegram it was decoded from.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(i),
            Value::UInt(u) => Value::UInt(u),
            Value::Decimal(d) => Value::Decimal(d),
            Value::Text(t) => Value::Text(Cow::Owned(t.into_owned())),
            Value::Bytes(b) => Value::Bytes(Cow::Owned(b.into_owned())),
            Value::Date(d) => Value::Date(d),
            Value::Time(t) => Value::Time(t),
            Value::DateTime(d) => Value::DateTime(d),
            Value::List(l) => Value::List(l.into_iter().map(Value::into_owned).collect()),
            Value::Record(r) => Value::Record(r.into_owned()),
        }
    }

    /// The text of a text value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The value as `i64`, for `Int` and `UInt` values that fit.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::UInt(u) => i64::try_from(u).ok(),
            Value::Decimal(d) if d.scale == 0 => i64::try_from(d.mantissa()).ok(),
            _ => None,
        }
    }

    /// The record of a record value.
    pub fn as_record(&self) -> Option<&Record<'a>> {
        match self {
            Value::Record(r) => Some(r),
            _ => None,
        }
    }

    /// The entries of a list value.
    pub fn as_list(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// A scalar as plain text, as JSON writes it but without quotes (numbers, exact
    /// decimals, ISO dates, text, lowercase hex for bytes); `None` for null, lists and
    /// records. With [`Sensitivity::redact`] it gives what a person may see of a field.
    ///
    /// # Example
    /// ```
    /// use fep_core::{Decimal, Value};
    /// assert_eq!(Value::Decimal(Decimal::new(-2500, 2)).to_text().as_deref(), Some("-25.00"));
    /// assert_eq!(Value::Null.to_text(), None);
    /// ```
    pub fn to_text(&self) -> Option<String> {
        scalar_text(self)
    }

    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Int(_) | Value::UInt(_) => "an integer",
            Value::Decimal(_) => "a decimal",
            Value::Text(_) => "a string",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "a date",
            Value::Time(_) => "a time",
            Value::DateTime(_) => "a datetime",
            Value::List(_) => "a list",
            Value::Record(_) => "an object",
        }
    }

    /// Looks a path up below this value: `header.seq_no`, `items[2].amount`.
    pub fn lookup(&self, path: &str) -> Option<&Value<'a>> {
        let mut cur = self;
        for seg in path.split('.') {
            let (name, mut idx) = match seg.find('[') {
                Some(p) => (&seg[..p], &seg[p..]),
                None => (seg, ""),
            };
            if !name.is_empty() {
                cur = cur.as_record()?.get(name)?;
            }
            while let Some(rest) = idx.strip_prefix('[') {
                let end = rest.find(']')?;
                let i: usize = rest[..end].parse().ok()?;
                cur = cur.as_list()?.get(i)?;
                idx = &rest[end + 1..];
            }
            if !idx.is_empty() {
                return None;
            }
        }
        Some(cur)
    }
}

/// The names and sensitivities of a record's fields, shared by every record of one shape.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Shape {
    pub names: Vec<Box<str>>,
    pub sensitivity: Vec<Sensitivity>,
}

/// An ordered set of named values: a message's fields, a record, a group entry.
#[derive(Clone)]
pub struct Record<'a> {
    pub(crate) shape: Arc<Shape>,
    pub(crate) values: Vec<Value<'a>>,
}

impl PartialEq for Record<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
            && (Arc::ptr_eq(&self.shape, &other.shape) || self.shape.names == other.shape.names)
    }
}
impl Eq for Record<'_> {}

impl Default for Record<'_> {
    fn default() -> Self {
        Record::new()
    }
}

impl<'a> Record<'a> {
    /// An empty record.
    pub fn new() -> Record<'a> {
        // One shared empty shape: a new record costs no allocation until it is filled.
        static EMPTY: std::sync::LazyLock<Arc<Shape>> = std::sync::LazyLock::new(Arc::default);
        Record {
            shape: EMPTY.clone(),
            values: Vec::new(),
        }
    }

    /// Appends a field (no check for duplicates; see [`Record::set`]).
    pub fn push(&mut self, name: impl Into<Box<str>>, value: Value<'a>) {
        let shape = Arc::make_mut(&mut self.shape);
        shape.names.push(name.into());
        shape.sensitivity.push(Sensitivity::Plain);
        self.values.push(value);
    }

    /// Sets a field, replacing the value of one with the same name or appending it.
    pub fn set(&mut self, name: &str, value: Value<'a>) {
        match self.position(name) {
            Some(i) => self.values[i] = value,
            None => self.push(name, value),
        }
    }

    /// Removes a field and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Value<'a>> {
        let i = self.position(name)?;
        let shape = Arc::make_mut(&mut self.shape);
        shape.names.remove(i);
        shape.sensitivity.remove(i);
        Some(self.values.remove(i))
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.shape.names.iter().position(|n| &**n == name)
    }

    /// The value of a field.
    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        self.position(name).map(|i| &self.values[i])
    }

    /// The value of a field, mutable.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value<'a>> {
        self.position(name).map(|i| &mut self.values[i])
    }

    /// Looks a path up: `header.seq_no`, `items[2].amount`.
    pub fn lookup(&self, path: &str) -> Option<&Value<'a>> {
        let (first, rest) = match path.find(['.', '[']) {
            Some(p) => (
                &path[..p],
                path[p..].strip_prefix('.').unwrap_or(&path[p..]),
            ),
            None => (path, ""),
        };
        let v = self.get(first)?;
        if rest.is_empty() {
            Some(v)
        } else {
            v.lookup(rest)
        }
    }

    /// Field names and values in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value<'a>)> {
        self.shape
            .names
            .iter()
            .map(|n| &**n)
            .zip(self.values.iter())
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the record has no field.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The sensitivity of the field at `index` (plain for records built by hand).
    pub fn sensitivity(&self, index: usize) -> Sensitivity {
        self.shape
            .sensitivity
            .get(index)
            .copied()
            .unwrap_or_default()
    }

    pub(crate) fn name_at(&self, index: usize) -> &str {
        &self.shape.names[index]
    }

    /// Detaches the record from the telegram it was decoded from.
    pub fn into_owned(self) -> Record<'static> {
        Record {
            shape: self.shape,
            values: self.values.into_iter().map(Value::into_owned).collect(),
        }
    }
}

impl<'a, N: Into<Box<str>>> FromIterator<(N, Value<'a>)> for Record<'a> {
    fn from_iter<I: IntoIterator<Item = (N, Value<'a>)>>(iter: I) -> Self {
        let mut r = Record::new();
        for (n, v) in iter {
            r.push(n, v);
        }
        r
    }
}

/// A decoded telegram: the message's name and its fields.
#[derive(Clone, PartialEq, Eq)]
pub struct Message<'a> {
    pub(crate) name: Arc<str>,
    pub(crate) fields: Record<'a>,
}

impl Default for Message<'_> {
    /// An empty message, to decode into with [`Schema::decode_into`](crate::Schema::decode_into).
    fn default() -> Self {
        Message {
            name: Arc::from(""),
            fields: Record::new(),
        }
    }
}

impl<'a> Message<'a> {
    /// A message to encode, built by hand.
    pub fn new(name: &str, fields: Record<'a>) -> Message<'a> {
        Message {
            name: Arc::from(name),
            fields,
        }
    }

    /// The message's name in the layout.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The fields.
    pub fn fields(&self) -> &Record<'a> {
        &self.fields
    }

    /// The fields, mutable (to build a response from a request, say).
    pub fn fields_mut(&mut self) -> &mut Record<'a> {
        &mut self.fields
    }

    /// Looks a field up by path: `header.seq_no`, `items[2].amount`.
    pub fn get(&self, path: &str) -> Option<&Value<'a>> {
        self.fields.lookup(path)
    }

    /// Detaches the message from the telegram it was decoded from.
    pub fn into_owned(self) -> Message<'static> {
        Message {
            name: self.name,
            fields: self.fields.into_owned(),
        }
    }
}

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

// ------------------------------------------------------------------ serde

pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Int(i) => s.serialize_i64(*i),
            Value::UInt(u) => s.serialize_u64(*u),
            Value::Decimal(d) => s.collect_str(d),
            Value::Text(t) => s.serialize_str(t),
            Value::Bytes(b) => s.serialize_str(&hex(b)),
            Value::Date(d) => s.collect_str(d),
            Value::Time(t) => s.collect_str(t),
            Value::DateTime(d) => s.collect_str(d),
            Value::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Record(r) => r.serialize(s),
        }
    }
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (n, v) in self.iter() {
            map.serialize_entry(n, v)?;
        }
        map.end()
    }
}

impl Serialize for Message<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("message", &*self.name)?;
        map.serialize_entry("fields", &self.fields)?;
        map.end()
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'static>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a telegram value: null, an integer, a string, a list or an object")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(
            "a boolean has no telegram form; use a string or a number",
        ))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Value::UInt(v), Value::Int))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        Ok(Value::Decimal(Decimal::new(v, 0)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        i128::try_from(v)
            .map(|v| Value::Decimal(Decimal::new(v, 0)))
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "the number {v} is not an integer; write exact decimals as strings, such as \"123.45\""
        )))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Value::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Value::Text(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // The hint comes from the input: bound it.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(v) = seq.next_element::<Value<'static>>()? {
            out.push(v);
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut r = Record::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value::<Value<'static>>()?;
            r.push(k, v);
        }
        Ok(Value::Record(r))
    }
}

impl<'de> Deserialize<'de> for Value<'static> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for Record<'static> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_map(ValueVisitor)? {
            Value::Record(r) => Ok(r),
            _ => Err(de::Error::custom("expected an object")),
        }
    }
}

impl<'de> Deserialize<'de> for Message<'static> {
    /// `{"message": NAME, "fields": {...}}`; an `offset` key (as the CLI writes) is ignored.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MsgVisitor;
        impl<'de> Visitor<'de> for MsgVisitor {
            type Value = Message<'static>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object {\"message\": NAME, \"fields\": {...}}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut name: Option<String> = None;
                let mut fields: Option<Record<'static>> = None;
                while let Some(k) = map.next_key::<String>()? {
                    match k.as_str() {
                        "message" => name = Some(map.next_value()?),
                        "fields" => fields = Some(map.next_value()?),
                        "offset" => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                        other => {
                            return Err(de::Error::unknown_field(other, &["message", "fields"]));
                        }
                    }
                }
                let name = name.ok_or_else(|| de::Error::missing_field("message"))?;
                let fields = fields.ok_or_else(|| de::Error::missing_field("fields"))?;
                Ok(Message {
                    name: Arc::from(name),
                    fields,
                })
            }
        }
        d.deserialize_map(MsgVisitor)
    }
}

// ------------------------------------------------------------------ redaction

/// Hides all but the last 4 characters.
pub(crate) fn mask_text(s: &str) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

const SECRET: &str = "****";

pub(crate) fn scalar_text(v: &Value<'_>) -> Option<String> {
    Some(match v {
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Text(t) => t.to_string(),
        Value::Bytes(b) => hex(b),
        Value::Date(d) => d.to_string(),
        Value::Time(t) => t.to_string(),
        Value::DateTime(d) => d.to_string(),
        Value::Null | Value::List(_) | Value::Record(_) => return None,
    })
}

/// A view of a value that serializes (and prints) with sensitive fields hidden.
#[derive(Clone, Copy)]
pub struct Redacted<'v, 'a> {
    value: RedactedInner<'v, 'a>,
    sensitivity: Sensitivity,
}

#[derive(Clone, Copy)]
enum RedactedInner<'v, 'a> {
    Value(&'v Value<'a>),
    Record(&'v Record<'a>),
    Message(&'v Message<'a>),
}

impl<'a> Message<'a> {
    /// The message with `mask` fields hidden but their last 4 characters and `secret` fields
    /// hidden whole, for logs and people: serialize it (JSON) or print it (`Display`).
    pub fn redacted(&self) -> Redacted<'_, 'a> {
        Redacted {
            value: RedactedInner::Message(self),
            sensitivity: Sensitivity::Plain,
        }
    }
}

impl<'a> Record<'a> {
    /// The record with sensitive fields hidden; see [`Message::redacted`].
    pub fn redacted(&self) -> Redacted<'_, 'a> {
        Redacted {
            value: RedactedInner::Record(self),
            sensitivity: Sensitivity::Plain,
        }
    }
}

impl Serialize for Redacted<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.value {
            RedactedInner::Message(m) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("message", &*m.name)?;
                map.serialize_entry("fields", &m.fields.redacted())?;
                map.end()
            }
            RedactedInner::Record(r) => {
                let mut map = s.serialize_map(Some(r.len()))?;
                for (i, (n, v)) in r.iter().enumerate() {
                    let sens = match self.sensitivity {
                        Sensitivity::Plain => r.sensitivity(i),
                        outer => outer,
                    };
                    map.serialize_entry(
                        n,
                        &Redacted {
                            value: RedactedInner::Value(v),
                            sensitivity: sens,
                        },
                    )?;
                }
                map.end()
            }
            RedactedInner::Value(v) => match (v, self.sensitivity) {
                (Value::Record(r), sens) => Redacted {
                    value: RedactedInner::Record(r),
                    sensitivity: sens,
                }
                .serialize(s),
                (Value::List(l), sens) => {
                    let mut seq = s.serialize_seq(Some(l.len()))?;
                    for e in l {
                        seq.serialize_element(&Redacted {
                            value: RedactedInner::Value(e),
                            sensitivity: sens,
                        })?;
                    }
                    seq.end()
                }
                (v, Sensitivity::Plain) | (v @ Value::Null, _) => v.serialize(s),
                (_, Sensitivity::Secret) => s.serialize_str(SECRET),
                (v, Sensitivity::Mask) => {
                    s.serialize_str(&mask_text(&scalar_text(v).unwrap_or_default()))
                }
            },
        }
    }
}

impl fmt::Display for Redacted<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl fmt::Debug for Redacted<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `Debug` never shows a sensitive field: it prints the redacted form.
impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Message({})", self.redacted())
    }
}

/// `Display` prints the redacted JSON form.
impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.redacted(), f)
    }
}

impl fmt::Debug for Record<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Record({})", self.redacted())
    }
}

impl fmt::Debug for Value<'_> {
    /// A value alone does not know whether its field is sensitive; records and messages do,
    /// and print through their redacted form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::UInt(u) => write!(f, "UInt({u})"),
            Value::Decimal(d) => write!(f, "Decimal({d})"),
            Value::Text(t) => write!(f, "Text({t:?})"),
            Value::Bytes(b) => write!(f, "Bytes({})", hex(b)),
            Value::Date(d) => write!(f, "Date({d})"),
            Value::Time(t) => write!(f, "Time({t})"),
            Value::DateTime(d) => write!(f, "DateTime({d})"),
            Value::List(l) => f.debug_list().entries(l).finish(),
            Value::Record(r) => fmt::Debug::fmt(r, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_four_words() {
        // A decoded record is a vector of these: its size is the memory and the allocator
        // size class of every decode.
        assert_eq!(std::mem::size_of::<Value<'_>>(), 32);
    }

    #[test]
    fn decimals_keep_their_mantissa_in_two_halves() {
        for m in [
            0,
            1,
            -1,
            i128::MAX,
            i128::MIN,
            1 << 64,
            -(1 << 64),
            u64::MAX as i128 + 7,
        ] {
            assert_eq!(Decimal::new(m, 2).mantissa(), m);
        }
        assert_eq!(
            "-12.50".parse::<Decimal>().map(|d| d.to_string()),
            Ok("-12.50".into())
        );
    }

    #[test]
    fn decimal_text() {
        let cases: &[(i128, u8, &str)] = &[
            (123450, 3, "123.450"),
            (-2500, 2, "-25.00"),
            (5, 3, "0.005"),
            (-5, 1, "-0.5"),
            (0, 2, "0.00"),
            (42, 0, "42"),
        ];
        for &(m, s, want) in cases {
            let d = Decimal::new(m, s);
            assert_eq!(d.to_string(), want);
            assert_eq!(want.parse::<Decimal>(), Ok(d), "{want}");
        }
        for bad in ["", "-", "1.", ".5", "1.2.3", "1e5", "abc", " 1"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(
            "2024-02-29".parse::<Date>().map(|d| d.to_string()),
            Ok("2024-02-29".into())
        );
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2024-13-01".parse::<Date>().is_err());
        assert!("24:00:00".parse::<Time>().is_err());
        assert_eq!(
            "09:30".parse::<Time>().map(|t| t.to_string()),
            Ok("09:30".into())
        );
        assert_eq!(
            "2024-03-15T09:30:15"
                .parse::<DateTime>()
                .map(|t| t.to_string()),
            Ok("2024-03-15T09:30:15".into())
        );
    }

    #[test]
    fn lookup_paths() {
        let item: Record<'_> = [("amount", Value::Int(5))].into_iter().collect();
        let rec: Record<'_> = [
            (
                "header",
                Value::Record([("seq_no", Value::Int(7))].into_iter().collect()),
            ),
            (
                "items",
                Value::List(vec![Value::Record(item.clone()), Value::Record(item)]),
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(rec.lookup("header.seq_no"), Some(&Value::Int(7)));
        assert_eq!(rec.lookup("items[1].amount"), Some(&Value::Int(5)));
        assert_eq!(rec.lookup("items[2].amount"), None);
        assert_eq!(rec.lookup("nope"), None);
    }

    #[test]
    fn json_round_trip_is_exact() {
        let text = r#"{"message":"m","fields":{"a":"x","b":-3,"c":18446744073709551615,"d":null,"e":[1,2],"f":{"g":"1.50"}}}"#;
        let m: Message<'static> = serde_json::from_str(text).expect("parses");
        assert_eq!(serde_json::to_string(&m).expect("serializes"), text);
    }

    #[test]
    fn floats_are_refused() {
        let e = serde_json::from_str::<Value<'static>>("1.5").expect_err("float");
        assert!(
            e.to_string().contains("write exact decimals as strings"),
            "{e}"
        );
    }

    #[test]
    fn masking() {
        assert_eq!(mask_text("1002003004005"), "*********4005");
        assert_eq!(mask_text("123"), "123");
    }
}
