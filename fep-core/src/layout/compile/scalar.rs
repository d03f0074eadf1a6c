//! A field's type and attributes to its codec ([`ScalarDef`]): text, graphic, numbers with
//! signs and scales, dates and times, bytes; constants and defaults encoded to wire bytes.

use super::Compiler;
use crate::codec::field::{Codec, Fast, ScalarDef, encode_scalar};
use crate::codec::number::{NumSpec, Sign};
use crate::codec::temporal::{Pattern, TemporalKind as TK};
use crate::codec::text::TextEncoding;
use crate::error::{ErrorKind, Result};
use crate::layout::ast::*;
use crate::layout::attrs::Attrs;
use crate::layout::source::{MAX_TABLE_TEXT, MAX_WIDTH};
use crate::value::Value;

impl Compiler<'_, '_> {
    pub(super) fn scalar(
        &self,
        ty: &Spanned<TypeAst>,
        a: &Attrs,
        filler: bool,
    ) -> Result<(ScalarDef, usize)> {
        let cx = self.cx;
        let enc = self.encoding;
        let bad_attr = |span: Span, msg: String| cx.err(span, ErrorKind::BadAttribute(msg));
        let (codec, width) = match &ty.value {
            TypeAst::Text(n) | TypeAst::Graphic(n) | TypeAst::Bytes(n) if *n == 0 => {
                return Err(cx.err(
                    ty.span,
                    ErrorKind::BadWidth("a field is at least 1 byte wide".into()),
                ));
            }
            TypeAst::Text(n) => {
                if let Some(s) = a.sign {
                    return Err(bad_attr(s, "`sign` applies to signed numbers (S9)".into()));
                }
                let pad = a.pad_byte(cx, b' ')?;
                (
                    Codec::Text {
                        raw: a.raw.is_some(),
                        align_right: a.align_right.unwrap_or(false),
                        pad,
                    },
                    *n,
                )
            }
            TypeAst::Graphic(n) => {
                if n % 2 != 0 {
                    return Err(cx.err(ty.span, ErrorKind::BadWidth(format!(
                        "G({n}) is odd: a G field holds double-byte characters, so its width is even"
                    ))));
                }
                if !enc.is_double_byte() {
                    return Err(cx.err(
                        ty.span,
                        ErrorKind::BadWidth(format!(
                            "G fields need a double-byte encoding (euc-kr or cp949), not {}",
                            enc.name()
                        )),
                    ));
                }
                for (span, what) in [
                    (a.pad, "pad"),
                    (a.align_span, "align"),
                    (a.raw, "raw"),
                    (a.sign, "sign"),
                ] {
                    if let Some(s) = span {
                        return Err(bad_attr(s, format!("`{what}` does not apply to a G field")));
                    }
                }
                (Codec::Graphic { lenient: a.lenient }, *n)
            }
            TypeAst::Bytes(n) => {
                for (span, what) in [
                    (a.pad, "pad"),
                    (a.align_span, "align"),
                    (a.raw, "raw"),
                    (a.sign, "sign"),
                ] {
                    if let Some(s) = span {
                        return Err(bad_attr(s, format!("`{what}` does not apply to a B field")));
                    }
                }
                (Codec::Bytes, *n)
            }
            TypeAst::Number {
                digits,
                scale,
                signed,
            } => {
                if *digits == 0 || *digits > 38 {
                    return Err(cx.err(
                        ty.span,
                        ErrorKind::BadWidth(format!(
                            "a number has 1 to 38 digits, this one {digits}"
                        )),
                    ));
                }
                if let Some(s) = a.raw {
                    return Err(bad_attr(s, "`raw` applies to text fields".into()));
                }
                let sign = match (a.sign_kind.as_ref(), signed) {
                    (Some(_), false) => {
                        return Err(bad_attr(
                            a.sign.unwrap_or(ty.span),
                            "`sign` needs a signed type: S9(n)".into(),
                        ));
                    }
                    (None, true) | (Some(SignAst::Leading), true) => Sign::Leading,
                    (Some(SignAst::Trailing), true) => Sign::Trailing,
                    (Some(SignAst::Overpunch), true) => Sign::Overpunch,
                    (None, false) => Sign::Unsigned,
                };
                if sign != Sign::Unsigned && (a.pad.is_some() || a.align_span.is_some()) {
                    return Err(bad_attr(
                        a.pad.or(a.align_span).unwrap_or(ty.span),
                        "`align` and `pad` apply to unsigned numbers and text".into(),
                    ));
                }
                let pad = a.pad_byte(cx, b'0')?;
                let align_right = a.align_right.unwrap_or(true);
                if pad.is_ascii_digit() && (pad != b'0' || !align_right) {
                    return Err(bad_attr(
                        a.pad.or(a.align_span).unwrap_or(ty.span),
                        "a number pads with \"0\" on the left, or with a non-digit (such as \" \") on either side".into(),
                    ));
                }
                let spec = NumSpec {
                    digits: *digits as u8,
                    scale: *scale as u8,
                    sign,
                    align_right,
                    pad,
                    lenient: a.lenient,
                };
                (Codec::Number(spec), spec.width())
            }
        };
        // Dates and times ride on digits or text of the pattern's width.
        let codec = match &a.temporal {
            None => codec,
            Some((kind, pattern, span)) => {
                let ok = match &codec {
                    Codec::Number(n) => {
                        n.sign == Sign::Unsigned && n.scale == 0 && n.pad == b'0' && n.align_right
                    }
                    Codec::Text { raw: false, .. } => true,
                    _ => false,
                };
                if !ok {
                    return Err(bad_attr(
                        *span,
                        format!("`{}` applies to 9(n) or X(n) fields", kind.name()),
                    ));
                }
                let p = Pattern::new(*kind, pattern.as_deref()).map_err(|m| bad_attr(*span, m))?;
                if p.width() != width {
                    return Err(bad_attr(
                        *span,
                        format!(
                            "a {} of this pattern is {} bytes, the field is {width}{}",
                            kind.name(),
                            p.width(),
                            if *kind == TK::Date && width == 6 {
                                "; for YYMMDD write date(\"YYMMDD\")"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
                Codec::Temporal(p)
            }
        };
        if let (Some(s), Codec::Text { .. } | Codec::Bytes) = (a.lenient_span, &codec) {
            return Err(bad_attr(
                s,
                "`lenient` applies to numbers and G fields".into(),
            ));
        }
        if a.constant.is_some() && a.default.is_some() {
            return Err(bad_attr(
                a.default_span.unwrap_or(ty.span),
                "a field has a constant or a default, not both".into(),
            ));
        }
        if a.required.is_some() && a.default.is_some() {
            return Err(bad_attr(
                a.default_span.unwrap_or(ty.span),
                "a required field has no default".into(),
            ));
        }
        if filler
            && let Some(s) = a
                .constant_span
                .or(a.default_span)
                .or(a.required)
                .or(a.temporal.as_ref().map(|t| t.2))
        {
            return Err(bad_attr(
                s,
                "filler `_` takes no constant, default, required or date".into(),
            ));
        }
        // The field's bytes are allocated below (its blank, its pad, a constant or default):
        // check the width and the layout's budget first.
        if width > MAX_WIDTH {
            return Err(cx.err(
                ty.span,
                ErrorKind::LayoutLimit(format!("the field is wider than {MAX_WIDTH} bytes")),
            ));
        }
        let copies = 2 + usize::from(a.constant.is_some()) + usize::from(a.default.is_some());
        if self.text_bytes + copies * width > MAX_TABLE_TEXT {
            return Err(cx.err(
                ty.span,
                ErrorKind::LayoutLimit(format!(
                    "the layout expands to more than {} MiB of field names, descriptions and field bytes; use narrower fields or fewer nested records",
                    MAX_TABLE_TEXT >> 20
                )),
            ));
        }
        let blank: Box<[u8]> = match &codec {
            Codec::Text { pad, .. } => vec![*pad; width].into(),
            Codec::Graphic { .. } => TextEncoding::FULL_WIDTH_SPACE.repeat(width / 2).into(),
            Codec::Number(_) | Codec::Temporal(_) => vec![b' '; width].into(),
            Codec::Bytes => vec![0u8; width].into(),
        };
        let pad_bytes: Box<[u8]> = match &codec {
            Codec::Number(n) => vec![n.pad; width].into(),
            _ => blank.clone(),
        };
        let fast = match &codec {
            _ if a.constant.is_some() || a.required.is_some() || filler => Fast::None,
            Codec::Text {
                raw: false,
                align_right: false,
                pad: b' ',
            } => Fast::Text,
            Codec::Number(n)
                if n.sign == Sign::Unsigned && n.pad == b'0' && n.scale == 0 && n.digits <= 18 =>
            {
                Fast::Digits
            }
            Codec::Number(n) if n.pad == b'0' && n.align_right && !n.lenient && n.digits <= 18 => {
                Fast::Number
            }
            Codec::Temporal(p) if p.is_default() => Fast::Temporal,
            _ => Fast::None,
        };
        let mut def = ScalarDef {
            fast,
            codec,
            required: a.required.is_some(),
            constant: None,
            default: None,
            blank,
            pad_bytes,
        };
        // Constants and defaults are values (as in JSON), encoded once here.
        if let Some(c) = &a.constant {
            let bytes = self.encode_literal(&def, width, c).map_err(|k| {
                bad_attr(
                    a.constant_span.unwrap_or(ty.span),
                    format!("the constant does not fit the field: {k}"),
                )
            })?;
            def.constant = Some((bytes, c.clone().into_boxed_str()));
        }
        if let Some(d) = &a.default {
            let bytes = self.encode_literal(&def, width, d).map_err(|k| {
                bad_attr(
                    a.default_span.unwrap_or(ty.span),
                    format!("the default does not fit the field: {k}"),
                )
            })?;
            def.default = Some(bytes);
        }
        Ok((def, width))
    }

    pub(super) fn encode_literal(
        &self,
        def: &ScalarDef,
        width: usize,
        text: &str,
    ) -> std::result::Result<Box<[u8]>, ErrorKind> {
        let mut out = Vec::with_capacity(width);
        encode_scalar(
            self.encoding,
            def,
            width,
            Some(&Value::Text(text.into())),
            &mut out,
        )?;
        Ok(out.into())
    }
}
