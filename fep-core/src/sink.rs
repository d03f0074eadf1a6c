//! Where a flat decode puts each field's value as it is decoded: [`FlatSink`].
//!
//! A column store (Arrow, Parquet) appends a telegram's values column by column, in wire
//! order. Decoding into a vector of values first builds a value per field (KS X 1001 text
//! as a string of its own), then the store matches each against its column, copies it and
//! drops it. A sink takes each value as the decode finds it instead: text borrowed from the
//! telegram, Korean text as its bytes for the sink to decode where it wants it (straight into
//! a column's bytes, or into characters for a Python `str`), numbers, dates and times as
//! they are; only what the general codec decodes comes as a [`Value`].

use crate::codec::text;
use crate::value::{Date, Decimal, Time, Value};

/// Takes the values of a telegram decoded flat, one call per field in wire order (the
/// fields of a record where the record stands, filler left out), as the message
/// information's `decode_to` gives them.
///
/// Which call a field gets depends on how it decoded, not only on its type: a number
/// field whose bytes are blank comes as [`FlatSink::value`] with [`Value::Null`], text
/// that the fast path does not take as a [`Value::Text`], a date-time as a
/// [`Value::DateTime`]. A sink that wants one call per type matches the value.
///
/// When the decode fails, the sink has taken the fields before the one that failed (and
/// possibly part of a [`FlatSink::korean_text`] that it was told to undo): a sink that
/// must not keep half a telegram undoes what it took since the telegram started.
///
/// `Vec<Value>` is a sink: it collects the values the message information's
/// `decode_values` gives.
///
/// # Example
/// A sink that keeps each field's text, as a CSV line would:
/// ```
/// use fep_core::{Date, FlatSink, KoreanText, Schema, Time, Value};
///
/// #[derive(Default)]
/// struct Line(String);
///
/// impl Line {
///     fn cell(&mut self, text: &str) {
///         if !self.0.is_empty() {
///             self.0.push(',');
///         }
///         self.0.push_str(text);
///     }
/// }
///
/// impl<'a> FlatSink<'a> for Line {
///     fn text(&mut self, text: &'a str) {
///         self.cell(text);
///     }
///     fn korean_text(&mut self, text: KoreanText<'a>) -> bool {
///         let start = self.0.len();
///         if start > 0 {
///             self.0.push(',');
///         }
///         if text.decode_into(&mut self.0) {
///             return true;
///         }
///         self.0.truncate(start);
///         false
///     }
///     fn int(&mut self, v: i64) {
///         self.cell(&v.to_string());
///     }
///     fn decimal(&mut self, mantissa: i128, scale: u8) {
///         self.cell(&fep_core::Decimal::new(mantissa, scale).to_string());
///     }
///     fn date(&mut self, d: Date) {
///         self.cell(&d.to_string());
///     }
///     fn time(&mut self, t: Time) {
///         self.cell(&t.to_string());
///     }
///     fn value(&mut self, v: Value<'a>) {
///         self.cell(&v.to_text().unwrap_or_default());
///     }
/// }
///
/// let schema = Schema::parse(
///     "encoding euc-kr\nmessage m 18 {\n  code X(2)\n  name X(6)\n  amount 9(5)V9(2)\n  _ X(3)\n}\n",
/// )?;
/// let info = schema.message("m").expect("m");
/// // "AB", then "김철" in EUC-KR (two pairs) and its pad, 123.45, filler.
/// let telegram = b"AB\xb1\xe8\xc3\xb6  0012345   ";
/// let mut line = Line::default();
/// info.decode_to(telegram, &mut line).expect("a flat message")?;
/// assert_eq!(line.0, "AB,김철,123.45");
/// # Ok::<(), fep_core::Error>(())
/// ```
pub trait FlatSink<'a> {
    /// Text borrowed from the telegram (its pad trimmed).
    fn text(&mut self, text: &'a str);

    /// Korean text that the KS X 1001 table may take, not yet decoded. The sink decodes it
    /// into a string of its own with [`KoreanText::decode_into`] (a text column's bytes, a
    /// scratch string), or into characters with [`KoreanText::chars_into`] (for a Python
    /// `str`, which is made from characters: UTF-8 in between would be decoded twice), and
    /// returns what that returned. On `false` (the text is not all ASCII and KS X 1001
    /// pairs), where the text went is as it was, and the field then comes again by another
    /// call ([`FlatSink::text`] or [`FlatSink::value`]) or the decode fails.
    fn korean_text(&mut self, text: KoreanText<'a>) -> bool;

    /// An integer (digits, with their sign if any).
    fn int(&mut self, v: i64);

    /// A number with implied decimals: `mantissa` / 10^`scale`, the scale the field's.
    fn decimal(&mut self, mantissa: i128, scale: u8);

    /// A date.
    fn date(&mut self, d: Date);

    /// A time of day.
    fn time(&mut self, t: Time);

    /// Any other value, as the general codec decodes it: nulls (blank fields), date-times,
    /// bytes, text that the fast paths did not take, numbers of other shapes.
    fn value(&mut self, v: Value<'a>);
}

/// Korean text of a telegram, its pad trimmed, in a double-byte encoding (EUC-KR or
/// CP949): what [`FlatSink::korean_text`] is given.
#[derive(Clone, Copy, Debug)]
pub struct KoreanText<'a> {
    bytes: &'a [u8],
    pairs_only: bool,
}

impl<'a> KoreanText<'a> {
    /// The text of `bytes`, which decodes when they are all ASCII and KS X 1001 pairs
    /// (only pairs with `pairs_only`: a `G` field).
    pub(crate) fn new(bytes: &'a [u8], pairs_only: bool) -> Self {
        KoreanText { bytes, pairs_only }
    }

    /// The text's bytes, as the telegram has them (without the pad).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Appends the text to `out`; `false`, with `out` as it was, when the bytes are not
    /// all ASCII and KS X 1001 pairs (all pairs for a `G` field).
    #[inline]
    pub fn decode_into(&self, out: &mut String) -> bool {
        text::ks_x_1001_append(self.bytes, self.pairs_only, out)
    }

    /// Appends the text's characters to `out`, as [`KoreanText::decode_into`] appends
    /// them as UTF-8; `false`, with `out` as it was, when it would return `false`.
    #[inline]
    pub fn chars_into(&self, out: &mut Vec<char>) -> bool {
        text::ks_x_1001_chars(self.bytes, self.pairs_only, out)
    }
}

/// Collects the values, as [`Value`]s: text borrowed where the telegram allows, Korean
/// text in strings of their own.
impl<'a> FlatSink<'a> for Vec<Value<'a>> {
    #[inline]
    fn text(&mut self, text: &'a str) {
        self.push(Value::Text(text.into()));
    }

    #[inline]
    fn korean_text(&mut self, text: KoreanText<'a>) -> bool {
        let mut s = String::new();
        if text.decode_into(&mut s) {
            self.push(Value::Text(s.into()));
            return true;
        }
        false
    }

    #[inline]
    fn int(&mut self, v: i64) {
        self.push(Value::Int(v));
    }

    #[inline]
    fn decimal(&mut self, mantissa: i128, scale: u8) {
        self.push(Value::Decimal(Decimal::new(mantissa, scale)));
    }

    #[inline]
    fn date(&mut self, d: Date) {
        self.push(Value::Date(d));
    }

    #[inline]
    fn time(&mut self, t: Time) {
        self.push(Value::Time(t));
    }

    #[inline]
    fn value(&mut self, v: Value<'a>) {
        self.push(v);
    }
}
