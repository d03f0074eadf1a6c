//! Explaining a telegram field by field: offset, length, raw bytes, value or error, for
//! people reading a hex dump (the CLI's `explain`, Python's `schema.explain`).
//!
//! It is the decoder itself, run with a trace that records each field as it passes, so
//! an explanation can never disagree with a decode. On a bad telegram, every field that
//! decoded is there, then the failing one with its error, and the offset where the rest
//! of the bytes begins.
//!
//! [`Explanation::to_text`] draws it as the table the command line and Python print.

pub(crate) mod render;

use std::fmt;

use crate::error::{Error, ErrorKind, Result};
use crate::schema::Schema;
use crate::schema::table::{FieldDef, MAX_COUNTS};
use crate::value::{Record, Sensitivity, Value};
use crate::walk::{Decoder, Segment, Trace};

/// A telegram explained field by field.
pub struct Explanation<'s, 'a> {
    /// The message, when dispatch found one.
    pub message: Option<&'s str>,
    /// The fields in wire order, as far as decoding got (the failing field last).
    pub fields: Vec<ExplainedField<'s, 'a>>,
    /// The error that stopped decoding, if any.
    pub error: Option<Error>,
    /// Offset of the first byte after the last explained field: the remaining bytes are
    /// `telegram[rest..]` (empty when all went well).
    pub rest: usize,
    /// The schema that explained it: which fields are `mask` or `secret`, for the bytes
    /// after `rest`.
    pub(crate) schema: &'s Schema,
    /// The whole telegram.
    pub(crate) telegram: &'a [u8],
}

impl fmt::Debug for Explanation<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Explanation")
            .field("message", &self.message)
            .field("fields", &self.fields)
            .field("error", &self.error)
            .field("rest", &self.rest)
            .field("telegram_len", &self.telegram.len())
            .finish_non_exhaustive()
    }
}

/// One field of an explained telegram.
#[derive(Debug)]
pub struct ExplainedField<'s, 'a> {
    /// The field path with indices: `items[1].amount`.
    pub path: String,
    /// Offset in the telegram.
    pub offset: usize,
    /// Width in bytes.
    pub length: usize,
    /// The bytes on the wire (shorter than `length` when the telegram ends inside the field).
    pub raw: &'a [u8],
    /// The decoded value; `None` for filler and for the failing field.
    pub value: Option<Value<'a>>,
    /// This field's error, for the failing field.
    pub error: Option<String>,
    /// The description (the spec's Korean name).
    pub description: Option<&'s str>,
    /// The type as the layout wrote it.
    pub type_text: &'s str,
    /// `mask`, `secret` or plain.
    pub sensitivity: Sensitivity,
    /// True for filler (`_`).
    pub filler: bool,
}

impl ExplainedField<'_, '_> {
    /// The value as text for a person: JSON-like, `null` for blanks, with `mask`/`secret`
    /// hidden unless `reveal`.
    pub fn value_text(&self, reveal: bool) -> String {
        let Some(v) = &self.value else {
            return String::new();
        };
        if v.is_null() {
            return "null".into();
        }
        let text = v.to_text().unwrap_or_default();
        let shown = if reveal {
            text
        } else {
            self.sensitivity.redact(&text).into_owned()
        };
        // Text is quoted as JSON quotes it: full-width spaces and Hangul stay as they are.
        if matches!(v, Value::Text(_)) {
            serde_json::to_string(&shown).unwrap_or(shown)
        } else {
            shown
        }
    }

    /// The raw bytes as text for a person, with `mask`/`secret` hidden unless `reveal`.
    pub fn raw_hidden(&self, reveal: bool) -> bool {
        !reveal && self.sensitivity != Sensitivity::Plain
    }
}

struct Explainer<'s, 'a> {
    fields: Vec<ExplainedField<'s, 'a>>,
}

