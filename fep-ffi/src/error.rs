//! Result codes, error categories, and the `fep_error` object with its accessors.
//!
//! A `fep_error` owns copies of everything it reports (text, path, message name), so it
//! outlives the handles of the call that failed. Its text never holds the value of a `mask`
//! or `secret` field: it is the core's message, which guarantees that.

use std::any::Any;
use std::ffi::{CString, c_char};

use fep_core::{Category, ErrorKind, Position};

use crate::boundary::guard;

/// The outcome of a fallible call. The numbers are part of the ABI: they are fixed and never
/// reused; new codes get new numbers.
///
/// Every code other than `FEP_RESULT_OK` and `FEP_RESULT_NO_TELEGRAM` is a failure: the
/// outputs are left untouched and, when `out_err` is not NULL, `*out_err` receives an error.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum fep_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument is NULL.
    NullParameter = 1,
    /// An argument is not valid: a string that is not UTF-8, unknown flags, a field handle
    /// of another schema, a length larger than any buffer.
    InvalidParameter = 2,
    /// The caller's buffer is too small; `*out_len` holds the size needed.
    InsufficientSize = 3,
    /// A bug inside the library was caught at the boundary; the call had no effect that
    /// can be relied on. Please report it.
    Panic = 4,
    /// Not a failure: the framer holds no whole telegram (feed more bytes, or the stream is
    /// done). No error is stored.
    NoTelegram = 5,
    /// The layout text is wrong (file, line and column in the error).
    Layout = 100,
    /// The telegram does not match the layout (message, field path and byte offset in the
    /// error).
    Data = 101,
    /// A value cannot be encoded into a telegram (message and field path in the error).
    Encoding = 102,
    /// Reading a file failed.
    Io = 103,
    /// The JSON to encode is malformed or not shaped as a message (line and column in the
    /// error).
    Json = 104,
    /// No message of the layout has that name.
    UnknownMessage = 105,
    /// No field at that path: not in the layout, not in this telegram's message, or an
    /// index beyond the repeat's bound.
    UnknownField = 106,
    /// The field holds another type than the one asked for (text read as an integer, ...).
    WrongType = 107,
    /// The field is blank (null): it has no integer or decimal value.
    NullValue = 108,
    /// The byte stream is not framed as the layout says: a length prefix that is not a
    /// length. The framing faults with a code of their own (below) had this one before.
    Framing = 109,
    /// The layout has no `key` directive, or the telegram's message lacks a key field.
    NoKey = 110,
    /// A request with the same correlation key is already pending in the correlator (the
    /// pending one stays; the error names the key).
    DuplicateKey = 111,
    /// The correlator holds as many pending requests as its capacity allows.
    CorrelatorFull = 112,
    /// No pending request has the response's correlation key (the error names the key and
    /// the nearest pending request).
    Unmatched = 113,
    /// The stream ends inside a frame: the error says what its length prefix (or message)
    /// promised and how many bytes came; the offset is the frame's.
    FrameTruncated = 114,
    /// A frame whose length (its prefix, or its line) disagrees with its message's length;
    /// the frame is skipped and the next call goes on with the next one.
    FrameLengthMismatch = 115,
    /// A frame longer than the framer's maximum (nothing is allocated for it).
    FrameTooLong = 116,
    /// A record of a batch file fails one of the layout's `check` statements (a trailer's
    /// count or total, a sequence number, a header copy); the error names the record's
    /// number and byte offset, the field, and the expected and the found value.
    CheckFailed = 117,
}

