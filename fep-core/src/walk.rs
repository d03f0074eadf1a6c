//! The general walk over a telegram: the compiled field table, left to right, with
//! repeats, counts and positions. Decode takes it for messages without a flat plan and for
//! `decode_into`; views take it for fields after a repeat; `explain` takes it with a trace
//! that watches each field. Also [`Schema::telegram_length`], which walks widths only.
//!
//! One pass: slice, check, convert. No field is looked up by name, and a repeat count is
//! read from its field as the walk passes it and bounded by the layout before anything is
//! allocated for the entries.

use std::borrow::Cow;
use std::sync::Arc;

use crate::codec::field::{
    Codec, Fast, ScalarDef, decode_field, decode_number_or_temporal, decode_scalar,
};
use crate::codec::number;
use crate::codec::text::{self, TextEncoding};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::Schema;
use crate::schema::table::*;
use crate::value::sensitivity::Sensitivity;
use crate::value::{Record, Value};

#[inline]
pub(crate) fn check_length(m: &MessageDef, telegram: &[u8]) -> Result<()> {
    let n = telegram.len();
    match m.fixed_len {
        Some(len) if n == len => Ok(()),
        None if n >= m.min_len => Ok(()),
        _ => length_error(m, n),
    }
}

#[cold]
#[inline(never)]
fn length_error(m: &MessageDef, n: usize) -> Result<()> {
    match m.fixed_len {
        Some(len) if n < len => Err(Error::data(
            ErrorKind::TooShort {
                needed: len,
                found: n,
            },
            n,
            0,
            None,
        )),
        Some(len) if n > len => Err(Error::data(
            ErrorKind::TooLong {
                expected: len,
                found: n,
            },
            len,
            n - len,
            None,
        )),
        None if n < m.min_len => Err(Error::data(
            ErrorKind::TooShort {
                needed: m.min_len,
                found: n,
            },
            n,
            0,
            None,
        )),
        _ => Ok(()),
    }
}

pub(crate) struct Decoder<'s, 'a, T> {
    pub s: &'s Table,
    pub data: &'a [u8],
    /// Per count slot: the count, and the offset and width of its field.
    pub counts: [(u64, usize, usize); MAX_COUNTS],
    pub trace: T,
    /// The path to the field being decoded, kept only when `T::ON` (a trace reads it).
    pub path: Vec<Segment<'s>>,
}

/// Watches a decode field by field (for `explain` and the slow path of views); the no-op
/// one compiles away. The decoder keeps the path; a trace sees it with each field.
pub(crate) trait Trace<'s, 'a> {
    const ON: bool;
    fn field(
        &mut self,
        _path: &[Segment<'s>],
        _f: &'s FieldDef,
        _offset: usize,
        _bytes: &'a [u8],
        _value: Result<&Value<'a>, &Error>,
    ) {
    }
}

/// A step of a field path.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Segment<'n> {
    Name(&'n str),
    Index(usize),
}

/// The trace of a plain decode: nothing.
pub(crate) struct NoTrace;

impl Trace<'_, '_> for NoTrace {
    const ON: bool = false;
}

impl<'s, 'a, T: Trace<'s, 'a>> Decoder<'s, 'a, T> {
    /// Decodes a group into `rec`, reusing its allocations when it has the group's shape.
    pub fn group_into(
        &mut self,
        gid: GroupId,
        pos: &mut usize,
        rec: &mut Record<'a>,
    ) -> Result<()> {
        let s = self.s;
        let g = &s.groups[gid as usize];
        if !Arc::ptr_eq(&rec.shape, &g.shape) {
            rec.shape = g.shape.clone();
            rec.values.clear();
        }
        // One allocation for the record's values, not a growth per push.
        rec.values
            .reserve_exact(g.shape.names.len().saturating_sub(rec.values.len()));
        let mut k = 0;
        for &fid in &g.members {
            let f = &s.fields[fid as usize];
            if T::ON {
                self.path.push(Segment::Name(&f.name));
            }
            let r = if f.filler {
                self.filler(f, pos)
            } else if k == rec.values.len() {
                // A fresh record: decode straight into a new value, nothing to reuse.
                k += 1;
                match (&f.kind, &f.repeat) {
                    (FieldKind::Scalar(sc), Repeat::One) => {
                        self.scalar_new(f, sc, pos).map(|v| rec.values.push(v))
                    }
                    _ => {
                        rec.values.push(Value::Null);
                        self.field_into(f, pos, &mut rec.values[k - 1])
                    }
                }
            } else {
                k += 1;
                let slot = &mut rec.values[k - 1];
                match (&f.kind, &f.repeat) {
                    // The common case of decode_into: a single scalar over the last value.
                    (FieldKind::Scalar(sc), Repeat::One) if !T::ON && f.count_slot.is_none() => {
                        let start = *pos;
                        let enc = self.s.encoding;
                        self.take(f, pos).and_then(|bytes| {
                            decode_scalar_into(enc, sc, bytes, slot).map_err(|k| {
                                let k = if f.sensitivity == Sensitivity::Plain {
                                    k
                                } else {
                                    k.redacted()
                                };
                                Error::data(k, start, f.width, shown(f, bytes))
                            })
                        })
                    }
                    _ => self.field_into(f, pos, slot),
                }
            };
            if T::ON {
                self.path.pop();
            }
            r.map_err(|e| e.prepend_path(&f.name))?;
        }
        rec.values.truncate(k);
        Ok(())
    }

