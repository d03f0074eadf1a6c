//! Decoded values: [`Message`], [`Record`], [`Value`] and the exact scalar types
//! ([`Decimal`], [`Date`], [`Time`], [`DateTime`]), with serde for exact JSON.
//!
//! A record keeps its field names in a shared [`Arc`]ed shape that the schema builds once,
//! so decoding a telegram allocates one vector per record and no name at all. Text that is
//! pure ASCII borrows from the telegram (`Cow::Borrowed`); [`Message::into_owned`] detaches.

use std::borrow::Cow;
use std::sync::Arc;

use crate::path::{FieldPath, PathSegment, relative_segments, segments_of};

pub(crate) mod envelope;
mod json;
pub(crate) mod redact;
pub(crate) mod scalar;
pub(crate) mod sensitivity;
#[cfg(test)]
mod tests;

pub use scalar::{Date, DateTime, Decimal, ParseDecimalError, Time};
pub use sensitivity::Sensitivity;

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
            Value::Decimal(d) if d.scale() == 0 => i64::try_from(d.mantissa()).ok(),
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
        Some(match self {
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

    /// Looks a path up below this value: `header.seq_no`, `items[2].amount`, or `[2].amount`
    /// below a list; `None` when the path does not parse (see [`FieldPath`]) or leads nowhere.
    pub fn lookup(&self, path: &str) -> Option<&Value<'a>> {
        self.lookup_segments(relative_segments(path).ok()?)
    }

    /// Looks a parsed path up below this value; `None` when it leads nowhere (a `[]`
    /// segment leads nowhere: it names no single value).
    pub fn get_path(&self, path: &FieldPath) -> Option<&Value<'a>> {
        self.lookup_segments(path.segments())
    }

    fn lookup_segments<'p>(
        &self,
        segments: impl Iterator<Item = PathSegment<'p>>,
    ) -> Option<&Value<'a>> {
        let mut cur = self;
        for seg in segments {
            cur = match seg {
                PathSegment::Name(name) => cur.as_record()?.get(name)?,
                PathSegment::Index(i) => cur.as_list()?.get(i)?,
                PathSegment::Each => return None,
            };
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

/// The field names of a record, as shared by every record of the same shape: all records
/// decoded from one message, or from one group or repeat of it.
///
/// Holding one keeps those names alive and unchanged (a record that is then changed gets
/// names of its own), so [`Record::has_shape`] tells by identity, without comparing names,
/// whether a record has them. Bindings key work done once per shape by it: the Python
/// package keeps a `dict` template per shape.
#[derive(Clone, Debug)]
pub struct RecordShape(Arc<Shape>);

impl RecordShape {
    /// The field names, in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.0.names.iter().map(|n| &**n)
    }
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

    /// Looks a path up: `header.seq_no`, `items[2].amount`; `None` when the path does not
    /// parse (see [`FieldPath`]) or leads nowhere.
    pub fn lookup(&self, path: &str) -> Option<&Value<'a>> {
        self.lookup_segments(segments_of(path).ok()?)
    }

    /// Looks a parsed path up; `None` when it leads nowhere.
    pub fn get_path(&self, path: &FieldPath) -> Option<&Value<'a>> {
        self.lookup_segments(path.segments())
    }

    fn lookup_segments<'p>(
        &self,
        mut segments: impl Iterator<Item = PathSegment<'p>>,
    ) -> Option<&Value<'a>> {
        let Some(PathSegment::Name(first)) = segments.next() else {
            return None;
        };
        self.get(first)?.lookup_segments(segments)
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

    /// The shape of this record: its field names, shared with every record of the shape.
    pub fn shape(&self) -> RecordShape {
        RecordShape(Arc::clone(&self.shape))
    }

    /// True when this record's field names are `shape`'s own (the same shared names, not
    /// only equal ones): a test of identity, a comparison of two addresses.
    pub fn has_shape(&self, shape: &RecordShape) -> bool {
        Arc::ptr_eq(&self.shape, &shape.0)
    }

    /// The sensitivity of the field at `index` (plain for records built by hand).
    pub fn sensitivity(&self, index: usize) -> Sensitivity {
        self.shape
            .sensitivity
            .get(index)
            .copied()
            .unwrap_or_default()
    }

    /// Empties the record without dropping its values, for values that own no memory:
    /// their drop would only look at each one's tag to find nothing to free.
    pub(crate) fn forget_values(&mut self) {
        #[allow(unsafe_code)]
        // SAFETY: a length of 0 is within any capacity and leaves no value to read; the
        // values past it are not dropped, which at worst leaks what they own (callers
        // call this only for values that own nothing).
        unsafe {
            self.values.set_len(0)
        };
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
///
/// A message decoded from a telegram borrows its ASCII text from it, and has a destructor
/// (which frees a message of plain values without looking at each): it must be gone before
/// the telegram is changed, moved or freed, so drop it, let its scope end first, or detach
/// it ([`Message::into_owned`]). A `match` on a decode keeps the message to the end of the
/// `match`.
///
/// ```
/// # let schema = fep_core::Schema::parse("message m 5 {\n n 9(5)\n}\n")?;
/// let mut buf = b"00001".to_vec();
/// let msg = schema.decode(&buf)?;
/// let n = msg.get("n").and_then(|v| v.as_i64());
/// drop(msg); // before the buffer takes the next telegram
/// buf.clear();
/// assert_eq!(n, Some(1));
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Message<'a> {
    pub(crate) name: Arc<str>,
    pub(crate) fields: Record<'a>,
    /// True when no field owns memory (numbers, dates, borrowed text: what a telegram of a
    /// message without records, lists or Hangul leaves), as the decode that wrote the
    /// fields found. The drop then frees the field vector without looking at each value,
    /// and `decode_into` reuses it without checking them. Anything that can change a field
    /// sets it back to false.
    pub(crate) plain: bool,
}