impl fep_result {
    fn name(self) -> &'static str {
        match self {
            fep_result::Ok => "FEP_RESULT_OK\0",
            fep_result::NullParameter => "FEP_RESULT_NULL_PARAMETER\0",
            fep_result::InvalidParameter => "FEP_RESULT_INVALID_PARAMETER\0",
            fep_result::InsufficientSize => "FEP_RESULT_INSUFFICIENT_SIZE\0",
            fep_result::Panic => "FEP_RESULT_PANIC\0",
            fep_result::NoTelegram => "FEP_RESULT_NO_TELEGRAM\0",
            fep_result::Layout => "FEP_RESULT_LAYOUT\0",
            fep_result::Data => "FEP_RESULT_DATA\0",
            fep_result::Encoding => "FEP_RESULT_ENCODING\0",
            fep_result::Io => "FEP_RESULT_IO\0",
            fep_result::Json => "FEP_RESULT_JSON\0",
            fep_result::UnknownMessage => "FEP_RESULT_UNKNOWN_MESSAGE\0",
            fep_result::UnknownField => "FEP_RESULT_UNKNOWN_FIELD\0",
            fep_result::WrongType => "FEP_RESULT_WRONG_TYPE\0",
            fep_result::NullValue => "FEP_RESULT_NULL_VALUE\0",
            fep_result::Framing => "FEP_RESULT_FRAMING\0",
            fep_result::NoKey => "FEP_RESULT_NO_KEY\0",
            fep_result::DuplicateKey => "FEP_RESULT_DUPLICATE_KEY\0",
            fep_result::CorrelatorFull => "FEP_RESULT_CORRELATOR_FULL\0",
            fep_result::Unmatched => "FEP_RESULT_UNMATCHED\0",
            fep_result::FrameTruncated => "FEP_RESULT_FRAME_TRUNCATED\0",
            fep_result::FrameLengthMismatch => "FEP_RESULT_FRAME_LENGTH_MISMATCH\0",
            fep_result::FrameTooLong => "FEP_RESULT_FRAME_TOO_LONG\0",
            fep_result::CheckFailed => "FEP_RESULT_CHECK_FAILED\0",
        }
    }

    fn from_u32(n: u32) -> Option<fep_result> {
        use fep_result::*;
        [
            Ok,
            NullParameter,
            InvalidParameter,
            InsufficientSize,
            Panic,
            NoTelegram,
            Layout,
            Data,
            Encoding,
            Io,
            Json,
            UnknownMessage,
            UnknownField,
            WrongType,
            NullValue,
            Framing,
            NoKey,
            DuplicateKey,
            CorrelatorFull,
            Unmatched,
            FrameTruncated,
            FrameLengthMismatch,
            FrameTooLong,
            CheckFailed,
        ]
        .into_iter()
        .find(|r| *r as u32 == n)
    }
}

/// The coarse class of an error, to branch on. The numbers are fixed and never reused.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum fep_category {
    /// No error (what the accessors return for a NULL error).
    None = 0,
    /// The call itself is wrong: a NULL or invalid argument, a buffer too small.
    Usage = 1,
    /// The layout text is wrong.
    Layout = 2,
    /// A telegram or a byte stream does not match the layout, or a field is read as a type
    /// it does not hold.
    Data = 3,
    /// A value (or the JSON holding it) cannot be encoded.
    Encoding = 4,
    /// Reading a file failed.
    Io = 5,
    /// A bug inside the library (a caught panic).
    Internal = 6,
}

/// An error: a code, a category, a one-line message, and where it happened (field path,
/// message name, byte offset and length for data; line and column for layouts and JSON).
///
/// Created by the library when a call fails and `out_err` is not NULL; owned by the caller,
/// who frees it with `fep_error_free`. It holds copies, so it stays valid after the handles
/// of the failed call are freed. Immutable: any thread may read it.
#[derive(Debug)]
pub struct fep_error {
    _private: [u8; 0],
}

/// What a `fep_error *` points to.
#[derive(Debug)]
pub(crate) struct FfiError {
    code: fep_result,
    category: fep_category,
    message: CString,
    path: CString,
    message_name: CString,
    offset: Option<usize>,
    length: Option<usize>,
    line: u32,
    column: u32,
}

/// Where a core error came from, to choose its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    /// Loading or parsing a layout.
    Layout,
    /// Decoding or viewing a telegram.
    Decode,
    /// Reading a field (or resolving a field path).
    Read,
    /// Encoding a value.
    Encode,
    /// Framing a stream or a telegram.
    Frame,
    /// Reading a correlation key, or correlating by it.
    Key,
}

/// A C string from Rust text; a NUL inside (never expected) is shown as U+FFFD.
fn c_string(s: &str) -> CString {
    CString::new(s)
        .unwrap_or_else(|_| CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default())
}

impl FfiError {
    fn usage(code: fep_result, message: String) -> FfiError {
        FfiError {
            code,
            category: fep_category::Usage,
            message: c_string(&message),
            path: CString::default(),
            message_name: CString::default(),
            offset: None,
            length: None,
            line: 0,
            column: 0,
        }
    }

    pub(crate) fn code(&self) -> fep_result {
        self.code
    }

    /// A NULL argument.
    pub(crate) fn null(name: &str) -> FfiError {
        FfiError::usage(fep_result::NullParameter, format!("`{name}` is NULL"))
    }

    /// An invalid argument.
    pub(crate) fn invalid(message: String) -> FfiError {
        FfiError::usage(fep_result::InvalidParameter, message)
    }

    /// A caller buffer too small.
    pub(crate) fn insufficient(name: &str, cap: usize, needed: usize) -> FfiError {
        FfiError::usage(
            fep_result::InsufficientSize,
            format!("`{name}` holds {cap} bytes, {needed} are needed"),
        )
    }

