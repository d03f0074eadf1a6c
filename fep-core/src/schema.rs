//! The compiled layout: [`Schema`], its flat field table, dispatch, and introspection.
//!
//! Compiling (in `layout::compile`) resolves records, computes every offset and width once
//! and builds the dispatch table; nothing here parses layout text or looks a field up by
//! name while a telegram is decoded. The decode and encode walks live in `decode.rs` and
//! `encode.rs` beside this file.

use std::path::Path;
use std::sync::Arc;

use crate::codec::number::{NumSpec, Sign};
use crate::codec::temporal::Pattern;
use crate::codec::text::TextEncoding;
use crate::error::{Error, ErrorKind, Result};
use crate::framing::Framing;
use crate::value::{Sensitivity, Shape};

pub(crate) type FieldId = u32;
pub(crate) type GroupId = u32;

/// The most messages one layout may hold (the dispatch bit sets are sized for it).
pub const MAX_MESSAGES: usize = 1024;
pub(crate) const MAX_WORDS: usize = MAX_MESSAGES / 64;
/// The most counted repeats one message may hold.
pub const MAX_COUNTS: usize = 32;

/// A compiled layout: immutable, `Send + Sync`, cheap to clone (an `Arc`).
///
/// Build one with [`Schema::parse`] or [`Schema::load`], keep it for the life of the
/// process, and share it between threads.
///
/// # Example
/// ```
/// let schema = fep_core::Schema::parse(r#"
/// encoding ascii
/// message ping 10 {
///   kind   X(4) = "PING"
///   seq    9(6)          "일련번호"
/// }
/// "#)?;
/// let msg = schema.decode(b"PING000042")?;
/// assert_eq!(msg.name(), "ping");
/// assert_eq!(msg.get("seq").and_then(|v| v.as_i64()), Some(42));
/// assert_eq!(schema.encode(&msg)?, b"PING000042");
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Schema {
    pub(crate) inner: Arc<SchemaInner>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema")
            .field("source", &self.inner.source)
            .field("encoding", &self.inner.encoding)
            .field("framing", &self.inner.framing)
            .field(
                "messages",
                &self
                    .inner
                    .messages
                    .iter()
                    .map(|m| &*m.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[derive(Debug)]
pub(crate) struct SchemaInner {
    pub source: Option<Arc<str>>,
    pub encoding: TextEncoding,
    pub framing: Framing,
    pub fields: Vec<FieldDef>,
    pub groups: Vec<GroupDef>,
    pub messages: Vec<MessageDef>,
    pub dispatch: Dispatch,
    pub key_paths: Vec<Box<str>>,
}

#[derive(Debug)]
pub(crate) struct FieldDef {
    /// The name in its record (`_` for filler).
    pub name: Box<str>,
    /// The path from the message root, repeats shown as `[]`: `items[].amount`.
    pub path: Box<str>,
    pub description: Option<Box<str>>,
    pub repeat: Repeat,
    /// Width of one element.
    pub width: usize,
    pub kind: FieldKind,
    pub sensitivity: Sensitivity,
    /// Offset of the (first element of the) field in the telegram, when no counted repeat
    /// with a `max` comes before it.
    pub offset: Option<usize>,
    /// Offset within its group (of one element of the group), when no counted repeat with
    /// a `max` comes before it there.
    pub rel: Option<usize>,
    /// The group the field belongs to.
    pub parent: GroupId,
    /// True inside a repeated record or group (its `offset` is that of the first entry).
    pub in_repeat: bool,
    /// When this field is the count of a repeat, the slot its value is kept in while decoding.
    pub count_slot: Option<u8>,
    /// The type as the layout wrote it (`9(13)`, `header`).
    pub type_text: Box<str>,
    /// The attributes as the layout wrote them, description left out (`date`, `mask`, ...).
    pub attrs_text: Box<str>,
    pub filler: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Repeat {
    One,
    Fixed(usize),
    Counted {
        /// The field holding the count.
        count_field: FieldId,
        slot: u8,
        bound: usize,
        slots: bool,
        count_path: Box<str>,
    },
}

#[derive(Debug)]
pub(crate) enum FieldKind {
    Scalar(Box<ScalarDef>),
    Group(GroupId),
}

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

#[derive(Debug)]
pub(crate) struct GroupDef {
    /// Fields in wire order, filler included.
    pub members: Vec<FieldId>,
    /// Names of the value fields (filler left out), shared by every decoded record.
    pub shape: Arc<Shape>,
    pub fixed_width: Option<usize>,
    pub min_width: usize,
}

#[derive(Debug)]
pub(crate) struct MessageDef {
    pub name: Arc<str>,
    pub root: GroupId,
    pub fixed_len: Option<usize>,
    pub min_len: usize,
    /// The message's conditions: a discriminator and the wire values it may hold.
    pub conditions: Vec<(usize, Vec<Box<[u8]>>)>,
    pub specificity: usize,
    pub key: Option<Vec<FieldId>>,
    /// The message's fields in the flat table: `fields[first..end]`.
    pub field_range: (FieldId, FieldId),
    /// The flat decode plan, for a message of fixed length without repeats.
    pub plan: Option<crate::plan::Plan>,
}

/// A bit set of messages, by their position in [`Dispatch::order`].
pub(crate) type MessageSet = Box<[u64]>;

/// A discriminator: a byte range that `when` conditions test.
#[derive(Debug)]
pub(crate) struct Disc {
    pub offset: usize,
    pub width: usize,
    pub path: Box<str>,
    pub sensitive: bool,
    /// Wire values, sorted, each with the bit set of the messages that allow it.
    pub values: Vec<(Box<[u8]>, MessageSet)>,
    /// Messages that do not test this discriminator.
    pub any: Box<[u64]>,
    /// The same for layouts of up to 64 messages and discriminators of up to 8 bytes:
    /// values packed into integers, sets into one word (the common case, and the fast one).
    pub small: Option<SmallDisc>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct InlineDisc {
    pub offset: u32,
    pub width: u32,
    /// The low `width` bytes of a word: what of an 8-byte load is the discriminator.
    pub mask: u64,
    /// A multiplier that sends each wire value to its own slot of `slots`.
    pub mult: u64,
    /// Wire values as little-endian integers ([`load_key`]) with their message sets, each
    /// in the slot its hash names; free slots have an empty set.
    pub slots: [(u64, u64); INLINE_SLOTS],
    pub any: u64,
}

/// The slots of an inline discriminator: twice the most values it holds.
pub(crate) const INLINE_SLOTS: usize = 16;

impl InlineDisc {
    /// The slot of a wire value.
    #[inline]
    pub fn slot(mult: u64, key: u64) -> usize {
        (key.wrapping_mul(mult) >> (64 - INLINE_SLOTS.trailing_zeros())) as usize
    }

    /// Lays out up to `INLINE_SLOTS / 2` distinct wire values, trying multipliers until
    /// none shares a slot (a handful of tries for eight values); `None` if none is found.
    pub fn build(offset: u32, width: u32, any: u64, values: &[(u64, u64)]) -> Option<InlineDisc> {
        if values.len() > INLINE_SLOTS / 2 {
            return None;
        }
        // Odd multipliers from a fixed sequence (splitmix64), so a layout always compiles
        // to the same table.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let mult = (z ^ (z >> 31)) | 1;
            let mut slots = [(0u64, 0u64); INLINE_SLOTS];
            let mut used = 0u32;
            let fits = values.iter().all(|&(k, set)| {
                let i = Self::slot(mult, k);
                let free = used & (1 << i) == 0;
                used |= 1 << i;
                slots[i] = (k, set);
                free
            });
            if fits {
                return Some(InlineDisc {
                    offset,
                    width,
                    mask: if width >= 8 {
                        !0
                    } else {
                        (1u64 << (8 * width)) - 1
                    },
                    mult,
                    slots,
                    any,
                });
            }
        }
        None
    }
}

#[derive(Debug)]
pub(crate) struct SmallDisc {
    /// Packed wire values, sorted.
    pub keys: Box<[u64]>,
    /// The message set of each key.
    pub sets: Box<[u64]>,
    pub any: u64,
}

/// A discriminator value of up to 8 bytes as one integer (equal widths keep the order).
#[inline]
pub(crate) fn pack(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |k, &b| k << 8 | u64::from(b))
}

/// A discriminator's bytes (up to 8) as a little-endian integer: one load and a mask
/// when the telegram holds 8 bytes from `offset`, byte by byte near its end.
#[inline]
pub(crate) fn load_key(data: &[u8], offset: usize, width: usize, mask: u64) -> u64 {
    if let Some(word) = data.get(offset..).and_then(|d| d.first_chunk::<8>()) {
        return u64::from_le_bytes(*word) & mask;
    }
    data[offset..offset + width]
        .iter()
        .rev()
        .fold(0u64, |k, &b| k << 8 | u64::from(b))
}

/// Chooses a message from the discriminator bytes, without decoding the telegram.
#[derive(Debug, Default)]
pub(crate) struct Dispatch {
    pub discs: Vec<Disc>,
    /// Message indices by falling specificity: bit `i` of a set is `order[i]`.
    pub order: Vec<u32>,
    pub words: usize,
    /// Every discriminator has its `small` form.
    pub small: bool,
    /// The same again, laid out flat, when every discriminator also has at most eight
    /// values (the usual layout): one hashed slot per discriminator, no search.
    pub inline: Box<[InlineDisc]>,
    /// The set of all messages (up to 64).
    pub all: u64,
    /// The end of the furthest discriminator.
    pub end: usize,
}

impl Dispatch {
    /// The message for a telegram: the first (most specific) whose conditions all hold.
    #[inline]
    pub fn choose(&self, data: &[u8]) -> Option<usize> {
        if !self.inline.is_empty() && data.len() >= self.end {
            let mut bits = self.all;
            for d in self.inline.iter() {
                let key = load_key(data, d.offset as usize, d.width as usize, d.mask);
                // One slot to look at; a value the layout does not name finds another
                // value there, or a free slot, and allows only the messages that do not
                // test this discriminator.
                let (k, set) = d.slots[InlineDisc::slot(d.mult, key)];
                bits &= d.any | std::hint::select_unpredictable(k == key, set, 0);
            }
            return (bits != 0).then(|| self.order[bits.trailing_zeros() as usize] as usize);
        }
        self.choose_general(data)
    }

    /// `choose` through the general bit sets only, for tests of the faster forms.
    #[cfg(test)]
    pub fn choose_by_bits(&self, data: &[u8]) -> Option<usize> {
        self.first(&self.bits(data).0)
    }

    /// `choose` for layouts beyond the inline form, and for telegrams shorter than the
    /// furthest discriminator.
    #[cold]
    fn choose_general(&self, data: &[u8]) -> Option<usize> {
        if self.small && data.len() >= self.end {
            let mut bits = self.all;
            for d in &self.discs {
                let Some(sd) = &d.small else { break };
                let key = pack(&data[d.offset..d.offset + d.width]);
                let allowed = sd.keys.binary_search(&key).ok().map_or(0, |i| sd.sets[i]);
                bits &= sd.any | allowed;
            }
            return (bits != 0).then(|| self.order[bits.trailing_zeros() as usize] as usize);
        }
        match self.choose_partial(data) {
            Some(decided) => decided,
            // With all of the telegram there, nothing more can come: what holds now is it.
            None => self.first(&self.bits(data).0),
        }
    }

    /// Like `choose` for the front of a stream: `None` while a more specific message could
    /// still match once more bytes arrive, `Some(decision)` once it is settled.
    pub fn choose_partial(&self, data: &[u8]) -> Option<Option<usize>> {
        let (definite, possible) = self.bits(data);
        let Some(best) = self.first_bit(&possible) else {
            return Some(None);
        };
        if definite[best / 64] & (1 << (best % 64)) != 0 {
            Some(Some(self.order[best] as usize))
        } else {
            None
        }
    }

    /// Bit sets of the messages whose conditions hold (`definite`) and of those that could
    /// still hold when the discriminators beyond `data` arrive (`possible`).
    fn bits(&self, data: &[u8]) -> ([u64; MAX_WORDS], [u64; MAX_WORDS]) {
        let words = self.words;
        let mut definite = [0u64; MAX_WORDS];
        for w in definite.iter_mut().take(words) {
            *w = !0;
        }
        let n = self.order.len();
        if !n.is_multiple_of(64) {
            definite[words - 1] = (1u64 << (n % 64)) - 1;
        }
        let mut possible = definite;
        for d in &self.discs {
            match data.get(d.offset..d.offset + d.width) {
                Some(v) => {
                    let allowed = d
                        .values
                        .binary_search_by(|(k, _)| (**k).cmp(v))
                        .ok()
                        .map(|i| &d.values[i].1);
                    for w in 0..words {
                        let a = d.any[w] | allowed.map_or(0, |s| s[w]);
                        definite[w] &= a;
                        possible[w] &= a;
                    }
                }
                None => {
                    for (w, any) in definite.iter_mut().zip(d.any.iter()) {
                        *w &= any;
                    }
                }
            }
        }
        (definite, possible)
    }

    fn first_bit(&self, bits: &[u64; MAX_WORDS]) -> Option<usize> {
        (0..self.words)
            .find(|&w| bits[w] != 0)
            .map(|w| w * 64 + bits[w].trailing_zeros() as usize)
    }

    fn first(&self, bits: &[u64; MAX_WORDS]) -> Option<usize> {
        self.first_bit(bits).map(|b| self.order[b] as usize)
    }
}

/// One message of a layout, for inspection (`fep check`, documentation, bindings).
#[derive(Debug, Clone, Copy)]
pub struct MessageInfo<'s> {
    schema: &'s SchemaInner,
    index: usize,
}

/// One field of a message, for inspection.
#[derive(Debug, Clone, Copy)]
pub struct FieldInfo<'s> {
    def: &'s FieldDef,
    depth: usize,
}

impl<'s> MessageInfo<'s> {
    /// The message's name.
    pub fn name(&self) -> &'s str {
        &self.schema.messages[self.index].name
    }

    /// The telegram length, when it is fixed.
    pub fn length(&self) -> Option<usize> {
        self.schema.messages[self.index].fixed_len
    }

    /// The shortest telegram of this message (with every counted repeat empty).
    pub fn min_length(&self) -> usize {
        self.schema.messages[self.index].min_len
    }

    /// The `when` conditions, as `(path, allowed wire values)`.
    pub fn conditions(&self) -> Vec<(&'s str, Vec<String>)> {
        self.schema.messages[self.index]
            .conditions
            .iter()
            .map(|(d, vals)| {
                let disc = &self.schema.dispatch.discs[*d];
                (
                    &*disc.path,
                    vals.iter()
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                        .collect(),
                )
            })
            .collect()
    }

    /// Every field in wire order, records and groups before their members.
    pub fn fields(&self) -> impl Iterator<Item = FieldInfo<'s>> + 's {
        let m = &self.schema.messages[self.index];
        let (a, b) = m.field_range;
        self.schema.fields[a as usize..b as usize]
            .iter()
            .map(|def| FieldInfo {
                def,
                depth: def.path.matches('.').count(),
            })
    }
}

