//! The layout's `check` statements as the compiler resolved them: which field of which
//! message each one holds for, and what it compares it with. `checks.rs` at the top of the
//! crate runs them over a stream of records; nothing here reads a telegram.

use crate::path::FieldPath;
use crate::schema::table::FieldId;

/// One field a check reads: its message, the field in the flat table and its path in the
/// decoded value.
#[derive(Debug, Clone)]
pub(crate) struct CheckField {
    pub message: u32,
    pub field: FieldId,
    pub path: FieldPath,
    /// `message.path`, as messages name it.
    pub name: Box<str>,
    /// Digits after the point of a numeric field (0 otherwise).
    pub scale: u8,
    /// The largest magnitude a numeric field holds (`10^digits - 1`), 0 for other fields.
    pub max: i128,
    /// The field is `mask` or `secret`: its values never appear in a failure.
    pub hidden: bool,
}

/// What a check compares its field with.
#[derive(Debug, Clone)]
pub(crate) enum Rule {
    /// The number of records of this message in the batch.
    Count { message: u32 },
    /// The exact sum of this numeric field over the batch.
    Sum(CheckField),
    /// The record's running number in the file, counted from `from`.
    Sequence { from: u64 },
    /// This field of the batch's header record.
    Header(CheckField),
}

/// `check TARGET = RULE`.
#[derive(Debug, Clone)]
pub(crate) struct CheckDef {
    pub target: CheckField,
    pub rule: Rule,
    /// The statement as written after `check`, for people.
    pub text: Box<str>,
}