    fn filler(&mut self, f: &'s FieldDef, pos: &mut usize) -> Result<()> {
        let FieldKind::Scalar(sc) = &f.kind else {
            return Ok(());
        };
        for _ in 0..elements_fixed(&f.repeat) {
            let start = *pos;
            let bytes = match self.take(f, pos) {
                Ok(b) => b,
                Err(e) => {
                    // Explained up to where the telegram ends, as any other field.
                    if T::ON {
                        self.trace.field(
                            &self.path,
                            f,
                            start,
                            &self.data[start.min(self.data.len())..],
                            Err(&e),
                        );
                    }
                    return Err(e);
                }
            };
            let r = if bytes == &*sc.pad_bytes {
                Ok(())
            } else {
                Err(Error::data(
                    ErrorKind::NotPad,
                    start,
                    f.width,
                    shown(f, bytes),
                ))
            };
            if T::ON {
                self.trace.field(
                    &self.path,
                    f,
                    start,
                    bytes,
                    r.as_ref().map(|()| &Value::Null),
                );
            }
            r?;
        }
        Ok(())
    }

    /// The entries of a counted repeat: the count read from its field, within the bound
    /// (an error showing the count's bytes, unless that field is sensitive).
    fn count(&self, slot: u8, bound: usize, count_field: FieldId) -> Result<usize> {
        let (count, at, width) = self.counts[slot as usize];
        if count > bound as u64 {
            let plain = self.s.fields[count_field as usize].sensitivity == Sensitivity::Plain;
            let raw = self.data.get(at..at + width).filter(|_| plain);
            return Err(Error::data(
                ErrorKind::CountOverBound { count, bound },
                at,
                width,
                raw,
            ));
        }
        Ok(count as usize)
    }

