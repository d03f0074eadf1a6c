//! The exceptions: `fep.LayoutError`, `fep.DecodeError`, `fep.EncodeError` and
//! `fep.CorrelationError` with its three kinds (all `ValueError`s, through `fep.FepError`),
//! and the mapping of `fep_core::Error` onto them.
//!
//! The class is chosen by the core's `category()` and by what the caller was doing: an
//! unknown message name is a data error in the core, but from `encode` it is the value to
//! encode that is wrong. Attributes that do not apply are `None` (class attributes, so that
//! an exception built by hand has them too).

use pyo3::create_exception;
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    fep,
    FepError,
    PyValueError,
    "Base class of fep's errors: a layout, a telegram or a value that is wrong."
);
create_exception!(
    fep,
    LayoutError,
    FepError,
    "The layout text is wrong. `line` and `column` say where (1-based)."
);
create_exception!(
    fep,
    DecodeError,
    FepError,
    "A telegram does not match its layout. `path` names the field, `offset` is its byte \
     offset in the telegram; `frame_offset` is the stream offset of the telegram's frame \
     (for `iter_decode` and `decode_arrow`)."
);
create_exception!(
    fep,
    FramingError,
    DecodeError,
    "A byte stream is not framed as the layout says. `fault` says how: \"truncated\" (the \
     stream ends inside a frame), \"length_mismatch\" (a frame's length disagrees with its \
     message), \"too_long\" (over the maximum) or \"bad_length_prefix\"; `offset` and \
     `frame_offset` are the frame's offset in the stream."
);
create_exception!(
    fep,
    EncodeError,
    FepError,
    "A value cannot be encoded into a telegram. `path` names the field."
);

create_exception!(
    fep,
    CorrelationError,
    FepError,
    "A correlator refused a request or matched no request to a response. `key` is the \
     telegram's correlation key; `token` is the refused request's token, given back."
);
create_exception!(
    fep,
    DuplicateKeyError,
    CorrelationError,
    "A request with the same key is already pending (it stays; this one is refused). The \
     refused request's token is `token`."
);
create_exception!(
    fep,
    CorrelatorFullError,
    CorrelationError,
    "The correlator holds `capacity` pending requests: the request is refused. Its token is \
     `token`."
);
create_exception!(
    fep,
    UnmatchedError,
    CorrelationError,
    "No pending request has the response's key. `nearest` names the pending request whose \
     key is nearest and how it differs, or is None."
);

/// The attributes every fep exception carries, `None` unless set.
pub(crate) const ATTRIBUTES: [&str; 7] = [
    "path",
    "offset",
    "line",
    "column",
    "message_name",
    "frame_offset",
    "fault",
];

/// The attributes of the correlation errors, `None` unless set.
pub(crate) const CORRELATION_ATTRIBUTES: [&str; 4] = ["key", "nearest", "capacity", "token"];

/// What the caller was doing, which decides the class of a data or encoding error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Decode,
    Encode,
}

/// The Python exception for a core error.
pub(crate) fn to_py(py: Python<'_>, e: &fep_core::Error, op: Op) -> PyErr {
    let text = e.to_string();
    if let Some(err) = correlation(py, e, &text) {
        return err;
    }
    let err = match e.category() {
        fep_core::Category::Layout => LayoutError::new_err(text),
        fep_core::Category::Io => return io_error(py, e, text),
        _ if op == Op::Encode => EncodeError::new_err(text),
        _ if e.kind().is_framing() => FramingError::new_err(text),
        _ => DecodeError::new_err(text),
    };
    let (line, column) = e.line_column().unzip();
    set_attributes(
        py,
        &err,
        Attributes {
            path: e.path().filter(|p| !p.is_empty()),
            offset: e.offset(),
            line: line.map(|l| l as usize),
            column: column.map(|c| c as usize),
            message_name: e.message_name(),
        },
    );
    let value = err.value(py);
    // As in set_attributes: a fresh exception instance takes any attribute.
    let _ = value.setattr("frame_offset", e.frame_offset());
    let _ = value.setattr("fault", fault(e.kind()));
    err
}

