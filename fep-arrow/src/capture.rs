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

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::TimestampNanosecondType;
    use fep_core::capture::{Connection, Direction, Timestamp};

    use super::*;
    use crate::{BatchBuilder, Masking, Target};

    fn whence() -> Whence {
        let client: SocketAddr = "10.0.0.1:40000".parse().expect("address");
        let server: SocketAddr = "[::1]:9000".parse().expect("address");
        Whence {
            ts: Timestamp::from_unix_nanos(1_764_687_932_123_456_789),
            connection: Connection { client, server },
            direction: Direction::ToClient,
        }
    }

    #[test]
    fn capture_columns_come_before_the_fields() {
        let schema =
            fep_core::Schema::parse("encoding ascii\nmessage m {\n a X(2)\n}\n").expect("compiles");
        let target = Target::new(&schema, None, Masking::Reveal).expect("target");
        let mut b = BatchBuilder::captured(&target).expect("builder");
        let msg = schema.decode(b"ab").expect("decodes");
        b.push_captured(&msg, 2, Some(&whence())).expect("push");
        // A telegram of a file: its capture columns are null.
        b.push(&msg, 2).expect("push");
        let batch = b.finish().expect("batch");
        let names: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(names, ["ts", "src", "dst", "direction", "a"]);
        let ts = batch.column(0).as_primitive::<TimestampNanosecondType>();
        assert_eq!(ts.value(0), 1_764_687_932_123_456_789);
        assert!(ts.is_null(1));
        assert_eq!(batch.column(0).data_type(), &ts_type());
        let text = |c: usize| batch.column(c).as_string::<i32>().value(0).to_owned();
        assert_eq!(
            [text(1), text(2), text(3)],
            ["[::1]:9000", "10.0.0.1:40000", "to-client"]
        );
        assert_eq!(batch.column(4).null_count(), 0);
    }

    #[test]
    fn a_field_named_as_a_capture_column_is_refused() {
        let schema = fep_core::Schema::parse("encoding ascii\nmessage m {\n src X(2)\n}\n")
            .expect("compiles");
        let target = Target::new(&schema, None, Masking::Reveal).expect("target");
        let e = BatchBuilder::captured(&target).expect_err("a clash");
        assert!(e.to_string().contains("field src"), "{e}");
    }

    #[test]
    fn pair_rows_as_a_batch() {
        let schema = fep_core::Schema::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../layouts/firmbanking.layout"
        ))
        .expect("layout");
        let sample = |n: &str| {
            std::fs::read(format!(
                "{}/../layouts/firmbanking/{n}.bin",
                env!("CARGO_MANIFEST_DIR")
            ))
            .expect("sample")
        };
        let (request, response) = (sample("transfer-request"), sample("transfer-response"));
        let options = fep_core::capture::PairOptions::new(&schema);
        let mut p = fep_core::capture::Pairer::new(&schema, options, true);
        let w = whence();
        let mut later = w;
        later.ts = Timestamp::from_unix_nanos(w.ts.unix_nanos() + 2_500_000);
        later.direction = Direction::ToClient;
        let mut first = w;
        first.direction = Direction::ToServer;
        p.push(&request[4..], 0, Some(first)).expect("request");
        p.push(&response[4..], 0, Some(later)).expect("response");
        let batch = pair_batch(&p.into_rows()).expect("batch");
        assert_eq!(batch.schema(), pair_schema());
        assert_eq!(batch.num_rows(), 1);
        let latency = batch
            .column_by_name("latency_ms")
            .expect("latency")
            .as_primitive::<arrow_array::types::Float64Type>();
        assert!((latency.value(0) - 2.5).abs() < 1e-9);
        let outcome = batch.column_by_name("outcome").expect("outcome");
        assert_eq!(outcome.as_string::<i32>().value(0), "answered");
        let src = batch.column_by_name("src").expect("src");
        assert_eq!(src.as_string::<i32>().value(0), "10.0.0.1:40000");
    }
}
