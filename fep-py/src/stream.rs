//! `schema.iter_decode(source)`: decoded messages from a stream of framed telegrams (the
//! core's `MessageReader`) or from a packet capture (`capture::Messages`), one at a time,
//! with constant memory.

use std::io::Read;
use std::sync::Mutex;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::errors::{Op, to_py};
use crate::message::PyMessage;

type Reader = fep_core::MessageReader<Box<dyn Read + Send>>;

/// Framed telegrams, or a packet capture's.
enum Inner {
    Framed(Box<Reader>),
    Capture(Box<crate::capture::Messages>),
}

impl Inner {
    fn counts(&self) -> (u64, u64, u64) {
        match self {
            Inner::Framed(r) => (r.converted(), r.rejected(), 0),
            Inner::Capture(m) => (m.converted, m.rejected, m.gaps),
        }
    }
}

/// What the next item is, before it becomes a Python object.
enum Next {
    Framed(fep_core::Result<fep_core::Decoded>),
    Captured(crate::capture::Captured),
    Failure(crate::capture::Failure),
}

/// An iterator of `Message`s from a stream; with `keep_going`, a bad telegram is yielded as a
/// `DecodeError` (not raised) and reading goes on.
#[pyclass(module = "fep", name = "MessageIterator", frozen)]
pub(crate) struct PyMessageIterator {
    // A Mutex makes the iterator Sync; it is locked only with the GIL released, so a Python
    // file object read under the lock can always take the GIL back.
    reader: Mutex<Inner>,
    keep_going: bool,
}

impl std::fmt::Debug for PyMessageIterator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyMessageIterator")
            .field("keep_going", &self.keep_going)
            .finish_non_exhaustive()
    }
}

impl PyMessageIterator {
    pub(crate) fn new(
        schema: &fep_core::Schema,
        input: Box<dyn Read + Send>,
        keep_going: bool,
        checks: bool,
        rejects: Option<fep_core::BoxedRejectWriter>,
    ) -> PyMessageIterator {
        let mut reader = fep_core::MessageReader::new(schema, input)
            .keep_going(keep_going)
            .checks(checks);
        if let Some(w) = rejects {
            reader = reader.rejects(w);
        }
        PyMessageIterator {
            reader: Mutex::new(Inner::Framed(Box::new(reader))),
            keep_going,
        }
    }

    /// The telegrams of a packet capture, each message with where it was.
    pub(crate) fn capture(messages: crate::capture::Messages, keep_going: bool) -> Self {
        PyMessageIterator {
            reader: Mutex::new(Inner::Capture(Box::new(messages))),
            keep_going,
        }
    }

    fn counts(&self, py: Python<'_>) -> PyResult<(u64, u64, u64)> {
        let r = py.detach(|| match self.reader.lock() {
            Ok(r) => Ok(r.counts()),
            Err(_) => Err(()),
        });
        r.map_err(|()| {
            PyRuntimeError::new_err("the iterator failed in another thread and cannot go on")
        })
    }
}

#[pymethods]
impl PyMessageIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Telegrams yielded as messages so far.
    #[getter]
    fn converted(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.counts(py)?.0)
    }

    /// Telegrams rejected so far (bad, or failing a check): with `converted`, every one read.
    #[getter]
    fn rejected(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.counts(py)?.1)
    }

    /// Gaps met so far in a packet capture's streams (each one a `CaptureGapError`); 0
    /// for a stream of framed telegrams.
    #[getter]
    fn gaps(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.counts(py)?.2)
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let next = py.detach(|| match self.reader.lock() {
            Ok(mut r) => Ok(match &mut *r {
                Inner::Framed(r) => r.next().map(Next::Framed),
                Inner::Capture(m) => m.next().map(|item| match item {
                    Ok(c) => Next::Captured(c),
                    Err(f) => Next::Failure(f),
                }),
            }),
            Err(_) => Err(()),
        });
        let next = next.map_err(|()| {
            PyRuntimeError::new_err("the iterator failed in another thread and cannot go on")
        })?;
        match next {
            None => Ok(None),
            Some(Next::Framed(Ok(d))) => {
                let m = PyMessage::owned(d.message, Some(d.offset), None);
                Ok(Some(Py::new(py, m)?.into_any()))
            }
            Some(Next::Captured(c)) => {
                let m = PyMessage::owned(c.message, Some(c.offset), Some(c.whence));
                Ok(Some(Py::new(py, m)?.into_any()))
            }
            Some(Next::Framed(Err(e))) => {
                let err = to_py(py, &e, Op::Decode);
                if self.keep_going && e.category() == fep_core::Category::Data {
                    Ok(Some(err.into_value(py).into_any()))
                } else {
                    Err(err)
                }
            }
            Some(Next::Failure(f)) => {
                let data = match &f {
                    crate::capture::Failure::Gap(_) => true,
                    crate::capture::Failure::Core { error, .. } => {
                        error.category() == fep_core::Category::Data
                    }
                };
                let err = f.to_py(py);
                if self.keep_going && data {
                    Ok(Some(err.into_value(py).into_any()))
                } else {
                    Err(err)
                }
            }
        }
    }
}