    fn take(&self, f: &'s FieldDef, pos: &mut usize) -> Result<&'a [u8]> {
        let data: &'a [u8] = self.data;
        let end = *pos + f.width;
        let bytes = data
            .get(*pos..end)
            .ok_or_else(|| too_short(end, data.len()))?;
        *pos = end;
        Ok(bytes)
    }

    fn field_into(&mut self, f: &'s FieldDef, pos: &mut usize, slot: &mut Value<'a>) -> Result<()> {
        let n = match &f.repeat {
            Repeat::One => return self.one_into(f, pos, slot),
            Repeat::Fixed(n) => *n,
            Repeat::Counted {
                slot: c,
                bound,
                count_field,
                ..
            } => self.count(*c, *bound, *count_field)?,
        };
        if !matches!(slot, Value::List(_)) {
            *slot = Value::List(Vec::with_capacity(n));
        }
        let Value::List(list) = slot else {
            unreachable!("made a list above")
        };
        list.truncate(n);
        for i in 0..n {
            if i == list.len() {
                list.push(Value::Null);
            }
            if T::ON {
                self.path.push(Segment::Index(i));
            }
            let r = self.one_into(f, pos, &mut list[i]);
            if T::ON {
                self.path.pop();
            }
            r.map_err(|e| e.prepend_path(&format!("[{i}]")))?;
        }
        if let Repeat::Counted {
            bound, slots: true, ..
        } = &f.repeat
        {
            let unused = (bound - n) * f.width;
            let start = *pos;
            let end = start + unused;
            let rest = self
                .data
                .get(start..end)
                .ok_or_else(|| too_short(end, self.data.len()))?;
            if let Some(bad) = rest.iter().position(|&b| b != b' ') {
                let at = start + bad / f.width * f.width;
                let raw = self
                    .data
                    .get(at..at + f.width)
                    .filter(|_| f.sensitivity == Sensitivity::Plain);
                return Err(Error::data(ErrorKind::NotPad, at, f.width, raw)
                    .prepend_path(&format!("[{}]", n + bad / f.width)));
            }
            *pos = end;
        }
        Ok(())
    }

    /// One scalar field as a new value (the path of a fresh decode).
    #[inline]
    fn scalar_new(
        &mut self,
        f: &'s FieldDef,
        sc: &ScalarDef,
        pos: &mut usize,
    ) -> Result<Value<'a>> {
        if T::ON || f.count_slot.is_some() {
            let mut v = Value::Null;
            self.one_into(f, pos, &mut v)?;
            return Ok(v);
        }
        let start = *pos;
        let bytes = self.take(f, pos)?;
        decode_field(self.s.encoding, sc, f.sensitivity, start, bytes)
    }

    fn one_into(&mut self, f: &'s FieldDef, pos: &mut usize, slot: &mut Value<'a>) -> Result<()> {
        let sc = match &f.kind {
            FieldKind::Group(g) => {
                if let Value::Record(r) = slot {
                    return self.group_into(*g, pos, r);
                }
                let mut r = Record::new();
                self.group_into(*g, pos, &mut r)?;
                *slot = Value::Record(r);
                return Ok(());
            }
            FieldKind::Scalar(sc) => sc,
        };
        let start = *pos;
        let bytes = match self.take(f, pos) {
            Ok(b) => b,
            Err(e) => {
                if T::ON {
                    self.trace.field(
                        &self.path,
                        f,
                        start,
                        &self.data[start.min(self.data.len())..],
                        Err(&e),
                    );
                }
                return Err(e);
            }
        };
        let r = decode_scalar_into(self.s.encoding, sc, bytes, slot).map_err(|k| {
            let k = if f.sensitivity == Sensitivity::Plain {
                k
            } else {
                k.redacted()
            };
            Error::data(k, start, f.width, shown(f, bytes))
        });
        if T::ON {
            self.trace
                .field(&self.path, f, start, bytes, r.as_ref().map(|()| &*slot));
        }
        r?;
        if let Some(c) = f.count_slot {
            let n = match slot {
                Value::Int(i) => *i as u64,
                Value::UInt(u) => *u,
                Value::Null => 0,
                _ => u64::MAX,
            };
            self.counts[c as usize] = (n, start, f.width);
        }
        Ok(())
    }
}

fn shown<'a>(f: &FieldDef, bytes: &'a [u8]) -> Option<&'a [u8]> {
    (f.sensitivity == Sensitivity::Plain).then_some(bytes)
}

fn elements_fixed(r: &Repeat) -> usize {
    match r {
        Repeat::One => 1,
        Repeat::Fixed(n) => *n,
        Repeat::Counted { bound, .. } => *bound,
    }
}

