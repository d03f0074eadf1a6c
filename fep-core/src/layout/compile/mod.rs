//! Compiles a parsed layout into a [`Schema`]: resolves record references, lays every field
//! out at its offset in a flat table, checks lengths, names, counts and conditions, and
//! builds the dispatch table. Every layout mistake is found here, with file:line:col.

use std::collections::HashMap;
use std::sync::Arc;

mod checks;
mod conditions;
mod scalar;

use super::ast::*;
use super::attrs::Attrs;
use super::parse::parse_layout;
use super::source::{
    MAX_DEPTH, MAX_FIELDS, MAX_REPEAT, MAX_TABLE_TEXT, MAX_WIDTH, Src, check_size,
};
use crate::codec::field::Codec;
use crate::codec::number::Sign;
use crate::codec::text::TextEncoding;
use crate::error::{Error, ErrorKind, MAX_RELATED, Result, did_you_mean};
use crate::framing::Framing;
use crate::path::{FieldPath, PathSegment};
use crate::plan::Plan;
use crate::schema::dispatch::*;
use crate::schema::table::*;
use crate::schema::{Schema, SchemaInner};
use crate::value::{Sensitivity, Shape};

pub(crate) fn compile(src: &str, file: Option<Arc<str>>) -> Result<Schema> {
    check_size(src.len())?;
    // Editors on Windows may start a UTF-8 file with a byte-order mark.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let cx = Src { src, file };
    let ast = parse_layout(src).map_err(|e| syntax_errors(&cx, e))?;
    let mut c = Compiler {
        cx: &cx,
        encoding: TextEncoding::EucKr,
        records: HashMap::new(),
        fields: Vec::new(),
        groups: Vec::new(),
        record_stack: Vec::new(),
        text_bytes: 0,
        errors: Vec::new(),
    };
    c.compile(&ast)
}

/// Every syntax error of a layout, up to the limit: the first one, then for each the
/// top-level statement around it is blanked out (its line ends kept, so that positions stay)
/// and the rest parsed again. A statement starts on a line that begins with neither space,
/// `#` nor `}`; its mistakes do not hide the next statement's.
fn syntax_errors(cx: &Src<'_>, first: super::parse::SyntaxError) -> Error {
    let src = cx.src;
    let mut errors = vec![cx.err_at(
        first.offset,
        first.len,
        ErrorKind::Syntax(first.msg.clone()),
    )];
    let mut text = src.to_owned();
    let mut at = first.offset;
    while errors.len() <= MAX_RELATED {
        let Some(end) = blank_statement(&mut text, at) else {
            break;
        };
        match parse_layout(&text) {
            // Past the blanked statement, or the parser is stuck: stop.
            Err(e) if e.offset >= end => {
                errors.push(cx.err_at(e.offset, e.len, ErrorKind::Syntax(e.msg.clone())));
                at = e.offset;
            }
            _ => break,
        }
    }
    let first = errors.remove(0);
    first.with_related(errors)
}

/// Blanks the top-level statement around byte `at` of `text` with spaces (keeping line
/// ends and byte offsets); gives the byte where the next statement starts, `None` when
/// there is none.
fn blank_statement(text: &mut String, at: usize) -> Option<usize> {
    let starts_statement = |line: &str| {
        line.chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != '#' && c != '}')
    };
    let mut line_starts = vec![0];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let line_of = |off: usize| line_starts.partition_point(|&s| s <= off) - 1;
    let here = line_of(at.min(text.len()));
    let start = (0..=here)
        .rev()
        .map(|l| line_starts[l])
        .find(|&s| starts_statement(&text[s..]))
        .unwrap_or(0);
    let next = line_starts[here + 1..]
        .iter()
        .copied()
        .find(|&s| s < text.len() && starts_statement(&text[s..]))?;
    let blanked: String = text[start..next]
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' {
                c.to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    text.replace_range(start..next, &blanked);
    Some(next)
}

