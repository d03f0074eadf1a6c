//! The layout language's parser: text to [`LayoutAst`], with nom.
//!
//! nom stays inside this file. Its errors are turned into ours with a line and column; a
//! parse error says what was expected where, and points at the offending text. The grammar
//! is line-oriented: a directive, a field, a `when` and a closing brace each take a line.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, digit1};
use nom::combinator::{opt, recognize};
use nom::error::{ErrorKind as NomKind, ParseError};
use nom::sequence::pair;
use nom::{IResult, Parser};

use super::ast::*;
use crate::error::did_you_mean;

/// A parse failure: where (a suffix of the source) and what was expected.
#[derive(Debug)]
pub(crate) struct PErr<'a> {
    pub at: &'a str,
    pub msg: Cow<'static, str>,
}

impl<'a> ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: NomKind) -> Self {
        PErr {
            at: input,
            msg: Cow::Borrowed("unexpected text"),
        }
    }
    fn append(_input: &'a str, _kind: NomKind, other: Self) -> Self {
        other
    }
}

type PResult<'a, O> = IResult<&'a str, O, PErr<'a>>;

/// The outcome of a failed parse: byte offset into the source and the message.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub offset: usize,
    pub len: usize,
    pub msg: String,
}

fn failure<'a>(at: &'a str, msg: impl Into<Cow<'static, str>>) -> nom::Err<PErr<'a>> {
    nom::Err::Failure(PErr {
        at,
        msg: msg.into(),
    })
}

fn fail<'a, O>(at: &'a str, msg: impl Into<Cow<'static, str>>) -> PResult<'a, O> {
    Err(failure(at, msg))
}

/// Parses a whole layout file.
pub(crate) fn parse_layout(src: &str) -> Result<LayoutAst, SyntaxError> {
    let mut p = LayoutParser {
        src,
        depth: std::cell::Cell::new(0),
    };
    match p.layout(src) {
        Ok(ast) => Ok(ast),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let offset = src.len() - e.at.len();
            let len = token_len(e.at);
            Err(SyntaxError {
                offset,
                len,
                msg: e.msg.into_owned(),
            })
        }
        Err(nom::Err::Incomplete(_)) => Err(SyntaxError {
            offset: src.len(),
            len: 0,
            msg: "unexpected end of layout".into(),
        }),
    }
}

/// Length of the token at the start of `s`, for underlining it in messages.
fn token_len(s: &str) -> usize {
    let line = s.split(['\n', '\r']).next().unwrap_or("");
    if let Some(rest) = line.strip_prefix('"') {
        return rest.find('"').map_or(line.len(), |i| i + 2);
    }
    let n = line.find(|c: char| c.is_whitespace()).unwrap_or(line.len());
    n.max(line.chars().next().map_or(0, char::len_utf8))
}

// ---------------------------------------------------------------- lexical pieces

/// Spaces, tabs and a comment up to (not including) the end of the line.
fn sp(i: &str) -> PResult<'_, ()> {
    let (i, _) = take_while(|c| c == ' ' || c == '\t').parse(i)?;
    let (i, _) = opt(pair(char('#'), take_while(|c| c != '\n' && c != '\r'))).parse(i)?;
    Ok((i, ()))
}

/// Any whitespace, newlines and comments.
fn blank(mut i: &str) -> PResult<'_, ()> {
    loop {
        let (rest, _) = sp(i)?;
        let (rest, nl) = opt(alt((tag("\r\n"), tag("\n"), tag("\r")))).parse(rest)?;
        i = rest;
        if nl.is_none() {
            return Ok((i, ()));
        }
    }
}

/// The end of a statement: optional spaces and comment, then a newline or the end of input.
fn eol<'a>(i: &'a str, after: &'static str) -> PResult<'a, ()> {
    let (i, _) = sp(i)?;
    if i.is_empty() {
        return Ok((i, ()));
    }
    match alt((tag::<_, _, PErr<'_>>("\r\n"), tag("\n"), tag("\r"))).parse(i) {
        Ok((i, _)) => Ok((i, ())),
        Err(_) => fail(i, format!("unexpected text after {after}")),
    }
}

/// The longest name: field paths and messages stay short whatever a layout holds.
pub(crate) const MAX_NAME: usize = 64;

fn ident(i: &str) -> PResult<'_, &str> {
    let (rest, name) = recognize(pair(
        take_while1(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    ))
    .parse(i)?;
    if name.len() > MAX_NAME {
        return fail(i, format!("a name is at most {MAX_NAME} characters"));
    }
    Ok((rest, name))
}

fn path(i: &str) -> PResult<'_, &str> {
    recognize(pair(ident, nom::multi::many0(pair(char('.'), ident)))).parse(i)
}

