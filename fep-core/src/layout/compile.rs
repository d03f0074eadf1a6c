//! Compiles a parsed layout into a [`Schema`]: resolves record references, lays every field
//! out at its offset in a flat table, checks lengths, names, counts and conditions, and
//! builds the dispatch table. Every layout mistake is found here, with file:line:col.

use std::collections::HashMap;
use std::sync::Arc;

use super::ast::*;
use super::parse::parse_layout;
use crate::codec::field::{Codec, Fast, ScalarDef, encode_scalar};
use crate::codec::number::{NumSpec, Sign};
use crate::codec::temporal::{Pattern, TemporalKind as TK};
use crate::codec::text::TextEncoding;
use crate::error::{Error, ErrorKind, LayoutPosition, Position, Result};
use crate::framing::Framing;
use crate::plan::Plan;
use crate::schema::dispatch::*;
use crate::schema::table::*;
use crate::schema::{Schema, SchemaInner};
use crate::value::{Sensitivity, Shape, Value};

/// Limits on what a layout may declare; see `docs/layout-language.md`.
pub const MAX_LAYOUT_BYTES: usize = 4 << 20;
/// The most fields a compiled layout may have (record references expanded).
pub const MAX_FIELDS: usize = 100_000;
/// The deepest nesting of records and groups.
pub const MAX_DEPTH: usize = 32;
/// The most text (paths, names, descriptions) the expanded field table may hold: a record
/// used many times with long names cannot make compiling a small file cost gigabytes.
pub const MAX_TABLE_TEXT: usize = 32 << 20;
/// The largest repeat bound (`[N]`, `max=N`, `slots=N`).
pub const MAX_REPEAT: usize = 100_000;
/// The widest field, and the longest message.
pub const MAX_WIDTH: usize = 16 << 20;

pub(crate) fn check_size(len: usize) -> Result<()> {
    if len > MAX_LAYOUT_BYTES {
        return Err(Error::new(
            ErrorKind::LayoutLimit(format!(
                "the layout is {len} bytes; the limit is {MAX_LAYOUT_BYTES}"
            )),
            Position::None,
        ));
    }
    Ok(())
}

/// The error for a layout file that is not UTF-8: `before` is the text up to the bad byte.
pub(crate) fn not_utf8(before: &str, file: Arc<str>) -> Error {
    let cx = Src {
        src: before,
        file: Some(file),
    };
    cx.err_at(
        before.len(),
        0,
        ErrorKind::Syntax("the layout is not UTF-8 text here (save it as UTF-8)".into()),
    )
}

pub(crate) fn compile(src: &str, file: Option<Arc<str>>) -> Result<Schema> {
    check_size(src.len())?;
    // Editors on Windows may start a UTF-8 file with a byte-order mark.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let cx = Src { src, file };
    let ast =
        parse_layout(src).map_err(|e| cx.err_at(e.offset, e.len, ErrorKind::Syntax(e.msg)))?;
    let mut c = Compiler {
        cx: &cx,
        encoding: TextEncoding::EucKr,
        records: HashMap::new(),
        fields: Vec::new(),
        groups: Vec::new(),
        record_stack: Vec::new(),
        text_bytes: 0,
    };
    c.compile(&ast)
}

/// The source, for turning spans into line and column.
struct Src<'s> {
    src: &'s str,
    file: Option<Arc<str>>,
}

