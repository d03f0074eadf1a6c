//! Bulk decoding to Arrow: a capture of framed telegrams to typed columns, exported through
//! the Arrow PyCapsule interface so that pyarrow, polars and DuckDB take the buffers as they
//! are.
//!
//! The columns come from the schema's field table (`FieldInfo::value_kind`, `scale`,
//! `is_repeated`), not from the values seen, so that every capture of one layout gives the
//! same Arrow schema, an empty one included:
//!
//! | field | Arrow |
//! |---|---|
//! | text (`X`, `G`, ...) | `utf8` |
//! | integer (`9(n)`, n <= 18) | `int64` |
//! | decimal (a scale, or more than 18 digits) | `decimal128(38, scale)` |
//! | date / time / datetime | `date32` / `time64[us]` / `timestamp[us]` |
//! | `B(n)` | `binary` |
//! | record or group | `struct` |
//! | repeat | `list` of the above |
//!
//! Every column is nullable: a blank number, date or time is null.

use std::io::Read;
use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, Date32Builder, Decimal128Builder, Int64Builder, StringBuilder,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_buffer::{NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef, Fields, Schema as ArrowSchema, SchemaRef, TimeUnit};
use fep_core::{Decimal, FieldInfo, MessageInfo, Record, Value, ValueKind};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use pyo3_arrow::ffi::{ArrayIterator, to_schema_pycapsule, to_stream_pycapsule};

/// Decimal columns take the widest precision: the field's digit count is not in the field
/// table, and a precision is only an upper bound.
const DECIMAL_PRECISION: u8 = 38;

/// A batch ends after this many rows...
const BATCH_ROWS: usize = 1 << 20;
/// ... or this many telegram bytes, which keeps every `utf8` column of a batch far below the
/// 2 GiB its 32-bit offsets can address (text grows at most 1.5 times from EUC-KR to UTF-8).
const BATCH_BYTES: usize = 256 << 20;

/// What one column holds, from the field table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spec {
    name: String,
    kind: Kind,
    repeated: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Text,
    Int,
    Decimal(u8),
    Date,
    Time,
    DateTime,
    Bytes,
    Record(Vec<Spec>),
}

impl Spec {
    fn element_type(&self) -> DataType {
        match &self.kind {
            Kind::Text => DataType::Utf8,
            Kind::Int => DataType::Int64,
            Kind::Decimal(scale) => DataType::Decimal128(DECIMAL_PRECISION, *scale as i8),
            Kind::Date => DataType::Date32,
            Kind::Time => DataType::Time64(TimeUnit::Microsecond),
            Kind::DateTime => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::Bytes => DataType::Binary,
            Kind::Record(kids) => DataType::Struct(kids.iter().map(Spec::field).collect()),
        }
    }

    fn data_type(&self) -> DataType {
        if self.repeated {
            DataType::List(Arc::new(Field::new("item", self.element_type(), true)))
        } else {
            self.element_type()
        }
    }

    fn field(&self) -> Field {
        Field::new(&self.name, self.data_type(), true)
    }
}

/// The columns of a message: its fields in wire order, filler left out.
pub(crate) fn specs(info: &MessageInfo<'_>) -> Result<Vec<Spec>, String> {
    let fields: Vec<FieldInfo<'_>> = info.fields().collect();
    let mut i = 0;
    let mut out = Vec::new();
    build(&fields, &mut i, 0, &mut out)?;
    if i != fields.len() {
        return Err(format!(
            "unexpected nesting at field {} of message {}",
            fields[i].path(),
            info.name()
        ));
    }
    Ok(out)
}