fn number(i: &str) -> PResult<'_, usize> {
    let (rest, digits) = digit1(i)?;
    match digits.parse::<usize>() {
        Ok(n) if n <= 1_000_000_000 => Ok((rest, n)),
        _ => fail(i, "number too large"),
    }
}

/// A double-quoted string with `\"` and `\\` escapes.
fn string(i: &str) -> PResult<'_, String> {
    let (mut rest, _) = char('"').parse(i)?;
    let mut out = String::new();
    loop {
        let mut chars = rest.chars();
        match chars.next() {
            None | Some('\n') | Some('\r') => return fail(i, "unterminated string"),
            Some('"') => return Ok((chars.as_str(), out)),
            Some('\\') => match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                _ => return fail(rest, "unknown escape: only \\\" and \\\\ are allowed"),
            },
            Some(c) => out.push(c),
        }
        rest = chars.as_str();
    }
}

fn expect_char(c: char, what: &'static str) -> impl FnMut(&str) -> PResult<'_, char> {
    move |i| match char::<_, PErr<'_>>(c).parse(i) {
        Ok(ok) => Ok(ok),
        Err(_) => fail(i, what),
    }
}

/// A helper that knows the whole source to compute spans.
struct LayoutParser<'s> {
    src: &'s str,
    /// Nesting of groups being parsed, bounded so that hostile text cannot exhaust the stack.
    depth: std::cell::Cell<usize>,
}

impl<'s> LayoutParser<'s> {
    fn off(&self, at: &str) -> usize {
        self.src.len() - at.len()
    }

    fn span(&self, from: &str, to: &str) -> Span {
        Span {
            start: self.off(from),
            end: self.off(to),
        }
    }

    fn spanned<T>(&self, value: T, from: &str, to: &str) -> Spanned<T> {
        Spanned {
            value,
            span: self.span(from, to),
        }
    }