impl<'s> FieldInfo<'s> {
    /// The path from the message root; repeated parts show `[]`: `items[].amount`.
    pub fn path(&self) -> &'s str {
        &self.def.path
    }
    /// The field's own name (`_` for filler).
    pub fn name(&self) -> &'s str {
        &self.def.name
    }
    /// Nesting depth (0 for the message's own fields).
    pub fn depth(&self) -> usize {
        self.depth
    }
    /// Offset in the telegram (of the first element, for repeats); `None` after a counted
    /// repeat with `max`, where it depends on the count.
    pub fn offset(&self) -> Option<usize> {
        self.def.offset
    }
    /// Width of one element in bytes.
    pub fn width(&self) -> usize {
        self.def.width
    }
    /// Total width in bytes on the wire (`None` when it depends on a count).
    pub fn total_width(&self) -> Option<usize> {
        match &self.def.repeat {
            Repeat::One => Some(self.def.width),
            Repeat::Fixed(n) => Some(self.def.width * n),
            Repeat::Counted {
                bound, slots: true, ..
            } => Some(self.def.width * bound),
            Repeat::Counted { .. } => None,
        }
    }
    /// The type as written: `X(15)`, `S9(13)`, a record name, or `group`.
    pub fn type_text(&self) -> &'s str {
        &self.def.type_text
    }
    /// The attributes as written, the description left out: `sign leading`, `date mask`.
    pub fn attributes_text(&self) -> &'s str {
        &self.def.attrs_text
    }
    /// How the field repeats.
    pub fn repeat(&self) -> RepeatInfo<'s> {
        match &self.def.repeat {
            Repeat::One => RepeatInfo::One,
            Repeat::Fixed(n) => RepeatInfo::Fixed(*n),
            Repeat::Counted {
                bound,
                slots,
                count_path,
                ..
            } => RepeatInfo::Counted {
                count_path,
                bound: *bound,
                slots: *slots,
            },
        }
    }
    /// The repeat, as written: `[3]`, `[count, max=10]`; empty for a single field.
    pub fn repeat_text(&self) -> String {
        match &self.def.repeat {
            Repeat::One => String::new(),
            Repeat::Fixed(n) => format!("[{n}]"),
            Repeat::Counted {
                bound,
                slots,
                count_path,
                ..
            } => {
                format!(
                    "[{count_path}, {}={bound}]",
                    if *slots { "slots" } else { "max" }
                )
            }
        }
    }
    /// The description string (the spec's Korean name).
    pub fn description(&self) -> Option<&'s str> {
        self.def.description.as_deref()
    }
    /// `mask`, `secret` or plain.
    pub fn sensitivity(&self) -> Sensitivity {
        self.def.sensitivity
    }
    /// True for a record or group (its members follow it).
    pub fn is_group(&self) -> bool {
        matches!(self.def.kind, FieldKind::Group(_))
    }
    /// True for filler (`_`).
    pub fn is_filler(&self) -> bool {
        self.def.filler
    }
    /// True for a `required` field.
    pub fn is_required(&self) -> bool {
        matches!(&self.def.kind, FieldKind::Scalar(s) if s.required)
    }
    /// The number's scale (digits after the implied point), for numeric fields.
    pub fn scale(&self) -> Option<u8> {
        match &self.def.kind {
            FieldKind::Scalar(s) => match &s.codec {
                Codec::Number(n) => Some(n.scale),
                _ => None,
            },
            FieldKind::Group(_) => None,
        }
    }
    /// The number of digits of a numeric field (its precision, scale included).
    pub fn digits(&self) -> Option<u8> {
        match &self.def.kind {
            FieldKind::Scalar(s) => match &s.codec {
                Codec::Number(n) => Some(n.digits),
                _ => None,
            },
            FieldKind::Group(_) => None,
        }
    }
    /// The pattern of a `date`, `time` or `datetime` field (`YYYYMMDD`, `hhmm`, ...).
    pub fn temporal_pattern(&self) -> Option<&'s str> {
        match &self.def.kind {
            FieldKind::Scalar(s) => match &s.codec {
                Codec::Temporal(p) => Some(p.text()),
                _ => None,
            },
            FieldKind::Group(_) => None,
        }
    }
    /// The kind of value the field decodes to.
    pub fn value_kind(&self) -> ValueKind {
        match &self.def.kind {
            FieldKind::Group(_) => ValueKind::Record,
            FieldKind::Scalar(s) => match &s.codec {
                Codec::Text { .. } | Codec::Graphic { .. } => ValueKind::Text,
                Codec::Number(n) if n.scale > 0 || n.digits > 18 => ValueKind::Decimal,
                Codec::Number(n) if n.sign == Sign::Unsigned => ValueKind::Integer,
                Codec::Number(_) => ValueKind::Integer,
                Codec::Temporal(p) => match p.kind {
                    crate::codec::temporal::TemporalKind::Date => ValueKind::Date,
                    crate::codec::temporal::TemporalKind::Time => ValueKind::Time,
                    crate::codec::temporal::TemporalKind::DateTime => ValueKind::DateTime,
                },
                Codec::Bytes => ValueKind::Bytes,
            },
        }
    }
    /// True for a repeated field (its value is a list).
    pub fn is_repeated(&self) -> bool {
        self.def.repeat != Repeat::One
    }
}

