//! Encoding: a [`Message`] (or a [`Record`] and a message name) to telegram bytes, the
//! exact mirror of decoding through the same field table.
//!
//! Values are matched to fields by name, positionally first (a record decoded from the
//! same schema shares its shape and pays no name comparison). An absent field gets its
//! constant, its default, or its blank; a `required` one is an error. A repeat count that
//! is left out is filled in from the number of entries.

use std::sync::Arc;

use crate::codec::field::{Codec, encode_scalar};
use crate::codec::number;
use crate::codec::text::TextEncoding;
use crate::error::{Error, ErrorKind, Result};
use crate::schema::table::*;
use crate::schema::{Schema, SchemaInner};
use crate::value::{Message, Record, Sensitivity, Value};

impl Schema {
    /// Encodes a message into a new telegram (without its frame).
    ///
    /// # Errors
    /// A [`Category::Encoding`](crate::Category::Encoding) error naming the message and the
    /// field path: a value too long (in bytes) for its width, a character the encoding
    /// cannot hold, a missing `required` field, an unknown field name, a number out of range
    /// or with too many decimals, a value of the wrong type.
    pub fn encode(&self, message: &Message<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.encode_into(message, &mut out)?;
        Ok(out)
    }

    /// Encodes a message, appending the telegram to `out` (which it leaves as it was on error).
    pub fn encode_into(&self, message: &Message<'_>, out: &mut Vec<u8>) -> Result<()> {
        self.encode_fields(&message.name, &message.fields, out)
    }

    /// Encodes the fields of the named message into a new telegram.
    pub fn encode_record(&self, message: &str, fields: &Record<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.encode_fields(message, fields, &mut out)?;
        Ok(out)
    }