fn build(
    fields: &[FieldInfo<'_>],
    i: &mut usize,
    depth: usize,
    out: &mut Vec<Spec>,
) -> Result<(), String> {
    while let Some(f) = fields.get(*i) {
        if f.depth() != depth {
            break;
        }
        *i += 1;
        let kind = match f.value_kind() {
            ValueKind::Text => Kind::Text,
            ValueKind::Integer => Kind::Int,
            ValueKind::Decimal => Kind::Decimal(f.scale().unwrap_or(0)),
            ValueKind::Date => Kind::Date,
            ValueKind::Time => Kind::Time,
            ValueKind::DateTime => Kind::DateTime,
            ValueKind::Bytes => Kind::Bytes,
            ValueKind::Record => {
                let mut kids = Vec::new();
                build(fields, i, depth + 1, &mut kids)?;
                Kind::Record(kids)
            }
            other => return Err(format!("field {}: no Arrow type for {other:?}", f.path())),
        };
        if f.is_filler() {
            continue;
        }
        out.push(Spec {
            name: f.name().to_owned(),
            kind,
            repeated: f.is_repeated(),
        });
    }
    Ok(())
}

/// The columns that every message has alike (same name, same type), in the first
/// message's order: what a capture that mixes messages has in common, such as the header.
pub(crate) fn common(all: &[Vec<Spec>]) -> Vec<Spec> {
    let Some((first, rest)) = all.split_first() else {
        return Vec::new();
    };
    first
        .iter()
        // The `message` column is added in front; a field of that name would clash with it.
        .filter(|s| s.name != MESSAGE_COLUMN)
        .filter(|s| rest.iter().all(|m| m.iter().any(|t| t == *s)))
        .cloned()
        .collect()
}

/// The column naming each row's message when a capture mixes messages.
pub(crate) const MESSAGE_COLUMN: &str = "message";

/// A column being built.
enum Col {
    Text(StringBuilder),
    Int(Int64Builder),
    Decimal(Decimal128Builder, u8),
    Date(Date32Builder),
    Time(Time64MicrosecondBuilder),
    DateTime(TimestampMicrosecondBuilder),
    Bytes(BinaryBuilder),
    Struct {
        fields: Fields,
        names: Vec<String>,
        cols: Vec<Col>,
        nulls: NullBufferBuilder,
    },
    List {
        field: FieldRef,
        offsets: Vec<i32>,
        child: Box<Col>,
        nulls: NullBufferBuilder,
    },
}

impl Col {
    fn new(spec: &Spec) -> Col {
        if spec.repeated {
            let element = Spec {
                repeated: false,
                ..spec.clone()
            };
            return Col::List {
                field: Arc::new(Field::new("item", element.element_type(), true)),
                offsets: vec![0],
                child: Box::new(Col::new(&element)),
                nulls: NullBufferBuilder::new(0),
            };
        }
        match &spec.kind {
            Kind::Text => Col::Text(StringBuilder::new()),
            Kind::Int => Col::Int(Int64Builder::new()),
            Kind::Decimal(scale) => Col::Decimal(
                Decimal128Builder::new()
                    .with_data_type(DataType::Decimal128(DECIMAL_PRECISION, *scale as i8)),
                *scale,
            ),
            Kind::Date => Col::Date(Date32Builder::new()),
            Kind::Time => Col::Time(Time64MicrosecondBuilder::new()),
            Kind::DateTime => Col::DateTime(TimestampMicrosecondBuilder::new()),
            Kind::Bytes => Col::Bytes(BinaryBuilder::new()),
            Kind::Record(kids) => Col::Struct {
                fields: kids.iter().map(Spec::field).collect(),
                names: kids.iter().map(|k| k.name.clone()).collect(),
                cols: kids.iter().map(Col::new).collect(),
                nulls: NullBufferBuilder::new(0),
            },
        }
    }

    /// Appends one value (`None` when the record lacks the field: a null).
    fn push(&mut self, v: Option<&Value<'_>>) -> Result<(), String> {
        let v = match v {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        };
        match (self, v) {
            (Col::Text(b), Some(Value::Text(t))) => b.append_value(t),
            (Col::Text(b), None) => b.append_null(),
            (Col::Int(b), Some(v)) => b.append_value(int(v)?),
            (Col::Int(b), None) => b.append_null(),
            (Col::Decimal(b, scale), Some(v)) => b.append_value(mantissa(v, *scale)?),
            (Col::Decimal(b, _), None) => b.append_null(),
            (Col::Date(b), Some(Value::Date(d))) => b.append_value(d.days_since_epoch()),
            (Col::Date(b), None) => b.append_null(),
            (Col::Time(b), Some(Value::Time(t))) => b.append_value(t.micros_since_midnight()),
            (Col::Time(b), None) => b.append_null(),
            (Col::DateTime(b), Some(Value::DateTime(dt))) => {
                b.append_value(dt.micros_since_epoch())
            }
            (Col::DateTime(b), None) => b.append_null(),
            (Col::Bytes(b), Some(Value::Bytes(x))) => b.append_value(x),
            (Col::Bytes(b), None) => b.append_null(),
            (
                Col::Struct {
                    names, cols, nulls, ..
                },
                Some(Value::Record(r)),
            ) => {
                push_record(names, cols, r)?;
                nulls.append_non_null();
            }
            (Col::Struct { cols, nulls, .. }, None) => {
                for c in cols {
                    c.push(None)?;
                }
                nulls.append_null();
            }
            (
                Col::List {
                    offsets,
                    child,
                    nulls,
                    ..
                },
                Some(Value::List(items)),
            ) => {
                for item in items {
                    child.push(Some(item))?;
                }
                let last = offsets.last().copied().unwrap_or(0);
                let next = i32::try_from(items.len())
                    .ok()
                    .and_then(|n| last.checked_add(n))
                    .ok_or("a list column outgrew 32-bit offsets")?;
                offsets.push(next);
                nulls.append_non_null();
            }
            (Col::List { offsets, nulls, .. }, None) => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
                nulls.append_null();
            }
            (_, Some(v)) => {
                return Err(format!(
                    "a value of the wrong kind for its column: {}",
                    v.type_name()
                ));
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<ArrayRef, String> {
        Ok(match self {
            Col::Text(b) => Arc::new(b.finish()),
            Col::Int(b) => Arc::new(b.finish()),
            Col::Decimal(b, _) => Arc::new(b.finish()),
            Col::Date(b) => Arc::new(b.finish()),
            Col::Time(b) => Arc::new(b.finish()),
            Col::DateTime(b) => Arc::new(b.finish()),
            Col::Bytes(b) => Arc::new(b.finish()),
            Col::Struct {
                fields,
                cols,
                nulls,
                ..
            } => {
                let arrays = cols
                    .iter_mut()
                    .map(Col::finish)
                    .collect::<Result<Vec<_>, _>>()?;
                Arc::new(
                    StructArray::try_new(fields.clone(), arrays, nulls.finish())
                        .map_err(|e| e.to_string())?,
                )
            }
            Col::List {
                field,
                offsets,
                child,
                nulls,
            } => {
                let offsets = std::mem::replace(offsets, vec![0]);
                Arc::new(
                    ListArray::try_new(
                        field.clone(),
                        OffsetBuffer::new(ScalarBuffer::from(offsets)),
                        child.finish()?,
                        nulls.finish(),
                    )
                    .map_err(|e| e.to_string())?,
                )
            }
        })
    }
}

/// Appends a record's fields to the columns of its group. The record has the group's shape
/// (its fields in the same order), so fields are matched by position and checked by name.
fn push_record(names: &[String], cols: &mut [Col], r: &Record<'_>) -> Result<(), String> {
    let mut it = r.iter();
    for (name, col) in names.iter().zip(cols) {
        let v = match it.next() {
            Some((n, v)) if n == name => Some(v),
            _ => r.get(name),
        };
        col.push(v)?;
    }
    Ok(())
}

fn int(v: &Value<'_>) -> Result<i64, String> {
    v.as_i64()
        .ok_or_else(|| format!("{} in an integer column", v.type_name()))
}

/// A number as the mantissa of a decimal column of `scale`, exactly.
fn mantissa(v: &Value<'_>, scale: u8) -> Result<i128, String> {
    let d = match v {
        Value::Int(i) => Decimal::new(i128::from(*i), 0),
        Value::UInt(u) => Decimal::new(i128::from(*u), 0),
        Value::Decimal(d) => *d,
        other => return Err(format!("{} in a decimal column", other.type_name())),
    };
    d.rescale(scale).ok_or_else(|| {
        format!("{d} does not fit a decimal column of scale {scale} (38 digits) exactly")
    })
}

/// What to decode: one message's columns, or the columns common to all with a `message`
/// column in front.
#[derive(Debug)]
pub(crate) enum Target {
    One { name: String, specs: Vec<Spec> },
    Mixed { specs: Vec<Spec> },
}

impl Target {
    fn schema(&self) -> SchemaRef {
        let mut fields: Vec<Field> = Vec::new();
        let specs = match self {
            Target::One { specs, .. } => specs,
            Target::Mixed { specs } => {
                fields.push(Field::new(MESSAGE_COLUMN, DataType::Utf8, false));
                specs
            }
        };
        fields.extend(specs.iter().map(Spec::field));
        Arc::new(ArrowSchema::new(fields))
    }
}

/// Why a bulk decode stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    Core(fep_core::Error),
    Internal(String),
}

impl From<fep_core::Error> for Failure {
    fn from(e: fep_core::Error) -> Failure {
        Failure::Core(e)
    }
}

impl From<String> for Failure {
    fn from(e: String) -> Failure {
        Failure::Internal(e)
    }
}

/// Telegrams read by [`decode`]: rows made (of any message) and telegrams rejected.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub converted: u64,
    pub rejected: u64,
}

/// Decodes a stream of framed telegrams into record batches. Runs without the GIL.
///
/// The layout's checks run over every record unless `checks` is false. Without `rejects`
/// the first bad telegram (or failed check) is the error; with it, each one is kept there
/// and left out of the table, and reading goes on.
pub(crate) fn decode(
    schema: &fep_core::Schema,
    target: &Target,
    input: Box<dyn Read + Send>,
    checks: bool,
    mut rejects: Option<fep_core::BoxedRejectWriter>,
) -> Result<(Vec<RecordBatch>, SchemaRef, Counts), Failure> {
    let arrow_schema = target.schema();
    let specs = match target {
        Target::One { specs, .. } | Target::Mixed { specs } => specs,
    };
    let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    let mut cols: Vec<Col> = specs.iter().map(Col::new).collect();
    let mut message_col = StringBuilder::new();
    let mut batches = Vec::new();
    let (mut rows, mut bytes) = (0usize, 0usize);
    let mut counts = Counts::default();
    let mut checker = if checks {
        fep_core::BatchChecker::new(schema)
    } else {
        None
    };
    let finish =
        |cols: &mut Vec<Col>, message_col: &mut StringBuilder| -> Result<RecordBatch, Failure> {
            let mut arrays: Vec<ArrayRef> = Vec::with_capacity(cols.len() + 1);
            if matches!(target, Target::Mixed { .. }) {
                arrays.push(Arc::new(message_col.finish()));
            }
            for c in cols.iter_mut() {
                arrays.push(c.finish()?);
            }
            RecordBatch::try_new(arrow_schema.clone(), arrays)
                .map_err(|e| Failure::Internal(e.to_string()))
        };
    // A bad telegram: kept when there are rejects (reading goes on), else the error.
    let mut reject = |offset: u64,
                      telegram: Option<&[u8]>,
                      errors: Vec<fep_core::Error>,
                      counts: &mut Counts|
     -> Result<(), Failure> {
        let Some(w) = rejects.as_mut() else {
            return Err(errors
                .into_iter()
                .next()
                .map_or_else(|| Failure::Internal("no error".into()), Failure::Core));
        };
        counts.rejected += 1;
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        w.reject(offset, telegram, &text.join("; "))?;
        Ok(())
    };
    let mut frames = fep_core::TelegramReader::new(schema, input).keep_going(true);
    while let Some(frame) = frames.next() {
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
        let telegram = &frame.telegram[..];
        // Telegrams of other messages are passed over without being decoded, unless the
        // checks need every record.
        let msg = match target {
            Target::One { name, .. } if checker.is_none() => {
                let info = match schema.dispatch(telegram) {
                    Ok(info) => info,
                    Err(e) => {
                        reject(
                            frame.offset,
                            Some(telegram),
                            vec![e.in_frame(at)],
                            &mut counts,
                        )?;
                        continue;
                    }
                };
                if info.name() != name {
                    continue;
                }
                schema.decode_message(name, telegram)
            }
            _ => schema.decode(telegram),
        };
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                if let Some(c) = &mut checker {
                    c.unreadable(frame.offset);
                }
                reject(
                    frame.offset,
                    Some(telegram),
                    vec![e.in_frame(at)],
                    &mut counts,
                )?;
                continue;
            }
        };
        if let Some(c) = &mut checker {
            let failures = c.record(frame.offset, &msg);
            if !failures.is_empty() {
                reject(frame.offset, Some(telegram), failures, &mut counts)?;
                continue;
            }
        }
        counts.converted += 1;
        match target {
            Target::One { name, .. } => {
                if msg.name() != name {
                    continue;
                }
                push_record(&names, &mut cols, msg.fields())?;
            }
            Target::Mixed { .. } => {
                message_col.append_value(msg.name());
                for (name, col) in names.iter().zip(cols.iter_mut()) {
                    col.push(msg.fields().get(name))?;
                }
            }
        }
        rows += 1;
        bytes += telegram.len();
        if rows >= BATCH_ROWS || bytes >= BATCH_BYTES {
            batches.push(finish(&mut cols, &mut message_col)?);
            rows = 0;
            bytes = 0;
        }
    }
    if let Some(c) = &mut checker {
        let failures = c.finish();
        if let Some(e) = failures.into_iter().next() {
            // Not a telegram: nothing to keep, so the table cannot be trusted whole.
            return Err(Failure::Core(e));
        }
    }
    if let Some(w) = rejects.as_mut() {
        w.flush()?;
    }
    if rows > 0 || batches.is_empty() {
        batches.push(finish(&mut cols, &mut message_col)?);
    }
    Ok((batches, arrow_schema, counts))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_of_a_layout() {
        let schema = fep_core::Schema::parse(
            "encoding ascii\nmessage m {\n a X(2)\n _ X(1)\n n 9(3)\n r 9(3)V9(2)\n items[n, max=3] {\n  d 9(8) date\n  t 9(4) time(\"hhmm\")\n }\n}\n",
        )
        .expect("compiles");
        let info = schema.message("m").expect("has m");
        let s = specs(&info).expect("specs");
        let dt: Vec<String> = s
            .iter()
            .map(|s| format!("{}: {}", s.name, s.data_type()))
            .collect();
        assert_eq!(
            dt,
            [
                "a: Utf8",
                "n: Int64",
                "r: Decimal128(38, 2)",
                "items: List(Struct(\"d\": Date32, \"t\": Time64(µs)))",
            ]
        );
    }

    #[test]
    fn decimals_are_rescaled() {
        let d = Value::Decimal(fep_core::Decimal::new(125, 1));
        assert_eq!(mantissa(&d, 3), Ok(12_500));
        assert_eq!(mantissa(&Value::Int(7), 2), Ok(700));
        assert!(mantissa(&d, 0).is_err());
    }
}