struct Compiler<'c, 's> {
    cx: &'c Src<'s>,
    encoding: TextEncoding,
    records: HashMap<&'c str, &'c BlockAst>,
    fields: Vec<FieldDef>,
    groups: Vec<GroupDef>,
    /// Records being expanded, to catch a record that contains itself.
    record_stack: Vec<&'c str>,
    /// Bytes of text (paths, names, descriptions) the expanded field table holds so far.
    text_bytes: usize,
    /// Mistakes found so far in records and messages that were passed over, so that one run
    /// reports every independent one (up to the limit).
    errors: Vec<Error>,
}

/// A field already laid out in an enclosing scope, for resolving repeat counts.
struct ScopeEntry<'a> {
    name: &'a str,
    id: FieldId,
}

/// Layout state of one message while its fields are placed.
struct MsgState<'a> {
    scopes: Vec<Vec<ScopeEntry<'a>>>,
    next_slot: u8,
}

impl<'c, 's> Compiler<'c, 's> {
    fn compile(&mut self, ast: &'c LayoutAst) -> Result<Schema> {
        let cx = self.cx;
        if let Some(enc) = &ast.encoding {
            self.encoding = TextEncoding::from_name(&enc.value).ok_or_else(|| {
                cx.err(
                    enc.span,
                    ErrorKind::Syntax(format!(
                        "unknown encoding \"{}\"; expected euc-kr, cp949, utf-8 or ascii",
                        enc.value
                    )),
                )
            })?;
        }
        let framing = match ast.framing.as_ref().map(|f| &f.value) {
            None | Some(FramingAst::None) => Framing::None,
            Some(FramingAst::Lines) => Framing::Lines,
            Some(FramingAst::LengthPrefix {
                digits,
                binary,
                inclusive,
            }) => Framing::LengthPrefix {
                width: *digits as u8,
                binary: *binary,
                inclusive: *inclusive,
            },
        };

        let mut names: HashMap<&str, Span> = HashMap::new();
        for r in &ast.records {
            if let Some(first) = names.insert(&r.name.value, r.name.span) {
                self.errors.push(cx.err(
                    r.name.span,
                    ErrorKind::DuplicateName {
                        name: r.name.value.clone(),
                        first_line: cx.line(first),
                    },
                ));
                continue;
            }
            self.records.insert(&r.name.value, r);
        }
        let mut msg_names: HashMap<&str, Span> = HashMap::new();
        for m in &ast.messages {
            if let Some(first) = msg_names.insert(&m.name.value, m.name.span) {
                self.errors.push(cx.err(
                    m.name.span,
                    ErrorKind::DuplicateName {
                        name: m.name.value.clone(),
                        first_line: cx.line(first),
                    },
                ));
            }
        }
        if ast.messages.is_empty() {
            return Err(cx.err_at(
                cx.src.len(),
                0,
                ErrorKind::Syntax("the layout has no message".into()),
            ));
        }
        if ast.messages.len() > MAX_MESSAGES {
            return Err(cx.err(
                ast.messages[MAX_MESSAGES].name.span,
                ErrorKind::LayoutLimit(format!("more than {MAX_MESSAGES} messages")),
            ));
        }
        let mut empty = false;
        for b in ast.records.iter().chain(&ast.messages) {
            if b.fields.is_empty() {
                empty = true;
                self.errors.push(cx.err(
                    b.name.span,
                    ErrorKind::Syntax(format!(
                        "\"{}\" has no field; a record or message has at least one",
                        b.name.value
                    )),
                ));
            }
        }
        if empty {
            return Err(self.all_errors());
        }
        // A record nobody uses is still checked, so that its mistakes show at once. A
        // record or message with a mistake is passed over and the next one checked, so
        // that one run shows every independent mistake.
        for r in &ast.records {
            let mut st = MsgState {
                scopes: vec![Vec::new()],
                next_slot: 0,
            };
            self.record_stack.push(&r.name.value);
            let before = (self.fields.len(), self.groups.len());
            let g = self.group(&r.fields, "", Some(0), false, &mut st, 1);
            self.record_stack.clear();
            let checked = g.and_then(|g| self.check_length(r, g));
            self.fields.truncate(before.0);
            self.groups.truncate(before.1);
            self.note(checked)?;
        }

        let mut messages = Vec::with_capacity(ast.messages.len());
        for m in &ast.messages {
            let first = self.fields.len() as FieldId;
            let groups_before = self.groups.len();
            let mut st = MsgState {
                scopes: vec![Vec::new()],
                next_slot: 0,
            };
            let root = self
                .group(&m.fields, "", Some(0), false, &mut st, 1)
                .and_then(|root| self.check_length(m, root).map(|()| root));
            let root = match root {
                Ok(root) => root,
                Err(e) => {
                    self.record_stack.clear();
                    self.fields.truncate(first as usize);
                    self.groups.truncate(groups_before);
                    self.note(Err(e))?;
                    continue;
                }
            };
            if !self.errors.is_empty() {
                // Its fields are not needed: the layout will not compile.
                self.fields.truncate(first as usize);
                self.groups.truncate(groups_before);
                continue;
            }
            let g = &self.groups[root as usize];
            messages.push(MessageDef {
                name: Arc::from(m.name.value.as_str()),
                root,
                fixed_len: g.fixed_width,
                min_len: g.min_width,
                conditions: Vec::new(),
                specificity: m.conditions.len(),
                key: None,
                answers: None,
                field_range: (first, self.fields.len() as FieldId),
            });
        }

        if !self.errors.is_empty() {
            return Err(self.all_errors());
        }
        let dispatch = self.conditions(ast, &mut messages)?;
        let key_paths = self.keys(ast, &mut messages)?;
        self.answers(ast, &mut messages)?;
        let checks = self.checks(ast, &messages)?;
        let plans = messages
            .iter()
            .map(|m| Plan::build(&self.fields, &self.groups, m))
            .collect();
        let inner = SchemaInner {
            source: cx.file.clone(),
            framing,
            table: Table {
                encoding: self.encoding,
                fields: std::mem::take(&mut self.fields),
                groups: std::mem::take(&mut self.groups),
                messages,
            },
            plans,
            dispatch,
            key_paths,
            checks,
        };
        Ok(Schema {
            inner: Arc::new(inner),
        })
    }