    /// A blank field read as a number: `offset` and `length` locate it in the telegram.
    pub(crate) fn null_value(message: &str, path: &str, offset: usize, length: usize) -> FfiError {
        FfiError {
            code: fep_result::NullValue,
            category: fep_category::Data,
            message: c_string(&format!(
                "{message}.{path} (bytes {offset}..{}): the field is blank (null) and has no value",
                offset + length
            )),
            path: c_string(path),
            message_name: c_string(message),
            offset: Some(offset),
            length: Some(length),
            ..FfiError::usage(fep_result::NullValue, String::new())
        }
    }

    /// A caught panic.
    pub(crate) fn panic(payload: &(dyn Any + Send)) -> FfiError {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        FfiError {
            category: fep_category::Internal,
            ..FfiError::usage(
                fep_result::Panic,
                format!("internal error (a bug in fep, please report it): {what}"),
            )
        }
    }

    /// JSON that does not parse, or is not shaped as a message.
    pub(crate) fn json(e: &serde_json::Error) -> FfiError {
        FfiError {
            category: fep_category::Encoding,
            line: u32::try_from(e.line()).unwrap_or(u32::MAX),
            column: u32::try_from(e.column()).unwrap_or(u32::MAX),
            ..FfiError::usage(fep_result::Json, format!("JSON: {e}"))
        }
    }

    /// An error of the core: its category as the core set it, its code by a lookup of the
    /// kinds a C caller branches on.
    pub(crate) fn core(e: &fep_core::Error, ctx: Ctx) -> FfiError {
        let category = match e.category() {
            Category::Layout => fep_category::Layout,
            Category::Data => fep_category::Data,
            Category::Encoding => fep_category::Encoding,
            Category::Io => fep_category::Io,
            _ => fep_category::Data,
        };
        let code = match (e.kind(), ctx) {
            (ErrorKind::UnknownMessage(_), _) => fep_result::UnknownMessage,
            (ErrorKind::UnknownField(_), _) => fep_result::UnknownField,
            // A path that does not parse names no field either.
            (ErrorKind::BadPath(_), _) => fep_result::UnknownField,
            // An index beyond a repeat's bound, found while resolving a path.
            (ErrorKind::OutOfRange(_), Ctx::Read) => fep_result::UnknownField,
            (ErrorKind::WrongType { .. }, Ctx::Read) => fep_result::WrongType,
            (ErrorKind::BadLengthPrefix(_), Ctx::Frame) => fep_result::Framing,
            (ErrorKind::FrameTruncated { .. }, Ctx::Frame) => fep_result::FrameTruncated,
            (ErrorKind::FrameLengthMismatch { .. }, Ctx::Frame) => fep_result::FrameLengthMismatch,
            (ErrorKind::FrameTooLong { .. }, Ctx::Frame) => fep_result::FrameTooLong,
            (ErrorKind::NoKey(_), _) => fep_result::NoKey,
            (ErrorKind::DuplicateKey(_), _) => fep_result::DuplicateKey,
            (ErrorKind::CorrelatorFull { .. }, _) => fep_result::CorrelatorFull,
            (ErrorKind::Unmatched { .. }, _) => fep_result::Unmatched,
            (ErrorKind::CheckFailed { .. }, _) => fep_result::CheckFailed,
            _ => match category {
                fep_category::Layout => fep_result::Layout,
                fep_category::Encoding => fep_result::Encoding,
                fep_category::Io => fep_result::Io,
                _ => fep_result::Data,
            },
        };
        let (offset, length) = match e.position() {
            Position::Data(d) => (Some(d.offset), Some(d.length)),
            _ => (None, None),
        };
        let (line, column) = e.line_column().unwrap_or((0, 0));
        FfiError {
            code,
            category,
            message: c_string(&e.to_string()),
            path: c_string(e.path().unwrap_or("")),
            message_name: c_string(e.message_name().unwrap_or("")),
            offset,
            length,
            line,
            column,
        }
    }
}

/// The error a `fep_error *` points to.
///
/// # Safety
/// `err` is NULL or a live error from this library.
unsafe fn error_ref<'a>(err: *const fep_error) -> Option<&'a FfiError> {
    // SAFETY: a non-NULL `fep_error *` comes from `Box::into_raw(Box<FfiError>)` and is live
    // per this function's contract.
    unsafe { err.cast::<FfiError>().as_ref() }
}

const EMPTY: &std::ffi::CStr = c"";

/// The code of the failed call. `FEP_RESULT_OK` for a NULL error.
///
/// # Safety
/// `err` is NULL or an error from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_code(err: *const fep_error) -> fep_result {
    guard(fep_result::Panic, || {
        // SAFETY: per this function's contract.
        unsafe { error_ref(err) }.map_or(fep_result::Ok, |e| e.code)
    })
}

