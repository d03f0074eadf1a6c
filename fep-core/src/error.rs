//! Errors: one small, boxed type for every failure of the crate (layout, data, encode, I/O).
//!
//! The error is a pointer wide so that `Result<T, Error>` stays cheap on the hot decode path;
//! positions are stored as integers and rendered to text only when shown.

use std::fmt;
use std::sync::Arc;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error of fep: a [`kind`](Error::kind), a [`position`](Error::position) and a coarse
/// [`category`](Error::category) that the language bindings branch on.
///
/// `Display` renders one line in a fixed template, for example
/// `transfer.amount (bytes 129..142): expected digits, found "00001O000000"` or
/// `bank.layout:12:17: unknown record "hedaer"`. The raw bytes of a `mask` or `secret`
/// field are never part of an error.
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    position: Position,
    /// Set where the error is made: the kind's own category unless the maker knows better
    /// (a wrong type when reading a field is the caller's mistake about data, not encoding).
    category: Category,
}

/// The coarse class of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// The layout text is wrong: a syntax error, an unknown record, a length that does not
    /// add up. Carries file, line and column.
    Layout,
    /// A telegram (or a stream of them) does not match the layout. Carries message, field
    /// path, byte offset and length.
    Data,
    /// A value could not be encoded into a telegram. Carries message and field path.
    Encoding,
    /// Reading or writing failed.
    Io,
}

/// Where an error happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Position {
    /// No position applies.
    None,
    /// A place in a layout file.
    Layout(LayoutPosition),
    /// A field of a telegram.
    Data(DataPosition),
    /// A field of a value being encoded.
    Value(ValuePosition),
    /// A place in a text that is not a layout (a hex dump): 1-based line and column.
    Text(TextPosition),
}

/// A place in a text input that is not a layout, such as a hex dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPosition {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// A place in a layout file: 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutPosition {
    /// The file name, when the layout came from a file or was given a name.
    pub file: Option<Arc<str>>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// The offending text (a token, or the rest of the line).
    pub snippet: String,
    /// The whole source line, for showing it with a caret under `column`.
    pub line_text: String,
}

/// A field of a telegram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPosition {
    /// The message being decoded, once it is known.
    pub message: Option<Arc<str>>,
    /// The field path, such as `items[3].amount`; empty for the telegram as a whole.
    pub path: String,
    /// Byte offset of the field within the telegram (or within the stream, for framing).
    pub offset: usize,
    /// Byte length of the field.
    pub length: usize,
    /// The raw bytes of the field; `None` for `mask`/`secret` fields, which never show them.
    pub raw: Option<Vec<u8>>,
}

/// A field of a value being encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuePosition {
    /// The message being encoded.
    pub message: Option<Arc<str>>,
    /// The field path in the value, such as `items[3].amount`.
    pub path: String,
}

