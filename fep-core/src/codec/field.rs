//! Field codecs: one scalar field's bytes to a [`Value`] and back, both directions side by
//! side. [`ScalarDef`] is what the compiler makes of a field's type and attributes; the
//! walks above (plan, decode, encode, view, explain) call these for every scalar they meet.

use std::borrow::Cow;

use crate::codec::number::{self, Num, NumSpec, Sign};
use crate::codec::temporal::Pattern;
use crate::codec::text::{self, TextEncoding};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;
use crate::value::scalar::Decimal;
use crate::value::sensitivity::Sensitivity;

#[derive(Debug)]
pub(crate) struct ScalarDef {
    pub codec: Codec,
    pub required: bool,
    /// `= "..."`: the wire bytes decode checks and encode writes when the value is absent.
    pub constant: Option<(Box<[u8]>, Box<str>)>,
    /// `default "..."`: the wire bytes encode writes when the value is absent.
    pub default: Option<Box<[u8]>>,
    /// What encode writes for an absent, optional field: pad for text, spaces for numbers.
    pub blank: Box<[u8]>,
    /// What filler must hold: the type's pad.
    pub pad_bytes: Box<[u8]>,
    /// The shortcut decode may take for this field.
    pub fast: Fast,
}

/// The common shapes of a field that decode reads without the general path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fast {
    /// Left-aligned text padded with spaces, no constant, not required: pure ASCII is
    /// borrowed as it stands.
    Text,
    /// An unsigned, zero-padded integer of at most 18 digits (it fits `i64`) without
    /// constant: all digits is the value.
    Digits,
    /// Any other zero-padded, right-aligned number of at most 18 digits (signed, with a
    /// scale, or both), not lenient, without constant: its sign and digits read at once.
    Number,
    /// A date, time or datetime in the default pattern without constant: its digits read
    /// at once.
    Temporal,
    /// Anything else.
    None,
}

#[derive(Debug)]
pub(crate) enum Codec {
    Text {
        raw: bool,
        align_right: bool,
        pad: u8,
    },
    Graphic {
        lenient: bool,
    },
    Number(NumSpec),
    Temporal(Pattern),
    Bytes,
}

// ------------------------------------------------------------------ decode

/// Decodes one scalar field at `offset`, as a data error naming it on failure: the
/// shortcut for the common shapes first, then the general codec.
#[inline]
pub(crate) fn decode_field<'a>(
    enc: TextEncoding,
    sc: &ScalarDef,
    sensitivity: Sensitivity,
    offset: usize,
    bytes: &'a [u8],
) -> Result<Value<'a>> {
    match sc.fast {
        Fast::Text => {
            if let Some(t) = text::ascii_trimmed(bytes) {
                return Ok(Value::Text(Cow::Borrowed(t)));
            }
            // What the general codec does with this shape; its errors come from there.
            if let Ok(t) = text::decode_non_ascii(enc, text::trim_spaces(bytes)) {
                return Ok(Value::Text(t));
            }
        }
        Fast::Digits => {
            if let Some(v) = number::digits_u64(bytes) {
                return Ok(Value::Int(v as i64));
            }
        }
        Fast::Number | Fast::Temporal => {
            if let Some(v) = decode_number_or_temporal(sc, bytes) {
                return Ok(v);
            }
        }
        Fast::None => {}
    }
    decode_scalar(enc, sc, bytes).map_err(|k| {
        if sensitivity == Sensitivity::Plain {
            Error::data(k, offset, bytes.len(), Some(bytes))
        } else {
            Error::data(k.redacted(), offset, bytes.len(), None)
        }
    })
}

/// The value of a `Fast::Number` or `Fast::Temporal` field when it is written the common
/// way (signed digits, a real date); `None` sends it to the general codec, which decodes the
/// rest (blanks) and reports the errors.
#[inline]
pub(crate) fn decode_number_or_temporal(sc: &ScalarDef, bytes: &[u8]) -> Option<Value<'static>> {
    match &sc.codec {
        Codec::Number(spec) => {
            let (negative, magnitude) = number::signed_digits(spec.sign, bytes)?;
            let m = if negative {
                -(magnitude as i64)
            } else {
                magnitude as i64
            };
            Some(if spec.scale == 0 {
                Value::Int(m)
            } else {
                Value::Decimal(Decimal::new(i128::from(m), spec.scale))
            })
        }
        Codec::Temporal(p) => p.decode_digits(bytes),
        _ => None,
    }
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
                text::trim_end(bytes, *pad)
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
            if !t.is_empty()
                && let Some(text) = text::decode_double_byte_fast(enc, t)
            {
                return Ok(Value::Text(Cow::Owned(text)));
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

// ------------------------------------------------------------------ encode

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
            // An ASCII pad is one byte to look at: `starts_with`/`ends_with` of a char
            // compare its bytes by a call to `memcmp`, slow for so few.
            let end = if *align_right {
                t.as_bytes().first()
            } else {
                t.as_bytes().last()
            };
            let loses = if pad.is_ascii() {
                end == Some(pad)
            } else if *align_right {
                t.starts_with(padc)
            } else {
                t.ends_with(padc)
            };
            if loses {
                return Err(ErrorKind::PadLost {
                    pad: padc,
                    at_start: *align_right,
                });
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
                return Err(ErrorKind::BadChar {
                    ch: c,
                    reason: "is a single-byte character; a G field holds full-width characters only",
                });
            }
            // U+3000 in UTF-8, compared as an array (no call to `memcmp`).
            if t.as_bytes().last_chunk() == Some(&[0xE3, 0x80, 0x80]) {
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
            .ok_or(ErrorKind::BadChar {
                ch: c as char,
                reason: "is not a hex digit",
            })
    };
    b.chunks(2)
        .map(|p| Ok(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// Appends `n` bytes of `byte` (a copy from a block instead of a fill loop).
#[inline(always)]
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
