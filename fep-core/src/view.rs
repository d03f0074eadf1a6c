//! Zero-copy views: typed access to single fields of a telegram without decoding the rest,
//! and correlation keys.
//!
//! A path is resolved once into a [`FieldRef`] (per message, into the field table), so a hot
//! loop that routes on three fields pays three slices and three conversions, no lookup by
//! name. Offsets are static for every field that no counted repeat with `max` precedes;
//! entries of counted repeats are checked against the count in the telegram.

use std::borrow::Cow;
use std::sync::Arc;

use crate::codec::field::{Codec, Fast, ScalarDef, decode_field, decode_scalar};
use crate::codec::number::{self, Sign};
use crate::codec::temporal::TemporalKind;
use crate::error::{Category, Error, ErrorKind, Result};
use crate::path::{FieldPath, PathSegment};
use crate::schema::table::*;
use crate::schema::{Schema, SchemaInner};
use crate::value::{Date, DateTime, Decimal, Record, Sensitivity, Time, Value};
use crate::walk::{Decoder, Segment, Trace, check_length};

/// A field path resolved against a schema, for repeated use with [`MessageView`]s.
///
/// Paths use dots and entry indices: `header.seq_no`, `items[2].amount`, `addr[0]` (see
/// [`FieldPath`]).
///
/// # Example
/// ```
/// let schema = fep_core::Schema::parse("message m 8 {\n code X(3)\n seq 9(5)\n}\n")?;
/// let seq = schema.field("seq")?; // resolve once
/// for telegram in [&b"ABC00042"[..], b"ABC00043"] {
///     let view = schema.view(telegram)?;
///     assert_eq!(view.str(&schema.field("code")?)?, "ABC");
///     assert!(view.int(&seq)?.unwrap() >= 42);
/// }
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FieldRef {
    path: Arc<str>,
    /// Per message index: how to reach the field, when the message has it.
    by_message: Arc<[Option<Steps>]>,
    /// Per message index: where the typed reads find the field when it
    /// sits at a fixed offset in a shape they read straight from the bytes.
    quick: Arc<[Quick]>,
    /// The `quick` entry of the first message that has one, and the messages (of the first
    /// 64) whose entry is the same: for them the reads take `first`, so that where they
    /// read does not wait on which message the telegram is (only a branch does).
    first: Quick,
    same: u64,
}

/// A field at a fixed offset, for the typed reads' shortcut (`fast` is `Fast::None` when
/// the message lacks the field, or it has no fixed offset).
#[derive(Debug, Clone, Copy)]
struct Quick {
    /// What tells two entries apart, beside the fields below: the sign place the reader
    /// `read` was chosen for (0 when it is not a number).
    sign: u8,
    offset: u32,
    width: u16,
    fast: Fast,
    /// For `Fast::Number`, the scale; for `Fast::Temporal`, 1 for a date (`YYYYMMDD`),
    /// 0 otherwise.
    extra: u8,
    /// For `Fast::Number`, the reader of its sign place and width (see `Quick::reader`).
    read: number::SignedReader,
    /// For an entry of a counted repeat: the offset holds while its count (at a fixed
    /// place) is at least `min` and at most `bound`; `width` 0 when there is no such count.
    count: CountGuard,
}

/// The count an entry's fixed offset depends on: zero-padded digits at `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CountGuard {
    offset: u32,
    width: u32,
    /// The entry's index + 1.
    min: u32,
    bound: u32,
}

impl CountGuard {
    const NONE: CountGuard = CountGuard {
        offset: 0,
        width: 0,
        min: 0,
        bound: 0,
    };
}

impl Quick {
    /// No shortcut: the message lacks the field, or it has no fixed offset.
    const NONE: Quick = Quick {
        sign: 0,
        offset: 0,
        width: 0,
        fast: Fast::None,
        extra: 0,
        read: number::ANY_UNSIGNED,
        count: CountGuard::NONE,
    };