    fn name(&self, i: &'s str, what: &'static str) -> PResult<'s, Spanned<String>> {
        match ident(i) {
            Ok((rest, n)) => Ok((rest, self.spanned(n.to_owned(), i, rest))),
            // A name that is there but too long says so.
            Err(nom::Err::Failure(e)) => Err(nom::Err::Failure(e)),
            Err(_) => fail(i, what),
        }
    }

    fn layout(&mut self, src: &'s str) -> Result<LayoutAst, nom::Err<PErr<'s>>> {
        let mut ast = LayoutAst::default();
        let (mut i, _) = blank(src)?;
        let mut seen_block = false;
        while !i.is_empty() {
            let start = i;
            let (rest, kw) = match ident(i) {
                Ok(ok) => ok,
                Err(_) => {
                    return Err(nom::Err::Failure(PErr {
                        at: i,
                        msg:
                            "expected `encoding`, `framing`, `key`, `record`, `message` or `check`"
                                .into(),
                    }));
                }
            };
            let (rest, _) = sp(rest)?;
            i = match kw {
                "encoding" | "framing" | "key" if seen_block => {
                    return Err(failure(
                        start,
                        format!("`{kw}` must come before records and messages"),
                    ));
                }
                "encoding" => {
                    if ast.encoding.is_some() {
                        return Err(failure(start, "`encoding` is given twice"));
                    }
                    let (r, name) = take_while1::<_, _, PErr<'_>>(|c: char| {
                        c.is_ascii_alphanumeric() || c == '-'
                    })
                    .parse(rest)
                    .or_else(|_| {
                        fail(rest, "expected an encoding: euc-kr, cp949, utf-8 or ascii")
                    })?;
                    ast.encoding = Some(self.spanned(name.to_owned(), rest, r));
                    eol(r, "the encoding")?.0
                }
                "framing" => {
                    if ast.framing.is_some() {
                        return Err(failure(start, "`framing` is given twice"));
                    }
                    let (r, f) = self.framing(rest)?;
                    ast.framing = Some(self.spanned(f, rest, r));
                    eol(r, "the framing")?.0
                }
                "key" => {
                    if ast.key.is_some() {
                        return Err(failure(start, "`key` is given twice"));
                    }
                    let (r, paths) = self.key_paths(rest)?;
                    ast.key_span = self.span(start, r);
                    ast.key = Some(paths);
                    eol(r, "the key paths")?.0
                }
                "check" => {
                    let (r, check) = self.check(rest)?;
                    ast.checks.push(check);
                    eol(r, "the check")?.0
                }
                "record" | "message" => {
                    seen_block = true;
                    let (r, block) = self.block(rest, kw == "message")?;
                    if kw == "message" {
                        ast.messages.push(block);
                    } else {
                        ast.records.push(block);
                    }
                    r
                }
                _ => {
                    return Err(failure(
                        start,
                        "expected `encoding`, `framing`, `key`, `record`, `message` or `check`",
                    ));
                }
            };
            i = blank(i)?.0;
        }
        Ok(ast)
    }

    fn framing(&self, i: &'s str) -> PResult<'s, FramingAst> {
        const WHAT: &str = "expected `length-prefix N ascii|binary [inclusive]`, `lines` or `none`";
        let (r, kw) = take_while1::<_, _, PErr<'_>>(|c: char| c.is_ascii_alphabetic() || c == '-')
            .parse(i)
            .or_else(|_| fail(i, WHAT))?;
        match kw {
            "lines" => Ok((r, FramingAst::Lines)),
            "none" => Ok((r, FramingAst::None)),
            "length-prefix" => {
                let (r, _) = sp(r)?;
                let (r2, digits) = number(r).or_else(|_| fail(r, "expected the prefix length"))?;
                let (r3, _) = sp(r2)?;
                let (r4, kind) = ident(r3).or_else(|_| fail(r3, "expected `ascii` or `binary`"))?;
                let binary = match kind {
                    "ascii" => false,
                    "binary" => true,
                    _ => return fail(r3, "expected `ascii` or `binary`"),
                };
                let ok = if binary {
                    matches!(digits, 1 | 2 | 4)
                } else {
                    (1..=9).contains(&digits)
                };
                if !ok {
                    return fail(
                        r,
                        if binary {
                            "a binary length prefix is 1, 2 or 4 bytes"
                        } else {
                            "an ASCII length prefix is 1 to 9 digits"
                        },
                    );
                }
                let (r5, _) = sp(r4)?;
                let (r6, inclusive) = match ident(r5) {
                    Ok((r6, "inclusive")) => (r6, true),
                    Ok(_) => return fail(r5, "expected `inclusive` or the end of the line"),
                    Err(_) => (r5, false),
                };
                Ok((
                    r6,
                    FramingAst::LengthPrefix {
                        digits: digits as u32,
                        binary,
                        inclusive,
                    },
                ))
            }
            _ => fail(i, WHAT),
        }
    }

    /// The paths after `key`, at least one.
    fn key_paths(&self, i: &'s str) -> PResult<'s, Vec<Spanned<String>>> {
        let mut paths = Vec::new();
        let mut r = i;
        while let Ok((r2, p)) = path(r) {
            paths.push(self.spanned(p.to_owned(), r, r2));
            r = sp(r2)?.0;
        }
        if paths.is_empty() {
            return fail(r, "expected one or more field paths after `key`");
        }
        Ok((r, paths))
    }

    /// After `check`: `MESSAGE.FIELD = count(MESSAGE)`, `= sum(MESSAGE.FIELD)`,
    /// `= sequence [from N]` or `= MESSAGE.FIELD`.
    fn check(&self, i: &'s str) -> PResult<'s, CheckAst> {
        const RULES: &str =
            "expected `count(MESSAGE)`, `sum(MESSAGE.FIELD)`, `sequence` or `MESSAGE.FIELD`";
        let (r, p) = path(i).or_else(|_| fail(i, "expected the checked field: MESSAGE.FIELD"))?;
        let target = self.spanned(p.to_owned(), i, r);
        let (r, _) = sp(r)?;
        let (r, _) = expect_char('=', "expected `=` after the checked field")(r)?;
        let (start, _) = sp(r)?;
        let (after_word, word) = ident(start).or_else(|_| fail(start, RULES))?;
        let call = |r: &'s str, what: &'static str| -> PResult<'s, Spanned<String>> {
            let (r, _) = sp(r)?;
            let (r, _) = expect_char('(', "expected `(`")(r)?;
            let (r, _) = sp(r)?;
            let (r2, p) = path(r).or_else(|_| fail(r, what))?;
            let arg = self.spanned(p.to_owned(), r, r2);
            let (r2, _) = sp(r2)?;
            let (r2, _) = expect_char(')', "expected `)`")(r2)?;
            Ok((r2, arg))
        };
        let next_is = |c: char| sp(after_word).is_ok_and(|(r, _)| r.starts_with(c));
        let (end, rule) = match word {
            "count" if next_is('(') => {
                let (r, m) = call(after_word, "expected a message name")?;
                (r, RuleAst::Count(m))
            }
            "sum" if next_is('(') => {
                let (r, f) = call(after_word, "expected the summed field: MESSAGE.FIELD")?;
                (r, RuleAst::Sum(f))
            }
            "sequence" if !after_word.starts_with('.') => {
                let (r, _) = sp(after_word)?;
                match ident(r) {
                    Ok((r2, "from")) => {
                        let (r3, _) = sp(r2)?;
                        let (r4, n) = number(r3).or_else(|_| fail(r3, "expected a number"))?;
                        (r4, RuleAst::Sequence { from: n as u64 })
                    }
                    _ => (after_word, RuleAst::Sequence { from: 1 }),
                }
            }
            _ => {
                let (r, p) = path(start).or_else(|_| fail(start, RULES))?;
                (r, RuleAst::Field(self.spanned(p.to_owned(), start, r)))
            }
        };
        Ok((
            end,
            CheckAst {
                target,
                rule: self.spanned(rule, start, end),
            },
        ))
    }

    /// The message names after `answers`, at least one.
    fn message_names(&self, i: &'s str) -> PResult<'s, Vec<Spanned<String>>> {
        let mut names = Vec::new();
        let mut r = i;
        while let Ok((r2, n)) = ident(r) {
            names.push(self.spanned(n.to_owned(), r, r2));
            r = sp(r2)?.0;
        }
        if names.is_empty() {
            return fail(r, "expected one or more message names after `answers`");
        }
        Ok((r, names))
    }

    /// `NAME [LENGTH] {` fields `}`; for a message, `when`, `key` and `answers` lines first.
    fn block(&self, i: &'s str, is_message: bool) -> PResult<'s, BlockAst> {
        let what = if is_message {
            "expected a message name"
        } else {
            "expected a record name"
        };
        let (i, name) = self.name(i, what)?;
        let (i, _) = sp(i)?;
        let (i, length) = match number(i) {
            Ok((r, n)) => (r, Some(self.spanned(n, i, r))),
            Err(nom::Err::Failure(e)) => return Err(nom::Err::Failure(e)),
            Err(_) => (i, None),
        };
        let (i, _) = sp(i)?;
        let (i, _) = expect_char('{', "expected `{` (or a length, then `{`)")(i)?;
        let (mut i, _) = eol(i, "`{`")?;
        let mut conditions = Vec::new();
        let mut key = None;
        let mut answers = None;
        if is_message {
            loop {
                let (r, _) = blank(i)?;
                match ident(r) {
                    Ok((r2, "when")) => {
                        let (r3, mut conds) = self.when(r2)?;
                        conditions.append(&mut conds);
                        i = eol(r3, "the condition")?.0;
                    }
                    // `key PATH...`, the message's own key; `key X(10)` is a field named key.
                    Ok((r2, "key")) if matches!(self.ty(sp(r2)?.0), Ok((_, None))) => {
                        if key.is_some() {
                            return fail(r, "`key` is given twice in this message");
                        }
                        let (r3, paths) = self.key_paths(sp(r2)?.0)?;
                        key = Some(paths);
                        i = eol(r3, "the key paths")?.0;
                    }
                    // `answers NAME...`; `answers X(10)` is a field named answers.
                    Ok((r2, "answers")) if matches!(self.ty(sp(r2)?.0), Ok((_, None))) => {
                        if answers.is_some() {
                            return fail(r, "`answers` is given twice in this message");
                        }
                        let (r3, names) = self.message_names(sp(r2)?.0)?;
                        answers = Some(names);
                        i = eol(r3, "the message names")?.0;
                    }
                    _ => break,
                }
            }
        }
        let (i, fields) = self.fields(i, is_message)?;
        Ok((
            i,
            BlockAst {
                name,
                length,
                conditions,
                key,
                answers,
                fields,
            },
        ))
    }

    /// Field lines up to and including the closing `}`.
    fn fields(&self, mut i: &'s str, in_message: bool) -> PResult<'s, Vec<FieldAst>> {
        let mut fields = Vec::new();
        loop {
            i = blank(i)?.0;
            if i.is_empty() {
                return fail(i, "expected `}` before the end of the layout");
            }
            if let Ok((r, _)) = char::<_, PErr<'_>>('}').parse(i) {
                let (r, _) = eol(r, "`}`")?;
                return Ok((r, fields));
            }
            if let Ok((_, "when")) = ident(i) {
                return fail(
                    i,
                    if in_message {
                        "`when` must come first in a message, before its fields"
                    } else {
                        "`when` belongs to messages, not records"
                    },
                );
            }
            let (r, f) = self.field(i)?;
            fields.push(f);
            i = r;
        }
    }

    fn when(&self, i: &'s str) -> PResult<'s, Vec<ConditionAst>> {
        let mut out = Vec::new();
        let mut i = i;
        loop {
            let (r, _) = sp(i)?;
            let (r2, p) = path(r).or_else(|_| fail(r, "expected a field path in the condition"))?;
            let p = self.spanned(p.to_owned(), r, r2);
            let (r3, _) = sp(r2)?;
            let (r4, values) = if let Ok((r4, _)) = char::<_, PErr<'_>>('=').parse(r3) {
                let (r5, _) = sp(r4)?;
                let (r6, s) = string(r5).or_else(|_| fail(r5, "expected a quoted literal"))?;
                (r6, vec![self.spanned(s, r5, r6)])
            } else if let Ok((r4, "in")) = ident(r3) {
                let (r5, _) = sp(r4)?;
                let (mut r6, _) = expect_char('(', "expected `(` after `in`")(r5)?;
                let mut vals = Vec::new();
                loop {
                    let (a, _) = sp(r6)?;
                    let (b, s) = string(a).or_else(|_| fail(a, "expected a quoted literal"))?;
                    vals.push(self.spanned(s, a, b));
                    let (c, _) = sp(b)?;
                    if let Ok((d, _)) = char::<_, PErr<'_>>(',').parse(c) {
                        r6 = d;
                        continue;
                    }
                    let (d, _) = expect_char(')', "expected `,` or `)`")(c)?;
                    break (d, vals);
                }
            } else {
                return fail(r3, "expected `=` or `in` after the path");
            };
            out.push(ConditionAst { path: p, values });
            let (r5, _) = sp(r4)?;
            match ident(r5) {
                Ok((r6, "and")) => i = r6,
                _ => return Ok((r5, out)),
            }
        }
    }

    fn field(&self, i: &'s str) -> PResult<'s, FieldAst> {
        let start = i;
        let (i, name) = self.name(i, "expected a field name, `}` or `when`")?;
        let (i, repeat) = if let Ok((r, _)) = char::<_, PErr<'_>>('[').parse(i) {
            let (r, rep) = self.repeat(r)?;
            let (r2, _) = expect_char(']', "expected `]`")(r)?;
            (r2, Some(self.spanned(rep, i, r2)))
        } else {
            (i, None)
        };
        let (i, _) = sp(i)?;
        if let Ok((r, _)) = char::<_, PErr<'_>>('{').parse(i) {
            let (r, _) = eol(r, "`{`")?;
            let head_end = r;
            if self.depth.get() >= crate::layout::source::MAX_DEPTH {
                return fail(start, "groups nest too deep");
            }
            self.depth.set(self.depth.get() + 1);
            let parsed = self.fields(r, true);
            self.depth.set(self.depth.get() - 1);
            let (r, fields) = parsed?;
            let span = self.span(start, head_end);
            return Ok((
                r,
                FieldAst {
                    name,
                    repeat,
                    kind: FieldKindAst::Group { fields },
                    span,
                },
            ));
        }
        let type_start = i;
        let (i, kind) = match self.ty(i)? {
            (r, Some(ty)) => {
                let ty = self.spanned(ty, type_start, r);
                let (r, attrs) = self.attrs(r)?;
                (r, FieldKindAst::Scalar { ty, attrs })
            }
            (_, None) => {
                let (r, rec) = self.name(
                    i,
                    "expected a type (X(n), AN(n), G(n), 9(n), N(n), S9(n), B(n)), a record name or `{`",
                )?;
                let (r, attrs) = self.attrs(r)?;
                (r, FieldKindAst::RecordRef { record: rec, attrs })
            }
        };
        let span = self.span(start, i);
        let (i, _) = eol(i, "the field")?;
        Ok((
            i,
            FieldAst {
                name,
                repeat,
                kind,
                span,
            },
        ))
    }

    fn repeat(&self, i: &'s str) -> PResult<'s, RepeatAst> {
        let (i, _) = sp(i)?;
        if let Ok((r, n)) = number(i) {
            let (r, _) = sp(r)?;
            return Ok((r, RepeatAst::Fixed(n)));
        }
        let (r, p) = path(i).or_else(|_| {
            fail(
                i,
                "expected a repeat count: `[5]`, `[count, max=10]` or `[count, slots=10]`",
            )
        })?;
        let count = self.spanned(p.to_owned(), i, r);
        let (r, _) = sp(r)?;
        let (r, _) = expect_char(
            ',',
            "expected `, max=N` or `, slots=N` after the count field",
        )(r)?;
        let (r, _) = sp(r)?;
        let (r2, kw) = ident(r).or_else(|_| fail(r, "expected `max=N` or `slots=N`"))?;
        let slots = match kw {
            "max" => false,
            "slots" => true,
            _ => return fail(r, "expected `max=N` or `slots=N`"),
        };
        let (r2, _) = sp(r2)?;
        let (r2, _) = expect_char('=', "expected `=`")(r2)?;
        let (r2, _) = sp(r2)?;
        let (r3, bound) = number(r2).or_else(|_| fail(r2, "expected a number"))?;
        let (r3, _) = sp(r3)?;
        Ok((
            r3,
            RepeatAst::Counted {
                count,
                bound,
                slots,
            },
        ))
    }

    /// A built-in type, or `None` when the text is not one (then it is a record name).
    fn ty(&self, i: &'s str) -> PResult<'s, Option<TypeAst>> {
        fn paren_num(i: &str) -> PResult<'_, usize> {
            let (r, _) = char('(').parse(i)?;
            let (r, n) = number(r).or_else(|_| fail(r, "expected a width"))?;
            let (r, _) = expect_char(')', "expected `)`")(r)?;
            Ok((r, n))
        }
        // The longest keyword first: `AN(` before `N(`... they share no prefix but `S9`/`SN`.
        let (rest, head) =
            match take_while1::<_, _, PErr<'_>>(|c: char| c.is_ascii_alphanumeric()).parse(i) {
                Ok(ok) => ok,
                Err(_) => return Ok((i, None)),
            };
        if !rest.starts_with('(') {
            // `X (16)`: a type with a space before its width reads as a record name.
            let after = rest.trim_start_matches([' ', '\t']);
            let is_type = matches!(head, "X" | "AN" | "G" | "B" | "9" | "N" | "S9" | "SN");
            if is_type && after.len() < rest.len() && after.starts_with('(') {
                let width: String = after.chars().take_while(|&c| c != ')').collect();
                return fail(
                    rest,
                    format!(
                        "no space may stand between a type and its width: write {head}{width})"
                    ),
                );
            }
            return Ok((i, None));
        }
        let (signed, head) = match head {
            "S9" => (true, "9"),
            "SN" => (true, "N"),
            h => (false, h),
        };
        match head {
            "X" | "AN" => {
                let (r, n) = paren_num(rest)?;
                if signed {
                    return fail(i, "only numbers can be signed");
                }
                Ok((r, Some(TypeAst::Text(n))))
            }
            "G" => paren_num(rest).map(|(r, n)| (r, Some(TypeAst::Graphic(n)))),
            "B" => paren_num(rest).map(|(r, n)| (r, Some(TypeAst::Bytes(n)))),
            "9" => {
                let (r, digits) = paren_num(rest)?;
                if let Ok((r2, _)) = tag::<_, _, PErr<'_>>("V9").parse(r) {
                    let (r3, scale) = paren_num(r2)?;
                    return Ok((
                        r3,
                        Some(TypeAst::Number {
                            digits: digits + scale,
                            scale,
                            signed,
                        }),
                    ));
                }
                Ok((
                    r,
                    Some(TypeAst::Number {
                        digits,
                        scale: 0,
                        signed,
                    }),
                ))
            }
            "N" => {
                let (r, _) = char('(').parse(rest)?;
                let (r, n) = number(r).or_else(|_| fail(r, "expected a width"))?;
                let (r, scale) = match char::<_, PErr<'_>>(',').parse(r) {
                    Ok((r2, _)) => {
                        let (r2, _) = sp(r2)?;
                        let (r3, s) = number(r2).or_else(|_| fail(r2, "expected a scale"))?;
                        (r3, s)
                    }
                    Err(_) => (r, 0),
                };
                let (r, _) = expect_char(')', "expected `)`")(r)?;
                if scale > n {
                    return fail(i, "the scale is larger than the number of digits");
                }
                Ok((
                    r,
                    Some(TypeAst::Number {
                        digits: n,
                        scale,
                        signed,
                    }),
                ))
            }
            _ => fail(
                i,
                "unknown type; expected X(n), AN(n), G(n), 9(n), N(n), S9(n) or B(n)",
            ),
        }
    }

    fn attrs(&self, mut i: &'s str) -> PResult<'s, Vec<Spanned<AttrAst>>> {
        let mut attrs = Vec::new();
        loop {
            let (r, _) = sp(i)?;
            if r.is_empty() || r.starts_with(['\n', '\r']) {
                return Ok((r, attrs));
            }
            let (r2, a) = self.attr(r)?;
            attrs.push(self.spanned(a, r, r2));
            i = r2;
        }
    }

    fn attr(&self, i: &'s str) -> PResult<'s, AttrAst> {
        if i.starts_with('"') {
            let (r, s) = string(i)?;
            return Ok((r, AttrAst::Description(s)));
        }
        if let Ok((r, _)) = char::<_, PErr<'_>>('=').parse(i) {
            let (r, _) = sp(r)?;
            let (r, s) = string(r).or_else(|_| fail(r, "expected a quoted constant after `=`"))?;
            return Ok((r, AttrAst::Const(s)));
        }
        const ATTRS: &str = "expected an attribute: a \"description\", date, time, datetime, \
                             = \"constant\", default, required, raw, mask, secret, lenient, \
                             align, pad or sign";
        let (r, kw) = ident(i).or_else(|_| fail(i, ATTRS))?;
        let temporal = |kind: TemporalKind, r: &'s str| -> PResult<'s, AttrAst> {
            if let Ok((r2, _)) = char::<_, PErr<'_>>('(').parse(r) {
                let (r3, s) = string(r2)
                    .or_else(|_| fail(r2, "expected a quoted pattern such as \"YYMMDD\""))?;
                let (r4, _) = expect_char(')', "expected `)`")(r3)?;
                Ok((r4, AttrAst::Temporal(kind, Some(s))))
            } else {
                Ok((r, AttrAst::Temporal(kind, None)))
            }
        };
        match kw {
            "date" => temporal(TemporalKind::Date, r),
            "time" => temporal(TemporalKind::Time, r),
            "datetime" => temporal(TemporalKind::DateTime, r),
            "required" => Ok((r, AttrAst::Required)),
            "raw" => Ok((r, AttrAst::Raw)),
            "mask" => Ok((r, AttrAst::Mask)),
            "secret" => Ok((r, AttrAst::Secret)),
            "lenient" => Ok((r, AttrAst::Lenient)),
            "default" => {
                let (r, _) = sp(r)?;
                let (r, s) =
                    string(r).or_else(|_| fail(r, "expected a quoted value after `default`"))?;
                Ok((r, AttrAst::Default(s)))
            }
            "pad" => {
                let (r, _) = sp(r)?;
                let (r, s) = string(r)
                    .or_else(|_| fail(r, "expected a quoted pad character such as \"0\""))?;
                Ok((r, AttrAst::Pad(s)))
            }
            "align" => {
                let (r, _) = sp(r)?;
                match ident(r) {
                    Ok((r2, "left")) => Ok((r2, AttrAst::AlignRight(false))),
                    Ok((r2, "right")) => Ok((r2, AttrAst::AlignRight(true))),
                    _ => fail(r, "expected `left` or `right` after `align`"),
                }
            }
            "sign" => {
                let (r, _) = sp(r)?;
                match ident(r) {
                    Ok((r2, "leading")) => Ok((r2, AttrAst::Sign(SignAst::Leading))),
                    Ok((r2, "trailing")) => Ok((r2, AttrAst::Sign(SignAst::Trailing))),
                    Ok((r2, "overpunch")) => Ok((r2, AttrAst::Sign(SignAst::Overpunch))),
                    other => {
                        let word = other.map(|(_, w)| w).unwrap_or("");
                        fail(
                            r,
                            format!(
                                "expected `leading`, `trailing` or `overpunch` after `sign`{}",
                                did_you_mean(word, ["leading", "trailing", "overpunch"])
                            ),
                        )
                    }
                }
            }
            other => {
                const KEYWORDS: [&str; 12] = [
                    "date", "time", "datetime", "required", "raw", "mask", "secret", "lenient",
                    "default", "pad", "align", "sign",
                ];
                let hint = did_you_mean(other, KEYWORDS);
                if hint.is_empty() {
                    fail(i, ATTRS)
                } else {
                    fail(i, format!("{ATTRS}{hint}"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> (usize, String) {
        let e = parse_layout(src).expect_err("should fail");
        (e.offset, e.msg)
    }

    #[test]
    fn parses_directives_and_blocks() {
        let ast = parse_layout(
            "# comment\nencoding cp949\nframing length-prefix 4 ascii inclusive\nkey h.a h.b\n\
             record h 3 {\n a X(1) \"가\"\n b 9(2)\n}\nmessage m {\n when h.a = \"1\" and h.b in (\"01\", \"02\")\n h h\n items[h.b, max=3] {\n  x S9(3)V9(2) sign trailing\n }\n}\n",
        )
        .expect("parses");
        assert_eq!(ast.encoding.expect("enc").value, "cp949");
        assert_eq!(
            ast.framing.expect("framing").value,
            FramingAst::LengthPrefix {
                digits: 4,
                binary: false,
                inclusive: true
            }
        );
        assert_eq!(ast.key.expect("key").len(), 2);
        assert_eq!(ast.records[0].fields.len(), 2);
        let m = &ast.messages[0];
        assert_eq!(m.conditions.len(), 2);
        assert_eq!(m.conditions[1].values.len(), 2);
        match &m.fields[1].kind {
            FieldKindAst::Group { fields } => match &fields[0].kind {
                FieldKindAst::Scalar { ty, attrs } => {
                    assert_eq!(
                        ty.value,
                        TypeAst::Number {
                            digits: 5,
                            scale: 2,
                            signed: true
                        }
                    );
                    assert_eq!(attrs[0].value, AttrAst::Sign(SignAst::Trailing));
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn types_parse() {
        let cases: &[(&str, TypeAst)] = &[
            ("X(5)", TypeAst::Text(5)),
            ("AN(5)", TypeAst::Text(5)),
            ("G(4)", TypeAst::Graphic(4)),
            (
                "9(3)",
                TypeAst::Number {
                    digits: 3,
                    scale: 0,
                    signed: false,
                },
            ),
            (
                "N(7,3)",
                TypeAst::Number {
                    digits: 7,
                    scale: 3,
                    signed: false,
                },
            ),
            (
                "9(13)V9(3)",
                TypeAst::Number {
                    digits: 16,
                    scale: 3,
                    signed: false,
                },
            ),
            (
                "S9(13)",
                TypeAst::Number {
                    digits: 13,
                    scale: 0,
                    signed: true,
                },
            ),
            (
                "SN(5,2)",
                TypeAst::Number {
                    digits: 5,
                    scale: 2,
                    signed: true,
                },
            ),
            ("B(8)", TypeAst::Bytes(8)),
        ];
        for (text, want) in cases {
            let src = format!("message m {{\n f {text}\n}}\n");
            let ast = parse_layout(&src).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            match &ast.messages[0].fields[0].kind {
                FieldKindAst::Scalar { ty, .. } => assert_eq!(&ty.value, want, "{text}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn errors_point_at_the_text() {
        let src = "message m {\n f Q(3)\n}\n";
        assert_eq!(
            err(src),
            (
                15,
                "unknown type; expected X(n), AN(n), G(n), 9(n), N(n), S9(n) or B(n)".into()
            )
        );
        let src = "message m {\n f X(3) bogus\n}\n";
        assert_eq!(err(src).0, 20);
        let src = "message m {\n f X(3)\n";
        assert_eq!(err(src).1, "expected `}` before the end of the layout");
        let src = "encodin euc-kr\n";
        assert_eq!(err(src).0, 0);
        let src = "message m {\n f X(3) \"open\n}\n";
        assert_eq!(err(src).1, "unterminated string");
    }
}
