//! Decoding: telegram bytes to a [`Message`], walking the compiled field table.
//!
//! One pass, left to right: slice, check, convert. No field is looked up by name, text that
//! is pure ASCII is borrowed from the telegram, numbers are read from their digit bytes.
//! A repeat count is read from its field as the walk passes it and bounded by the layout
//! before anything is allocated for the entries.

use std::borrow::Cow;

use crate::codec::number::{self, Num};
use crate::codec::text::{self, TextEncoding};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::*;
use crate::value::{Decimal, Message, Record, Sensitivity, Value};

impl Schema {
    /// Decodes one telegram (without its frame), choosing the message by the layout's
    /// `when` conditions.
    ///
    /// Text that is pure ASCII borrows from `telegram`; call
    /// [`Message::into_owned`] to keep the message longer than the bytes.
    ///
    /// # Errors
    /// A [`Category::Data`](crate::Category::Data) error naming the message, the field
    /// path, the byte offset and length, and the raw bytes (never for `mask`/`secret` fields).
    ///
    /// # Example
    /// ```
    /// # let schema = fep_core::Schema::parse("message m 5 {\n n 9(5)\n}\n")?;
    /// let e = schema.decode(b"12a45").unwrap_err();
    /// assert_eq!(e.to_string(), "m.n (bytes 0..5): expected digits, found \"12a45\"");
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn decode<'a>(&self, telegram: &'a [u8]) -> Result<Message<'a>> {
        let mi = self.dispatch_index(telegram)?;
        self.decode_index(mi, telegram)
    }

    /// Decodes a telegram as the named message, without looking at its conditions.
    pub fn decode_message<'a>(&self, name: &str, telegram: &'a [u8]) -> Result<Message<'a>> {
        let mi = self
            .message_index(name)
            .ok_or_else(|| Error::data(ErrorKind::UnknownMessage(name.to_owned()), 0, 0, None))?;
        self.decode_index(mi, telegram)
    }

    pub(crate) fn decode_index<'a>(&self, mi: usize, telegram: &'a [u8]) -> Result<Message<'a>> {
        let s = &*self.inner;
        let m = &s.messages[mi];
        check_length(m, telegram).map_err(|e| e.with_message(&m.name))?;
        let mut d = Decoder {
            s,
            data: telegram,
            counts: [(0, 0, 0); MAX_COUNTS],
        };
        let mut pos = 0;
        let fields = d
            .group(m.root, &mut pos)
            .map_err(|e| e.with_message(&m.name))?;
        if pos != telegram.len() {
            return Err(Error::data(
                ErrorKind::TooLong {
                    expected: pos,
                    found: telegram.len(),
                },
                pos,
                telegram.len() - pos,
                None,
            )
            .with_message(&m.name));
        }
        Ok(Message {
            name: m.name.clone(),
            fields,
        })
    }
}

