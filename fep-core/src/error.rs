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
    /// Further independent errors found in the same run (a layout's other mistakes), in
    /// source order, at most [`MAX_RELATED`]. Empty for nearly every error.
    related: Vec<Error>,
}

/// The most further errors one error carries ([`Error::related`]): a layout with a hundred
/// mistakes shows the first few, not a screenful.
pub const MAX_RELATED: usize = 19;

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
    /// Byte offset of the field within the telegram; for a framing error, of the frame
    /// within the stream.
    pub offset: usize,
    /// Byte offset, within the stream, of the frame that holds the telegram, when the
    /// telegram came from a stream (set by [`Error::in_frame`] and by the framer).
    pub frame: Option<usize>,
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
    #[error("unknown record \"{name}\"{hint}")]
    UnknownRecord {
        /// The name as written.
        name: String,
        /// `; did you mean "header"?` when a record's name is close, else empty.
        hint: String,
    },
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
    #[error("no message matches: {}{}", format_discriminators(.found), if .accepted.is_empty() { String::new() } else { format!("; {}", .accepted) })]
    NoMessageMatches {
        /// Each discriminator's path and the value found there (`(hidden)` when sensitive).
        found: Vec<(String, String)>,
        /// What the layout accepts there, in words: `header.msg_code takes "2000", "2100"`
        /// (empty when the layout has no message to say it of).
        accepted: String,
    },
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
    /// A length prefix that is not a length: not digits, or (when it counts itself) less
    /// than its own width. Where the next telegram starts cannot be known after it.
    #[error("{0}")]
    BadLengthPrefix(String),
    /// A frame longer than the framer's maximum; nothing is allocated for it.
    #[error("{}", frame_too_long(*.length, *.max, *.prefixed))]
    FrameTooLong {
        /// The frame's length, when known (a length prefix says it; a line still arriving
        /// has none yet).
        length: Option<u64>,
        /// The framer's maximum.
        max: usize,
        /// The length comes from a length prefix.
        prefixed: bool,
    },
    /// The stream ends inside a frame: what its length prefix (or its message) promised,
    /// and how many bytes came.
    #[error("{}", truncated(*.needed, *.found, *.prefix, .message.as_deref()))]
    FrameTruncated {
        /// The telegram's length as its prefix (or message) says; `None` when the stream
        /// ends before that is known.
        needed: Option<usize>,
        /// The bytes of the telegram that came (after the prefix).
        found: usize,
        /// The width of the length prefix, for `framing length-prefix`.
        prefix: Option<usize>,
        /// The message the bytes that came begin, when known.
        message: Option<String>,
    },
    /// A frame whose length disagrees with its message's declared length.
    #[error(
        "the {} {frame} bytes but message \"{message}\" is {length} bytes",
        if *.prefixed { "length prefix says" } else { "line holds" }
    )]
    FrameLengthMismatch {
        /// The frame's length (without the prefix or line end).
        frame: usize,
        /// The message the telegram begins.
        message: String,
        /// The message's declared length.
        length: usize,
        /// The frame has a length prefix (else it is a line).
        prefixed: bool,
    },
    /// An entry of a repeat that the telegram does not hold (an index at or over its count).
    #[error("entry {index} is not in the telegram: the count is {count}")]
    NoSuchEntry {
        /// The index asked for.
        index: usize,
        /// The count the telegram holds.
        count: u64,
    },
    /// A hex dump that cannot be read (a bad digit, offsets out of order, a short line).
    #[error("{0}")]
    HexDump(String),
    /// A packet capture that cannot be read (not pcap or pcapng, a truncated or malformed
    /// file); the offset is the byte of the file.
    #[error("{0}")]
    Capture(String),

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

fn frame_too_long(length: Option<u64>, max: usize, prefixed: bool) -> String {
    match (length, prefixed) {
        (Some(n), true) => {
            format!("the length prefix says {n} bytes, more than the maximum of {max}")
        }
        (Some(n), false) => format!("a telegram of {n} bytes, more than the maximum of {max}"),
        (None, _) => format!("a line longer than the maximum of {max} bytes"),
    }
}