impl Src<'_> {
    fn err_at(&self, offset: usize, len: usize, kind: ErrorKind) -> Error {
        let offset = offset.min(self.src.len());
        let before = &self.src[..offset];
        // Lines end with LF, CRLF or a lone CR.
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let line = before.matches('\n').count() as u32
            + before
                .match_indices('\r')
                .filter(|(i, _)| self.src.as_bytes().get(i + 1) != Some(&b'\n'))
                .count() as u32
            + 1;
        let column = before[line_start..].chars().count() as u32 + 1;
        let line_end = self.src[offset..]
            .find(['\n', '\r'])
            .map_or(self.src.len(), |i| offset + i);
        let end = (offset + len).min(line_end);
        let snippet = self.src.get(offset..end).unwrap_or("").to_owned();
        Error::new(
            kind,
            Position::Layout(LayoutPosition {
                file: self.file.clone(),
                line,
                column,
                snippet,
                line_text: self.src[line_start..line_end].to_owned(),
            }),
        )
    }

    fn err(&self, span: Span, kind: ErrorKind) -> Error {
        self.err_at(span.start, span.end.saturating_sub(span.start), kind)
    }

    fn line(&self, span: Span) -> u32 {
        self.src[..span.start.min(self.src.len())]
            .matches('\n')
            .count() as u32
            + 1
    }

    fn text(&self, span: Span) -> &str {
        self.src.get(span.start..span.end).unwrap_or("")
    }
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
                return Err(cx.err(
                    r.name.span,
                    ErrorKind::DuplicateName {
                        name: r.name.value.clone(),
                        first_line: cx.line(first),
                    },
                ));
            }
            self.records.insert(&r.name.value, r);
        }
        let mut msg_names: HashMap<&str, Span> = HashMap::new();
        for m in &ast.messages {
            if let Some(first) = msg_names.insert(&m.name.value, m.name.span) {
                return Err(cx.err(
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
        for b in ast.records.iter().chain(&ast.messages) {
            if b.fields.is_empty() {
                return Err(cx.err(
                    b.name.span,
                    ErrorKind::Syntax(format!(
                        "\"{}\" has no field; a record or message has at least one",
                        b.name.value
                    )),
                ));
            }
        }
        // A record nobody uses is still checked, so that its mistakes show at once.
        for r in &ast.records {
            let mut st = MsgState {
                scopes: vec![Vec::new()],
                next_slot: 0,
            };
            self.record_stack.push(&r.name.value);
            let before = (self.fields.len(), self.groups.len());
            let g = self.group(&r.fields, "", Some(0), false, &mut st, 1)?;
            self.record_stack.pop();
            self.check_length(r, g)?;
            self.fields.truncate(before.0);
            self.groups.truncate(before.1);
        }

        let mut messages = Vec::with_capacity(ast.messages.len());
        for m in &ast.messages {
            let first = self.fields.len() as FieldId;
            let mut st = MsgState {
                scopes: vec![Vec::new()],
                next_slot: 0,
            };
            let root = self.group(&m.fields, "", Some(0), false, &mut st, 1)?;
            self.check_length(m, root)?;
            let g = &self.groups[root as usize];
            messages.push(MessageDef {
                name: Arc::from(m.name.value.as_str()),
                root,
                fixed_len: g.fixed_width,
                min_len: g.min_width,
                conditions: Vec::new(),
                specificity: m.conditions.len(),
                key: None,
                field_range: (first, self.fields.len() as FieldId),
            });
        }

        let dispatch = self.conditions(ast, &mut messages)?;
        let key_paths = self.keys(ast, &mut messages)?;
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
        };
        Ok(Schema {
            inner: Arc::new(inner),
        })
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
                    return Err(cx.err(record.span, ErrorKind::UnknownRecord(record.value.clone())));
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
        let mut segs = count.value.split('.');
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
                    format!(
                        "no field \"{}\" before the repeat to take the count from",
                        count.value
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

    fn scalar(&self, ty: &Spanned<TypeAst>, a: &Attrs, filler: bool) -> Result<(ScalarDef, usize)> {
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

    fn encode_literal(
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

    /// Resolves `when` conditions into discriminators and checks that no two messages of
    /// equal specificity can match one telegram.
    fn conditions(&mut self, ast: &'c LayoutAst, messages: &mut [MessageDef]) -> Result<Dispatch> {
        let cx = self.cx;
        let mut discs: Vec<Disc> = Vec::new();
        let mut path_first: HashMap<&str, (usize, usize, &str)> = HashMap::new();
        for (mi, m) in ast.messages.iter().enumerate() {
            let mut conds: Vec<(usize, Vec<Box<[u8]>>)> = Vec::new();
            for c in &m.conditions {
                let id = self
                    .resolve_path(messages[mi].root, &c.path.value)
                    .ok_or_else(|| {
                        cx.err(c.path.span, ErrorKind::BadCondition(format!(
                        "message \"{}\" has no field \"{}\" (a single field outside any repeat)",
                        m.name.value, c.path.value
                    )))
                    })?;
                let def = &self.fields[id as usize];
                let FieldKind::Scalar(scalar) = &def.kind else {
                    return Err(cx.err(
                        c.path.span,
                        ErrorKind::BadCondition(format!(
                            "\"{}\" is a record; a condition tests a single field",
                            c.path.value
                        )),
                    ));
                };
                let Some(offset) = def.offset else {
                    return Err(cx.err(
                        c.path.span,
                        ErrorKind::BadCondition(format!(
                            "\"{}\" has no fixed offset (it follows a counted repeat)",
                            c.path.value
                        )),
                    ));
                };
                let width = def.width;
                match path_first.get(c.path.value.as_str()) {
                    Some(&(o, w, first_msg)) if (o, w) != (offset, width) => {
                        return Err(cx.err(c.path.span, ErrorKind::BadCondition(format!(
                            "\"{}\" is at bytes {}..{} here but at {}..{} in message \"{}\"; a condition must test the same bytes in every message",
                            c.path.value, offset, offset + width, o, o + w, first_msg
                        ))));
                    }
                    Some(_) => {}
                    None => {
                        path_first.insert(&c.path.value, (offset, width, &m.name.value));
                    }
                }
                let mut values = Vec::new();
                for v in &c.values {
                    values.push(self.wire_literal(scalar, width, v)?);
                }
                let di = match discs
                    .iter()
                    .position(|d| d.offset == offset && d.width == width)
                {
                    Some(i) => i,
                    None => {
                        discs.push(Disc {
                            offset,
                            width,
                            path: c.path.value.clone().into_boxed_str(),
                            sensitive: def.sensitivity != Sensitivity::Plain,
                            values: Vec::new(),
                            any: Box::default(),
                            small: None,
                        });
                        discs.len() - 1
                    }
                };
                match conds.iter_mut().find(|(d, _)| *d == di) {
                    // Two conditions on the same bytes: both must hold.
                    Some((_, prev)) => prev.retain(|p| values.contains(p)),
                    None => conds.push((di, values)),
                }
            }
            // Two conditions on the same bytes count once.
            messages[mi].specificity = conds.len();
            messages[mi].conditions = conds;
        }

        // Equal specificity must not overlap.
        for a in 0..messages.len() {
            for b in a + 1..messages.len() {
                if messages[a].specificity != messages[b].specificity {
                    continue;
                }
                let overlap = (0..discs.len()).all(|d| {
                    let va = messages[a].conditions.iter().find(|(x, _)| *x == d);
                    let vb = messages[b].conditions.iter().find(|(x, _)| *x == d);
                    match (va, vb) {
                        (Some((_, va)), Some((_, vb))) => va.iter().any(|v| vb.contains(v)),
                        _ => true,
                    }
                });
                if overlap {
                    let span = ast.messages[b]
                        .conditions
                        .first()
                        .map_or(ast.messages[b].name.span, |c| c.path.span);
                    return Err(cx.err(
                        span,
                        ErrorKind::AmbiguousMessages {
                            first: messages[a].name.to_string(),
                            second: messages[b].name.to_string(),
                        },
                    ));
                }
            }
        }

        // Bit sets, messages ordered by falling specificity (stable: layout order on ties).
        let mut order: Vec<u32> = (0..messages.len() as u32).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(messages[i as usize].specificity));
        let words = messages.len().div_ceil(64).max(1);
        for (di, d) in discs.iter_mut().enumerate() {
            let mut any = vec![0u64; words];
            let mut values: Vec<(Box<[u8]>, MessageSet)> = Vec::new();
            for (bit, &mi) in order.iter().enumerate() {
                match messages[mi as usize]
                    .conditions
                    .iter()
                    .find(|(x, _)| *x == di)
                {
                    None => any[bit / 64] |= 1 << (bit % 64),
                    Some((_, vals)) => {
                        for v in vals {
                            match values.iter_mut().find(|(k, _)| k == v) {
                                Some((_, set)) => set[bit / 64] |= 1 << (bit % 64),
                                None => {
                                    let mut set = vec![0u64; words];
                                    set[bit / 64] |= 1 << (bit % 64);
                                    values.push((v.clone(), set.into()));
                                }
                            }
                        }
                    }
                }
            }
            values.sort_by(|a, b| a.0.cmp(&b.0));
            if words == 1 && d.width <= 8 {
                d.small = Some(SmallDisc {
                    keys: values.iter().map(|(k, _)| pack(k)).collect(),
                    sets: values.iter().map(|(_, s)| s[0]).collect(),
                    any: any[0],
                });
            }
            d.values = values;
            d.any = any.into();
        }
        let small = discs.iter().all(|d| d.small.is_some());
        let end = discs.iter().map(|d| d.offset + d.width).max().unwrap_or(0);
        // The inline form needs every discriminator to fit it; else none uses it.
        let inline: Option<Box<[InlineDisc]>> = if small {
            discs
                .iter()
                .map(|d| {
                    let sd = d.small.as_ref()?;
                    let values: Vec<(u64, u64)> = d
                        .values
                        .iter()
                        .zip(&sd.sets)
                        .map(|((v, _), set)| (load_key(v, 0, v.len(), !0), *set))
                        .collect();
                    InlineDisc::build(
                        u32::try_from(d.offset).ok()?,
                        d.width as u32,
                        sd.any,
                        &values,
                    )
                })
                .collect()
        } else {
            None
        };
        let inline = inline.unwrap_or_default();
        let n = order.len();
        let all = if n >= 64 { !0 } else { (1u64 << n) - 1 };
        Ok(Dispatch {
            discs,
            order,
            words,
            small,
            end,
            inline,
            all,
        })
    }

    /// A condition literal as the bytes on the wire: padded as the field pads.
    fn wire_literal(
        &self,
        def: &ScalarDef,
        width: usize,
        v: &Spanned<String>,
    ) -> Result<Box<[u8]>> {
        let cx = self.cx;
        let mut bytes = Vec::new();
        crate::codec::text::encode(self.encoding, &v.value, &mut bytes).map_err(|k| {
            cx.err(
                v.span,
                ErrorKind::BadCondition(format!("the literal cannot be written: {k}")),
            )
        })?;
        if bytes.len() > width {
            return Err(cx.err(
                v.span,
                ErrorKind::BadCondition(format!(
                    "the literal is {} bytes, the field {width}",
                    bytes.len()
                )),
            ));
        }
        let (pad, right) = match &def.codec {
            Codec::Text {
                pad, align_right, ..
            } => (*pad, *align_right),
            Codec::Number(n) => (n.pad, n.align_right),
            _ => (b' ', false),
        };
        let fill = width - bytes.len();
        if right {
            let mut out = vec![pad; fill];
            out.extend_from_slice(&bytes);
            Ok(out.into())
        } else {
            bytes.resize(width, pad);
            Ok(bytes.into())
        }
    }

    /// A dotted path through single (unrepeated) fields of a message.
    fn resolve_path(&self, root: GroupId, path: &str) -> Option<FieldId> {
        let mut group = Some(root);
        let mut found = None;
        for seg in path.split('.') {
            let g = group?;
            let id = *self.groups[g as usize]
                .members
                .iter()
                .find(|&&m| &*self.fields[m as usize].name == seg)?;
            let def = &self.fields[id as usize];
            if def.repeat != Repeat::One {
                return None;
            }
            found = Some(id);
            group = match def.kind {
                FieldKind::Group(inner) => Some(inner),
                FieldKind::Scalar(_) => None,
            };
        }
        found
    }

    fn keys(&self, ast: &LayoutAst, messages: &mut [MessageDef]) -> Result<Vec<Box<str>>> {
        let cx = self.cx;
        let Some(paths) = &ast.key else {
            return Ok(Vec::new());
        };
        for p in paths {
            let mut anywhere = false;
            for m in messages.iter() {
                if let Some(id) = self.resolve_path(m.root, &p.value) {
                    let def = &self.fields[id as usize];
                    if matches!(def.kind, FieldKind::Group(_)) {
                        return Err(cx.err(
                            p.span,
                            ErrorKind::BadCondition(format!(
                                "key field \"{}\" is a record in message \"{}\"; a key takes single fields",
                                p.value, m.name
                            )),
                        ));
                    }
                    if matches!(def.kind, FieldKind::Scalar(_)) {
                        if def.offset.is_none() {
                            return Err(cx.err(
                                p.span,
                                ErrorKind::BadCondition(format!(
                                    "key field \"{}\" has no fixed offset in message \"{}\"",
                                    p.value, m.name
                                )),
                            ));
                        }
                        anywhere = true;
                    }
                }
            }
            if !anywhere {
                return Err(cx.err(
                    p.span,
                    ErrorKind::BadCondition(format!(
                        "no message has a field \"{}\" for the key",
                        p.value
                    )),
                ));
            }
        }
        for m in messages.iter_mut() {
            let ids: Option<Vec<FieldId>> = paths
                .iter()
                .map(|p| {
                    self.resolve_path(m.root, &p.value)
                        .filter(|&id| matches!(self.fields[id as usize].kind, FieldKind::Scalar(_)))
                })
                .collect();
            m.key = ids;
        }
        Ok(paths
            .iter()
            .map(|p| p.value.clone().into_boxed_str())
            .collect())
    }
}

/// A field's attributes, gathered and checked for repeats.
#[derive(Default)]
struct Attrs {
    description: Option<String>,
    temporal: Option<(TK, Option<String>, Span)>,
    constant: Option<String>,
    constant_span: Option<Span>,
    default: Option<String>,
    default_span: Option<Span>,
    required: Option<Span>,
    raw: Option<Span>,
    sensitivity: Sensitivity,
    lenient: bool,
    lenient_span: Option<Span>,
    align_right: Option<bool>,
    align_span: Option<Span>,
    pad: Option<Span>,
    pad_text: Option<String>,
    sign: Option<Span>,
    sign_kind: Option<SignAst>,
}

impl Attrs {
    fn collect(cx: &Src<'_>, attrs: &[Spanned<AttrAst>]) -> Result<Attrs> {
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

    fn pad_byte(&self, cx: &Src<'_>, default: u8) -> Result<u8> {
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

    fn only_description_and_sensitivity(&self, cx: &Src<'_>, what: &str) -> Result<()> {
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
