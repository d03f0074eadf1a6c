//! Where a flat decode puts each field's value as it is decoded: [`FlatSink`].
//!
//! A column store (Arrow, Parquet) appends a telegram's values column by column, in wire
//! order. Decoding into a vector of values first builds a value per field (KS X 1001 text
//! as a string of its own), then the store matches each against its column, copies it and
//! drops it. A sink takes each value as the decode finds it instead: text borrowed from the
//! telegram, Korean text decoded straight into a string the sink gives (a column's bytes),
//! numbers, dates and times as they are; only what the general codec decodes comes as a
//! [`Value`].

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
/// possibly part of a [`FlatSink::decoded_text`] that it was told to undo): a sink that
/// must not keep half a telegram undoes what it took since the telegram started.
///
/// `Vec<Value>` is a sink: it collects the values the message information's
/// `decode_values` gives.
///
/// # Example
/// A sink that keeps each field's text, as a CSV line would:
/// ```
/// use fep_core::{Date, FlatSink, Schema, Time, Value};
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
///     fn decoded_text(&mut self, decode: impl FnOnce(&mut String) -> bool) -> bool {
///         let start = self.0.len();
///         if start > 0 {
///             self.0.push(',');
///         }
///         if decode(&mut self.0) {
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

    /// Text that must be decoded (KS X 1001 Korean): `decode` appends it to the string it
    /// is given and says whether it could. The sink gives a string (a text column's bytes,
    /// or a scratch string) and keeps what was appended when `decode` returns `true`.
    /// When it returns `false`, the sink puts the string back as it was and returns
    /// `false`: the field then comes again by another call ([`FlatSink::text`] or
    /// [`FlatSink::value`]) or the decode fails. Returns what `decode` returned.
    fn decoded_text(&mut self, decode: impl FnOnce(&mut String) -> bool) -> bool;

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

/// Collects the values, as [`Value`]s: text borrowed where the telegram allows, Korean
/// text in strings of their own.
impl<'a> FlatSink<'a> for Vec<Value<'a>> {
    #[inline]
    fn text(&mut self, text: &'a str) {
        self.push(Value::Text(text.into()));
    }

    #[inline]
    fn decoded_text(&mut self, decode: impl FnOnce(&mut String) -> bool) -> bool {
        let mut s = String::new();
        if decode(&mut s) {
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
