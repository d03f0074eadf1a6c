//! `check` statements into [`CheckDef`]s: every field they name exists, is a single field,
//! and has a type the rule can hold for. Every mistake is reported with file:line:col.

use super::Compiler;
use crate::codec::field::Codec;
use crate::codec::number::Sign;
use crate::error::{ErrorKind, Result, did_you_mean};
use crate::layout::ast::{CheckAst, LayoutAst, RuleAst, Span, Spanned};
use crate::layout::source::MAX_CHECKS;
use crate::path::FieldPath;
use crate::schema::checks::{CheckDef, CheckField, Rule};
use crate::schema::table::{FieldKind, MessageDef};
use crate::value::Sensitivity;

/// What a field's values are, for telling whether two can be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    Text,
    Number { digits: u8, scale: u8, signed: bool },
    Temporal(crate::codec::temporal::TemporalKind),
    Bytes,
}

impl Sort {
    fn describe(self) -> &'static str {
        match self {
            Sort::Text => "text",
            Sort::Number { .. } => "a number",
            Sort::Temporal(crate::codec::temporal::TemporalKind::Date) => "a date",
            Sort::Temporal(crate::codec::temporal::TemporalKind::Time) => "a time",
            Sort::Temporal(crate::codec::temporal::TemporalKind::DateTime) => "a datetime",
            Sort::Bytes => "bytes",
        }
    }
}

impl Compiler<'_, '_> {
    /// Every check of the layout; each mistake is kept (see `Compiler::note`) and the next
    /// check looked at, so that one run reports every wrong check.
    pub(super) fn checks(
        &mut self,
        ast: &LayoutAst,
        messages: &[MessageDef],
    ) -> Result<Vec<CheckDef>> {
        if let Some(c) = ast.checks.get(MAX_CHECKS) {
            return Err(self.cx.err(
                c.target.span,
                ErrorKind::LayoutLimit(format!("more than {MAX_CHECKS} checks")),
            ));
        }
        let mut out: Vec<CheckDef> = Vec::with_capacity(ast.checks.len());
        let mut seen: Vec<(u32, u32, Span)> = Vec::new();
        for c in &ast.checks {
            let def = match self.check(c, messages) {
                Ok(def) => def,
                Err(e) => {
                    self.note(Err(e))?;
                    continue;
                }
            };
            if let Some((_, _, first)) = seen
                .iter()
                .find(|(m, f, _)| *m == def.target.message && *f == def.target.field)
            {
                let e = self.bad(
                    c.target.span,
                    format!(
                        "{} is checked twice (first on line {})",
                        def.target.name,
                        self.cx.line(*first)
                    ),
                );
                self.note(Err(e))?;
                continue;
            }
            seen.push((def.target.message, def.target.field, c.target.span));
            out.push(def);
        }
        if !self.errors.is_empty() {
            return Err(self.all_errors());
        }
        Ok(out)
    }

    fn bad(&self, span: Span, msg: String) -> crate::error::Error {
        self.cx.err(span, ErrorKind::BadCheck(msg))
    }

