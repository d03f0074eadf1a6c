//! Packet captures in Arrow (feature `capture`): the columns a captured telegram adds, and
//! the rows of a pairing (`fep pair`, Python's `fep.pair`) as a record batch.
//!
//! | column | Arrow | what |
//! |---|---|---|
//! | `ts` | `timestamp[ns, tz=UTC]` | when the packet that completed the telegram was captured |
//! | `src` | `utf8` | the address and port it came from, `127.0.0.1:46846`, `[::1]:9000` |
//! | `dst` | `utf8` | the address and port it went to |
//! | `direction` | `utf8` | `to-server` or `to-client` |
//!
//! The same names and texts as the `capture` object of `fep decode`'s JSON and the columns
//! of `fep convert`'s CSV. `ts` is in nanoseconds whatever the capture's resolution: a
//! microsecond capture's values end in `000`. In a read that mixes captures and files of
//! telegrams, a file's rows have these columns null.

use std::sync::Arc;

use arrow_array::builder::{
    Float64Builder, StringBuilder, TimestampNanosecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema as ArrowSchema, SchemaRef, TimeUnit};
use fep_core::capture::{PairRow, Whence};

use crate::error::Error;

/// The columns a capture adds, in order: after `message`, before the fields.
pub const CAPTURE_COLUMNS: [&str; 4] = ["ts", "src", "dst", "direction"];

/// The type of the `ts` column: nanoseconds since the epoch, in UTC.
pub fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

/// The capture columns as Arrow fields (nullable).
pub fn capture_fields() -> Vec<Field> {
    vec![
        Field::new(CAPTURE_COLUMNS[0], ts_type(), true),
        Field::new(CAPTURE_COLUMNS[1], DataType::Utf8, true),
        Field::new(CAPTURE_COLUMNS[2], DataType::Utf8, true),
        Field::new(CAPTURE_COLUMNS[3], DataType::Utf8, true),
    ]
}

/// The capture columns being built.
#[derive(Debug)]
pub(crate) struct CaptureColumns {
    ts: TimestampNanosecondBuilder,
    src: StringBuilder,
    dst: StringBuilder,
    direction: StringBuilder,
}

impl CaptureColumns {
    pub(crate) fn new() -> CaptureColumns {
        CaptureColumns {
            ts: TimestampNanosecondBuilder::new().with_timezone("UTC"),
            src: StringBuilder::new(),
            dst: StringBuilder::new(),
            direction: StringBuilder::new(),
        }
    }

    pub(crate) fn push(&mut self, whence: Option<&Whence>) {
        match whence {
            Some(w) => {
                self.ts.append_value(w.ts.unix_nanos());
                self.src.append_value(w.src().to_string());
                self.dst.append_value(w.dst().to_string());
                self.direction.append_value(w.direction.as_str());
            }
            None => {
                self.ts.append_null();
                self.src.append_null();
                self.dst.append_null();
                self.direction.append_null();
            }
        }
    }

    pub(crate) fn finish(&mut self) -> [ArrayRef; 4] {
        [
            Arc::new(self.ts.finish()),
            Arc::new(self.src.finish()),
            Arc::new(self.dst.finish()),
            Arc::new(self.direction.finish()),
        ]
    }
}

/// The columns of a pairing's rows, in the order of `fep pair --format csv`: `offset`,
/// `key`, `request`, `response`, `code`, `latency_ms`, `outcome`, then the capture columns
/// (null for a file of telegrams), then `responses` (how many answers a request had).
pub fn pair_schema() -> SchemaRef {
    let mut fields = vec![
        Field::new("offset", DataType::UInt64, false),
        Field::new("key", DataType::Utf8, false),
        Field::new("request", DataType::Utf8, true),
        Field::new("response", DataType::Utf8, true),
        Field::new("code", DataType::Utf8, true),
        Field::new("latency_ms", DataType::Float64, true),
        Field::new("outcome", DataType::Utf8, false),
    ];
    fields.extend(capture_fields());
    fields.push(Field::new("responses", DataType::UInt32, false));
    Arc::new(ArrowSchema::new(fields))
}

/// A pairing's rows as one record batch of [`pair_schema`].
pub fn pair_batch(rows: &[PairRow]) -> Result<RecordBatch, Error> {
    let mut offset = UInt64Builder::with_capacity(rows.len());
    let mut key = StringBuilder::new();
    let mut request = StringBuilder::new();
    let mut response = StringBuilder::new();
    let mut code = StringBuilder::new();
    let mut latency = Float64Builder::with_capacity(rows.len());
    let mut outcome = StringBuilder::new();
    let mut capture = CaptureColumns::new();
    let mut responses = UInt32Builder::with_capacity(rows.len());
    for r in rows {
        offset.append_value(r.offset);
        key.append_value(&r.key);
        request.append_option(r.request.as_deref());
        response.append_option(r.response.as_deref());
        code.append_option(r.code.as_deref());
        latency.append_option(r.latency.map(|d| d.as_secs_f64() * 1e3));
        outcome.append_value(r.outcome().as_str());
        capture.push(r.whence.as_ref());
        responses.append_value(r.responses);
    }
    let mut arrays: Vec<ArrayRef> = vec![
        Arc::new(offset.finish()),
        Arc::new(key.finish()),
        Arc::new(request.finish()),
        Arc::new(response.finish()),
        Arc::new(code.finish()),
        Arc::new(latency.finish()),
        Arc::new(outcome.finish()),
    ];
    arrays.extend(capture.finish());
    arrays.push(Arc::new(responses.finish()));
    RecordBatch::try_new(pair_schema(), arrays).map_err(|e| Error::Arrow(e.to_string()))
}