/// The category of the error. `FEP_CATEGORY_NONE` for a NULL error.
///
/// # Safety
/// `err` is NULL or an error from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_category(err: *const fep_error) -> fep_category {
    guard(fep_category::Internal, || {
        // SAFETY: per this function's contract.
        unsafe { error_ref(err) }.map_or(fep_category::None, |e| e.category)
    })
}

/// The error as one line of UTF-8 text, NUL-terminated, for example
/// `transfer.amount (bytes 129..142): expected digits, found "00001O0000000"` or
/// `bank.layout:12:17: unknown record "hedaer"`. Never shows a `mask` or `secret` value.
///
/// The string belongs to the error and lives until `fep_error_free`. An empty string (never
/// NULL) for a NULL error.
///
/// # Safety
/// `err` is NULL or an error from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_message(err: *const fep_error) -> *const c_char {
    guard(EMPTY.as_ptr(), || {
        // SAFETY: per this function's contract.
        unsafe { error_ref(err) }.map_or(EMPTY.as_ptr(), |e| e.message.as_ptr())
    })
}

/// The field path of a data or encoding error, such as `items[3].amount`; an empty string
/// when the error has none (never NULL). Lives until `fep_error_free`.
///
/// # Safety
/// `err` is NULL or an error from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_path(err: *const fep_error) -> *const c_char {
    guard(EMPTY.as_ptr(), || {
        // SAFETY: per this function's contract.
        unsafe { error_ref(err) }.map_or(EMPTY.as_ptr(), |e| e.path.as_ptr())
    })
}

/// The name of the message (in the layout) the error is about, such as `transfer`; an
/// empty string when not known (never NULL). Lives until `fep_error_free`.
///
/// # Safety
/// `err` is NULL or an error from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_message_name(err: *const fep_error) -> *const c_char {
    guard(EMPTY.as_ptr(), || {
        // SAFETY: per this function's contract.
        unsafe { error_ref(err) }.map_or(EMPTY.as_ptr(), |e| e.message_name.as_ptr())
    })
}

/// The byte offset of a data error: of the field within the telegram, or of the frame
/// within the stream for framing errors (`FEP_RESULT_FRAMING`, `FEP_RESULT_FRAME_*`). -1
/// when the error has none, or for a NULL error.
///
/// # Safety
/// `err` is NULL or an error from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_offset(err: *const fep_error) -> i64 {
    guard(-1, || {
        // SAFETY: per this function's contract.
        unsafe { error_ref(err) }
            .and_then(|e| e.offset)
            .map_or(-1, |o| i64::try_from(o).unwrap_or(i64::MAX))
    })
}

/// The byte length of the field of a data error. -1 when the error has none, or for a NULL
/// error.
///
/// # Safety
/// `err` is NULL or an error from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_length(err: *const fep_error) -> i64 {
    guard(-1, || {
        // SAFETY: per this function's contract.
        unsafe { error_ref(err) }
            .and_then(|e| e.length)
            .map_or(-1, |o| i64::try_from(o).unwrap_or(i64::MAX))
    })
}

/// The 1-based line of a layout or JSON error. 0 when the error has none, or for a NULL
/// error.
///
/// # Safety
/// `err` is NULL or an error from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_line(err: *const fep_error) -> u32 {
    guard(0, || {
        // SAFETY: per this function's contract.
        unsafe { error_ref(err) }.map_or(0, |e| e.line)
    })
}

/// The 1-based column of a layout error (in characters) or JSON error. 0 when the error has
/// none, or for a NULL error.
///
/// # Safety
/// `err` is NULL or an error from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_column(err: *const fep_error) -> u32 {
    guard(0, || {
        // SAFETY: per this function's contract.
        unsafe { error_ref(err) }.map_or(0, |e| e.column)
    })
}

/// Frees an error and the strings it handed out. NULL is a no-op.
///
/// # Safety
/// `err` is NULL or an error from this library, freed exactly once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_error_free(err: *mut fep_error) {
    guard((), || {
        if !err.is_null() {
            // SAFETY: a non-NULL `fep_error *` comes from `Box::into_raw(Box<FfiError>)` and
            // is freed once per this function's contract.
            drop(unsafe { Box::from_raw(err.cast::<FfiError>()) });
        }
    })
}

/// The name of a result code as text, such as `"FEP_RESULT_DATA"`; `"FEP_RESULT_UNKNOWN"`
/// for a number that is no code. Static: never freed, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn fep_result_name(result: u32) -> *const c_char {
    const UNKNOWN: &std::ffi::CStr = c"FEP_RESULT_UNKNOWN";
    guard(UNKNOWN.as_ptr(), || {
        fep_result::from_u32(result)
            .map_or(UNKNOWN.as_ptr(), |r| r.name().as_ptr().cast::<c_char>())
    })
}
