//! `schema.iter_decode(source)`: decoded messages from a stream of framed telegrams, one at
//! a time, with constant memory (the core's `MessageReader`).

use std::io::Read;
use std::sync::Mutex;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::errors::{Op, to_py};
use crate::message::PyMessage;

type Reader = fep_core::MessageReader<Box<dyn Read + Send>>;

/// An iterator of `Message`s from a stream; with `keep_going`, a bad telegram is yielded as a
/// `DecodeError` (not raised) and reading goes on.
#[pyclass(module = "fep", name = "MessageIterator", frozen)]
pub(crate) struct PyMessageIterator {
    // A Mutex makes the iterator Sync; it is locked only with the GIL released, so a Python
    // file object read under the lock can always take the GIL back.
    reader: Mutex<Reader>,
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
            reader: Mutex::new(reader),
            keep_going,
        }
    }

    fn counts(&self, py: Python<'_>) -> PyResult<(u64, u64)> {
        let r = py.detach(|| match self.reader.lock() {
            Ok(r) => Ok((r.converted(), r.rejected())),
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

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let next = py.detach(|| match self.reader.lock() {
            Ok(mut r) => Ok(r.next()),
            Err(_) => Err(()),
        });
        let next = next.map_err(|()| {
            PyRuntimeError::new_err("the iterator failed in another thread and cannot go on")
        })?;
        match next {
            None => Ok(None),
            Some(Ok(d)) => {
                let m = PyMessage {
                    msg: d.message,
                    offset: Some(d.offset),
                };
                Ok(Some(Py::new(py, m)?.into_any()))
            }
            Some(Err(e)) => {
                let err = to_py(py, &e, Op::Decode);
                if self.keep_going && e.category() == fep_core::Category::Data {
                    Ok(Some(err.into_value(py).into_any()))
                } else {
                    Err(err)
                }
            }
        }
    }
}