impl PartialEq for Message<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.fields == other.fields
    }
}
impl Eq for Message<'_> {}

impl Drop for Message<'_> {
    fn drop(&mut self) {
        if self.plain {
            self.fields.forget_values();
        }
    }
}

impl Default for Message<'_> {
    /// An empty message, to decode into with [`Schema::decode_into`](crate::Schema::decode_into).
    fn default() -> Self {
        Message {
            name: Arc::from(""),
            fields: Record::new(),
            plain: false,
        }
    }
}

impl<'a> Message<'a> {
    /// A message to encode, built by hand.
    pub fn new(name: &str, fields: Record<'a>) -> Message<'a> {
        Message {
            name: Arc::from(name),
            fields,
            plain: false,
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
        self.plain = false;
        &mut self.fields
    }

    /// Looks a field up by path: `header.seq_no`, `items[2].amount`; `None` when the path
    /// does not parse (see [`FieldPath`]) or the message has no value there.
    pub fn get(&self, path: &str) -> Option<&Value<'a>> {
        self.fields.lookup(path)
    }

    /// Looks a field up by a parsed path.
    pub fn get_path(&self, path: &FieldPath) -> Option<&Value<'a>> {
        self.fields.get_path(path)
    }

    /// Detaches the message from the telegram it was decoded from.
    pub fn into_owned(self) -> Message<'static> {
        let (name, fields) = self.into_parts();
        Message {
            name,
            fields: fields.into_owned(),
            plain: false,
        }
    }

    /// The name and the fields, moved out (the message has a destructor, so they cannot
    /// be moved out by a pattern). The record is then dropped as any record is, each
    /// value looked at, whatever the message's `plain` said.
    pub(crate) fn into_parts(self) -> (Arc<str>, Record<'a>) {
        let this = std::mem::ManuallyDrop::new(self);
        #[allow(unsafe_code)]
        // SAFETY: each field is read exactly once, from a message that is then never used
        // or dropped (`ManuallyDrop`), so each has one owner afterwards.
        unsafe {
            (std::ptr::read(&this.name), std::ptr::read(&this.fields))
        }
    }
}

/// Lowercase hex: how bytes show in JSON and text.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}