fn truncated(
    needed: Option<usize>,
    found: usize,
    prefix: Option<usize>,
    message: Option<&str>,
) -> String {
    let follow = if found == 1 { "follows" } else { "follow" };
    match (prefix, needed) {
        (Some(_), Some(n)) => format!("the length prefix says {n} bytes; {found} {follow}"),
        (Some(w), None) => {
            format!("the stream ends inside a length prefix: it is {w} bytes; {found} {follow}")
        }
        (None, Some(n)) => match message {
            Some(m) => format!(
                "the stream ends inside a telegram: message \"{m}\" is {n} bytes; {found} {follow}"
            ),
            None => format!("the stream ends inside a telegram of {n} bytes; {found} {follow}"),
        },
        (None, None) => format!(
            "the stream ends inside a telegram ({found} byte{} left over)",
            if found == 1 { "" } else { "s" }
        ),
    }
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

    /// A fault of the framing (a bad length prefix, an oversize frame, a stream that ends
    /// inside a frame, a frame whose length disagrees with its message): the error is about
    /// a frame of a stream, and its offset is the frame's.
    pub fn is_framing(&self) -> bool {
        matches!(
            self,
            ErrorKind::BadLengthPrefix(_)
                | ErrorKind::FrameTooLong { .. }
                | ErrorKind::FrameTruncated { .. }
                | ErrorKind::FrameLengthMismatch { .. }
        )
    }

    /// The category of this kind.
    pub fn category(&self) -> Category {
        use ErrorKind::*;
        match self {
            Syntax(_)
            | DuplicateName { .. }
            | UnknownRecord { .. }
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
            | NoMessageMatches { .. }
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
            | BadLengthPrefix(_)
            | FrameTooLong { .. }
            | FrameTruncated { .. }
            | FrameLengthMismatch { .. }
            | NoSuchEntry { .. }
            | HexDump(_)
            | CheckFailed { .. }
            | Capture(_)
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
            related: Vec::new(),
        }))
    }

    /// This error carrying `more`: further independent errors of the same run (at most
    /// [`MAX_RELATED`] are kept).
    pub(crate) fn with_related(mut self, mut more: Vec<Error>) -> Error {
        more.truncate(MAX_RELATED);
        self.0.related = more;
        self
    }

    /// Further independent errors found in the same run, after this one: a layout's other
    /// mistakes, each with its own position (at most [`MAX_RELATED`]). `Display` shows this
    /// error and says how many more there are; [`Error::alone`] shows this one only.
    pub fn related(&self) -> &[Error] {
        &self.0.related
    }

    /// This error's text without the count of [`Error::related`] ones.
    pub fn alone(&self) -> impl fmt::Display + '_ {
        Alone(self)
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

    /// The byte offset of a data error: of the field within the telegram, or for a
    /// framing error of the frame within the stream.
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
            if let ErrorKind::NotDigits(_) = self.0.kind {
                s.push_str(&point_at_byte(raw));
            }
        }
        s
    }

    fn shows_found(&self) -> bool {
        !matches!(
            self.0.kind,
            ErrorKind::TooShort { .. }
                | ErrorKind::TooLong { .. }
                | ErrorKind::NoMessageMatches { .. }
                | ErrorKind::FrameTruncated { .. }
                | ErrorKind::FrameLengthMismatch { .. }
                | ErrorKind::FrameTooLong {
                    length: Some(_),
                    ..
                }
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
                frame: None,
                raw: raw.map(<[u8]>::to_vec),
            }),
        )
    }

    pub(crate) fn value(kind: ErrorKind) -> Error {
        // A value that cannot be encoded is an encoding error, though its words (an
        // impossible date, a constant) are those decode uses for the same fault.
        let category = match kind {
            ErrorKind::BadDateTime { .. } | ErrorKind::ConstantMismatch(_) => Category::Encoding,
            _ => kind.category(),
        };
        Error::new(
            kind,
            Position::Value(ValuePosition {
                message: None,
                path: String::new(),
            }),
        )
        .in_category(category)
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

    /// Says which frame of a stream the telegram of a data error came from: its stream
    /// offset. The field's offset stays counted from the telegram's start, and the text
    /// says both: `m.f (frame at byte 4212; field at bytes 66..81 of the telegram): ...`.
    /// Framing errors already carry their frame; they are left as they are.
    pub fn in_frame(mut self, frame_offset: u64) -> Error {
        if let Position::Data(d) = &mut self.0.position
            && d.frame.is_none()
        {
            d.frame = Some(usize::try_from(frame_offset).unwrap_or(usize::MAX));
        }
        self
    }

    /// The stream offset of the frame a data error is about, when known: the frame that
    /// holds the telegram (see [`Error::in_frame`]), or the frame a framing error is about.
    pub fn frame_offset(&self) -> Option<usize> {
        match &self.0.position {
            Position::Data(d) => d.frame,
            _ => None,
        }
    }

    /// Shifts a data error's offset by `by` (a telegram's offset within a stream). Prefer
    /// [`Error::in_frame`], which keeps field offsets counted from the telegram's start.
    pub fn shift_offset(mut self, by: usize) -> Error {
        if let Position::Data(d) = &mut self.0.position {
            d.offset += by;
        }
        self
    }
}