    /// The same place, shape and reader (the reader is a function of the sign place and
    /// width, compared instead of the function's address).
    fn same_as(&self, o: &Quick) -> bool {
        self.fast != Fast::None
            && (
                self.sign,
                self.offset,
                self.width,
                self.fast,
                self.extra,
                self.count,
            ) == (o.sign, o.offset, o.width, o.fast, o.extra, o.count)
    }

    /// `sign` for a field: its number's sign place, 0 for anything else.
    fn sign(kind: &FieldKind) -> u8 {
        match kind {
            FieldKind::Scalar(sc) => match &sc.codec {
                Codec::Number(n) => n.sign as u8 + 1,
                _ => 0,
            },
            FieldKind::Group(_) => 0,
        }
    }

    /// `extra` for a scalar: see the field.
    fn extra(sc: &ScalarDef) -> u8 {
        match (&sc.codec, sc.fast) {
            (Codec::Number(n), Fast::Number) => n.scale,
            (Codec::Temporal(p), Fast::Temporal) => {
                u8::from(p.kind == TemporalKind::Date && p.width() == 8)
            }
            _ => 0,
        }
    }

    /// `read` for a field of `width` bytes: its number reader, or the general one for
    /// anything that is not a number (never called for it).
    fn reader(kind: &FieldKind, width: usize) -> number::SignedReader {
        match kind {
            FieldKind::Scalar(sc) => match sc.codec {
                Codec::Number(n) => number::signed_reader(n.sign, width),
                _ => number::signed_reader(Sign::Unsigned, 0),
            },
            FieldKind::Group(_) => number::signed_reader(Sign::Unsigned, 0),
        }
    }
}

#[derive(Debug, Clone)]
struct Steps {
    steps: Box<[Step]>,
    /// True when every step has a static position (no walk needed).
    direct: bool,
    /// The offset, when no step depends on a count in the telegram: a read is one slice.
    fixed: Option<usize>,
    /// The offset when one step is an entry of a counted repeat whose count sits at a fixed
    /// place as zero-padded digits, and the guard on that count (see [`CountGuard`]).
    guarded: Option<(usize, CountGuard)>,
    /// The field itself.
    field: FieldId,
    /// Its width, and the decode shortcut it allows, for the typed reads.
    width: usize,
    fast: Fast,
}

#[derive(Debug, Clone, Copy)]
struct Step {
    field: FieldId,
    index: Option<usize>,
}

impl FieldRef {
    /// The path, in its canonical text ([`FieldPath`]'s).
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// A path as (name, index) steps: `a.b[2].c` is `a`, `b` entry 2, `c`; `None` when the path
/// can name no single field (two indices in a row, a `[]`).
fn steps_of(path: &FieldPath) -> Option<Vec<(&str, Option<usize>)>> {
    let mut out: Vec<(&str, Option<usize>)> = Vec::new();
    for seg in path.segments() {
        match seg {
            PathSegment::Name(name) => out.push((name, None)),
            PathSegment::Index(i) => match out.last_mut() {
                Some((_, index @ None)) => *index = Some(i),
                _ => return None,
            },
            PathSegment::Each => return None,
        }
    }
    Some(out)
}

impl Schema {
    /// Resolves a field path once, for fast repeated access through views.
    ///
    /// # Errors
    /// When the path does not parse ([`FieldPath::parse`]), no message has a single
    /// (scalar) field at that path, or an index is out of the repeat's bound.
    pub fn field(&self, path: &str) -> Result<FieldRef> {
        // A path that does not parse is the caller's mistake about the data, as an unknown one.
        let path = FieldPath::parse(path).map_err(|e| e.in_category(Category::Data))?;
        self.field_at(&path)
    }

