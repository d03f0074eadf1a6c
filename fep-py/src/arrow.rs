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
use fep_arrow::{BatchBuilder, Limits, Target};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use pyo3_arrow::ffi::{ArrayIterator, to_schema_pycapsule, to_stream_pycapsule};

/// Telegrams read by [`decode`]: rows made (of any message) and telegrams rejected.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub converted: u64,
    pub rejected: u64,
    /// Gaps in a packet capture's streams.
    pub gaps: u64,
}

/// Decodes a stream of framed telegrams into record batches of at most 1,048,576 rows or
/// 256 MiB of telegrams each, with `fep_arrow`'s columns. Runs without the GIL. `size`,
/// the input's bytes when known, lets the first batch make room in its columns at once.
///
/// The layout's checks run over every record unless `checks` is false. Without `rejects`
/// the first bad telegram (or failed check) is the error; with it, each one is kept there
/// and left out of the table, and reading goes on.
pub(crate) fn decode(
    schema: &fep_core::Schema,
    target: &Target,
    input: Box<dyn Read + Send>,
    size: Option<u64>,
    checks: bool,
    mut rejects: Option<fep_core::BoxedRejectWriter>,
) -> Result<(Vec<RecordBatch>, SchemaRef, Counts), fep_arrow::Error> {
    let limits = Limits::default();
    let mut builder = BatchBuilder::new(target);
    if let Some(size) = size {
        builder.size_hint(size, limits.bytes, limits.rows);
    }
    let mut batches = Vec::new();
    let mut counts = Counts::default();
    let mut checker = if checks {
        fep_core::BatchChecker::new(schema)
    } else {
        None
    };
    // A bad telegram: kept when there are rejects (reading goes on), else the error.
    let mut reject = |offset: u64,
                      telegram: Option<&[u8]>,
                      errors: Vec<fep_core::Error>,
                      counts: &mut Counts|
     -> Result<(), fep_arrow::Error> {
        let Some(w) = rejects.as_mut() else {
            return Err(errors.into_iter().next().map_or_else(
                || fep_arrow::Error::Arrow("no error".into()),
                fep_arrow::Error::Core,
            ));
        };
        counts.rejected += 1;
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        w.reject(offset, telegram, &text.join("; "))?;
        Ok(())
    };
    let mut frames = fep_core::TelegramReader::new(schema, input).keep_going(true);
    while let Some(frame) = frames.next_telegram() {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                let rejected = frames.take_rejected();
                let at = rejected.as_ref().map_or_else(
                    || e.frame_offset().or(e.offset()).map_or(0, |o| o as u64),
                    |f| f.offset,
                );
                if let Some(c) = &mut checker {
                    c.unreadable(at);
                }
                let skipped = rejected.is_some();
                reject(
                    at,
                    rejected.as_ref().map(|f| &f.telegram[..]),
                    vec![e],
                    &mut counts,
                )?;
                // Without a known end, nothing after it can be framed.
                if !skipped {
                    break;
                }
                continue;
            }
        };
        let at = frame.offset;
        let telegram = frame.telegram;
        // Telegrams of other messages are passed over without being decoded, unless the
        // checks need every record.
        let msg = match target {
            Target::One { name, .. } if checker.is_none() => {
                let info = match schema.dispatch(telegram) {
                    Ok(info) => info,
                    Err(e) => {
                        reject(at, Some(telegram), vec![e.in_frame(at)], &mut counts)?;
                        continue;
                    }
                };
                if info.name() != name {
                    continue;
                }
                // Straight into the columns when the message has no repeats.
                match builder.push_telegram(&info, telegram) {
                    Some(Ok(())) => {
                        counts.converted += 1;
                        if builder.rows() >= limits.rows || builder.bytes() >= limits.bytes {
                            batches.push(builder.finish()?);
                        }
                        continue;
                    }
                    Some(Err(fep_arrow::Error::Core(e))) => {
                        reject(at, Some(telegram), vec![e.in_frame(at)], &mut counts)?;
                        continue;
                    }
                    Some(Err(e)) => return Err(e),
                    None => {}
                }
                schema.decode_message(name, telegram)
            }
            _ => schema.decode(telegram),
        };
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                if let Some(c) = &mut checker {
                    c.unreadable(at);
                }
                reject(at, Some(telegram), vec![e.in_frame(at)], &mut counts)?;
                continue;
            }
        };
        if let Some(c) = &mut checker {
            let failures = c.record(at, &msg);
            if !failures.is_empty() {
                reject(at, Some(telegram), failures, &mut counts)?;
                continue;
            }
        }
        counts.converted += 1;
        if let Target::One { name, .. } = target
            && msg.name() != name
        {
            continue;
        }
        builder.push(&msg, telegram.len())?;
        if builder.rows() >= limits.rows || builder.bytes() >= limits.bytes {
            batches.push(builder.finish()?);
        }
    }
    if let Some(c) = &mut checker {
        let failures = c.finish();
        if let Some(e) = failures.into_iter().next() {
            // Not a telegram: nothing to keep, so the table cannot be trusted whole.
            return Err(fep_arrow::Error::Core(e));
        }
    }
    if let Some(w) = rejects.as_mut() {
        w.flush()?;
    }
    if builder.rows() > 0 || batches.is_empty() {
        batches.push(builder.finish()?);
    }
    Ok((batches, target.schema(), counts))
}