/// For a number that is not digits: which byte of the field is wrong, counted from 0 like
/// every offset (` (byte 5 of the field, 'l')`), and when the field is digits with spaces
/// around them, that `lenient` reads it. Worked out when the error is shown, never while
/// decoding. A sign byte at either end is not the wrong one.
fn point_at_byte(raw: &[u8]) -> String {
    let last = raw.len().saturating_sub(1);
    let is_sign = |i: usize, b: u8| (i == 0 || i == last) && (b == b'+' || b == b'-');
    let Some((i, &b)) = raw
        .iter()
        .enumerate()
        .find(|&(i, &b)| !b.is_ascii_digit() && !is_sign(i, b))
    else {
        return String::new();
    };
    let shown = if (0x20..0x7f).contains(&b) {
        format!("'{}'", b as char)
    } else {
        format!("0x{b:02X}")
    };
    let mut s = format!(" (byte {i} of the field, {shown})");
    // Digits with spaces before or after them (and a sign byte): what `lenient` accepts.
    let body: &[u8] = match raw {
        [b'+' | b'-', rest @ ..] | [rest @ .., b'+' | b'-'] => rest,
        _ => raw,
    };
    let start = body.iter().take_while(|&&c| c == b' ').count();
    let end = body.len()
        - body[start..]
            .iter()
            .rev()
            .take_while(|&&c| c == b' ')
            .count();
    if b == b' ' && start < end && body[start..end].iter().all(u8::is_ascii_digit) {
        s.push_str("; the number is padded with spaces: mark the field `lenient` to accept that");
    }
    s
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

/// The closest of `candidates` to `name`, as a hint for a name that is not there:
/// `; did you mean "header"?`, or empty when none is close (an edit distance, counting a
/// swap of two neighbours as one edit, of at most a third of the name, and at least 1;
/// letter case does not count; a name of three or more letters that begins a candidate is
/// one edit from it).
///
/// ```
/// let names = ["transfer", "balance_history", "balance_inquiry"];
/// assert_eq!(fep_core::did_you_mean("transfr", names), "; did you mean \"transfer\"?");
/// assert_eq!(fep_core::did_you_mean("ping", names), "");
/// ```
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let c_lower = c.to_lowercase();
        // A name cut short (`lead` for `leading`) is as close as one edit.
        let d = if lower.chars().count() >= 3 && c_lower.starts_with(&lower) {
            1
        } else {
            edit_distance(&lower, &c_lower)
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map_or_else(String::new, |(_, c)| format!("; did you mean \"{c}\"?"))
}

/// Optimal string alignment distance over characters: insertions, deletions, changes and
/// swaps of two neighbours each cost one. Names are short (at most 64 characters).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

struct Alone<'e>(&'e Error);

impl fmt::Display for Alone<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_one(f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_one(f)?;
        match self.0.related.len() {
            0 => Ok(()),
            1 => f.write_str(" (and 1 more error)"),
            n => write!(f, " (and {n} more errors)"),
        }
    }
}

impl Error {
    fn fmt_one(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
                if self.0.kind.is_framing() {
                    // A framing error is about a frame, not a field: where the frame starts.
                    return write!(f, "frame at byte {}: {}", d.offset, self.detail());
                }
                if wrote {
                    f.write_str(" ")?;
                }
                if let Some(frame) = d.frame {
                    let what = if d.path.is_empty() { "" } else { "field at " };
                    return if d.length == 0 {
                        write!(
                            f,
                            "(frame at byte {frame}; {what}byte {} of the telegram): {}",
                            d.offset,
                            self.detail()
                        )
                    } else {
                        write!(
                            f,
                            "(frame at byte {frame}; {what}bytes {}..{} of the telegram): {}",
                            d.offset,
                            d.offset + d.length,
                            self.detail()
                        )
                    };
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
            "transfer.amount (bytes 129..142): expected digits, found \"00001O0000000\" \
             (byte 5 of the field, 'O')"
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