    fn encode_fields(&self, name: &str, fields: &Record<'_>, out: &mut Vec<u8>) -> Result<()> {
        let s = &*self.inner;
        let mi = self
            .message_index(name)
            .ok_or_else(|| Error::value(ErrorKind::UnknownMessage(name.to_owned())))?;
        let m = &s.messages[mi];
        let start = out.len();
        // 32 bytes beyond the telegram: the plan appends numbers as blocks of 24 bytes
        // and short text as blocks of 32, cut back after (see `plan::digits` and
        // `plan::text_padded`).
        out.reserve(m.fixed_len.unwrap_or(m.min_len) + 32);
        // The flat plan first; where it gives up, the general walk starts over (its
        // encoder made only then: its counts are some thirty stores).
        let fast = s.plans[mi]
            .as_ref()
            .is_some_and(|p| p.encode(s, fields, out));
        let r = if fast {
            Ok(())
        } else {
            out.truncate(start);
            Encoder {
                s,
                counts: [CountState::Unknown; MAX_COUNTS],
            }
            .group(m.root, Some(fields), out)
        };
        let r = r.and_then(|()| {
            // The telegram must decode as the message it was encoded as.
            if s.messages.len() > 1 || !m.conditions.is_empty() {
                match s.dispatch.choose(&out[start..]) {
                    Some(i) if i == mi => {}
                    Some(i) => {
                        return Err(Error::value(ErrorKind::DispatchMismatch(
                            s.messages[i].name.to_string(),
                        )));
                    }
                    None => {
                        let paths: Vec<String> = m
                            .conditions
                            .iter()
                            .map(|(d, _)| s.dispatch.discs[*d].path.to_string())
                            .collect();
                        return Err(Error::value(ErrorKind::BadValue(format!(
                            "the telegram would match no message; check {}",
                            paths.join(", ")
                        ))));
                    }
                }
            }
            Ok(())
        });
        if let Err(err) = r {
            out.truncate(start);
            return Err(err.with_message(&m.name));
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum CountState<'s> {
    /// Not seen, or a value that is not a count (its own error is reported).
    Unknown,
    /// Left out: written blank at this output offset, filled in when the repeat is reached.
    Absent(usize, &'s FieldDef),
    Null,
    Given(u64),
}

struct Encoder<'s> {
    s: &'s SchemaInner,
    counts: [CountState<'s>; MAX_COUNTS],
}

impl<'s> Encoder<'s> {
    fn group(&mut self, gid: GroupId, rec: Option<&Record<'_>>, out: &mut Vec<u8>) -> Result<()> {
        let s = self.s;
        let g = &s.groups[gid as usize];
        let positional = rec.is_some_and(|r| Arc::ptr_eq(&r.shape, &g.shape));
        let mut used = 0;
        let mut k = 0;
        for &fid in &g.members {
            let f = &s.fields[fid as usize];
            if f.filler {
                if let FieldKind::Scalar(sc) = &f.kind {
                    for _ in 0..elements(&f.repeat) {
                        out.extend_from_slice(&sc.pad_bytes);
                    }
                }
                continue;
            }
            let v = match rec {
                None => None,
                Some(r) if positional => Some(&r.values[k]),
                Some(r) => find(r, &f.name, k),
            };
            used += usize::from(v.is_some());
            k += 1;
            self.field(f, v, out).map_err(|e| e.prepend_path(&f.name))?;
        }
        if let Some(r) = rec
            && used < r.len()
        {
            let unknown = r
                .iter()
                .map(|(n, _)| n)
                .find(|n| !g.shape.names.iter().any(|x| &**x == *n));
            return Err(match unknown {
                Some(n) => Error::value(ErrorKind::UnknownField(n.to_owned())).prepend_path(n),
                None => Error::value(ErrorKind::BadValue("a field is given twice".into())),
            });
        }
        Ok(())
    }

    fn field(&mut self, f: &'s FieldDef, v: Option<&Value<'_>>, out: &mut Vec<u8>) -> Result<()> {
        match &f.repeat {
            Repeat::One => self.one(f, v, out),
            Repeat::Fixed(n) => match v {
                None | Some(Value::Null) => {
                    for _ in 0..*n {
                        self.one(f, None, out)?;
                    }
                    Ok(())
                }
                Some(Value::List(list)) => {
                    if list.len() != *n {
                        return Err(Error::value(ErrorKind::BadValue(format!(
                            "expected {n} entries, found {}",
                            list.len()
                        ))));
                    }
                    self.entries(f, list, out)
                }
                Some(other) => Err(wrong("a list", other)),
            },
            Repeat::Counted {
                slot, bound, slots, ..
            } => {
                let list: &[Value<'_>] = match v {
                    None | Some(Value::Null) => &[],
                    Some(Value::List(list)) => list,
                    Some(other) => return Err(wrong("a list", other)),
                };
                if list.len() > *bound {
                    return Err(Error::value(ErrorKind::OutOfRange(format!(
                        "{} entries, the layout allows at most {bound}",
                        list.len()
                    ))));
                }
                match self.counts[*slot as usize] {
                    CountState::Given(c) if c != list.len() as u64 => {
                        return Err(Error::value(ErrorKind::CountMismatch {
                            count: c,
                            entries: list.len(),
                        }));
                    }
                    CountState::Null if !list.is_empty() => {
                        return Err(Error::value(ErrorKind::CountMismatch {
                            count: 0,
                            entries: list.len(),
                        }));
                    }
                    CountState::Absent(at, def) => {
                        // Filled in once; a second repeat on the same count must agree.
                        self.counts[*slot as usize] = CountState::Given(list.len() as u64);
                        fill_count(self.s.encoding, def, at, list.len(), out)?
                    }
                    _ => {}
                }
                self.entries(f, list, out)?;
                if *slots {
                    out.resize(out.len() + (bound - list.len()) * f.width, b' ');
                }
                Ok(())
            }
        }
    }

    fn entries(&mut self, f: &'s FieldDef, list: &[Value<'_>], out: &mut Vec<u8>) -> Result<()> {
        for (i, e) in list.iter().enumerate() {
            self.one(f, Some(e), out)
                .map_err(|err| err.prepend_path(&format!("[{i}]")))?;
        }
        Ok(())
    }

    fn one(&mut self, f: &'s FieldDef, v: Option<&Value<'_>>, out: &mut Vec<u8>) -> Result<()> {
        let sc = match &f.kind {
            FieldKind::Group(g) => {
                return match v {
                    None => self.group(*g, None, out),
                    Some(Value::Record(r)) => self.group(*g, Some(r), out),
                    Some(other) => Err(wrong("an object", other)),
                };
            }
            FieldKind::Scalar(sc) => sc,
        };
        let start = out.len();
        encode_scalar(self.s.encoding, sc, f.width, v, out).map_err(|k| {
            let k = if f.sensitivity == Sensitivity::Plain {
                k
            } else {
                k.redacted()
            };
            Error::value(k)
        })?;
        if let Some(slot) = f.count_slot {
            // The count is what went onto the wire, whatever spelling the value had.
            self.counts[slot as usize] = match v {
                None => CountState::Absent(start, f),
                Some(_) => match &sc.codec {
                    Codec::Number(spec) => match number::decode(spec, &out[start..]) {
                        Ok(Some(n)) => CountState::Given(n.magnitude as u64),
                        _ => CountState::Null,
                    },
                    _ => CountState::Null,
                },
            };
        }
        Ok(())
    }
}

/// Writes the number of entries into a count field that the value left out.
fn fill_count(
    enc: TextEncoding,
    def: &FieldDef,
    at: usize,
    n: usize,
    out: &mut [u8],
) -> Result<()> {
    let FieldKind::Scalar(sc) = &def.kind else {
        return Ok(());
    };
    let mut tmp = Vec::with_capacity(def.width);
    encode_scalar(enc, sc, def.width, Some(&Value::Int(n as i64)), &mut tmp)
        .map_err(|k| Error::value(k).prepend_path(&def.name))?;
    out[at..at + def.width].copy_from_slice(&tmp);
    Ok(())
}

fn elements(r: &Repeat) -> usize {
    match r {
        Repeat::One => 1,
        Repeat::Fixed(n) => *n,
        Repeat::Counted { bound, .. } => *bound,
    }
}

/// The value of `name`, looked for at `hint` first (values in layout order pay no search).
fn find<'r, 'a>(r: &'r Record<'a>, name: &str, hint: usize) -> Option<&'r Value<'a>> {
    if hint < r.len() && r.name_at(hint) == name {
        return Some(&r.values[hint]);
    }
    r.get(name)
}

fn wrong(expected: &'static str, v: &Value<'_>) -> Error {
    Error::value(ErrorKind::WrongType {
        expected,
        found: v.type_name(),
    })
}
