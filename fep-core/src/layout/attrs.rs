//! A field's attributes (`date`, `mask`, `pad`, `= "..."`, a description, ...), gathered
//! from the syntax tree and checked for repeats and conflicts before the field's type
//! makes a codec of them.

use super::ast::*;
use super::source::Src;
use crate::codec::temporal::TemporalKind as TK;
use crate::error::{ErrorKind, Result};
use crate::value::Sensitivity;

/// A field's attributes, gathered and checked for repeats.
#[derive(Default)]
pub(crate) struct Attrs {
    pub description: Option<String>,
    pub temporal: Option<(TK, Option<String>, Span)>,
    pub constant: Option<String>,
    pub constant_span: Option<Span>,
    pub default: Option<String>,
    pub default_span: Option<Span>,
    pub required: Option<Span>,
    pub raw: Option<Span>,
    pub sensitivity: Sensitivity,
    pub lenient: bool,
    pub lenient_span: Option<Span>,
    pub align_right: Option<bool>,
    pub align_span: Option<Span>,
    pub pad: Option<Span>,
    pub pad_text: Option<String>,
    pub sign: Option<Span>,
    pub sign_kind: Option<SignAst>,
}

impl Attrs {
    pub fn collect(cx: &Src<'_>, attrs: &[Spanned<AttrAst>]) -> Result<Attrs> {
        let mut a = Attrs::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for at in attrs {
            let key = match &at.value {
                AttrAst::Description(_) => "description",
                AttrAst::Temporal(..) => "date/time",
                AttrAst::Const(_) => "constant",
                AttrAst::Default(_) => "default",
                AttrAst::Required => "required",
                AttrAst::Raw => "raw",
                AttrAst::Mask | AttrAst::Secret => "mask/secret",
                AttrAst::Lenient => "lenient",
                AttrAst::AlignRight(_) => "align",
                AttrAst::Pad(_) => "pad",
                AttrAst::Sign(_) => "sign",
            };
            if seen.contains(&key) {
                return Err(cx.err(
                    at.span,
                    ErrorKind::BadAttribute(format!("{key} is given twice")),
                ));
            }
            seen.push(key);
            match &at.value {
                AttrAst::Description(d) => a.description = Some(d.clone()),
                AttrAst::Temporal(k, p) => {
                    let k = match k {
                        TemporalKind::Date => TK::Date,
                        TemporalKind::Time => TK::Time,
                        TemporalKind::DateTime => TK::DateTime,
                    };
                    a.temporal = Some((k, p.clone(), at.span));
                }
                AttrAst::Const(c) => {
                    a.constant = Some(c.clone());
                    a.constant_span = Some(at.span);
                }
                AttrAst::Default(d) => {
                    a.default = Some(d.clone());
                    a.default_span = Some(at.span);
                }
                AttrAst::Required => a.required = Some(at.span),
                AttrAst::Raw => a.raw = Some(at.span),
                AttrAst::Mask => a.sensitivity = Sensitivity::Mask,
                AttrAst::Secret => a.sensitivity = Sensitivity::Secret,
                AttrAst::Lenient => {
                    a.lenient = true;
                    a.lenient_span = Some(at.span);
                }
                AttrAst::AlignRight(r) => {
                    a.align_right = Some(*r);
                    a.align_span = Some(at.span);
                }
                AttrAst::Pad(p) => {
                    a.pad = Some(at.span);
                    a.pad_text = Some(p.clone());
                }
                AttrAst::Sign(s) => {
                    a.sign = Some(at.span);
                    a.sign_kind = Some(s.clone());
                }
            }
        }
        Ok(a)
    }

    pub fn pad_byte(&self, cx: &Src<'_>, default: u8) -> Result<u8> {
        match (&self.pad_text, self.pad) {
            (Some(t), Some(span)) => {
                let b = t.as_bytes();
                if b.len() == 1 && b[0].is_ascii_alphabetic() {
                    return Err(cx.err(span, ErrorKind::BadAttribute(
                        "a pad is not a letter: in cp949 a letter can be the second byte of a Hangul character".into(),
                    )));
                }
                if b.len() != 1 || !b[0].is_ascii() || b[0].is_ascii_control() {
                    return Err(cx.err(
                        span,
                        ErrorKind::BadAttribute(
                            "a pad is one printable ASCII character, such as \" \" or \"0\"".into(),
                        ),
                    ));
                }
                Ok(b[0])
            }
            _ => Ok(default),
        }
    }

    pub fn only_description_and_sensitivity(&self, cx: &Src<'_>, what: &str) -> Result<()> {
        let other = [
            self.temporal.as_ref().map(|t| t.2),
            self.constant_span,
            self.default_span,
            self.required,
            self.raw,
            self.lenient_span,
            self.align_span,
            self.pad,
            self.sign,
        ];
        if let Some(span) = other.into_iter().flatten().next() {
            return Err(cx.err(
                span,
                ErrorKind::BadAttribute(format!(
                    "only a description, mask or secret apply to {what}"
                )),
            ));
        }
        Ok(())
    }
}
