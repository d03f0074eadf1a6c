//! `schema.iter_arrow(path, start=, end=, mode=)`: the record batches of one byte range of a
//! capture file, one at a time, for readers that split files across workers (the Spark data
//! source). The cutting rule is `fep_arrow::range`'s.

use std::sync::Mutex;

use fep_arrow::range::RangeBatches;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::arrow::{Counts, PyArrowTable, to_py_err};

/// An iterator of `ArrowTable`s of one batch each, with `_offset` (and `_error` in
/// PERMISSIVE mode) after the fields.
#[pyclass(module = "fep", name = "ArrowBatches", frozen)]
pub(crate) struct PyArrowBatches {
    // Locked only with the GIL released, as the message iterator's reader.
    batches: Mutex<RangeBatches>,
    schema: arrow_schema::SchemaRef,
}

impl std::fmt::Debug for PyArrowBatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyArrowBatches").finish_non_exhaustive()
    }
}

impl PyArrowBatches {
    pub(crate) fn new(batches: RangeBatches) -> PyArrowBatches {
        let schema = batches.schema();
        PyArrowBatches {
            batches: Mutex::new(batches),
            schema,
        }
    }
}

#[pymethods]
impl PyArrowBatches {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyArrowTable>> {
        let next = py.detach(|| match self.batches.lock() {
            Ok(mut b) => Ok(b.next()),
            Err(_) => Err(()),
        });
        let next = next.map_err(|()| {
            PyRuntimeError::new_err("the iterator failed in another thread and cannot go on")
        })?;
        match next {
            None => Ok(None),
            Some(Ok(batch)) => {
                // PERMISSIVE rows with an `_error` are the telegrams that did not decode.
                let bad = batch
                    .column_by_name("_error")
                    .map_or(0, |c| c.len() - c.null_count()) as u64;
                let counts = Counts {
                    converted: batch.num_rows() as u64 - bad,
                    rejected: bad,
                    gaps: 0,
                };
                Ok(Some(PyArrowTable::new(
                    vec![batch],
                    self.schema.clone(),
                    counts,
                )))
            }
            Some(Err(e)) => Err(to_py_err(py, e)),
        }
    }

    /// The table of the batches' schema, without rows (for `pyarrow.schema(...)`).
    #[getter]
    fn empty(&self) -> PyArrowTable {
        PyArrowTable::new(
            vec![arrow_array::RecordBatch::new_empty(self.schema.clone())],
            self.schema.clone(),
            Counts::default(),
        )
    }
}