pub(crate) fn check_length(m: &MessageDef, telegram: &[u8]) -> Result<()> {
    let n = telegram.len();
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

struct Decoder<'s, 'a> {
    s: &'s SchemaInner,
    data: &'a [u8],
    /// Per count slot: the count, and the offset and width of its field.
    counts: [(u64, usize, usize); MAX_COUNTS],
}

impl<'a> Decoder<'_, 'a> {
    fn group(&mut self, gid: GroupId, pos: &mut usize) -> Result<Record<'a>> {
        let s = self.s;
        let g = &s.groups[gid as usize];
        let mut values = Vec::with_capacity(g.shape.names.len());
        for &fid in &g.members {
            let f = &s.fields[fid as usize];
            let v = match &f.repeat {
                Repeat::One => self.one(f, pos).map_err(|e| e.prepend_path(&f.name))?,
                Repeat::Fixed(n) => {
                    let mut list = Vec::with_capacity(*n);
                    for i in 0..*n {
                        list.push(self.one(f, pos).map_err(|e| {
                            e.prepend_path(&format!("[{i}]")).prepend_path(&f.name)
                        })?);
                    }
                    Value::List(list)
                }
                Repeat::Counted {
                    slot, bound, slots, ..
                } => {
                    let (count, at, width) = self.counts[*slot as usize];
                    if count > *bound as u64 {
                        let raw = self.data.get(at..at + width);
                        return Err(Error::data(
                            ErrorKind::CountOverBound {
                                count,
                                bound: *bound,
                            },
                            at,
                            width,
                            raw,
                        )
                        .prepend_path(&f.name));
                    }
                    let n = count as usize;
                    let mut list = Vec::with_capacity(n);
                    for i in 0..n {
                        list.push(self.one(f, pos).map_err(|e| {
                            e.prepend_path(&format!("[{i}]")).prepend_path(&f.name)
                        })?);
                    }
                    if *slots {
                        let unused = (bound - n) * f.width;
                        let start = *pos;
                        let end = start + unused;
                        let Some(rest) = self.data.get(start..end) else {
                            return Err(too_short(end, self.data.len()).prepend_path(&f.name));
                        };
                        if let Some(bad) = rest.iter().position(|&b| b != b' ') {
                            let slot_at = start + bad / f.width * f.width;
                            let raw = (f.sensitivity == Sensitivity::Plain)
                                .then(|| &self.data[slot_at..slot_at + f.width]);
                            return Err(Error::data(ErrorKind::NotPad, slot_at, f.width, raw)
                                .prepend_path(&format!("[{}]", n + bad / f.width))
                                .prepend_path(&f.name));
                        }
                        *pos = end;
                    }
                    Value::List(list)
                }
            };
            if !f.filler {
                values.push(v);
            }
        }
        Ok(Record::with_shape(g.shape.clone(), values))
    }

    fn one(&mut self, f: &FieldDef, pos: &mut usize) -> Result<Value<'a>> {
        let sc = match &f.kind {
            FieldKind::Group(g) => return self.group(*g, pos).map(Value::Record),
            FieldKind::Scalar(sc) => sc,
        };
        let start = *pos;
        let end = start + f.width;
        let Some(bytes) = self.data.get(start..end) else {
            return Err(too_short(end, self.data.len()));
        };
        *pos = end;
        let shown = || (f.sensitivity == Sensitivity::Plain).then_some(bytes);
        if f.filler {
            if bytes != &*sc.pad_bytes {
                return Err(Error::data(ErrorKind::NotPad, start, f.width, shown()));
            }
            return Ok(Value::Null);
        }
        let v = decode_scalar(self.s.encoding, sc, bytes)
            .map_err(|k| Error::data(k, start, f.width, shown()))?;
        if let Some(slot) = f.count_slot {
            let n = match &v {
                Value::Int(i) => *i as u64,
                Value::UInt(u) => *u,
                Value::Null => 0,
                _ => u64::MAX,
            };
            self.counts[slot as usize] = (n, start, f.width);
        }
        Ok(v)
    }
}

fn too_short(needed: usize, found: usize) -> Error {
    Error::data(ErrorKind::TooShort { needed, found }, found, 0, None)
}

