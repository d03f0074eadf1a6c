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

impl Data {
    /// Bytes of ours, such as a telegram taken out of its frame.
    pub(crate) fn owned(bytes: Vec<u8>) -> Self {
        Data(Inner::Owned(bytes))
    }
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
        return match fep_core::hexdump::parse(&text) {
            Ok(v) => Ok(Data(Inner::Owned(v))),
            Err(e) => {
                let (line, column) = e.line_column().unwrap_or((1, 1));
                let err = DecodeError::new_err(format!(
                    "not a hex string: {} (line {line}, column {column})",
                    e.detail()
                ));
                set_attributes(
                    py,
                    &err,
                    Attributes {
                        line: Some(line as usize),
                        column: Some(column as usize),
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

    /// The bytes the stream holds, when known without reading it (a file's size, the
    /// length of bytes): a hint for making room, never trusted as the length.
    pub(crate) fn size(&self) -> Option<u64> {
        match self {
            Source::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Bytes(b) => u64::try_from(b.len()).ok(),
            Source::File(_) => None,
        }
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
