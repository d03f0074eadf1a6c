//! Encoding: a [`Message`] (or a [`Record`] and a message name) to telegram bytes, the
//! exact mirror of decoding through the same field table.
//!
//! Values are matched to fields by name, positionally first (a record decoded from the
//! same schema shares its shape and pays no name comparison). An absent field gets its
//! constant, its default, or its blank; a `required` one is an error. A repeat count that
//! is left out is filled in from the number of entries.

use std::sync::Arc;

use crate::codec::number::{self, Num, Sign};
use crate::codec::text::{self, TextEncoding};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::*;
use crate::value::{Decimal, Message, Record, Sensitivity, Value};

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
        out.reserve(m.fixed_len.unwrap_or(m.min_len));
        let mut e = Encoder {
            s,
            counts: [CountState::Unknown; MAX_COUNTS],
        };
        // The flat plan first; where it gives up, the general walk starts over.
        let fast = m.plan.as_ref().is_some_and(|p| p.encode(s, fields, out));
        if !fast {
            out.truncate(start);
        }
        let r = if fast {
            Ok(())
        } else {
            e.group(m.root, Some(fields), out)
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

/// Appends one scalar field: the value, or for an absent one its constant, default or blank.
pub(crate) fn encode_scalar(
    enc: TextEncoding,
    s: &ScalarDef,
    width: usize,
    v: Option<&Value<'_>>,
    out: &mut Vec<u8>,
) -> Result<(), ErrorKind> {
    let Some(v) = v else {
        if let Some((c, _)) = &s.constant {
            out.extend_from_slice(c);
        } else if let Some(d) = &s.default {
            out.extend_from_slice(d);
        } else if s.required {
            return Err(ErrorKind::MissingRequired);
        } else {
            out.extend_from_slice(&s.blank);
        }
        return Ok(());
    };
    let start = out.len();
    let r = encode_value(enc, s, width, v, out);
    if r.is_ok() {
        if let Some((c, text)) = &s.constant
            && out[start..] != **c
        {
            out.truncate(start);
            return Err(ErrorKind::ConstantMismatch(text.to_string()));
        }
    } else {
        out.truncate(start);
    }
    r
}

fn encode_value(
    enc: TextEncoding,
    s: &ScalarDef,
    width: usize,
    v: &Value<'_>,
    out: &mut Vec<u8>,
) -> Result<(), ErrorKind> {
    let wrong = |expected| ErrorKind::WrongType {
        expected,
        found: v.type_name(),
    };
    match &s.codec {
        Codec::Text {
            raw,
            align_right,
            pad,
        } => {
            let Value::Text(t) = v else {
                return Err(wrong("a string"));
            };
            if s.required && t.bytes().all(|b| b == *pad) {
                return Err(ErrorKind::MissingRequired);
            }
            let start = out.len();
            text::encode(enc, t, out)?;
            let n = out.len() - start;
            if n > width {
                return Err(ErrorKind::ValueTooLong {
                    bytes: n,
                    width,
                    encoding: enc.name(),
                });
            }
            if *raw {
                if n != width {
                    return Err(ErrorKind::BadValue(format!(
                        "a raw field takes exactly {width} bytes, found {n}; leave it out to write pad"
                    )));
                }
                return Ok(());
            }
            let padc = *pad as char;
            let loses = if *align_right {
                t.starts_with(padc)
            } else {
                t.ends_with(padc)
            };
            if loses {
                return Err(ErrorKind::BadValue(format!(
                    "the value {} with the pad character {padc:?}, which decoding removes; trim it or make the field raw",
                    if *align_right { "starts" } else { "ends" }
                )));
            }
            append_pad(out, *pad, start + width - out.len());
            if *align_right {
                out[start..].rotate_right(width - n);
            }
            Ok(())
        }
        Codec::Graphic { .. } => {
            let Value::Text(t) = v else {
                return Err(wrong("a string"));
            };
            if s.required && t.is_empty() {
                return Err(ErrorKind::MissingRequired);
            }
            if let Some(c) = t.chars().find(char::is_ascii) {
                return Err(ErrorKind::BadValue(format!(
                    "'{c}' is a single-byte character; a G field holds full-width characters only"
                )));
            }
            if t.ends_with('\u{3000}') {
                return Err(ErrorKind::BadValue(
                    "the value ends with a full-width space, the pad of G fields, which decoding removes".into(),
                ));
            }
            let start = out.len();
            text::encode(enc, t, out)?;
            let n = out.len() - start;
            if n > width {
                return Err(ErrorKind::ValueTooLong {
                    bytes: n,
                    width,
                    encoding: enc.name(),
                });
            }
            text::check_all_double_byte(enc, &out[start..]).map_err(|_| {
                ErrorKind::BadValue("a G field holds double-byte characters only".into())
            })?;
            for _ in 0..(width - n) / 2 {
                out.extend_from_slice(&TextEncoding::FULL_WIDTH_SPACE);
            }
            Ok(())
        }
        Codec::Number(spec) => {
            let num = match v {
                Value::Null if s.required => return Err(ErrorKind::MissingRequired),
                Value::Null => None,
                _ => Some(to_num(v, spec.scale)?),
            };
            if let Some(n) = num {
                if n.negative && spec.sign == Sign::Unsigned {
                    return Err(ErrorKind::OutOfRange(
                        "a negative value in an unsigned field".into(),
                    ));
                }
                if n.magnitude >= number::pow10(spec.digits) {
                    let digits = n.magnitude.to_string().len();
                    return Err(ErrorKind::OutOfRange(format!(
                        "the value needs {digits} digits, the field has {}",
                        spec.digits
                    )));
                }
            }
            number::encode(spec, num, out);
            Ok(())
        }
        Codec::Temporal(p) => {
            if v.is_null() {
                if s.required {
                    return Err(ErrorKind::MissingRequired);
                }
                out.extend_from_slice(&s.blank);
                return Ok(());
            }
            let (d, t) = p.parse_value(v)?;
            p.encode(d, t, out);
            Ok(())
        }
        Codec::Bytes => {
            let bytes: std::borrow::Cow<'_, [u8]> = match v {
                Value::Bytes(b) => std::borrow::Cow::Borrowed(&**b),
                Value::Text(t) => std::borrow::Cow::Owned(unhex(t)?),
                _ => return Err(wrong("a hex string")),
            };
            if bytes.len() != width {
                return Err(ErrorKind::BadValue(format!(
                    "expected {width} bytes ({} hex digits), found {}",
                    width * 2,
                    bytes.len()
                )));
            }
            out.extend_from_slice(&bytes);
            Ok(())
        }
    }
}