    /// [`Schema::field`] for a parsed path.
    ///
    /// # Errors
    /// When no message has a single (scalar) field at that path, or an index is out of the
    /// repeat's bound.
    pub fn field_at(&self, path: &FieldPath) -> Result<FieldRef> {
        let s = &*self.inner;
        let unknown =
            || Error::value(ErrorKind::UnknownField(path.to_string())).in_category(Category::Data);
        let segs = steps_of(path).ok_or_else(unknown)?;
        let mut by_message = Vec::with_capacity(s.messages.len());
        let mut bound_error = None;
        for m in &s.messages {
            match resolve(s, m.root, &segs) {
                Ok(steps) => by_message.push(steps),
                Err(e) => {
                    bound_error.get_or_insert(e);
                    by_message.push(None);
                }
            }
        }
        if by_message.iter().all(Option::is_none) {
            return Err(bound_error.unwrap_or_else(unknown));
        }
        let quick = by_message
            .iter()
            .map(|st| {
                let q = st.as_ref().and_then(|st| {
                    let (offset, count) = match (st.fixed, st.guarded) {
                        (Some(off), _) => (off, CountGuard::NONE),
                        (None, Some(g)) => g,
                        (None, None) => return None,
                    };
                    Some(Quick {
                        sign: Quick::sign(&s.fields[st.field as usize].kind),
                        offset: u32::try_from(offset).ok()?,
                        width: u16::try_from(st.width).ok()?,
                        fast: st.fast,
                        extra: match &s.fields[st.field as usize].kind {
                            FieldKind::Scalar(sc) => Quick::extra(sc),
                            FieldKind::Group(_) => 0,
                        },
                        read: Quick::reader(&s.fields[st.field as usize].kind, st.width),
                        count,
                    })
                });
                q.unwrap_or(Quick::NONE)
            })
            .collect::<Arc<[Quick]>>();
        let first = quick
            .iter()
            .find(|q| q.fast != Fast::None)
            .copied()
            .unwrap_or(Quick::NONE);
        let same = quick
            .iter()
            .take(64)
            .enumerate()
            .filter(|(_, q)| q.same_as(&first))
            .fold(0u64, |set, (mi, _)| set | 1 << mi);
        Ok(FieldRef {
            path: Arc::from(path.as_str()),
            by_message: by_message.into(),
            quick,
            first,
            same,
        })
    }

    /// A view of a telegram: its message chosen by dispatch, nothing decoded yet.
    ///
    /// # Errors
    /// No message matches, or the telegram's length differs from the message's.
    #[inline(always)]
    pub fn view<'a>(&self, telegram: &'a [u8]) -> Result<MessageView<'_, 'a>> {
        let mi = self.dispatch_index(telegram)?;
        let m = &self.inner.messages[mi];
        check_length(m, telegram).map_err(|e| e.with_message(&m.name))?;
        Ok(MessageView {
            schema: &self.inner,
            mi,
            data: telegram,
        })
    }

    /// The correlation key of a telegram (the layout's `key` directive): the key fields'
    /// text as it stands on the wire, trailing spaces removed, joined with `|`; read
    /// straight from the bytes, without decoding the telegram.
    ///
    /// # Example
    /// ```
    /// let schema = fep_core::Schema::parse("key date seq\nmessage m 16 {\n date 9(8) date\n seq 9(6)\n id X(2)\n}\n")?;
    /// assert_eq!(schema.key(b"20240315000123AB")?, "20240315|000123");
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// No `key` directive, no message matches, the message lacks a key field, or a key
    /// field's bytes are not text in the layout's encoding.
    pub fn key(&self, telegram: &[u8]) -> Result<String> {
        let mut out = String::new();
        self.key_into(telegram, &mut out)?;
        Ok(out)
    }