    /// Keeps the mistake of one record or message and goes on with the next, unless it is
    /// a limit (which stops the run) or the most mistakes one run reports are found.
    fn note(&mut self, r: Result<()>) -> Result<()> {
        let Err(e) = r else {
            return Ok(());
        };
        let limit = matches!(e.kind(), ErrorKind::LayoutLimit(_));
        // A record's mistake shows again in every message that uses it, and a cycle of
        // records from each record on it: once is enough.
        let cycle = |k: &ErrorKind| matches!(k, ErrorKind::RecordNesting(t) if t.contains("contains itself"));
        let seen = self.errors.iter().any(|x| {
            (x.line_column() == e.line_column() && x.kind().to_string() == e.kind().to_string())
                || (cycle(x.kind()) && cycle(e.kind()))
        });
        if !seen {
            self.errors.push(e);
        }
        if limit || self.errors.len() > MAX_RELATED {
            return Err(self.all_errors());
        }
        Ok(())
    }

    /// The mistakes found, as one error: the first in the source, carrying the others.
    fn all_errors(&mut self) -> Error {
        let mut errors = std::mem::take(&mut self.errors);
        errors.sort_by_key(|e| e.line_column());
        let first = errors.remove(0);
        first.with_related(errors)
    }

    fn check_length(&self, b: &BlockAst, g: GroupId) -> Result<()> {
        let Some(declared) = &b.length else {
            return Ok(());
        };
        let g = &self.groups[g as usize];
        match g.fixed_width {
            Some(w) if w == declared.value => Ok(()),
            Some(w) => Err(self.cx.err(
                declared.span,
                ErrorKind::LengthMismatch {
                    declared: declared.value,
                    actual: w.to_string(),
                },
            )),
            None => Err(self.cx.err(
                declared.span,
                ErrorKind::LengthMismatch {
                    declared: declared.value,
                    actual: format!(
                        "a length that varies with a count (at least {})",
                        g.min_width
                    ),
                },
            )),
        }
    }