/// A number value at the field's scale.
fn to_num(v: &Value<'_>, scale: u8) -> Result<Num, ErrorKind> {
    let d = match v {
        Value::Int(i) => Decimal::new(i128::from(*i), 0),
        Value::UInt(u) => Decimal::new(i128::from(*u), 0),
        Value::Decimal(d) => *d,
        Value::Text(t) => t
            .parse::<Decimal>()
            .map_err(|e| ErrorKind::BadValue(format!("not a number ({e})")))?,
        other => {
            return Err(ErrorKind::WrongType {
                expected: "a number (or a decimal string)",
                found: other.type_name(),
            });
        }
    };
    let (m, given) = (d.mantissa(), d.scale());
    let m = if given > scale {
        let div = number::pow10(given - scale) as i128;
        if m % div != 0 {
            return Err(ErrorKind::TooManyDecimals {
                scale,
                given: given as usize,
            });
        }
        m / div
    } else {
        m.checked_mul(number::pow10(scale - given) as i128)
            .ok_or_else(|| ErrorKind::OutOfRange("more than 38 digits".into()))?
    };
    Ok(Num {
        negative: m < 0,
        magnitude: m.unsigned_abs(),
    })
}

fn unhex(t: &str) -> Result<Vec<u8>, ErrorKind> {
    let b = t.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Err(ErrorKind::BadValue(
            "a hex string has an even number of digits".into(),
        ));
    }
    let digit = |c: u8| -> Result<u8, ErrorKind> {
        (c as char)
            .to_digit(16)
            .map(|d| d as u8)
            .ok_or_else(|| ErrorKind::BadValue(format!("'{}' is not a hex digit", c as char)))
    };
    b.chunks(2)
        .map(|p| Ok(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// Appends `n` bytes of `byte` (a copy from a block instead of a fill loop).
#[inline]
pub(crate) fn append_pad(out: &mut Vec<u8>, byte: u8, mut n: usize) {
    const BLOCK: usize = 64;
    if byte == b' ' {
        const SPACES: [u8; BLOCK] = [b' '; BLOCK];
        while n > BLOCK {
            out.extend_from_slice(&SPACES);
            n -= BLOCK;
        }
        out.extend_from_slice(&SPACES[..n]);
    } else {
        out.resize(out.len() + n, byte);
    }
}