/// Converts a stream of framed telegrams to Parquet datasets under `dir` (see
/// `fep_arrow::parquet`), running the layout's checks unless `checks` is false. Without
/// `rejects` the first bad telegram or failed check is the error, and the datasets are
/// left unfinished (no file that looks whole); with it, each one is kept there and
/// converting goes on. Without rejects or checks to run, telegrams go straight into the
/// columns (`fep_arrow::parquet::convert`).
pub(crate) fn to_parquet(
    schema: &fep_core::Schema,
    input: Box<dyn Read + Send>,
    dir: &std::path::Path,
    options: fep_arrow::parquet::Options,
    checks: bool,
    rejects: Option<fep_core::BoxedRejectWriter>,
) -> Result<Vec<fep_arrow::parquet::Part>, fep_arrow::Error> {
    // Nothing needs a record: telegrams go straight into the columns (the same rows,
    // values and errors as through a decoded message).
    if rejects.is_none() && (!checks || fep_core::BatchChecker::new(schema).is_none()) {
        return fep_arrow::parquet::convert(schema, input, dir, options);
    }
    let mut out = fep_arrow::parquet::Dataset::create(dir, schema, options)?;
    let keep_going = rejects.is_some();
    let mut reader = fep_core::MessageReader::new(schema, input)
        .keep_going(keep_going)
        .checks(checks);
    if let Some(w) = rejects {
        reader = reader.rejects(w);
    }
    for item in reader {
        match item {
            Ok(d) => out.push(&d.message, d.telegram.len())?,
            // Kept in the rejects, which the reader wrote; an I/O error ends it.
            Err(e) if keep_going && e.category() == fep_core::Category::Data => {}
            Err(e) => return Err(fep_arrow::Error::Core(e)),
        }
    }
    out.finish()
}

/// Why [`decode_capture`] stopped.
#[derive(Debug)]
pub(crate) enum CaptureError {
    /// A bad telegram or a gap (without rejects), or a capture that cannot be read.
    Failure(crate::capture::Failure),
    /// A value that does not fit its column.
    Arrow(fep_arrow::Error),
}

impl From<fep_arrow::Error> for CaptureError {
    fn from(e: fep_arrow::Error) -> CaptureError {
        CaptureError::Arrow(e)
    }
}

/// Decodes the telegrams of a packet capture into record batches with the capture columns
/// (`fep_arrow::capture`): as [`decode`], but a gap in a stream fails as a bad telegram
/// does (kept in the rejects when given, and reading goes on). The layout's checks do not
/// run: a capture interleaves connections, so its records are not one batch.
pub(crate) fn decode_capture(
    schema: &fep_core::Schema,
    target: &Target,
    events: fep_core::capture::CaptureReader<crate::capture::Input>,
    rejects: Option<fep_core::BoxedRejectWriter>,
) -> Result<(Vec<RecordBatch>, SchemaRef, Counts), CaptureError> {
    let limits = Limits::default();
    let mut builder = BatchBuilder::captured(target)?;
    let keep_going = rejects.is_some();
    let mut messages = crate::capture::Messages::new(schema, events, keep_going, rejects);
    let mut batches = Vec::new();
    for item in &mut messages {
        let c = match item {
            Ok(c) => c,
            // With rejects, a data failure is kept there and reading goes on; a capture
            // that cannot be read on, or a rejects file that cannot be written, stops.
            Err(f) => {
                let fatal = match &f {
                    crate::capture::Failure::Gap(_) => false,
                    crate::capture::Failure::Core { error, at, .. } => {
                        at.is_empty() || error.category() != fep_core::Category::Data
                    }
                };
                if !keep_going || fatal {
                    return Err(CaptureError::Failure(f));
                }
                continue;
            }
        };
        if let Target::One { name, .. } = target
            && c.message.name() != name
        {
            continue;
        }
        builder.push_captured(&c.message, c.len, Some(&c.whence))?;
        if builder.rows() >= limits.rows || builder.bytes() >= limits.bytes {
            batches.push(builder.finish()?);
        }
    }
    if builder.rows() > 0 || batches.is_empty() {
        batches.push(builder.finish()?);
    }
    let counts = Counts {
        converted: messages.converted,
        rejected: messages.rejected,
        gaps: messages.gaps,
    };
    Ok((batches, builder.schema(), counts))
}

/// Arrow data decoded from telegrams: a table of record batches that pyarrow, polars and
/// DuckDB read through the Arrow PyCapsule interface, without copying the buffers.
#[pyclass(module = "fep", name = "ArrowTable", frozen)]
#[derive(Debug)]
pub(crate) struct PyArrowTable {
    batches: Vec<RecordBatch>,
    schema: SchemaRef,
    counts: Counts,
}

impl PyArrowTable {
    pub(crate) fn new(
        batches: Vec<RecordBatch>,
        schema: SchemaRef,
        counts: Counts,
    ) -> PyArrowTable {
        PyArrowTable {
            batches,
            schema,
            counts,
        }
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

    /// Telegrams converted (rows of every message, passed over ones included): with
    /// `rejected`, every telegram read.
    #[getter]
    fn converted(&self) -> u64 {
        self.counts.converted
    }

    /// Telegrams rejected (kept in the rejects file).
    #[getter]
    fn rejected(&self) -> u64 {
        self.counts.rejected
    }

    /// Gaps in a packet capture's streams (kept in the rejects); 0 for framed telegrams.
    #[getter]
    fn gaps(&self) -> u64 {
        self.counts.gaps
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