    /// [`Schema::key`] into a reused string (cleared first).
    pub fn key_into(&self, telegram: &[u8], out: &mut String) -> Result<()> {
        let s = &*self.inner;
        out.clear();
        if s.key_paths.is_empty() && s.messages.iter().all(|m| m.key.is_none()) {
            return Err(Error::new(
                ErrorKind::NoKey("the layout has no `key` directive".into()),
                crate::error::Position::None,
            ));
        }
        let mi = self.dispatch_index(telegram)?;
        let m = &s.messages[mi];
        let Some(ids) = &m.key else {
            let why = if s.key_paths.is_empty() {
                format!(
                    "message \"{}\" has no key (the layout has no `key` directive, nor the message a key of its own)",
                    m.name
                )
            } else {
                format!(
                    "message \"{}\" lacks a key field ({})",
                    m.name,
                    s.key_paths.join(", ")
                )
            };
            return Err(Error::value(ErrorKind::NoKey(why)).with_message(&m.name));
        };
        for (i, &id) in ids.iter().enumerate() {
            let f = &s.fields[id as usize];
            let off = f.offset.unwrap_or(0);
            let bytes = telegram
                .get(off..off + f.width)
                .ok_or_else(|| {
                    Error::data(
                        ErrorKind::TooShort {
                            needed: off + f.width,
                            found: telegram.len(),
                        },
                        telegram.len(),
                        0,
                        None,
                    )
                })
                .map_err(|e| e.prepend_path(&s.key_paths[i]).with_message(&m.name))?;
            let text =
                crate::codec::text::decode(s.encoding, crate::codec::text::trim_spaces(bytes))
                    .map_err(|k| {
                        let raw = (f.sensitivity == Sensitivity::Plain).then_some(bytes);
                        Error::data(k, off, f.width, raw)
                            .prepend_path(&s.key_paths[i])
                            .with_message(&m.name)
                    })?;
            if i > 0 {
                out.push('|');
            }
            out.push_str(&text);
        }
        Ok(())
    }
}

/// Resolves path segments within one message; `Ok(None)` when the message lacks the path.
fn resolve(
    s: &SchemaInner,
    root: GroupId,
    segs: &[(&str, Option<usize>)],
) -> Result<Option<Steps>> {
    let mut group = root;
    let mut steps = Vec::with_capacity(segs.len());
    let mut direct = true;
    for (i, (name, index)) in segs.iter().enumerate() {
        let Some(&fid) = s.groups[group as usize]
            .members
            .iter()
            .find(|&&m| &*s.fields[m as usize].name == *name)
        else {
            return Ok(None);
        };
        let f = &s.fields[fid as usize];
        match (&f.repeat, index) {
            (Repeat::One, None) => {}
            (Repeat::One, Some(_)) | (_, None) => return Ok(None),
            (Repeat::Fixed(n) | Repeat::Counted { bound: n, .. }, Some(ix)) => {
                if ix >= n {
                    return Err(Error::value(ErrorKind::OutOfRange(format!(
                        "index {ix} of \"{name}\", which has at most {n} entries"
                    )))
                    .in_category(Category::Data));
                }
                if let Repeat::Counted { count_field, .. } = &f.repeat {
                    let c = &s.fields[*count_field as usize];
                    // The count is found directly when it sits at a fixed place in the telegram
                    // or beside the repeat in the same group.
                    let static_count = (c.offset.is_some() && !c.in_repeat)
                        || (c.parent == f.parent && c.rel.is_some());
                    direct &= static_count;
                }
            }
        }
        direct &= f.rel.is_some();
        steps.push(Step {
            field: fid,
            index: *index,
        });
        match f.kind {
            FieldKind::Group(g) => group = g,
            FieldKind::Scalar(_) if i + 1 == segs.len() => {}
            FieldKind::Scalar(_) => return Ok(None),
        }
    }
    let Some(last) = steps.last().map(|st| st.field) else {
        return Ok(None);
    };
    if !matches!(s.fields[last as usize].kind, FieldKind::Scalar(_)) {
        return Ok(None);
    }
    // A fixed offset: every step at a static place, and no entry of a counted repeat.
    let mut fixed = Some(0usize);
    for st in &steps {
        let f = &s.fields[st.field as usize];
        let counted = matches!(f.repeat, Repeat::Counted { .. });
        fixed = match (fixed, f.rel) {
            (Some(base), Some(rel)) if !counted => {
                Some(base + rel + st.index.unwrap_or(0) * f.width)
            }
            _ => None,
        };
    }
    // An offset that holds while one count is in range: every step at a static place, one
    // entry of a counted repeat whose count sits at a fixed place (what `locate` reads) as
    // zero-padded digits, which give the value the general codec would.
    let mut guarded = None;
    if direct && fixed.is_none() {
        let mut base = 0usize;
        let mut guard = None;
        let mut ok = true;
        for st in &steps {
            let f = &s.fields[st.field as usize];
            let Some(rel) = f.rel else {
                ok = false;
                break;
            };
            base += rel + st.index.unwrap_or(0) * f.width;
            if let Repeat::Counted {
                count_field, bound, ..
            } = &f.repeat
            {
                let c = &s.fields[*count_field as usize];
                let digits = matches!(&c.kind, FieldKind::Scalar(sc) if sc.fast == Fast::Digits);
                let at = c.offset.filter(|_| !c.in_repeat && digits);
                let ix = st.index.unwrap_or(0);
                match (at, guard) {
                    (Some(at), None) => {
                        guard = Some(CountGuard {
                            offset: u32::try_from(at).unwrap_or(u32::MAX),
                            width: u32::try_from(c.width).unwrap_or(0),
                            min: u32::try_from(ix + 1).unwrap_or(u32::MAX),
                            bound: u32::try_from(*bound).unwrap_or(u32::MAX),
                        });
                    }
                    _ => ok = false,
                }
            }
        }
        if ok
            && let Some(g) = guard
            && g.width > 0
            && g.width <= 18
            && g.offset != u32::MAX
            && g.min <= g.bound
            && g.bound != u32::MAX
        {
            guarded = Some((base, g));
        }
    }
    let def = &s.fields[last as usize];
    let fast = match &def.kind {
        FieldKind::Scalar(sc) => sc.fast,
        FieldKind::Group(_) => Fast::None,
    };
    Ok(Some(Steps {
        steps: steps.into(),
        direct,
        fixed,
        guarded,
        field: last,
        width: def.width,
        fast,
    }))
}