/// How a field repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RepeatInfo<'s> {
    /// A single field.
    One,
    /// `[N]`: exactly N entries.
    Fixed(usize),
    /// `[count, max=N]` or `[count, slots=N]`.
    Counted {
        /// The count field's path as written.
        count_path: &'s str,
        /// N.
        bound: usize,
        /// `slots`: N entries always on the wire, unused ones blank.
        slots: bool,
    },
}

/// What a field decodes to, for bindings that build typed columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueKind {
    /// Text (`X`, `AN`, `G`).
    Text,
    /// An integer (`9(n)` up to 18 digits, signed or not).
    Integer,
    /// An exact decimal (a scale, or more than 18 digits).
    Decimal,
    /// A date.
    Date,
    /// A time.
    Time,
    /// A date and time.
    DateTime,
    /// Raw bytes (`B`).
    Bytes,
    /// A record or group.
    Record,
}

impl Schema {
    /// Compiles a layout from its text.
    ///
    /// # Example
    /// ```
    /// let e = fep_core::Schema::parse("message m {\n  f Q(3)\n}\n").unwrap_err();
    /// assert_eq!(e.line_column(), Some((2, 5)));
    /// ```
    pub fn parse(text: &str) -> Result<Schema> {
        crate::layout::compile::compile(text, None)
    }