/// A path as text: `items[1].amount`.
fn path_text(path: &[Segment<'_>]) -> String {
    let mut p = String::new();
    for seg in path {
        match seg {
            Segment::Name(n) => {
                if !p.is_empty() {
                    p.push('.');
                }
                p.push_str(n);
            }
            Segment::Index(i) => {
                p.push('[');
                p.push_str(&i.to_string());
                p.push(']');
            }
        }
    }
    p
}

impl<'s, 'a> Trace<'s, 'a> for Explainer<'s, 'a> {
    const ON: bool = true;

    fn field(
        &mut self,
        path: &[Segment<'s>],
        f: &'s FieldDef,
        offset: usize,
        bytes: &'a [u8],
        value: Result<&Value<'a>, &Error>,
    ) {
        let (value, error) = match value {
            Ok(_) if f.filler => (None, None),
            Ok(v) => (Some(v.clone()), None),
            Err(e) => (None, Some(e.detail())),
        };
        self.fields.push(ExplainedField {
            path: path_text(path),
            offset,
            length: f.width,
            raw: bytes,
            value,
            error,
            description: f.description.as_deref(),
            type_text: &f.type_text,
            sensitivity: f.sensitivity,
            filler: f.filler,
        });
    }
}

impl Schema {
    /// Explains a telegram field by field; never fails: a bad telegram gives the fields
    /// that decoded, the failing one, and the error.
    ///
    /// # Example
    /// ```
    /// # let schema = fep_core::Schema::parse("message m 8 {\n a X(3) \"가\"\n n 9(5)\n}\n")?;
    /// let x = schema.explain(b"abc12x45");
    /// assert_eq!(x.fields.len(), 2);
    /// assert_eq!(x.fields[1].path, "n");
    /// assert_eq!(x.fields[1].error.as_deref(), Some("expected digits, found \"12x45\" (byte 2 of the field, 'x')"));
    /// assert_eq!(x.rest, 8); // the bytes after the failing field (none here)
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn explain<'a>(&self, telegram: &'a [u8]) -> Explanation<'_, 'a> {
        match self.dispatch_index(telegram) {
            Ok(mi) => self.explain_index(mi, telegram),
            Err(e) => Explanation {
                message: None,
                fields: Vec::new(),
                error: Some(e),
                rest: 0,
                schema: self,
                telegram,
            },
        }
    }

    /// Explains a telegram as the named message, without looking at its conditions.
    pub fn explain_as<'a>(&self, message: &str, telegram: &'a [u8]) -> Result<Explanation<'_, 'a>> {
        let mi = self.message_index(message).ok_or_else(|| {
            Error::data(ErrorKind::UnknownMessage(message.to_owned()), 0, 0, None)
        })?;
        Ok(self.explain_index(mi, telegram))
    }

    fn explain_index<'a>(&self, mi: usize, telegram: &'a [u8]) -> Explanation<'_, 'a> {
        let s = &*self.inner;
        let m = &s.messages[mi];
        let trace = Explainer { fields: Vec::new() };
        let mut d = Decoder {
            s,
            data: telegram,
            counts: [(0, 0, 0); MAX_COUNTS],
            trace,
            path: Vec::new(),
        };
        let mut pos = 0;
        let mut rec = Record::new();
        let mut error = d.group_into(m.root, &mut pos, &mut rec).err();
        if error.is_none() && pos != telegram.len() {
            let e = ErrorKind::TooLong {
                expected: pos,
                found: telegram.len(),
            };
            error = Some(Error::data(e, pos, telegram.len() - pos, None));
        }
        let fields = d.trace.fields;
        let rest = match (&error, fields.last()) {
            (Some(_), Some(last)) if last.error.is_some() => {
                (last.offset + last.length).min(telegram.len())
            }
            _ => pos.min(telegram.len()),
        };
        Explanation {
            message: Some(&m.name),
            fields,
            error: error.map(|e| e.with_message(&m.name)),
            rest,
            schema: self,
            telegram,
        }
    }
}