/// What went wrong. New kinds may be added; match with a wildcard arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    // ---- layout errors ----
    /// The layout text does not follow the grammar.
    #[error("{0}")]
    Syntax(String),
    /// A record, message or field name is used twice in one scope.
    #[error("duplicate name \"{name}\" (first defined on line {first_line})")]
    DuplicateName {
        /// The name.
        name: String,
        /// Where it was first defined.
        first_line: u32,
    },
    /// A field refers to a record that does not exist.
    #[error("unknown record \"{0}\"")]
    UnknownRecord(String),
    /// Records refer to each other in a cycle, or nest deeper than the limit.
    #[error("{0}")]
    RecordNesting(String),
    /// A declared length differs from the sum of the field widths.
    #[error("declared length {declared} but the fields add up to {actual}")]
    LengthMismatch {
        /// The declared length.
        declared: usize,
        /// The sum of the field widths.
        actual: String,
    },
    /// A width that cannot be (an odd `G`, a zero width, a numeric wider than 38 digits).
    #[error("{0}")]
    BadWidth(String),
    /// A repeat count that refers to a missing, later or non-numeric field.
    #[error("{0}")]
    BadCount(String),
    /// A `when` condition that cannot be checked the same way in every message.
    #[error("{0}")]
    BadCondition(String),
    /// Two messages of equal specificity could both match one telegram.
    #[error(
        "messages \"{first}\" and \"{second}\" can match the same telegram; \
         add a condition that tells them apart"
    )]
    AmbiguousMessages {
        /// The message defined first.
        first: String,
        /// The message defined second.
        second: String,
    },
    /// An attribute that does not fit its field (a `date` on text of the wrong width, ...).
    #[error("{0}")]
    BadAttribute(String),
    /// A layout exceeds a limit (size, field count).
    #[error("{0}")]
    LayoutLimit(String),
    /// A correlation key was asked for, but the layout has no `key` directive or the
    /// telegram's message lacks a key field.
    #[error("{0}")]
    NoKey(String),
    /// A `check` statement that names a missing field or one of the wrong type.
    #[error("{0}")]
    BadCheck(String),

    // ---- data errors (decode) ----
    /// The telegram is shorter than its message needs.
    #[error("telegram too short: the message needs {needed} bytes, found {found}")]
    TooShort {
        /// Bytes needed.
        needed: usize,
        /// Bytes found.
        found: usize,
    },
    /// The telegram is longer than its message.
    #[error("telegram too long: the message is {expected} bytes, found {found}")]
    TooLong {
        /// The message's length.
        expected: usize,
        /// Bytes found.
        found: usize,
    },
    /// No message's conditions hold.
    #[error("no message matches: {}", format_discriminators(.0))]
    NoMessageMatches(Vec<(String, String)>),
    /// The message named by the caller does not exist.
    #[error("unknown message \"{0}\"")]
    UnknownMessage(String),
    /// A numeric field holds something other than its canonical digits.
    #[error("expected {0}")]
    NotDigits(&'static str),
    /// A sign byte (or overpunched digit) that is not valid.
    #[error("bad sign: {0}")]
    BadSign(&'static str),
    /// A date or time that does not exist (February 30, 25 o'clock, ...).
    #[error("impossible {what}: {reason}")]
    BadDateTime {
        /// "date", "time" or "datetime".
        what: &'static str,
        /// Which part is wrong.
        reason: String,
    },
    /// A constant field holds another value.
    #[error("expected the constant \"{0}\"")]
    ConstantMismatch(String),
    /// A double-byte (Hangul) character is cut in half by the field's end.
    #[error("a {0} character is split at the end of the field")]
    SplitCharacter(&'static str),
    /// Bytes that are not valid in the layout's encoding.
    #[error("bytes invalid in {encoding} at field byte {at}")]
    InvalidText {
        /// The encoding's name.
        encoding: &'static str,
        /// Offset of the first bad byte within the field.
        at: usize,
    },
    /// A `G` field that holds a single-byte character.
    #[error("expected double-byte (full-width) characters only, single byte at field byte {0}")]
    NotDoubleByte(usize),
    /// A repeat count over its `max` or `slots` bound.
    #[error("count {count} exceeds the bound of {bound}")]
    CountOverBound {
        /// The count read from the telegram.
        count: u64,
        /// The layout's bound.
        bound: usize,
    },
    /// A `required` field is blank.
    #[error("required field is blank")]
    RequiredBlank,
    /// Filler (`_`) or an unused repeat slot holds something other than pad.
    #[error("expected pad (filler or an unused slot)")]
    NotPad,
    /// A framing error: bad length prefix, oversize frame, a length the message disagrees with.
    #[error("{0}")]
    Framing(String),
    /// A hex dump that cannot be read (a bad digit, offsets out of order, a short line).
    #[error("{0}")]
    HexDump(String),

    /// A record of a batch file that fails one of the layout's `check` statements: a
    /// trailer's count or total, a sequence number, a copy of a header field.
    #[error("{detail}")]
    CheckFailed {
        /// The record's number in the file (1 for the first).
        record: u64,
        /// The value the check computed, as text (`(hidden)` for a `mask` or `secret` field).
        expected: String,
        /// The value the record holds, as text (`(hidden)` likewise).
        found: String,
        /// The whole sentence: `file_trailer.total_count is 50, the batch has 49 data_record records`.
        detail: String,
    },

    // ---- correlation ----
    /// A request whose key is already pending in the correlator.
    #[error("a request with the key {0} is already pending")]
    DuplicateKey(String),
    /// The correlator holds as many pending requests as it may.
    #[error(
        "the correlator is full ({capacity} pending requests); the request with the key {key} is refused"
    )]
    CorrelatorFull {
        /// The correlator's capacity.
        capacity: usize,
        /// The refused request's key.
        key: String,
    },
    /// A response whose key matches no pending request.
    #[error("no pending request has the key {key}{}", match .nearest { Some(n) => format!("; the nearest: {n}"), None => String::new() })]
    Unmatched {
        /// The response's key.
        key: String,
        /// The nearest pending request and how it differs, when one shares a key part.
        nearest: Option<String>,
    },

    // ---- encode errors ----
    /// The encoded value is wider than its field.
    #[error("value is {bytes} bytes in {encoding}, the field holds {width}")]
    ValueTooLong {
        /// Encoded byte length.
        bytes: usize,
        /// The field's width.
        width: usize,
        /// The encoding's name.
        encoding: &'static str,
    },
    /// A character that the layout's encoding cannot represent.
    #[error("character '{ch}' (U+{:04X}) cannot be encoded in {encoding}{hint}", *.ch as u32)]
    Unencodable {
        /// The character.
        ch: char,
        /// The encoding's name.
        encoding: &'static str,
        /// A hint, such as "; cp949 has it".
        hint: &'static str,
    },
    /// A `required` field is missing, null or blank.
    #[error("missing required field")]
    MissingRequired,
    /// The value names a field that the message does not have.
    #[error("unknown field \"{0}\"")]
    UnknownField(String),
    /// A field path that does not parse: `a..b`, `items[x]`, `[1]`.
    #[error("{0}")]
    BadPath(String),
    /// A number that does not fit the field (too many digits, negative in an unsigned field).
    #[error("number out of range: {0}")]
    OutOfRange(String),
    /// A decimal with more fractional digits than the field's scale.
    #[error("too many decimals: the field has {scale}, the value has {given}")]
    TooManyDecimals {
        /// The field's scale.
        scale: u8,
        /// Fractional digits in the value.
        given: usize,
    },
    /// A value of the wrong type (a number for text, an object for a number, ...).
    #[error("wrong type: expected {expected}, found {found}")]
    WrongType {
        /// What the field takes.
        expected: &'static str,
        /// What was given.
        found: &'static str,
    },
    /// A value that cannot be read as the field's type (bad hex, a malformed date, ...).
    /// Its text never quotes a character of the value (see [`ErrorKind::BadChar`]).
    #[error("{0}")]
    BadValue(String),
    /// A character of the value that the field cannot take (a hex digit that is not one, a
    /// single-byte character in a `G` field). Hidden for `mask` and `secret` fields.
    #[error("'{ch}' {reason}")]
    BadChar {
        /// The character.
        ch: char,
        /// Why the field cannot take it, after the quoted character.
        reason: &'static str,
    },
    /// Text that begins (right-aligned) or ends (left-aligned) with its field's pad
    /// character, which decoding would remove.
    #[error(
        "the value {} with the pad character {pad:?}, which decoding removes; trim it or make the field raw",
        if *.at_start { "starts" } else { "ends" }
    )]
    PadLost {
        /// The field's pad character.
        pad: char,
        /// The pad is at the start (a right-aligned field), not the end.
        at_start: bool,
    },
    /// A repeat count field that disagrees with the number of entries given.
    #[error("count is {count} but {entries} entries are given")]
    CountMismatch {
        /// The count given.
        count: u64,
        /// Entries given.
        entries: usize,
    },
    /// The encoded telegram would be read back as another message.
    #[error("the telegram would decode as message \"{0}\"; check the fields its conditions use")]
    DispatchMismatch(String),

    // ---- I/O ----
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn format_discriminators(d: &[(String, String)]) -> String {
    if d.is_empty() {
        return "the layout has no message for it".into();
    }
    d.iter()
        .map(|(path, value)| format!("{path} = {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ErrorKind {
    /// The kind with every part of a value left out, for `mask` and `secret` fields: no
    /// character of the value, no date part.
    pub(crate) fn redacted(self) -> ErrorKind {
        match self {
            ErrorKind::Unencodable { encoding, .. } => ErrorKind::BadValue(format!(
                "a character of the value cannot be encoded in {encoding}"
            )),
            ErrorKind::BadDateTime { what, .. } => ErrorKind::BadDateTime {
                what,
                reason: "(hidden)".into(),
            },
            // Kinds that quote a character of the value, or tell where its pad is.
            ErrorKind::BadChar { .. } | ErrorKind::PadLost { .. } => ErrorKind::BadValue(
                "the value does not fit the field (details hidden: a sensitive field)".into(),
            ),
            other => other,
        }
    }

    /// The category of this kind.
    pub fn category(&self) -> Category {
        use ErrorKind::*;
        match self {
            Syntax(_)
            | DuplicateName { .. }
            | UnknownRecord(_)
            | RecordNesting(_)
            | LengthMismatch { .. }
            | BadWidth(_)
            | BadCount(_)
            | BadCondition(_)
            | AmbiguousMessages { .. }
            | BadAttribute(_)
            | LayoutLimit(_)
            | NoKey(_)
            | BadCheck(_) => Category::Layout,
            TooShort { .. }
            | TooLong { .. }
            | NoMessageMatches(_)
            | NotDigits(_)
            | BadSign(_)
            | BadDateTime { .. }
            | ConstantMismatch(_)
            | SplitCharacter(_)
            | InvalidText { .. }
            | NotDoubleByte(_)
            | CountOverBound { .. }
            | RequiredBlank
            | NotPad
            | Framing(_)
            | HexDump(_)
            | CheckFailed { .. }
            | DuplicateKey(_)
            | CorrelatorFull { .. }
            | Unmatched { .. } => Category::Data,
            ValueTooLong { .. }
            | Unencodable { .. }
            | MissingRequired
            | UnknownField(_)
            | BadPath(_)
            | OutOfRange(_)
            | TooManyDecimals { .. }
            | WrongType { .. }
            | BadValue(_)
            | BadChar { .. }
            | PadLost { .. }
            | CountMismatch { .. }
            | DispatchMismatch(_) => Category::Encoding,
            // Asked for by name on either side; it is the caller's input that is wrong.
            UnknownMessage(_) => Category::Data,
            Io(_) => Category::Io,
        }
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, position: Position) -> Error {
        let category = kind.category();
        Error(Box::new(Inner {
            kind,
            position,
            category,
        }))
    }

    /// The same error in another category, for a maker that knows better than the kind.
    pub(crate) fn in_category(mut self, category: Category) -> Error {
        self.0.category = category;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// Where it went wrong.
    pub fn position(&self) -> &Position {
        &self.0.position
    }

    /// The coarse category: layout, data, encoding or I/O. Set where the error is made:
    /// usually its kind's ([`ErrorKind::category`]), but reading a field of a telegram as the
    /// wrong type, or by a path it does not have, is a data error whatever the kind.
    pub fn category(&self) -> Category {
        self.0.category
    }

    /// The field path (data and encode errors), such as `items[3].amount`.
    pub fn path(&self) -> Option<&str> {
        match &self.0.position {
            Position::Data(d) => Some(&d.path),
            Position::Value(v) => Some(&v.path),
            _ => None,
        }
    }

    /// The byte offset of a data error.
    pub fn offset(&self) -> Option<usize> {
        match &self.0.position {
            Position::Data(d) => Some(d.offset),
            _ => None,
        }
    }

    /// The line and column of a layout error, or of an error in a hex dump.
    pub fn line_column(&self) -> Option<(u32, u32)> {
        match &self.0.position {
            Position::Layout(l) => Some((l.line, l.column)),
            Position::Text(t) => Some((
                u32::try_from(t.line).unwrap_or(u32::MAX),
                u32::try_from(t.column).unwrap_or(u32::MAX),
            )),
            _ => None,
        }
    }

    /// The message the error is about, when known.
    pub fn message_name(&self) -> Option<&str> {
        match &self.0.position {
            Position::Data(d) => d.message.as_deref(),
            Position::Value(v) => v.message.as_deref(),
            _ => None,
        }
    }

    /// The message text without the position prefix.
    pub fn detail(&self) -> String {
        let mut s = self.0.kind.to_string();
        if let Position::Data(d) = &self.0.position
            && let Some(raw) = &d.raw
            && !raw.is_empty()
            && self.shows_found()
        {
            s.push_str(", found ");
            s.push_str(&render_raw(raw));
        }
        s
    }

    fn shows_found(&self) -> bool {
        !matches!(
            self.0.kind,
            ErrorKind::TooShort { .. } | ErrorKind::TooLong { .. } | ErrorKind::NoMessageMatches(_)
        )
    }

    // ---- construction helpers used inside the crate ----

    pub(crate) fn data(kind: ErrorKind, offset: usize, length: usize, raw: Option<&[u8]>) -> Error {
        Error::new(
            kind,
            Position::Data(DataPosition {
                message: None,
                path: String::new(),
                offset,
                length,
                raw: raw.map(<[u8]>::to_vec),
            }),
        )
    }

    pub(crate) fn value(kind: ErrorKind) -> Error {
        Error::new(
            kind,
            Position::Value(ValuePosition {
                message: None,
                path: String::new(),
            }),
        )
    }

    /// Puts `segment` in front of the path: `name` then `.rest`, or `[i]` directly.
    pub(crate) fn prepend_path(mut self, segment: &str) -> Error {
        let path = match &mut self.0.position {
            Position::Data(d) => &mut d.path,
            Position::Value(v) => &mut v.path,
            _ => return self,
        };
        if path.is_empty() {
            *path = segment.to_owned();
        } else if path.starts_with('[') {
            path.insert_str(0, segment);
        } else {
            path.insert(0, '.');
            path.insert_str(0, segment);
        }
        self
    }

    pub(crate) fn with_message(mut self, name: &Arc<str>) -> Error {
        match &mut self.0.position {
            Position::Data(d) if d.message.is_none() => d.message = Some(name.clone()),
            Position::Value(v) if v.message.is_none() => v.message = Some(name.clone()),
            _ => {}
        }
        self
    }

    /// Shifts a data error's offset by `by` (a telegram's offset within a stream).
    pub fn shift_offset(mut self, by: usize) -> Error {
        if let Position::Data(d) = &mut self.0.position {
            d.offset += by;
        }
        self
    }
}

/// Renders raw bytes for a person: quoted text when printable ASCII, hex otherwise.
pub(crate) fn render_raw(raw: &[u8]) -> String {
    const MAX: usize = 64;
    let shown = &raw[..raw.len().min(MAX)];
    let more = if raw.len() > MAX { "..." } else { "" };
    if shown.iter().all(|b| (0x20..0x7f).contains(b)) {
        format!("\"{}{more}\"", String::from_utf8_lossy(shown))
    } else {
        let hex: Vec<String> = shown.iter().map(|b| format!("{b:02X}")).collect();
        format!("[{}{more}]", hex.join(" "))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.position {
            Position::None => write!(f, "{}", self.0.kind),
            Position::Text(t) => write!(f, "{}:{}: {}", t.line, t.column, self.0.kind),
            Position::Layout(l) => {
                let file = l.file.as_deref().unwrap_or("<layout>");
                write!(f, "{file}:{}:{}: {}", l.line, l.column, self.0.kind)
            }
            Position::Data(d) if matches!(self.0.kind, ErrorKind::CheckFailed { .. }) => {
                let ErrorKind::CheckFailed { record, detail, .. } = &self.0.kind else {
                    return Ok(());
                };
                write!(f, "record {record} (byte {}): {detail}", d.offset)
            }
            Position::Data(d) => {
                let mut wrote = false;
                if let Some(m) = &d.message {
                    f.write_str(m)?;
                    wrote = true;
                }
                if !d.path.is_empty() {
                    if wrote && !d.path.starts_with('[') {
                        f.write_str(".")?;
                    }
                    f.write_str(&d.path)?;
                    wrote = true;
                }
                if wrote {
                    f.write_str(" ")?;
                }
                if d.length == 0 {
                    write!(f, "(at byte {}): {}", d.offset, self.detail())
                } else {
                    write!(
                        f,
                        "(bytes {}..{}): {}",
                        d.offset,
                        d.offset + d.length,
                        self.detail()
                    )
                }
            }
            Position::Value(v) => {
                let mut wrote = false;
                if let Some(m) = &v.message {
                    f.write_str(m)?;
                    wrote = true;
                }
                if !v.path.is_empty() {
                    if wrote && !v.path.starts_with('[') {
                        f.write_str(".")?;
                    }
                    f.write_str(&v.path)?;
                    wrote = true;
                }
                if wrote {
                    f.write_str(": ")?;
                }
                write!(f, "{}", self.0.kind)
            }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The raw bytes of a sensitive field are already dropped; the rest is safe to show.
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("position", &self.0.position)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io(e), Position::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn data_error_template() {
        let e = Error::data(
            ErrorKind::NotDigits("digits"),
            129,
            13,
            Some(b"00001O0000000"),
        )
        .prepend_path("amount")
        .with_message(&Arc::from("transfer"));
        assert_eq!(
            e.to_string(),
            "transfer.amount (bytes 129..142): expected digits, found \"00001O0000000\""
        );
        assert_eq!(e.category(), Category::Data);
    }

    #[test]
    fn path_prepends_indices() {
        let e = Error::data(ErrorKind::RequiredBlank, 0, 1, None)
            .prepend_path("amount")
            .prepend_path("[3]")
            .prepend_path("items");
        assert_eq!(e.path(), Some("items[3].amount"));
    }

    #[test]
    fn raw_renders_hex_when_not_ascii() {
        assert_eq!(render_raw(&[0xC8, 0xAB, 0x20]), "[C8 AB 20]");
    }
}