    /// Lays out the fields of a group; `base` is its offset when it is known statically.
    fn group(
        &mut self,
        fields: &'c [FieldAst],
        prefix: &str,
        base: Option<usize>,
        in_repeat: bool,
        st: &mut MsgState<'c>,
        depth: usize,
    ) -> Result<GroupId> {
        let cx = self.cx;
        if depth > MAX_DEPTH {
            let span = fields.first().map_or(Span::default(), |f| f.span);
            return Err(cx.err(
                span,
                ErrorKind::RecordNesting(format!(
                    "records and groups nest deeper than {MAX_DEPTH} levels"
                )),
            ));
        }
        let gid = self.groups.len() as GroupId;
        self.groups.push(GroupDef {
            members: Vec::new(),
            shape: Arc::default(),
            fixed_width: Some(0),
            min_width: 0,
        });
        st.scopes.push(Vec::new());
        let mut members = Vec::with_capacity(fields.len());
        let mut shape = Shape::default();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut offset = base;
        let mut fixed = Some(0usize);
        let mut min = 0usize;
        for (idx, f) in fields.iter().enumerate() {
            let filler = f.name.value == "_";
            if !filler && let Some(first) = seen.insert(&f.name.value, f.name.span) {
                return Err(cx.err(
                    f.name.span,
                    ErrorKind::DuplicateName {
                        name: f.name.value.clone(),
                        first_line: cx.line(first),
                    },
                ));
            }
            let path = if prefix.is_empty() {
                f.name.value.clone()
            } else {
                format!("{prefix}.{}", f.name.value)
            };
            let id = self.field(f, &fields[idx + 1..], &path, offset, in_repeat, st, depth)?;
            self.fields[id as usize].rel = fixed;
            self.fields[id as usize].parent = gid;
            let def = &self.fields[id as usize];
            let (total_fixed, total_min) = match &def.repeat {
                Repeat::One => (Some(def.width), def.width),
                Repeat::Fixed(n) => (Some(def.width * n), def.width * n),
                Repeat::Counted {
                    bound, slots: true, ..
                } => (Some(def.width * bound), def.width * bound),
                Repeat::Counted { .. } => (None, 0),
            };
            let elem_fixed = match def.kind {
                FieldKind::Group(g) => self.groups[g as usize].fixed_width.is_some(),
                FieldKind::Scalar(_) => true,
            };
            let (total_fixed, total_min) = if elem_fixed {
                (total_fixed, total_min)
            } else {
                let gmin = match def.kind {
                    FieldKind::Group(g) => self.groups[g as usize].min_width,
                    FieldKind::Scalar(_) => 0,
                };
                let n = match &def.repeat {
                    Repeat::One => 1,
                    Repeat::Fixed(n) => *n,
                    Repeat::Counted {
                        bound, slots: true, ..
                    } => *bound,
                    Repeat::Counted { .. } => 0,
                };
                (None, gmin * n)
            };
            offset = match (offset, total_fixed) {
                (Some(o), Some(w)) => Some(o + w),
                _ => None,
            };
            fixed = match (fixed, total_fixed) {
                (Some(a), Some(w)) => Some(a + w),
                _ => None,
            };
            min += total_min;
            if min > MAX_WIDTH {
                return Err(cx.err(
                    f.span,
                    ErrorKind::LayoutLimit(format!(
                        "the message would be longer than {MAX_WIDTH} bytes"
                    )),
                ));
            }
            if !filler {
                shape.names.push(f.name.value.clone().into_boxed_str());
                shape.sensitivity.push(def.sensitivity);
                st.scopes
                    .last_mut()
                    .expect("scope pushed above")
                    .push(ScopeEntry {
                        name: &f.name.value,
                        id,
                    });
            }
            members.push(id);
        }
        st.scopes.pop();
        let g = &mut self.groups[gid as usize];
        g.members = members;
        g.shape = Arc::new(shape);
        g.fixed_width = fixed;
        g.min_width = min;
        Ok(gid)
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &mut self,
        f: &'c FieldAst,
        later: &'c [FieldAst],
        path: &str,
        offset: Option<usize>,
        in_repeat: bool,
        st: &mut MsgState<'c>,
        depth: usize,
    ) -> Result<FieldId> {
        let cx = self.cx;
        if self.fields.len() >= MAX_FIELDS {
            return Err(cx.err(
                f.span,
                ErrorKind::LayoutLimit(format!(
                    "more than {MAX_FIELDS} fields once records are expanded"
                )),
            ));
        }
        // Every expanded field keeps its path, name and description: count them before
        // they are allocated.
        self.text_bytes += path.len() + f.name.value.len() + cx.text(f.span).len();
        if self.text_bytes > MAX_TABLE_TEXT {
            return Err(cx.err(
                f.span,
                ErrorKind::LayoutLimit(format!(
                    "the layout expands to more than {} MiB of field names, descriptions and field bytes; use shorter names or fewer nested records",
                    MAX_TABLE_TEXT >> 20
                )),
            ));
        }
        let filler = f.name.value == "_";
        let repeat = match &f.repeat {
            None => Repeat::One,
            Some(r) => self.repeat(r, later, st)?,
        };
        if filler && matches!(repeat, Repeat::Counted { .. }) {
            return Err(cx.err(f.span, ErrorKind::BadCount(
                "filler `_` cannot have a counted repeat: nothing would say how many entries encode writes".into(),
            )));
        }
        if let FieldKindAst::Group { fields } = &f.kind
            && fields.is_empty()
        {
            return Err(cx.err(
                f.name.span,
                ErrorKind::Syntax(format!("the group \"{}\" has no field", f.name.value)),
            ));
        }
        if filler && !matches!(f.kind, FieldKindAst::Scalar { .. }) {
            return Err(cx.err(
                f.name.span,
                ErrorKind::Syntax("filler `_` must have a type such as X(10)".into()),
            ));
        }
        let repeated = in_repeat || repeat != Repeat::One;
        let elem_path = if repeat != Repeat::One {
            format!("{path}[]")
        } else {
            path.to_owned()
        };
        // Reserve the slot so that the field comes before its members in the table.
        let id = self.fields.len() as FieldId;
        self.fields.push(FieldDef {
            name: f.name.value.clone().into_boxed_str(),
            path: elem_path.clone().into_boxed_str(),
            description: None,
            repeat: repeat.clone(),
            width: 0,
            kind: FieldKind::Group(0),
            sensitivity: Sensitivity::Plain,
            offset,
            rel: None,
            parent: 0,
            in_repeat,
            count_slot: None,
            type_text: "".into(),
            attrs_text: "".into(),
            filler,
        });
        let (kind, width, sensitivity, description, type_text) = match &f.kind {
            FieldKindAst::Scalar { ty, attrs } => {
                let a = Attrs::collect(cx, attrs)?;
                let (scalar, width) = self.scalar(ty, &a, filler)?;
                // What the scalar holds of its width: blank, pad, constant, default.
                self.text_bytes += scalar.blank.len()
                    + scalar.pad_bytes.len()
                    + scalar.constant.as_ref().map_or(0, |(c, _)| c.len())
                    + scalar.default.as_ref().map_or(0, |d| d.len());
                let type_text = cx.text(ty.span).to_owned();
                // The attributes as written (not the description), for listings.
                let attrs_text: Vec<&str> = attrs
                    .iter()
                    .filter(|at| !matches!(at.value, AttrAst::Description(_)))
                    .map(|at| cx.text(at.span))
                    .collect();
                self.fields[id as usize].attrs_text = attrs_text.join(" ").into_boxed_str();
                (
                    FieldKind::Scalar(Box::new(scalar)),
                    width,
                    a.sensitivity,
                    a.description.clone(),
                    type_text,
                )
            }
            FieldKindAst::RecordRef { record, attrs } => {
                let a = Attrs::collect(cx, attrs)?;
                a.only_description_and_sensitivity(cx, "a record reference")?;
                let Some(&r) = self.records.get(record.value.as_str()) else {
                    let hint = did_you_mean(&record.value, self.records.keys().copied());
                    return Err(cx.err(
                        record.span,
                        ErrorKind::UnknownRecord {
                            name: record.value.clone(),
                            hint,
                        },
                    ));
                };
                if self.record_stack.contains(&r.name.value.as_str()) {
                    return Err(cx.err(
                        record.span,
                        ErrorKind::RecordNesting(format!(
                            "record \"{}\" contains itself (through {})",
                            record.value,
                            self.record_stack.join(" → ")
                        )),
                    ));
                }
                self.record_stack.push(&r.name.value);
                let g = self.group(&r.fields, &elem_path, offset, repeated, st, depth + 1)?;
                self.record_stack.pop();
                let width = self.groups[g as usize]
                    .fixed_width
                    .unwrap_or(self.groups[g as usize].min_width);
                (
                    FieldKind::Group(g),
                    width,
                    a.sensitivity,
                    a.description.clone(),
                    record.value.clone(),
                )
            }
            FieldKindAst::Group { fields } => {
                let g = self.group(fields, &elem_path, offset, repeated, st, depth + 1)?;
                let width = self.groups[g as usize]
                    .fixed_width
                    .unwrap_or(self.groups[g as usize].min_width);
                (
                    FieldKind::Group(g),
                    width,
                    Sensitivity::Plain,
                    None,
                    "group".to_owned(),
                )
            }
        };
        if let FieldKind::Group(g) = kind {
            if self.groups[g as usize].fixed_width.is_none() && repeat != Repeat::One {
                return Err(cx.err(f.span, ErrorKind::BadCount(
                    "a repeated group cannot hold a counted repeat with `max` (its entries would differ in length); use `slots`".into(),
                )));
            }
            if sensitivity != Sensitivity::Plain {
                self.spread_sensitivity(g, sensitivity);
            }
        }
        let total = match &repeat {
            Repeat::One => width,
            Repeat::Fixed(n) | Repeat::Counted { bound: n, .. } => width.saturating_mul(*n),
        };
        if total > MAX_WIDTH {
            return Err(cx.err(
                f.span,
                ErrorKind::LayoutLimit(format!("the field is wider than {MAX_WIDTH} bytes")),
            ));
        }
        let def = &mut self.fields[id as usize];
        def.kind = kind;
        def.width = width;
        def.sensitivity = sensitivity;
        def.description = description.map(String::into_boxed_str);
        def.type_text = type_text.into_boxed_str();
        Ok(id)
    }