/// How a framing error's frame is wrong, as `FramingError.fault` says it.
fn fault(kind: &fep_core::ErrorKind) -> Option<&'static str> {
    use fep_core::ErrorKind;
    match kind {
        ErrorKind::BadLengthPrefix(_) => Some("bad_length_prefix"),
        ErrorKind::FrameTruncated { .. } => Some("truncated"),
        ErrorKind::FrameLengthMismatch { .. } => Some("length_mismatch"),
        ErrorKind::FrameTooLong { .. } => Some("too_long"),
        _ => None,
    }
}

/// The exception of a correlator's refusal, with its `key` and the other attributes that
/// apply; `None` for any other error.
fn correlation(py: Python<'_>, e: &fep_core::Error, text: &str) -> Option<PyErr> {
    use fep_core::ErrorKind;
    let (err, key, nearest, capacity) = match e.kind() {
        ErrorKind::DuplicateKey(key) => {
            (DuplicateKeyError::new_err(text.to_owned()), key, None, None)
        }
        ErrorKind::CorrelatorFull { capacity, key } => (
            CorrelatorFullError::new_err(text.to_owned()),
            key,
            None,
            Some(*capacity),
        ),
        ErrorKind::Unmatched { key, nearest } => (
            UnmatchedError::new_err(text.to_owned()),
            key,
            nearest.as_deref(),
            None,
        ),
        _ => return None,
    };
    set_attributes(
        py,
        &err,
        Attributes {
            message_name: e.message_name(),
            ..Attributes::default()
        },
    );
    let value = err.value(py);
    // As in set_attributes: a fresh exception instance takes any attribute.
    let _ = value.setattr("key", key);
    let _ = value.setattr("nearest", nearest);
    let _ = value.setattr("capacity", capacity);
    Some(err)
}

fn io_error(py: Python<'_>, e: &fep_core::Error, text: String) -> PyErr {
    match e.kind() {
        // A Python file object's own exception, carried through the core's reader.
        fep_core::ErrorKind::Io(io) if io.get_ref().is_some_and(|i| i.is::<PyErr>()) => io
            .get_ref()
            .and_then(|i| i.downcast_ref::<PyErr>())
            .map_or_else(|| PyOSError::new_err(text), |pe| pe.clone_ref(py)),
        fep_core::ErrorKind::Io(io) => match io.kind() {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(text),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(text),
            _ => PyOSError::new_err(text),
        },
        _ => PyOSError::new_err(text),
    }
}

/// The position attributes of an error raised by the binding itself.
#[derive(Debug, Default)]
pub(crate) struct Attributes<'a> {
    pub path: Option<&'a str>,
    pub offset: Option<usize>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message_name: Option<&'a str>,
}

pub(crate) fn set_attributes(py: Python<'_>, err: &PyErr, a: Attributes<'_>) {
    let value = err.value(py);
    // Setting an attribute on a fresh exception instance cannot fail; if it did, the
    // class attribute (None) would show through, which is still truthful enough.
    let _ = value.setattr("path", a.path);
    let _ = value.setattr("offset", a.offset);
    let _ = value.setattr("line", a.line);
    let _ = value.setattr("column", a.column);
    let _ = value.setattr("message_name", a.message_name);
}

/// An `EncodeError` raised by the binding while it reads a Python value, in the core's
/// template: `transfer.amount: <detail>`.
pub(crate) fn encode_error(py: Python<'_>, message: &str, path: &str, detail: &str) -> PyErr {
    let text = match (message.is_empty(), path.is_empty()) {
        (true, true) => detail.to_owned(),
        (true, false) => format!("{path}: {detail}"),
        (false, true) => format!("{message}: {detail}"),
        (false, false) if path.starts_with('[') => format!("{message}{path}: {detail}"),
        (false, false) => format!("{message}.{path}: {detail}"),
    };
    let err = EncodeError::new_err(text);
    set_attributes(
        py,
        &err,
        Attributes {
            path: (!path.is_empty()).then_some(path),
            message_name: (!message.is_empty()).then_some(message),
            ..Attributes::default()
        },
    );
    err
}