    /// Compiles a layout from its text, naming it `name` in error messages.
    pub fn parse_named(name: &str, text: &str) -> Result<Schema> {
        crate::layout::compile::compile(text, Some(Arc::from(name)))
    }

    /// Reads and compiles a layout file. Errors name the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Schema> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|e| {
            Error::from(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        })?;
        crate::layout::compile::check_size(text.len())?;
        let name: Arc<str> = Arc::from(path.display().to_string());
        let text = match String::from_utf8(text) {
            Ok(t) => t,
            Err(e) => {
                // A layout error at the first bad byte, with its line and column.
                let good = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let before = String::from_utf8_lossy(&bytes[..good]).into_owned();
                return Err(crate::layout::compile::not_utf8(&before, name));
            }
        };
        crate::layout::compile::compile(&text, Some(name))
    }

    /// The layout's text encoding.
    pub fn encoding(&self) -> TextEncoding {
        self.inner.encoding
    }

    /// The layout's framing.
    pub fn framing(&self) -> Framing {
        self.inner.framing
    }

    /// The `key` directive's paths.
    pub fn key_paths(&self) -> impl Iterator<Item = &str> {
        self.inner.key_paths.iter().map(|p| &**p)
    }

    /// The messages in layout order.
    pub fn messages(&self) -> impl Iterator<Item = MessageInfo<'_>> {
        (0..self.inner.messages.len()).map(|index| MessageInfo {
            schema: &self.inner,
            index,
        })
    }

    /// A message by name.
    pub fn message(&self, name: &str) -> Option<MessageInfo<'_>> {
        self.message_index(name).map(|index| MessageInfo {
            schema: &self.inner,
            index,
        })
    }

    pub(crate) fn message_index(&self, name: &str) -> Option<usize> {
        self.inner.messages.iter().position(|m| &*m.name == name)
    }

    /// The message a telegram is, from its discriminator bytes alone.
    ///
    /// # Errors
    /// [`ErrorKind::NoMessageMatches`] with the discriminator values found.
    pub fn dispatch(&self, telegram: &[u8]) -> Result<MessageInfo<'_>> {
        self.dispatch_index(telegram).map(|index| MessageInfo {
            schema: &self.inner,
            index,
        })
    }

    #[inline]
    pub(crate) fn dispatch_index(&self, telegram: &[u8]) -> Result<usize> {
        match self.inner.dispatch.choose(telegram) {
            Some(i) => Ok(i),
            None => Err(self.no_match(telegram)),
        }
    }

    #[cold]
    #[inline(never)]
    fn no_match(&self, telegram: &[u8]) -> Error {
        let d = &self.inner.dispatch;
        let found = d
            .discs
            .iter()
            .map(|disc| {
                let v = match telegram.get(disc.offset..disc.offset + disc.width) {
                    None => "(telegram too short)".to_owned(),
                    Some(_) if disc.sensitive => "(hidden)".to_owned(),
                    Some(b) => crate::error::render_raw(b),
                };
                (disc.path.to_string(), v)
            })
            .collect();
        Error::data(ErrorKind::NoMessageMatches(found), 0, telegram.len(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_info_lists_the_layout() {
        let s = Schema::parse(
            "message m {\n n 9(1)\n amount S9(5) sign trailing mask \"금액\"\n items[n, slots=3] {\n  v X(2)\n }\n}\n",
        )
        .expect("layout");
        let m = s.message("m").expect("message");
        let f: Vec<FieldInfo<'_>> = m.fields().collect();
        assert_eq!(
            f.iter()
                .map(|f| (
                    f.path(),
                    f.offset(),
                    f.width(),
                    f.type_text(),
                    f.attributes_text()
                ))
                .collect::<Vec<_>>(),
            vec![
                ("n", Some(0), 1, "9(1)", ""),
                ("amount", Some(1), 6, "S9(5)", "sign trailing mask"),
                ("items[]", Some(7), 2, "group", ""),
                ("items[].v", Some(7), 2, "X(2)", ""),
            ]
        );
        assert_eq!(
            f[2].repeat(),
            RepeatInfo::Counted {
                count_path: "n",
                bound: 3,
                slots: true
            }
        );
        assert_eq!(f[1].description(), Some("금액"));
        assert_eq!((f[1].digits(), f[1].scale()), (Some(5), Some(0)));
        let t = Schema::parse("message m 4 {\n t 9(4) time(\"hhmm\")\n}\n").expect("layout");
        let tf = t.message("m").expect("m").fields().next().expect("field");
        assert_eq!(tf.temporal_pattern(), Some("hhmm"));
        assert_eq!(m.length(), Some(13));
    }

    /// Each of the three dispatch paths: up to eight values a discriminator (inline), up to
    /// 64 messages (packed keys, binary search), and more (byte-string keys, wide sets).
    #[test]
    fn dispatch_chooses_right_on_every_path() {
        for n in [5usize, 20, 70] {
            let mut text = String::from("encoding ascii\n");
            for i in 0..n {
                text.push_str(&format!(
                    "message m{i} 5 {{\n when code = \"{i:03}\"\n code X(3)\n rest X(2)\n}}\n"
                ));
            }
            // A generic fallback and a more specific variant of m1.
            text.push_str("message any 5 {\n code X(3)\n rest X(2)\n}\n");
            text.push_str("message m1x 5 {\n when code = \"001\" and rest = \"XX\"\n code X(3)\n rest X(2)\n}\n");
            let s = Schema::parse(&text).expect("layout");
            assert_eq!(s.inner.dispatch.inline.is_empty(), n > 8, "{n}");
            for i in 0..n {
                let t = format!("{i:03}ab");
                assert_eq!(
                    s.dispatch(t.as_bytes()).expect("matches").name(),
                    format!("m{i}"),
                    "{n}"
                );
            }
            assert_eq!(s.dispatch(b"001XX").expect("matches").name(), "m1x", "{n}");
            assert_eq!(s.dispatch(b"999ab").expect("matches").name(), "any", "{n}");
        }
    }

    #[test]
    fn schema_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Schema>();
    }
}
