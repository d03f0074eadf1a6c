//! The flat field table of a compiled layout: every field of every message with its
//! offset, width, repeat and codec; the records (groups) and messages over them.

use std::sync::Arc;

use crate::codec::field::ScalarDef;
use crate::codec::text::TextEncoding;
use crate::value::Shape;
use crate::value::sensitivity::Sensitivity;

pub(crate) type FieldId = u32;
pub(crate) type GroupId = u32;

/// The most counted repeats one message may hold.
pub const MAX_COUNTS: usize = 32;

/// The field table: what every walk over a telegram reads.
#[derive(Debug)]
pub(crate) struct Table {
    pub encoding: TextEncoding,
    pub fields: Vec<FieldDef>,
    pub groups: Vec<GroupDef>,
    pub messages: Vec<MessageDef>,
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
    /// `answers`: the messages (indexes) whose requests this message answers; none given,
    /// a response answers any request with its key.
    pub answers: Option<Box<[u32]>>,
    /// The message's fields in the flat table: `fields[first..end]`.
    pub field_range: (FieldId, FieldId),
}
