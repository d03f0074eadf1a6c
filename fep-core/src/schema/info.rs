//! Introspection: the messages and fields of a schema for people and bindings
//! (`fep check`, documentation, the explain table), and [`Schema::dispatch`].

use crate::codec::field::Codec;
use crate::codec::number::Sign;
use crate::error::{Error, ErrorKind, Result};
use crate::sink::FlatSink;
use crate::value::sensitivity::Sensitivity;

use super::table::{FieldDef, FieldKind, Repeat};
use super::{Schema, SchemaInner};

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

    /// The message's place in [`Schema::messages`] (layout order): a key for what a
    /// binding keeps per message.
    ///
    /// # Example
    /// ```
    /// # let schema = fep_core::Schema::parse("message a 1 {\n when k = \"A\"\n k X(1)\n}\nmessage b 1 {\n when k = \"B\"\n k X(1)\n}\n")?;
    /// assert_eq!(schema.dispatch(b"B")?.index(), 1);
    /// assert_eq!(schema.messages().nth(1).map(|m| m.name()), Some("b"));
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// The telegram length, when it is fixed.
    pub fn length(&self) -> Option<usize> {
        self.schema.messages[self.index].fixed_len
    }

    /// Decodes a telegram of this message into `values` flat, without a
    /// [`Message`](crate::value::Message): every field's value in wire order, the fields
    /// of a record where the record stands (depth first), filler left out; what a column
    /// store appends, one value per column.
    /// `values` is cleared first, and its allocation is reused.
    ///
    /// Only for a message without repeats whose fields all have static offsets; `None` for
    /// any other (decode it as a message). The values and the errors (message, field path,
    /// byte offset) are those of [`Schema::decode_message`]; on error `values` holds part
    /// of the telegram.
    ///
    /// # Example
    /// ```
    /// # let schema = fep_core::Schema::parse("message m 7 {\n a X(2)\n r {\n  n 9(3)\n }\n _ X(2)\n}\n")?;
    /// let info = schema.message("m").expect("m");
    /// let mut values = Vec::new();
    /// info.decode_values(b"ab012  ", &mut values).expect("no repeats")?;
    /// assert_eq!(values, [fep_core::Value::Text("ab".into()), fep_core::Value::Int(12)]);
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn decode_values<'a>(
        &self,
        telegram: &'a [u8],
        values: &mut Vec<crate::value::Value<'a>>,
    ) -> Option<Result<()>> {
        let s = self.schema;
        let m = &s.messages[self.index];
        let plan = s.plans[self.index].as_ref()?;
        values.clear();
        if plan.has_repeats() {
            return None;
        }
        if let Err(e) = crate::walk::check_length(m, telegram) {
            return Some(Err(e.with_message(&m.name)));
        }
        plan.decode_flat(s, telegram, values)
            .map(|r| r.map_err(|e| e.with_message(&m.name)))
    }

    /// Decodes a telegram of this message into `sink`, field by field: the values of
    /// [`MessageInfo::decode_values`] in the same order, with no
    /// [`Value`](crate::value::Value) built for text, digits, signed numbers, dates and
    /// times (see [`FlatSink`]), Korean text decoded straight into the sink's string.
    ///
    /// Only for a message without repeats whose fields all have static offsets; `None`
    /// for any other (decode it as a message). The errors (message, field path, byte
    /// offset) are those of [`Schema::decode_message`]; on error the sink has taken the
    /// fields before the one that failed (a telegram of the wrong length: none).
    ///
    /// # Example
    /// ```
    /// # let schema = fep_core::Schema::parse("message m 7 {\n a X(2)\n r {\n  n 9(3)\n }\n _ X(2)\n}\n")?;
    /// let info = schema.message("m").expect("m");
    /// // A vector of values is a sink.
    /// let mut values = Vec::new();
    /// info.decode_to(b"ab012  ", &mut values).expect("no repeats")?;
    /// assert_eq!(values, [fep_core::Value::Text("ab".into()), fep_core::Value::Int(12)]);
    /// // The error of the message path, after the fields before it.
    /// values.clear();
    /// let e = info.decode_to(b"abx12  ", &mut values).expect("no repeats").unwrap_err();
    /// assert_eq!(e.to_string(), schema.decode_message("m", b"abx12  ").unwrap_err().to_string());
    /// assert_eq!(values.len(), 1);
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn decode_to<'a, S: FlatSink<'a>>(
        &self,
        telegram: &'a [u8],
        sink: &mut S,
    ) -> Option<Result<()>> {
        let s = self.schema;
        let m = &s.messages[self.index];
        let plan = s.plans[self.index].as_ref()?;
        if plan.has_repeats() {
            return None;
        }
        if let Err(e) = crate::walk::check_length(m, telegram) {
            return Some(Err(e.with_message(&m.name)));
        }
        plan.decode_sink(s, telegram, sink)
            .map(|r| r.map_err(|e| e.with_message(&m.name)))
    }

    /// The shortest telegram of this message (with every counted repeat empty).
    pub fn min_length(&self) -> usize {
        self.schema.messages[self.index].min_len
    }

    /// The messages whose requests this one answers (its `answers` line); empty when it
    /// has none, and then a response of it answers any request with its key.
    pub fn answers(&self) -> impl Iterator<Item = &'s str> + 's {
        let s = self.schema;
        s.messages[self.index]
            .answers
            .iter()
            .flatten()
            .map(move |&a| &*s.messages[a as usize].name)
    }

    /// The paths of the fields whose text makes this message's correlation key: its own
    /// `key` line, or the layout's `key` directive; empty when it has no key.
    ///
    /// # Example
    /// ```
    /// let schema = fep_core::Schema::parse(
    ///     "key seq\nmessage m 10 {\n  kind X(3)\n  seq 9(7)\n}\n",
    /// )?;
    /// let m = schema.message("m").unwrap();
    /// assert_eq!(m.key_paths().collect::<Vec<_>>(), ["seq"]);
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn key_paths(&self) -> impl Iterator<Item = &'s str> + 's {
        let s = self.schema;
        s.messages[self.index]
            .key
            .iter()
            .flatten()
            .map(move |&id| &*s.fields[id as usize].path)
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
        let ms = &self.inner.messages;
        // A decoded message shares its name with the schema's: the same bytes at the same
        // place are the same name, without comparing them.
        ms.iter()
            .position(|m| {
                std::ptr::eq(m.name.as_ptr(), name.as_ptr()) && m.name.len() == name.len()
            })
            .or_else(|| ms.iter().position(|m| &*m.name == name))
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
        let accepted = self.accepted_values(telegram);
        Error::data(
            ErrorKind::NoMessageMatches { found, accepted },
            0,
            telegram.len(),
            None,
        )
    }

    /// What the layout accepts where a telegram matches no message, for the error: the
    /// values of each discriminator whose value no message takes (`header.msg_code takes
    /// "2000", "2100"`), or, when each value alone is taken but not together, what each
    /// message takes. Never the values of a sensitive field.
    #[cold]
    fn accepted_values(&self, telegram: &[u8]) -> String {
        /// Values listed for one discriminator before "and N more".
        const MAX_SHOWN: usize = 12;
        let quoted = |vals: &mut dyn Iterator<Item = String>| -> String {
            let all: Vec<String> = vals.collect();
            let mut shown: Vec<String> = all.iter().take(MAX_SHOWN).cloned().collect();
            if all.len() > MAX_SHOWN {
                shown.push(format!("and {} more", all.len() - MAX_SHOWN));
            }
            shown.join(", ")
        };
        let d = &self.inner.dispatch;
        if d.discs
            .iter()
            .any(|disc| telegram.len() < disc.offset + disc.width)
        {
            // Too short to hold what tells the messages apart: that is the fault to fix.
            return String::new();
        }
        let mut parts = Vec::new();
        for disc in &d.discs {
            let tested_by_all = disc.any.iter().all(|w| *w == 0);
            let Some(b) = telegram.get(disc.offset..disc.offset + disc.width) else {
                continue;
            };
            if disc.sensitive || !tested_by_all || disc.values.iter().any(|(v, _)| **v == *b) {
                continue;
            }
            let mut vals = disc.values.iter().map(|(v, _)| crate::error::render_raw(v));
            parts.push(format!("{} takes {}", disc.path, quoted(&mut vals)));
        }
        if !parts.is_empty() {
            return parts.join("; ");
        }
        // Each value is taken by some message, but no message takes them together.
        let mut per_message = Vec::new();
        for m in self.messages() {
            let conds: Vec<String> = m
                .conditions()
                .into_iter()
                .filter(|(path, _)| {
                    d.discs
                        .iter()
                        .any(|disc| &*disc.path == *path && !disc.sensitive)
                })
                .map(|(path, vals)| {
                    let mut vals = vals.iter().map(|v| crate::error::render_raw(v.as_bytes()));
                    format!("{path} {}", quoted(&mut vals))
                })
                .collect();
            if !conds.is_empty() {
                per_message.push(format!("{} takes {}", m.name(), conds.join(" with ")));
            }
        }
        per_message.truncate(MAX_SHOWN);
        per_message.join("; ")
    }
}