    fn check(&self, c: &CheckAst, messages: &[MessageDef]) -> Result<CheckDef> {
        let (target, sort) = self.check_field(&c.target, messages)?;
        let target_msg = &*messages[target.message as usize].name;
        let rule_span = c.rule.span;
        let integer = |what: &str| -> Result<()> {
            match sort {
                Sort::Number { scale: 0, .. } => Ok(()),
                Sort::Number { .. } => Err(self.bad(
                    c.target.span,
                    format!("{} has decimals; {what} is a whole number", target.name),
                )),
                other => Err(self.bad(
                    c.target.span,
                    format!(
                        "{} is {}; {what} goes into a number field",
                        target.name,
                        other.describe()
                    ),
                )),
            }
        };
        let rule = match &c.rule.value {
            RuleAst::Count(m) => {
                integer("a count")?;
                let Some(i) = messages.iter().position(|d| *d.name == *m.value) else {
                    return Err(self.bad(m.span, self.no_message(&m.value, messages)));
                };
                if *messages[i].name == *target_msg {
                    return Err(self.bad(
                        m.span,
                        format!(
                            "a batch ends at each {target_msg} record, so it cannot count them"
                        ),
                    ));
                }
                Rule::Count { message: i as u32 }
            }
            RuleAst::Sum(p) => {
                let (summed, summed_sort) = self.check_field(p, messages)?;
                let Sort::Number {
                    digits,
                    scale,
                    signed,
                } = summed_sort
                else {
                    return Err(self.bad(
                        p.span,
                        format!(
                            "{} is {}; only numbers can be summed",
                            summed.name,
                            summed_sort.describe()
                        ),
                    ));
                };
                let Sort::Number {
                    digits: t_digits,
                    scale: t_scale,
                    signed: t_signed,
                } = sort
                else {
                    return Err(self.bad(
                        c.target.span,
                        format!(
                            "{} is {}; a sum goes into a number field",
                            target.name,
                            sort.describe()
                        ),
                    ));
                };
                if summed.message == target.message {
                    return Err(self.bad(
                        p.span,
                        format!(
                            "a batch ends at each {target_msg} record, so it cannot sum its fields"
                        ),
                    ));
                }
                if t_scale != scale {
                    return Err(self.bad(
                        c.target.span,
                        format!(
                            "{} has {t_scale} decimals, {} has {scale}; a sum keeps the decimals",
                            target.name, summed.name
                        ),
                    ));
                }
                if t_digits < digits {
                    return Err(self.bad(
                        c.target.span,
                        format!(
                            "{} has {t_digits} digits, fewer than the {digits} of the {} it sums",
                            target.name, summed.name
                        ),
                    ));
                }
                if signed && !t_signed {
                    return Err(self.bad(
                        c.target.span,
                        format!(
                            "{} is unsigned, but {} is signed and its sum can be negative",
                            target.name, summed.name
                        ),
                    ));
                }
                Rule::Sum(summed)
            }
            RuleAst::Sequence { from } => {
                integer("a sequence number")?;
                if i128::from(*from) > target.max {
                    return Err(self.bad(rule_span, format!("{} cannot hold {from}", target.name)));
                }
                Rule::Sequence { from: *from }
            }
            RuleAst::Field(p) => {
                let (header, header_sort) = self.check_field(p, messages)?;
                if header.message == target.message {
                    return Err(self.bad(
                        p.span,
                        format!(
                            "{} is in the same message; compare with another record of the batch",
                            header.name
                        ),
                    ));
                }
                let fits = match (sort, header_sort) {
                    (Sort::Number { scale: a, .. }, Sort::Number { scale: b, .. }) => a == b,
                    (a, b) => a == b,
                };
                if !fits {
                    return Err(self.bad(
                        p.span,
                        format!(
                            "{} is {}, {} is {}; they cannot be compared",
                            target.name,
                            describe_exact(sort),
                            header.name,
                            describe_exact(header_sort)
                        ),
                    ));
                }
                Rule::Header(header)
            }
        };
        let text = format!(
            "{} = {}",
            c.target.value,
            self.cx.text(rule_span).trim_end()
        );
        Ok(CheckDef {
            target,
            rule,
            text: text.into(),
        })
    }

    fn no_message(&self, name: &str, messages: &[MessageDef]) -> String {
        let names: Vec<&str> = messages.iter().map(|m| &*m.name).collect();
        let hint = did_you_mean(name, names.iter().copied());
        if hint.is_empty() {
            format!("no message \"{name}\"; the layout has {}", names.join(", "))
        } else {
            format!("no message \"{name}\"{hint}")
        }
    }

    /// `MESSAGE.FIELD`: a single scalar field of a message.
    fn check_field(
        &self,
        p: &Spanned<String>,
        messages: &[MessageDef],
    ) -> Result<(CheckField, Sort)> {
        let Some((msg, rest)) = p.value.split_once('.') else {
            return Err(self.bad(
                p.span,
                format!("expected MESSAGE.FIELD, found \"{}\"", p.value),
            ));
        };
        let Some(mi) = messages.iter().position(|d| *d.name == *msg) else {
            return Err(self.bad(p.span, self.no_message(msg, messages)));
        };
        let m = &messages[mi];
        let Some(id) = self.resolve_path(m.root, rest) else {
            return Err(self.bad(
                p.span,
                format!("message \"{msg}\" has no single field \"{rest}\" (a repeated field cannot be checked)"),
            ));
        };
        let def = &self.fields[id as usize];
        let FieldKind::Scalar(sc) = &def.kind else {
            return Err(self.bad(
                p.span,
                format!("{} is a record; a check takes a single field", p.value),
            ));
        };
        let (sort, scale, max) = match &sc.codec {
            Codec::Text { .. } | Codec::Graphic { .. } => (Sort::Text, 0, 0),
            Codec::Number(n) => (
                Sort::Number {
                    digits: n.digits - n.scale,
                    scale: n.scale,
                    signed: n.sign != Sign::Unsigned,
                },
                n.scale,
                10i128.pow(u32::from(n.digits)) - 1,
            ),
            Codec::Temporal(t) => (Sort::Temporal(t.kind), 0, 0),
            Codec::Bytes => (Sort::Bytes, 0, 0),
        };
        let path = FieldPath::parse(rest)
            .map_err(|_| self.bad(p.span, format!("\"{rest}\" is not a field path")))?;
        Ok((
            CheckField {
                message: mi as u32,
                field: id,
                path,
                name: p.value.clone().into_boxed_str(),
                scale,
                max,
                hidden: def.sensitivity != Sensitivity::Plain,
            },
            sort,
        ))
    }
}

fn describe_exact(s: Sort) -> String {
    match s {
        Sort::Number { scale, .. } if scale > 0 => format!("a number with {scale} decimals"),
        other => other.describe().to_owned(),
    }
}
