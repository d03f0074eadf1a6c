//! Bulk decoding to Arrow: a capture of framed telegrams to typed columns, exported through
//! the Arrow PyCapsule interface so that pyarrow, polars and DuckDB take the buffers as they
//! are.
//!
//! The mapping from a layout to Arrow types is `fep_arrow`'s, the one the command line's
//! Parquet output uses too (see its crate documentation for the table). Every column is
//! nullable: a blank number, date or time is null.

use std::io::Read;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_schema::{Field, SchemaRef};
use fep_arrow::{Limits, Target};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use pyo3_arrow::ffi::{ArrayIterator, to_schema_pycapsule, to_stream_pycapsule};

/// Decodes a stream of framed telegrams into record batches of at most 1,048,576 rows or
/// 256 MiB of telegrams each. Runs without the GIL.
pub(crate) fn decode(
    schema: &fep_core::Schema,
    target: &Target,
    input: Box<dyn Read + Send>,
) -> Result<(Vec<RecordBatch>, SchemaRef), fep_arrow::Error> {
    let batches = fep_arrow::decode(schema, target, input, Limits::default())?;
    Ok((batches, target.schema()))
}

/// Arrow data decoded from telegrams: a table of record batches that pyarrow, polars and
/// DuckDB read through the Arrow PyCapsule interface, without copying the buffers.
#[pyclass(module = "fep", name = "ArrowTable", frozen)]
#[derive(Debug)]
pub(crate) struct PyArrowTable {
    batches: Vec<RecordBatch>,
    schema: SchemaRef,
}

impl PyArrowTable {
    pub(crate) fn new(batches: Vec<RecordBatch>, schema: SchemaRef) -> PyArrowTable {
        PyArrowTable { batches, schema }
    }
}

#[pymethods]
impl PyArrowTable {
    /// The Arrow C stream of the table's batches (the PyCapsule interface).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let fields = self.schema.fields().clone();
        let arrays = self
            .batches
            .clone()
            .into_iter()
            .map(|b| Ok(Arc::new(StructArray::from(b)) as ArrayRef));
        let field =
            Field::new_struct("", fields, false).with_metadata(self.schema.metadata().clone());
        let reader = Box::new(ArrayIterator::new(arrays, Arc::new(field)));
        Ok(to_stream_pycapsule(py, reader, requested_schema)?)
    }

    /// The Arrow C schema of the table (the PyCapsule interface).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        Ok(to_schema_pycapsule(py, self.schema.as_ref())?)
    }

    /// The number of rows (telegrams).
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The number of columns.
    #[getter]
    fn num_columns(&self) -> usize {
        self.schema.fields().len()
    }

    /// The top-level column names.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    /// The table as a `pyarrow.Table` (needs pyarrow).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("pyarrow")?
            .call_method1("table", PyTuple::new(slf.py(), [slf])?)
    }

    /// The table as a `polars.DataFrame` (needs polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("polars")?
            .call_method1("DataFrame", PyTuple::new(slf.py(), [slf])?)
    }

    fn __repr__(&self) -> String {
        let cols: Vec<String> = self
            .schema
            .fields()
            .iter()
            .map(|f| format!("{}: {}", f.name(), f.data_type()))
            .collect();
        format!(
            "<fep.ArrowTable {} rows, {} batches; {}>",
            self.num_rows(),
            self.batches.len(),
            cols.join(", ")
        )
    }
}

/// A `fep_arrow` error as a Python exception: a telegram's as `DecodeError` (with its
/// offset), a file's as `OSError`, the rest as `ValueError`.
pub(crate) fn to_py_err(py: Python<'_>, e: fep_arrow::Error) -> PyErr {
    match e {
        fep_arrow::Error::Core(e) => crate::errors::to_py(py, &e, crate::errors::Op::Decode),
        fep_arrow::Error::Io(e) => pyo3::exceptions::PyOSError::new_err(e.to_string()),
        fep_arrow::Error::Arrow(e) => pyo3::exceptions::PyValueError::new_err(e),
    }
}
