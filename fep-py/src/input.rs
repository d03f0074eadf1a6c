//! What the Python functions take as telegrams and as streams of telegrams.
//!
//! One telegram: `bytes` (borrowed, never copied), `bytearray` or `memoryview` (copied
//! once, since they may change under us while the GIL is released), or a hex `str` as a
//! log prints it. A stream: a path, a binary file object, or bytes-like data; a file is read
//! in chunks, so a capture of millions of telegrams takes constant memory.

use std::io::{self, Read};
use std::path::PathBuf;

use pyo3::exceptions::{PyOSError, PyTypeError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

use crate::errors::{Attributes, DecodeError, set_attributes};

/// The bytes of one telegram.
pub(crate) struct Data(Inner);

enum Inner {
    Python(PyBackedBytes),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Inner::Python(b) => b,
            Inner::Owned(v) => v,
        }
    }
}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Telegrams may hold account numbers and passwords: show the length only.
        write!(f, "Data({} bytes)", self.len())
    }
}

/// Reads a telegram argument: bytes, bytearray, memoryview or a hex string.
pub(crate) fn telegram(obj: &Bound<'_, PyAny>) -> PyResult<Data> {
    let py = obj.py();
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        let b: PyBackedBytes = obj.extract()?;
        return Ok(Data(Inner::Python(b)));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        let b: PyBackedBytes = obj.call_method0("tobytes")?.extract()?;
        return Ok(Data(Inner::Python(b)));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow()?;
        return match parse_hex(&text) {
            Ok(v) => Ok(Data(Inner::Owned(v))),
            Err(e) => {
                let err = DecodeError::new_err(format!(
                    "not a hex string: {} (line {}, column {})",
                    e.message, e.line, e.column
                ));
                set_attributes(
                    py,
                    &err,
                    Attributes {
                        line: Some(e.line),
                        column: Some(e.column),
                        ..Attributes::default()
                    },
                );
                Err(err)
            }
        };
    }
    Err(PyTypeError::new_err(format!(
        "expected a telegram as bytes, bytearray, memoryview or a hex str, found {}",
        type_name(obj)
    )))
}

pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object".into())
}

/// Why a hex string could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HexError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Reads hex as logs print it: digits in any case, with spaces, newlines, commas and `0x`
/// prefixes anywhere between bytes.
///
/// A full dump reader (offset columns, an ASCII column, `xxd` and `hexdump -C` layouts)
/// is the command line's; this takes the hex of one telegram.
pub(crate) fn parse_hex(text: &str) -> Result<Vec<u8>, HexError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<(u8, usize, usize)> = None;
    let (mut line, mut column) = (1usize, 0usize);
    let mut chars = text.chars().peekable();
    // True where a `0x` prefix may start: at the start and after a separator.
    let mut at_token_start = true;
    while let Some(c) = chars.next() {
        column += 1;
        if c == '\n' {
            line += 1;
            column = 0;
            at_token_start = true;
            continue;
        }
        if c.is_whitespace() || c == ',' {
            at_token_start = true;
            continue;
        }
        if at_token_start && c == '0' && matches!(chars.peek(), Some('x' | 'X')) {
            chars.next();
            column += 1;
            at_token_start = false;
            continue;
        }
        at_token_start = false;
        let Some(v) = c.to_digit(16) else {
            return Err(HexError {
                line,
                column,
                message: format!("{c:?} is not a hex digit"),
            });
        };
        let v = v as u8;
        match high.take() {
            None => high = Some((v, line, column)),
            Some((h, _, _)) => out.push(h << 4 | v),
        }
    }
    if let Some((_, line, column)) = high {
        return Err(HexError {
            line,
            column,
            message: "an odd number of hex digits (a byte is two digits)".into(),
        });
    }
    Ok(out)
}

/// A stream of framed telegrams: a path, a binary file object, or bytes-like data.
pub(crate) enum Source {
    Path(PathBuf),
    Bytes(PyBackedBytes),
    File(Py<PyAny>),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path(p) => write!(f, "Source::Path({})", p.display()),
            Source::Bytes(b) => write!(f, "Source::Bytes({} bytes)", b.len()),
            Source::File(_) => f.write_str("Source::File"),
        }
    }
}

impl Source {
    pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
        if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
            return Ok(Source::Bytes(obj.extract()?));
        }
        if obj.is_instance_of::<PyMemoryView>() {
            return Ok(Source::Bytes(obj.call_method0("tobytes")?.extract()?));
        }
        if obj.hasattr("read")? {
            return Ok(Source::File(obj.clone().unbind()));
        }
        if let Ok(p) = obj.extract::<PathBuf>() {
            return Ok(Source::Path(p));
        }
        Err(PyTypeError::new_err(format!(
            "expected a path, a binary file object or bytes, found {}",
            type_name(obj)
        )))
    }

    /// Opens the stream. The reader is `Send`: it is read with the GIL released (a Python
    /// file object takes the GIL back for each chunk).
    pub(crate) fn open(self) -> PyResult<Box<dyn Read + Send>> {
        Ok(match self {
            Source::Path(p) => match std::fs::File::open(&p) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    // OSError(errno, text, filename) picks the subclass (FileNotFoundError ...).
                    let errno = e.raw_os_error().unwrap_or(0);
                    let text = io_text(&e);
                    return Err(PyOSError::new_err((
                        errno,
                        text,
                        p.to_string_lossy().into_owned(),
                    )));
                }
            },
            Source::Bytes(b) => Box::new(io::Cursor::new(b)),
            Source::File(f) => Box::new(PyReader(f)),
        })
    }
}

fn io_text(e: &io::Error) -> String {
    // io::Error's Display appends " (os error N)"; Python shows the errno on its own.
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// A Python binary file object as a `Read`.
struct PyReader(Py<PyAny>);

impl Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Python::attach(|py| {
            let data = self
                .0
                .bind(py)
                .call_method1("read", (buf.len(),))
                .map_err(io::Error::other)?;
            let Ok(bytes) = data.cast::<PyBytes>() else {
                return Err(io::Error::other(PyTypeError::new_err(format!(
                    "the file's read() returned {}, not bytes: open it in binary mode (\"rb\")",
                    type_name(&data)
                ))));
            };
            let b = bytes.as_bytes();
            let n = b.len().min(buf.len());
            buf[..n].copy_from_slice(&b[..n]);
            Ok(n)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        let cases: &[(&str, &[u8])] = &[
            ("303132", b"012"),
            ("30 31\n32", b"012"),
            ("0x30, 0x31, 0X32", b"012"),
            ("0x303132", b"012"),
            ("  aBcD  ", &[0xab, 0xcd]),
            ("", b""),
        ];
        for (text, want) in cases {
            assert_eq!(parse_hex(text).as_deref(), Ok(*want), "{text:?}");
        }
    }

    #[test]
    fn hex_errors() {
        let cases: &[(&str, usize, usize, &str)] = &[
            ("30 3g", 1, 5, "'g' is not a hex digit"),
            (
                "30\n313",
                2,
                3,
                "an odd number of hex digits (a byte is two digits)",
            ),
            ("30x1", 1, 3, "'x' is not a hex digit"),
        ];
        for (text, line, column, message) in cases {
            let e = parse_hex(text).expect_err(text);
            assert_eq!(
                (e.line, e.column, e.message.as_str()),
                (*line, *column, *message)
            );
        }
    }
}