    /// Marks every field below a `mask`/`secret` record reference.
    fn spread_sensitivity(&mut self, g: GroupId, s: Sensitivity) {
        let members = self.groups[g as usize].members.clone();
        let mut shape = (*self.groups[g as usize].shape).clone();
        for v in &mut shape.sensitivity {
            *v = s;
        }
        self.groups[g as usize].shape = Arc::new(shape);
        for id in members {
            self.fields[id as usize].sensitivity = s;
            if let FieldKind::Group(inner) = self.fields[id as usize].kind {
                self.spread_sensitivity(inner, s);
            }
        }
    }

    fn repeat(
        &mut self,
        r: &'c Spanned<RepeatAst>,
        later: &'c [FieldAst],
        st: &mut MsgState<'c>,
    ) -> Result<Repeat> {
        let cx = self.cx;
        match &r.value {
            RepeatAst::Fixed(n) => {
                if *n == 0 || *n > MAX_REPEAT {
                    return Err(cx.err(
                        r.span,
                        ErrorKind::BadCount(format!("a repeat is 1 to {MAX_REPEAT} entries")),
                    ));
                }
                Ok(Repeat::Fixed(*n))
            }
            RepeatAst::Counted {
                count,
                bound,
                slots,
            } => {
                if *bound == 0 || *bound > MAX_REPEAT {
                    return Err(cx.err(
                        r.span,
                        ErrorKind::BadCount(format!("a repeat bound is 1 to {MAX_REPEAT}")),
                    ));
                }
                let id = self.resolve_count(count, later, st)?;
                let def = &mut self.fields[id as usize];
                let slot = match def.count_slot {
                    Some(s) => s,
                    None => {
                        if st.next_slot as usize >= MAX_COUNTS {
                            return Err(cx.err(
                                count.span,
                                ErrorKind::LayoutLimit(format!(
                                    "more than {MAX_COUNTS} count fields in one message"
                                )),
                            ));
                        }
                        st.next_slot += 1;
                        def.count_slot = Some(st.next_slot - 1);
                        st.next_slot - 1
                    }
                };
                Ok(Repeat::Counted {
                    count_field: id,
                    slot,
                    bound: *bound,
                    slots: *slots,
                    count_path: count.value.clone().into_boxed_str(),
                })
            }
        }
    }

