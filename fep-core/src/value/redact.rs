//! Sensitive fields hidden in what people see: [`Redacted`], and `Display`/`Debug` of
//! values, records and messages.

use std::fmt;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::sensitivity::{SECRET, mask_text};
use super::{Message, Record, Sensitivity, Value, hex};

// ------------------------------------------------------------------ redaction

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

impl<'v, 'a> Redacted<'v, 'a> {
    /// A value of a field with the given sensitivity, hidden as that field is.
    pub(crate) fn value(v: &'v Value<'a>, sensitivity: Sensitivity) -> Redacted<'v, 'a> {
        Redacted {
            value: RedactedInner::Value(v),
            sensitivity,
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
                    s.serialize_str(&mask_text(&v.to_text().unwrap_or_default()))
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