/// Decodes one scalar field's bytes.
pub(crate) fn decode_scalar<'a>(
    enc: TextEncoding,
    s: &ScalarDef,
    bytes: &'a [u8],
) -> Result<Value<'a>, ErrorKind> {
    if let Some((c, text)) = &s.constant
        && bytes != &**c
    {
        return Err(ErrorKind::ConstantMismatch(text.to_string()));
    }
    match &s.codec {
        Codec::Text {
            raw,
            align_right,
            pad,
        } => {
            let t = if *raw {
                bytes
            } else if *align_right {
                &bytes[bytes.iter().take_while(|&&b| b == *pad).count()..]
            } else {
                &bytes[..bytes.len() - bytes.iter().rev().take_while(|&&b| b == *pad).count()]
            };
            if s.required && t.iter().all(|&b| b == *pad) {
                return Err(ErrorKind::RequiredBlank);
            }
            text::decode(enc, t).map(Value::Text)
        }
        Codec::Graphic { lenient } => {
            let mut end = bytes.len();
            loop {
                if end >= 2 && bytes[end - 2..end] == TextEncoding::FULL_WIDTH_SPACE {
                    end -= 2;
                } else if *lenient && end >= 1 && bytes[end - 1] == b' ' {
                    end -= 1;
                } else {
                    break;
                }
            }
            let t = &bytes[..end];
            if s.required && t.is_empty() {
                return Err(ErrorKind::RequiredBlank);
            }
            text::check_all_double_byte(enc, t)?;
            text::decode(enc, t).map(Value::Text)
        }
        Codec::Number(spec) => match number::decode(spec, bytes)? {
            None if s.required => Err(ErrorKind::RequiredBlank),
            None => Ok(Value::Null),
            Some(n) => Ok(number_value(n, spec.scale)),
        },
        Codec::Temporal(p) => {
            if bytes.iter().all(|&b| b == b' ') {
                return if s.required {
                    Err(ErrorKind::RequiredBlank)
                } else {
                    Ok(Value::Null)
                };
            }
            p.decode(bytes)
        }
        Codec::Bytes => Ok(Value::Bytes(Cow::Borrowed(bytes))),
    }
}

/// An integer as `Int` (or `UInt`, or a scale-0 `Decimal` beyond `u64`), a scaled number as
/// an exact `Decimal`.
pub(crate) fn number_value(n: Num, scale: u8) -> Value<'static> {
    if scale == 0 {
        if n.negative {
            if n.magnitude <= 1u128 << 63 {
                return Value::Int((n.magnitude as i128).wrapping_neg() as i64);
            }
        } else if let Ok(i) = i64::try_from(n.magnitude) {
            return Value::Int(i);
        } else if let Ok(u) = u64::try_from(n.magnitude) {
            return Value::UInt(u);
        }
    }
    let m = n.magnitude as i128;
    Value::Decimal(Decimal::new(if n.negative { -m } else { m }, scale))
}

impl Schema {
    /// The length of the telegram at the front of `data` (which may hold more after it),
    /// from its message: `Ok(None)` when more bytes are needed to tell. Used by
    /// `framing none`, where nothing but the message says where a telegram ends.
    pub fn telegram_length(&self, data: &[u8]) -> Result<Option<usize>> {
        let s = &*self.inner;
        let need = s
            .dispatch
            .discs
            .iter()
            .map(|d| d.offset + d.width)
            .max()
            .unwrap_or(0);
        if data.len() < need.max(1) {
            return Ok(None);
        }
        let mi = self.dispatch_index(data)?;
        let m = &s.messages[mi];
        if let Some(len) = m.fixed_len {
            return Ok(Some(len));
        }
        let mut d = Decoder {
            s,
            data,
            counts: [(0, 0, 0); MAX_COUNTS],
        };
        let mut pos = 0;
        match d.measure(m.root, &mut pos) {
            Ok(true) => Ok(Some(pos)),
            Ok(false) => Ok(None),
            Err(e) => Err(e.with_message(&m.name)),
        }
    }
}

impl Decoder<'_, '_> {
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
                Repeat::Counted { slot, bound, .. } => {
                    let (count, at, width) = self.counts[*slot as usize];
                    if count > *bound as u64 {
                        let raw = self.data.get(at..at + width);
                        return Err(Error::data(
                            ErrorKind::CountOverBound {
                                count,
                                bound: *bound,
                            },
                            at,
                            width,
                            raw,
                        )
                        .prepend_path(&f.name));
                    }
                    count as usize
                }
            };
            match &f.kind {
                FieldKind::Scalar(_) if f.count_slot.is_some() => {
                    if self.data.len() < *pos + f.width {
                        return Ok(false);
                    }
                    self.one(f, pos).map_err(|e| e.prepend_path(&f.name))?;
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