    /// Finds the count field among the fields laid out before the repeat, innermost scope first.
    fn resolve_count(
        &self,
        count: &Spanned<String>,
        later: &[FieldAst],
        st: &MsgState<'c>,
    ) -> Result<FieldId> {
        let cx = self.cx;
        // The grammar makes the count a dotted name; a path that does not parse finds nothing.
        let path = FieldPath::parse(&count.value).ok();
        let mut segs = path
            .iter()
            .flat_map(FieldPath::segments)
            .map(|seg| match seg {
                PathSegment::Name(name) => name,
                PathSegment::Index(_) | PathSegment::Each => "",
            });
        let first = segs.next().unwrap_or("");
        let found = st
            .scopes
            .iter()
            .rev()
            .find_map(|scope| scope.iter().find(|e| e.name == first).map(|e| e.id));
        let Some(mut id) = found else {
            let is_later = later.iter().any(|f| f.name.value == first);
            return Err(cx.err(
                count.span,
                ErrorKind::BadCount(if is_later {
                    format!(
                        "the count field \"{}\" must come before the repeat",
                        count.value
                    )
                } else {
                    let names = st.scopes.iter().flatten().map(|e| e.name);
                    format!(
                        "no field \"{}\" before the repeat to take the count from{}",
                        count.value,
                        did_you_mean(first, names)
                    )
                }),
            ));
        };
        for seg in segs {
            let def = &self.fields[id as usize];
            let next = match (&def.kind, &def.repeat) {
                (FieldKind::Group(g), Repeat::One) => self.groups[*g as usize]
                    .members
                    .iter()
                    .copied()
                    .find(|&m| &*self.fields[m as usize].name == seg),
                _ => None,
            };
            id = next.ok_or_else(|| {
                cx.err(
                    count.span,
                    ErrorKind::BadCount(format!(
                        "no field \"{}\" (a single record member) to take the count from",
                        count.value
                    )),
                )
            })?;
        }
        let def = &self.fields[id as usize];
        let numeric = matches!(&def.kind, FieldKind::Scalar(s) if matches!(&s.codec, Codec::Number(n) if n.scale == 0 && n.sign == Sign::Unsigned));
        if def.repeat != Repeat::One {
            return Err(cx.err(
                count.span,
                ErrorKind::BadCount(format!(
                    "the count field \"{}\" is itself repeated; a count is a single field",
                    count.value
                )),
            ));
        }
        if !numeric {
            return Err(cx.err(
                count.span,
                ErrorKind::BadCount(format!(
                    "the count field \"{}\" must be an unsigned integer such as 9(3), not {}",
                    count.value, def.type_text
                )),
            ));
        }
        Ok(id)
    }
}