/// Decodes a scalar into `slot`; owned text reuses the slot's string when it has one.
fn decode_scalar_into<'a>(
    enc: TextEncoding,
    s: &ScalarDef,
    bytes: &'a [u8],
    slot: &mut Value<'a>,
) -> Result<(), ErrorKind> {
    match s.fast {
        Fast::Text if !matches!(slot, Value::Text(Cow::Owned(_))) => {
            if let Some(t) = text::ascii_trimmed(bytes) {
                *slot = Value::Text(Cow::Borrowed(t));
                return Ok(());
            }
        }
        Fast::Digits => {
            if let Some(v) = number::digits_u64(bytes) {
                *slot = Value::Int(v as i64);
                return Ok(());
            }
        }
        Fast::Number | Fast::Temporal => {
            if let Some(v) = decode_number_or_temporal(s, bytes) {
                *slot = v;
                return Ok(());
            }
        }
        _ => {}
    }
    if let (
        Codec::Text {
            raw: false,
            align_right: false,
            pad,
        },
        Value::Text(Cow::Owned(buf)),
        None,
    ) = (&s.codec, &mut *slot, &s.constant)
    {
        let t = text::trim_end(bytes, *pad);
        if !t.is_ascii() && !s.required {
            return text::decode_into_string(enc, t, buf);
        }
    }
    *slot = decode_scalar(enc, s, bytes)?;
    Ok(())
}

fn too_short(needed: usize, found: usize) -> Error {
    Error::data(ErrorKind::TooShort { needed, found }, found, 0, None)
}

impl Schema {
    /// The length of the telegram at the front of `data` (which may hold more after it),
    /// from its message: `Ok(None)` when more bytes are needed to tell. Used by
    /// `framing none`, where nothing but the message says where a telegram ends.
    pub fn telegram_length(&self, data: &[u8]) -> Result<Option<usize>> {
        let s = &*self.inner;
        if data.is_empty() {
            return Ok(None);
        }
        // Decided as soon as no more specific message could still match with more bytes.
        let mi = match s.dispatch.choose_partial(data) {
            Some(Some(mi)) => mi,
            Some(None) => return self.dispatch_index(data).map(|_| None),
            None => return Ok(None),
        };
        let m = &s.messages[mi];
        if let Some(len) = m.fixed_len {
            return Ok(Some(len));
        }
        let mut d = Decoder {
            s,
            data,
            counts: [(0, 0, 0); MAX_COUNTS],
            trace: NoTrace,
            path: Vec::new(),
        };
        let mut pos = 0;
        match d.measure(m.root, &mut pos) {
            Ok(true) => Ok(Some(pos)),
            Ok(false) => Ok(None),
            Err(e) => Err(e.with_message(&m.name)),
        }
    }
}

impl<'s, 'a> Decoder<'s, 'a, NoTrace> {
    /// Walks a group's widths, reading only count fields; false when `data` ends first.
    fn measure(&mut self, gid: GroupId, pos: &mut usize) -> Result<bool> {
        let s = self.s;
        for &fid in &s.groups[gid as usize].members {
            let f = &s.fields[fid as usize];
            let n = match &f.repeat {
                Repeat::One => 1,
                Repeat::Fixed(n) => *n,
                Repeat::Counted {
                    bound, slots: true, ..
                } => *bound,
                Repeat::Counted {
                    slot,
                    bound,
                    count_field,
                    ..
                } => self
                    .count(*slot, *bound, *count_field)
                    .map_err(|e| e.prepend_path(&f.name))?,
            };
            match &f.kind {
                FieldKind::Scalar(_) if f.count_slot.is_some() => {
                    if self.data.len() < *pos + f.width {
                        return Ok(false);
                    }
                    let mut v = Value::Null;
                    self.one_into(f, pos, &mut v)
                        .map_err(|e| e.prepend_path(&f.name))?;
                }
                FieldKind::Scalar(_) => *pos += f.width * n,
                FieldKind::Group(g) => {
                    for _ in 0..n {
                        if !self.measure(*g, pos)? {
                            return Ok(false);
                        }
                    }
                }
            }
        }
        Ok(true)
    }
}