/// A telegram with its message known, for reading single fields without decoding the rest.
#[derive(Debug, Clone, Copy)]
pub struct MessageView<'s, 'a> {
    schema: &'s SchemaInner,
    mi: usize,
    data: &'a [u8],
}

impl<'s, 'a> MessageView<'s, 'a> {
    /// The message's name.
    pub fn message_name(&self) -> &'s str {
        &self.schema.messages[self.mi].name
    }

    /// The telegram.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }

    fn err_ctx(&self, e: Error, field: &FieldRef) -> Error {
        e.prepend_path(&field.path)
            .with_message(&self.schema.messages[self.mi].name)
    }

    /// Offset and definition of a field in this telegram.
    fn locate(&self, field: &FieldRef) -> Result<(usize, &'s FieldDef)> {
        let s = self.schema;
        let Some(Some(steps)) = field.by_message.get(self.mi) else {
            return Err(
                Error::value(ErrorKind::UnknownField(field.path.to_string()))
                    .in_category(Category::Data)
                    .with_message(&s.messages[self.mi].name),
            );
        };
        if !steps.direct {
            return self.walk(field, steps);
        }
        let mut base = 0;
        let mut group_base = 0;
        let mut f = &s.fields[steps.steps[0].field as usize];
        for st in steps.steps.iter() {
            f = &s.fields[st.field as usize];
            base = group_base + f.rel.unwrap_or(0);
            if let Some(ix) = st.index {
                if let Repeat::Counted {
                    count_field, bound, ..
                } = &f.repeat
                {
                    let c = &s.fields[*count_field as usize];
                    let at = match c.offset {
                        Some(o) if !c.in_repeat => o,
                        _ => group_base + c.rel.unwrap_or(0),
                    };
                    let count = self.count_at(c, at).map_err(|e| self.err_ctx(e, field))?;
                    if count > *bound as u64 {
                        let raw = self
                            .data
                            .get(at..at + c.width)
                            .filter(|_| c.sensitivity == Sensitivity::Plain);
                        let e = Error::data(
                            ErrorKind::CountOverBound {
                                count,
                                bound: *bound,
                            },
                            at,
                            c.width,
                            raw,
                        );
                        return Err(self.err_ctx(e, field));
                    }
                    if ix as u64 >= count {
                        let e = Error::data(
                            ErrorKind::NoSuchEntry { index: ix, count },
                            at,
                            c.width,
                            self.data.get(at..at + c.width),
                        );
                        return Err(self.err_ctx(e, field));
                    }
                }
                base += ix * f.width;
            }
            group_base = base;
        }
        Ok((base, f))
    }

    fn count_at(&self, c: &FieldDef, at: usize) -> Result<u64> {
        let FieldKind::Scalar(sc) = &c.kind else {
            return Ok(0);
        };
        let bytes = self.data.get(at..at + c.width).ok_or_else(|| {
            Error::data(
                ErrorKind::TooShort {
                    needed: at + c.width,
                    found: self.data.len(),
                },
                self.data.len(),
                0,
                None,
            )
        })?;
        Ok(
            match decode_scalar(self.schema.encoding, sc, bytes).map_err(|k| {
                let plain = c.sensitivity == Sensitivity::Plain;
                Error::data(k, at, c.width, Some(bytes).filter(|_| plain))
            })? {
                Value::Int(i) => i as u64,
                Value::UInt(u) => u,
                _ => 0,
            },
        )
    }

    /// The slow path, for fields after a counted repeat: walk the telegram to the field.
    fn walk(&self, field: &FieldRef, steps: &Steps) -> Result<(usize, &'s FieldDef)> {
        let s = self.schema;
        let m = &s.messages[self.mi];
        let mut target = Vec::with_capacity(steps.steps.len() * 2);
        for st in steps.steps.iter() {
            target.push(Segment::Name(&s.fields[st.field as usize].name));
            if let Some(i) = st.index {
                target.push(Segment::Index(i));
            }
        }
        let finder = Finder {
            target: &target,
            found: None,
        };
        let mut d = Decoder {
            s,
            data: self.data,
            counts: [(0, 0, 0); MAX_COUNTS],
            trace: finder,
            path: Vec::new(),
        };
        let mut pos = 0;
        let mut rec = Record::new();
        let r = d.group_into(m.root, &mut pos, &mut rec);
        match d.trace.found {
            Some(off) => {
                let last = steps.steps.last().map_or(0, |st| st.field);
                Ok((off, &s.fields[last as usize]))
            }
            None => Err(match r {
                Err(e) => e.with_message(&m.name),
                Ok(()) => self.err_ctx(
                    Error::value(ErrorKind::BadValue(
                        "the entry is not in the telegram".into(),
                    )),
                    field,
                ),
            }),
        }
    }

    /// The offset of a field in this telegram (of the entry the path names).
    pub fn offset(&self, field: &FieldRef) -> Result<usize> {
        match field.by_message.get(self.mi) {
            Some(Some(Steps {
                fixed: Some(off), ..
            })) => Ok(*off),
            _ => self.locate(field).map(|(off, _)| off),
        }
    }

    /// The bytes of a field at a fixed offset whose shape allows the shortcut `fast`.
    #[inline(always)]
    fn fixed_bytes(&self, field: &FieldRef, fast: Fast) -> Option<&'a [u8]> {
        let (q, bytes) = self.quick(field)?;
        (q.fast == fast).then_some(bytes)
    }

    /// The field's shortcut and bytes, when it sits at a fixed offset in this telegram: one
    /// known when the layout was compiled, or one an entry of a counted repeat has while the
    /// count in the telegram includes the entry (else `None`, and `locate` says why).
    /// A field without a shortcut (`Fast::None`, offset and width 0) gives empty bytes:
    /// every caller goes on only for the shortcut it reads, never `Fast::None`.
    #[inline(always)]
    fn quick<'f>(&self, field: &'f FieldRef) -> Option<(&'f Quick, &'a [u8])> {
        // A branch, not a select: what is read below does not wait on the message's index.
        let q = if self.mi < 64 && field.same & (1u64 << self.mi) != 0 {
            &field.first
        } else {
            self.quick_of(field)?
        };
        let data: &'a [u8] = self.data;
        if q.count.width != 0 && !self.count_includes(&q.count) {
            return None;
        }
        let off = q.offset as usize;
        Some((q, data.get(off..off + usize::from(q.width))?))
    }

    /// The message's own `quick` entry for `field` (kept out of line, so that `quick`
    /// branches to it).
    #[cold]
    #[inline(never)]
    fn quick_of<'f>(&self, field: &'f FieldRef) -> Option<&'f Quick> {
        field.quick.get(self.mi)
    }

    /// True when the count `g` guards is digits from `g.min` to `g.bound`.
    #[inline(never)]
    fn count_includes(&self, g: &CountGuard) -> bool {
        let at = g.offset as usize;
        self.data
            .get(at..at + g.width as usize)
            .and_then(number::digits_u64)
            .is_some_and(|c| c >= u64::from(g.min) && c <= u64::from(g.bound))
    }

    /// The raw bytes of a field.
    pub fn raw(&self, field: &FieldRef) -> Result<&'a [u8]> {
        let (off, f) = self.locate(field)?;
        self.bytes_at(field, off, f)
    }

    fn bytes_at(&self, field: &FieldRef, off: usize, f: &FieldDef) -> Result<&'a [u8]> {
        let data: &'a [u8] = self.data;
        data.get(off..off + f.width).ok_or_else(|| {
            self.err_ctx(
                Error::data(
                    ErrorKind::TooShort {
                        needed: off + f.width,
                        found: self.data.len(),
                    },
                    self.data.len(),
                    0,
                    None,
                ),
                field,
            )
        })
    }

    /// The decoded value of one field.
    pub fn value(&self, field: &FieldRef) -> Result<Value<'a>> {
        let (off, f) = match field.by_message.get(self.mi) {
            // The common case: a field at a fixed offset, one slice.
            Some(Some(Steps {
                fixed: Some(off),
                field: id,
                ..
            })) => (*off, &self.schema.fields[*id as usize]),
            _ => self.locate(field)?,
        };
        let FieldKind::Scalar(sc) = &f.kind else {
            return Err(Error::value(ErrorKind::WrongType {
                expected: "a single field",
                found: "a record",
            }));
        };
        let bytes = self.bytes_at(field, off, f)?;
        decode_field(self.schema.encoding, sc, f.sensitivity, off, bytes)
            .map_err(|e| self.err_ctx(e, field))
    }

    fn wrong(&self, field: &FieldRef, expected: &'static str, v: &Value<'_>) -> Error {
        self.err_ctx(
            Error::value(ErrorKind::WrongType {
                expected,
                found: v.type_name(),
            })
            .in_category(Category::Data),
            field,
        )
    }

    /// A text field's text (borrowed when ASCII).
    ///
    /// Inlined into the caller: the common case (plain ASCII text at a fixed offset) is a
    /// slice and a trim; everything else goes through [`MessageView::value`].
    #[inline(always)]
    pub fn str(&self, field: &FieldRef) -> Result<Cow<'a, str>> {
        if let Some(bytes) = self.fixed_bytes(field, Fast::Text)
            && let Some(t) = crate::codec::text::ascii_trimmed(bytes)
        {
            return Ok(Cow::Borrowed(t));
        }
        self.str_general(field)
    }

    #[inline(never)]
    fn str_general(&self, field: &FieldRef) -> Result<Cow<'a, str>> {
        // Text that is not ASCII at a fixed offset: what `decode_field` does with it (the
        // general codec below gives the errors).
        if let Some(bytes) = self.fixed_bytes(field, Fast::Text)
            && let Ok(t) = crate::codec::text::decode_non_ascii(
                self.schema.encoding,
                crate::codec::text::trim_spaces(bytes),
            )
        {
            return Ok(t);
        }
        match self.value(field)? {
            Value::Text(t) => Ok(t),
            other => Err(self.wrong(field, "a text field", &other)),
        }
    }

    /// An integer field; `None` when blank.
    ///
    /// Inlined into the caller: the common case (zero-padded digits at a fixed offset) is
    /// read straight from the bytes; everything else goes through [`MessageView::value`].
    #[inline(always)]
    pub fn int(&self, field: &FieldRef) -> Result<Option<i64>> {
        if let Some((q, bytes)) = self.quick(field) {
            match q.fast {
                Fast::Digits => {
                    if let Some(v) = number::digits_inline(bytes) {
                        return Ok(Some(v as i64));
                    }
                }
                // A signed integer in its canonical spelling.
                Fast::Number if q.extra == 0 => {
                    if let Some((negative, m)) = (q.read)(bytes) {
                        return Ok(Some(if negative { -(m as i64) } else { m as i64 }));
                    }
                }
                _ => {}
            }
        }
        self.int_general(field)
    }

    #[inline(never)]
    fn int_general(&self, field: &FieldRef) -> Result<Option<i64>> {
        match self.value(field)? {
            Value::Null => Ok(None),
            Value::Int(i) => Ok(Some(i)),
            other => Err(self.wrong(field, "an integer field that fits i64", &other)),
        }
    }

    /// A numeric field as an exact decimal (integers too); `None` when blank.
    ///
    /// Inlined into the caller like [`MessageView::int`].
    #[inline(always)]
    pub fn decimal(&self, field: &FieldRef) -> Result<Option<Decimal>> {
        if let Some((q, bytes)) = self.quick(field) {
            match q.fast {
                Fast::Number => {
                    if let Some((negative, m)) = (q.read)(bytes) {
                        let m = i128::from(m);
                        return Ok(Some(Decimal::new(if negative { -m } else { m }, q.extra)));
                    }
                }
                Fast::Digits => {
                    if let Some(v) = number::digits_u64(bytes) {
                        return Ok(Some(Decimal::new(i128::from(v), 0)));
                    }
                }
                _ => {}
            }
        }
        self.decimal_general(field)
    }

    #[inline(never)]
    fn decimal_general(&self, field: &FieldRef) -> Result<Option<Decimal>> {
        match self.value(field)? {
            Value::Null => Ok(None),
            Value::Int(i) => Ok(Some(Decimal::new(i128::from(i), 0))),
            Value::UInt(u) => Ok(Some(Decimal::new(i128::from(u), 0))),
            Value::Decimal(d) => Ok(Some(d)),
            other => Err(self.wrong(field, "a numeric field", &other)),
        }
    }

    /// A `date` field; `None` when blank.
    pub fn date(&self, field: &FieldRef) -> Result<Option<Date>> {
        // A `YYYYMMDD` date at a fixed offset that exists.
        if field.quick.get(self.mi).is_some_and(|q| q.extra == 1)
            && let Some(bytes) = self.fixed_bytes(field, Fast::Temporal)
            && let Some(d) = crate::codec::temporal::date_of_bytes(bytes)
        {
            return Ok(Some(d));
        }
        match self.value(field)? {
            Value::Null => Ok(None),
            Value::Date(d) => Ok(Some(d)),
            other => Err(self.wrong(field, "a date field", &other)),
        }
    }

    /// A `time` field; `None` when blank.
    pub fn time(&self, field: &FieldRef) -> Result<Option<Time>> {
        match self.value(field)? {
            Value::Null => Ok(None),
            Value::Time(t) => Ok(Some(t)),
            other => Err(self.wrong(field, "a time field", &other)),
        }
    }

    /// A `datetime` field; `None` when blank.
    pub fn datetime(&self, field: &FieldRef) -> Result<Option<DateTime>> {
        match self.value(field)? {
            Value::Null => Ok(None),
            Value::DateTime(t) => Ok(Some(t)),
            other => Err(self.wrong(field, "a datetime field", &other)),
        }
    }
}

/// Finds a field's offset during a traced decode (the slow path of views).
struct Finder<'t> {
    target: &'t [Segment<'t>],
    found: Option<usize>,
}

impl<'s: 't, 'a, 't> Trace<'s, 'a> for Finder<'t> {
    const ON: bool = true;

    fn field(
        &mut self,
        path: &[Segment<'s>],
        _f: &'s FieldDef,
        offset: usize,
        _bytes: &'a [u8],
        _value: std::result::Result<&Value<'a>, &Error>,
    ) {
        if self.found.is_none() && path == self.target {
            self.found = Some(offset);
        }
    }
}
