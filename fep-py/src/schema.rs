//! `fep.Schema`: a compiled layout, and the calls on it. Each converts its arguments, calls
//! the core with the GIL released, and maps the error.
//!
//! Also `MessageInfo` and `FieldInfo`, the layout's messages and fields for inspection.

use std::path::PathBuf;

use bytes::BytesMut;
use fep_arrow::{Column, Masking, Target};
use fep_core::{Sensitivity, ValueKind};
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping, PyString};

use crate::arrow::{self, PyArrowTable};
use crate::capture;
use crate::convert::{Reader, record_to_py};
use crate::dicts::Shapes;
use crate::errors::{Attributes, DecodeError, Op, encode_error, set_attributes, to_py};
use crate::input::{Data, Source, telegram};
use crate::message::PyMessage;
use crate::range::PyArrowBatches;
use crate::stream::PyMessageIterator;

/// Telegrams up to this size are decoded by `Schema.decode` without releasing the GIL:
/// decoding one takes about a microsecond, less than letting another thread in and
/// taking the GIL back. Longer input (a batch record of many repeats) releases it.
const DECODE_ATTACHED: usize = 16 * 1024;

/// A compiled layout: immutable, safe to share between threads.
#[pyclass(module = "fep", name = "Schema", frozen)]
#[derive(Debug)]
pub(crate) struct PySchema {
    pub(crate) schema: fep_core::Schema,
    /// What `decode_dict` has learnt of each message.
    shapes: std::sync::Arc<Shapes>,
}

impl PySchema {
    fn new(schema: fep_core::Schema) -> PySchema {
        let shapes = std::sync::Arc::new(Shapes::new(&schema));
        PySchema { schema, shapes }
    }
}

#[pymethods]
impl PySchema {
    /// Reads and compiles a layout file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PySchema> {
        let r = py.detach(|| fep_core::Schema::load(&path));
        r.map(PySchema::new).map_err(|e| to_py(py, &e, Op::Decode))
    }

    /// Compiles a layout from its text; `name` names it in error messages.
    #[staticmethod]
    #[pyo3(signature = (text, /, *, name = None))]
    fn parse(py: Python<'_>, text: &str, name: Option<&str>) -> PyResult<PySchema> {
        let r = py.detach(|| match name {
            Some(n) => fep_core::Schema::parse_named(n, text),
            None => fep_core::Schema::parse(text),
        });
        r.map(PySchema::new).map_err(|e| to_py(py, &e, Op::Decode))
    }

    /// The messages, in layout order.
    #[getter]
    fn messages(&self, py: Python<'_>) -> PyResult<Vec<PyMessageInfo>> {
        self.schema
            .messages()
            .map(|m| PyMessageInfo::from_core(py, m))
            .collect()
    }

    /// A message by name.
    fn message(&self, py: Python<'_>, name: &str) -> PyResult<PyMessageInfo> {
        match self.schema.message(name) {
            Some(m) => PyMessageInfo::from_core(py, m),
            None => Err(PyKeyError::new_err(name.to_owned())),
        }
    }

    /// The text encoding: `euc-kr`, `cp949`, `utf-8` or `ascii`.
    #[getter]
    fn encoding(&self) -> &'static str {
        self.schema.encoding().name()
    }

    /// The framing, as the layout writes it: `length-prefix 4 ascii`, `lines`, `none`.
    #[getter]
    fn framing(&self) -> String {
        self.schema.framing().to_string()
    }

    /// The `key` directive's field paths.
    #[getter]
    fn key_paths(&self) -> Vec<String> {
        self.schema.key_paths().map(str::to_owned).collect()
    }

    /// True when the layout has `check` statements (a batch file's counts, totals and
    /// sequence numbers), which readers run over whole files.
    #[getter]
    fn has_checks(&self) -> bool {
        fep_core::BatchChecker::new(&self.schema).is_some()
    }

    /// Decodes one telegram (without its frame, unless `framed`).
    #[pyo3(signature = (data, /, *, message = None, framed = false))]
    fn decode(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        message: Option<&str>,
        framed: bool,
    ) -> PyResult<PyMessage> {
        let data = telegram(data)?;
        // A message without repeats whose shape is known: its values as the flat decode
        // gives them, the core's message made only if asked for.
        let data = if !framed
            && data.len() <= DECODE_ATTACHED
            && let Some(info) = self.message_of(&data, message)
            && let Some(shape) = self.shapes.get(info.index())
        {
            match PyMessage::flat(&self.shapes, info, shape.values(), data) {
                Ok(m) => return Ok(m),
                Err(data) => data,
            }
        } else {
            data
        };
        let m = self.decode_general(py, data, message, framed)?;
        if !framed {
            self.learn(py, &m)?;
        }
        Ok(m)
    }

    /// What `decode(data, ...).to_dict()` gives, made straight from the bytes for a
    /// message without repeats (no `Message` in between), framed or not; the same errors.
    #[pyo3(signature = (data, /, *, message = None, framed = false))]
    fn decode_dict<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        message: Option<&str>,
        framed: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let bytes = telegram(data)?;
        let unframed;
        let t: &[u8] = if framed {
            match unframe(&self.schema, &bytes) {
                Ok(t) => {
                    unframed = t;
                    &unframed
                }
                // Not one whole frame: `decode` reports it.
                Err(_) => {
                    let m = self.decode_general(py, telegram(data)?, message, true)?;
                    return record_to_py(py, m.msg()?.fields());
                }
            }
        } else {
            &bytes
        };
        let info = self.message_of(t, message);
        if let Some(info) = info
            && let Some(dict) = self.dict_direct(py, info, t)?
        {
            return Ok(dict);
        }
        // The general way, as `decode` then `to_dict` (without a `Message` object).
        let decoded = match (info, message) {
            (Some(info), _) => self.schema.decode_message(info.name(), t),
            (None, Some(name)) => self.schema.decode_message(name, t),
            (None, None) => self.schema.decode(t),
        };
        let m = decoded.map_err(|e| to_py(py, &e, Op::Decode))?;
        let dict = record_to_py(py, m.fields())?;
        if let Some(info) = info {
            self.learn_from(py, info, t, m.fields())?;
        }
        Ok(dict)
    }

    /// `decode_dict` straight from the bytes only: `None` where it would decode the general
    /// way (a message not yet learnt, one with repeats, a telegram no message matches).
    /// For the tests, which hold that the two ways agree.
    #[pyo3(signature = (data, /, *, message = None))]
    fn _decode_dict_direct<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        message: Option<&str>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let t = telegram(data)?;
        match self.message_of(&t, message) {
            Some(info) => self.dict_direct(py, info, &t),
            None => Ok(None),
        }
    }

    /// Encodes a message into telegram bytes (framed when `frame`).
    #[pyo3(signature = (value, /, *, message = None, frame = false))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        message: Option<&str>,
        frame: bool,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let (name, fields) = self.message_value(value, message)?;
        let r = py.detach(|| {
            let telegram = self.schema.encode_record(&name, &fields)?;
            if frame {
                fep_core::Framer::new(&self.schema).frame(&telegram)
            } else {
                Ok(telegram)
            }
        });
        match r {
            Ok(b) => Ok(PyBytes::new(py, &b)),
            Err(e) => Err(to_py(py, &e, Op::Encode)),
        }
    }

    /// Decoded messages from a stream of framed telegrams: a path, a binary file object, or
    /// bytes. Reads in chunks: constant memory, whatever the size of the capture.
    ///
    /// The layout's `check` statements run over every record unless `checks` is false: a
    /// record that fails one comes as a `DecodeError`. With `rejects` (a path), every
    /// telegram that does not frame, decode or pass a check is written there byte for byte,
    /// with `PATH.index.csv` beside it.
    ///
    /// A packet capture (pcap or pcapng, told by its first bytes) gives its telegrams in
    /// capture order, each message with `ts`, `ts_ns`, `src`, `dst` and `direction`
    /// (`offset` is then in its direction's stream); `port` and `host` (one or a list)
    /// keep the connections with one at either end. A gap in a stream is a
    /// `CaptureGapError`, raised or (with `keep_going`) yielded as a bad telegram is, and
    /// kept in the rejects index; the layout's checks do not run over a capture.
    #[pyo3(signature = (source, /, *, keep_going = false, rejects = None, checks = true, port = None, host = None))]
    // Python's keyword arguments, one Rust argument each.
    #[allow(clippy::too_many_arguments)]
    fn iter_decode(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        keep_going: bool,
        rejects: Option<PathBuf>,
        checks: bool,
        port: Option<&Bound<'_, PyAny>>,
        host: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyMessageIterator> {
        let filters = capture::Filters::from_py(port, host)?;
        let input = Source::from_py(source)?.open()?;
        let (is_capture, input) =
            capture::sniff(input).map_err(|e| to_py(py, &fep_core::Error::from(e), Op::Decode))?;
        if !is_capture && filters.any() {
            return Err(capture::Filters::refused());
        }
        let rejects = self.rejects(py, rejects)?;
        if is_capture {
            let events = capture::open(&self.schema, input, &filters)
                .map_err(|e| to_py(py, &e, Op::Decode))?;
            let messages = capture::Messages::new(&self.schema, events, keep_going, rejects);
            return Ok(PyMessageIterator::capture(messages, keep_going));
        }
        Ok(PyMessageIterator::new(
            &self.schema,
            input,
            keep_going,
            checks,
            rejects,
        ))
    }

    /// Encodes messages into a batch file: each framed as the layout says, one after the
    /// other. Fields the layout's `check` statements compute (trailer counts and totals,
    /// sequence numbers, header copies) are filled in when left out or None and checked when
    /// given; a batch left open gets its trailer. `messages` holds `Message`s or dicts
    /// `{"message": NAME, "fields": {...}}`.
    #[pyo3(signature = (messages, /, *, checks = true))]
    fn encode_batch<'py>(
        &self,
        py: Python<'py>,
        messages: &Bound<'py, PyAny>,
        checks: bool,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let mut out = Vec::new();
        let mut w = fep_core::MessageWriter::new(&self.schema, &mut out).checks(checks);
        for item in messages.try_iter()? {
            let (name, record) = self.message_value(&item?, None)?;
            let msg = fep_core::Message::new(&name, record);
            w.write(&msg).map_err(|e| to_py(py, &e, Op::Encode))?;
        }
        w.finish().map_err(|e| to_py(py, &e, Op::Encode))?;
        drop(w);
        Ok(PyBytes::new(py, &out))
    }

    /// A telegram explained field by field, as text (sensitive fields hidden): the core's
    /// explain table, the one `fep explain` prints.
    #[pyo3(signature = (data, /, *, message = None))]
    fn explain(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        message: Option<&str>,
    ) -> PyResult<String> {
        let data = telegram(data)?;
        let r = py.detach(|| {
            let x = match message {
                Some(name) => self.schema.explain_as(name, &data)?,
                None => self.schema.explain(&data),
            };
            Ok(x.to_text(false))
        });
        r.map_err(|e: fep_core::Error| to_py(py, &e, Op::Decode))
    }

    /// Two messages compared field by field: a list of dicts, one a difference, empty when
    /// they are equal. Each has `path` (`items[2].amount`; an entry one side lacks is one
    /// difference, `items[2]`), `change` (`"changed"`, `"only_a"`, `"only_b"`), `offset_a`
    /// and `offset_b` (the field's byte offset in each telegram, `None` on the side that
    /// lacks it), `length`, `a` and `b` (the values; `mask`/`secret` ones hidden as text
    /// unless `reveal`), `description` and `hidden` (true when the values differ only
    /// where they are hidden). Two different messages give first a dict with `change`
    /// `"message"`, `path` `None` and the two names as `a` and `b`, then the fields they
    /// share that differ. `a` and `b` are `Message`s, telegrams (bytes, decoded first) or
    /// dicts as `encode` takes them.
    #[pyo3(signature = (a, b, /, *, reveal = false))]
    fn diff<'py>(
        &self,
        py: Python<'py>,
        a: &Bound<'py, PyAny>,
        b: &Bound<'py, PyAny>,
        reveal: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let ma = self.diff_side(a)?;
        let mb = self.diff_side(b)?;
        let d = py.detach(|| self.schema.diff(&ma, &mb));
        let out = PyList::empty(py);
        if !d.same_message() {
            let row = PyDict::new(py);
            row.set_item("path", py.None())?;
            row.set_item("change", "message")?;
            row.set_item("offset_a", py.None())?;
            row.set_item("offset_b", py.None())?;
            row.set_item("length", py.None())?;
            row.set_item("a", ma.name())?;
            row.set_item("b", mb.name())?;
            row.set_item("description", py.None())?;
            row.set_item("hidden", false)?;
            out.append(row)?;
        }
        let json = py.import("json")?;
        for f in &d.fields {
            let r = DiffRow::of(f, reveal);
            let row = PyDict::new(py);
            row.set_item("path", &f.path)?;
            row.set_item("change", r.change)?;
            row.set_item("offset_a", f.offset_a)?;
            row.set_item("offset_b", f.offset_b)?;
            row.set_item("length", f.length)?;
            // Real values as Python objects; hidden ones as the text a person may see.
            let value = |v: Option<&fep_core::Value<'_>>, hidden: Option<String>| match (v, hidden)
            {
                (None, _) => Ok(py.None().into_bound(py)),
                (Some(_), Some(text)) => json.call_method1("loads", (text,)),
                (Some(v), None) => crate::convert::to_py(py, v),
            };
            row.set_item("a", value(f.a, r.a_hidden)?)?;
            row.set_item("b", value(f.b, r.b_hidden)?)?;
            row.set_item("description", f.description)?;
            row.set_item("hidden", r.hidden)?;
            out.append(row)?;
        }
        Ok(out)
    }

    /// The correlation key of a telegram (the layout's `key` directive), read straight from
    /// its bytes: the key fields' text joined with `|`.
    #[pyo3(signature = (data, /))]
    fn key(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<String> {
        let data = telegram(data)?;
        py.detach(|| self.schema.key(&data))
            .map_err(|e| to_py(py, &e, Op::Decode))
    }

    /// Decodes a stream of framed telegrams into Arrow columns, with the GIL released.
    ///
    /// With `message`, the rows are that message's telegrams (others are passed over) and the
    /// columns its fields. Without it, a layout of one message gives that message; a layout of
    /// several gives a `message` column and the fields that every message has alike.
    ///
    /// The layout's `check` statements run over every record unless `checks` is false.
    /// With `rejects` (a path), every telegram that does not frame, decode or pass a check
    /// is written there byte for byte, with `PATH.index.csv` beside it, and left out;
    /// without, the first one raises.
    ///
    /// A packet capture (pcap or pcapng, told by its first bytes) adds the columns `ts`
    /// (`timestamp[ns, tz=UTC]`), `src`, `dst` and `direction` (text, as `fep decode` and
    /// `fep convert` give them), after `message` and before the fields; `port` and `host`
    /// (one or a list) keep the connections with one at either end. A gap in a stream
    /// raises `CaptureGapError`, or with `rejects` is kept in its index (the table's
    /// `gaps` counts them) and reading goes on.
    #[pyo3(signature = (source, /, *, message = None, rejects = None, checks = true, port = None, host = None))]
    // Python's keyword arguments, one Rust argument each.
    #[allow(clippy::too_many_arguments)]
    fn decode_arrow(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        message: Option<&str>,
        rejects: Option<PathBuf>,
        checks: bool,
        port: Option<&Bound<'_, PyAny>>,
        host: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArrowTable> {
        let filters = capture::Filters::from_py(port, host)?;
        let target = self.target(message)?;
        let source = Source::from_py(source)?;
        let size = source.size();
        let input = source.open()?;
        let (is_capture, input) =
            capture::sniff(input).map_err(|e| to_py(py, &fep_core::Error::from(e), Op::Decode))?;
        if !is_capture && filters.any() {
            return Err(capture::Filters::refused());
        }
        let rejects = self.rejects(py, rejects)?;
        if is_capture {
            let events = capture::open(&self.schema, input, &filters)
                .map_err(|e| to_py(py, &e, Op::Decode))?;
            let r = py.detach(|| arrow::decode_capture(&self.schema, &target, events, rejects));
            return match r {
                Ok((batches, schema, counts)) => Ok(PyArrowTable::new(batches, schema, counts)),
                Err(arrow::CaptureError::Failure(f)) => Err(f.to_py(py)),
                Err(arrow::CaptureError::Arrow(e)) => Err(arrow::to_py_err(py, e)),
            };
        }
        let r = py.detach(|| arrow::decode(&self.schema, &target, input, size, checks, rejects));
        match r {
            Ok((batches, schema, counts)) => Ok(PyArrowTable::new(batches, schema, counts)),
            Err(fep_arrow::Error::Core(e)) => Err(to_py(py, &e, Op::Decode)),
            Err(e) => Err(PyValueError::new_err(e.to_string())),
        }
    }

    /// The record batches of one byte range of a capture file, decoded as they are asked
    /// for: the telegrams whose frames start in `[boundary(start), boundary(end))`, where a
    /// boundary is the first frame start at or after an offset (see docs/spark.md). Each
    /// batch has the fields, `_offset` (the frame's byte offset in the file) and, with
    /// `mode="PERMISSIVE"`, `_error` (why a telegram did not decode; its fields are null).
    /// `mode="DROPMALFORMED"` leaves bad telegrams out, `"FAILFAST"` raises at the first.
    /// The layout's `check` statements run unless `checks` is false; they need the whole
    /// file (`start=0, end=None`), and a record that fails one is a bad telegram.
    #[pyo3(signature = (path, /, *, message = None, start = 0, end = None, mode = "FAILFAST", batch_rows = 65_536, checks = true))]
    // Python's keyword arguments, one Rust argument each.
    #[allow(clippy::too_many_arguments)]
    fn iter_arrow(
        &self,
        py: Python<'_>,
        path: PathBuf,
        message: Option<&str>,
        start: u64,
        end: Option<u64>,
        mode: &str,
        batch_rows: usize,
        checks: bool,
    ) -> PyResult<PyArrowBatches> {
        use fep_arrow::range::{Mode, Range, RangeBatches};
        let mode = match mode.to_ascii_uppercase().as_str() {
            "PERMISSIVE" => Mode::Permissive,
            "DROPMALFORMED" => Mode::DropMalformed,
            "FAILFAST" => Mode::FailFast,
            other => {
                return Err(PyValueError::new_err(format!(
                    "mode {other:?}: give PERMISSIVE, DROPMALFORMED or FAILFAST"
                )));
            }
        };
        if batch_rows == 0 {
            return Err(PyValueError::new_err("batch_rows must be at least 1"));
        }
        let target = self.target(message)?;
        let limits = fep_arrow::Limits {
            rows: batch_rows,
            ..fep_arrow::Limits::default()
        };
        let range = Range { start, end };
        let r = py.detach(|| {
            RangeBatches::open(&self.schema, &target, &path, range, mode, limits)
                .and_then(|b| b.checks(checks))
        });
        r.map(PyArrowBatches::new)
            .map_err(|e| arrow::to_py_err(py, e))
    }

    /// Converts a stream of framed telegrams to Parquet: one dataset per message under
    /// `folder`, `folder/message=NAME/part-00000.parquet`, with the types of
    /// `decode_arrow`. `mask` and `secret` fields are text as `repr` shows them unless
    /// `reveal`. Row groups hold at most `row_group_rows` rows, so memory stays flat.
    /// Text and bytes columns carry min/max statistics only with `text_statistics`.
    /// The layout's `check` statements run over every record unless `checks` is false.
    /// Without `rejects`, the first bad telegram or failed check is the error
    /// (`DecodeError`, with its offset); with `rejects` (a path), each one is written there
    /// byte for byte (its index beside it, as `fep convert --rejects` does), left out of the
    /// datasets, and the conversion goes on. Returns the rows written per message.
    #[pyo3(signature = (source, folder, /, *, reveal = false, compression = "zstd", row_group_rows = 131_072, rejects = None, checks = true, text_statistics = false))]
    // Python's keyword arguments, one Rust argument each.
    #[allow(clippy::too_many_arguments)]
    fn to_parquet<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'_, PyAny>,
        folder: PathBuf,
        reveal: bool,
        compression: &str,
        row_group_rows: usize,
        rejects: Option<PathBuf>,
        checks: bool,
        text_statistics: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        use fep_arrow::parquet::{Codec, Options};
        let codec = match compression.to_ascii_lowercase().as_str() {
            "zstd" => Codec::Zstd,
            "snappy" => Codec::Snappy,
            "none" | "uncompressed" => Codec::None,
            other => {
                return Err(PyValueError::new_err(format!(
                    "compression {other:?}: give \"zstd\", \"snappy\" or \"none\""
                )));
            }
        };
        if row_group_rows == 0 {
            return Err(PyValueError::new_err("row_group_rows must be at least 1"));
        }
        let options = Options {
            codec,
            row_group_rows,
            masking: if reveal {
                Masking::Reveal
            } else {
                Masking::Hide
            },
            text_statistics,
            ..Options::default()
        };
        let input = Source::from_py(source)?.open()?;
        let rejects = self.rejects(py, rejects)?;
        let r =
            py.detach(|| arrow::to_parquet(&self.schema, input, &folder, options, checks, rejects));
        let parts = r.map_err(|e| arrow::to_py_err(py, e))?;
        let out = PyDict::new(py);
        for p in parts {
            out.set_item(p.message, p.rows)?;
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        let names: Vec<&str> = self.schema.messages().map(|m| m.name()).collect();
        format!(
            "<fep.Schema {} messages: {}>",
            names.len(),
            names.join(", ")
        )
    }
}

thread_local! {
    /// The characters Korean text is decoded into by `decode_dict`, kept between calls.
    static SCRATCH: std::cell::Cell<Vec<char>> = const { std::cell::Cell::new(Vec::new()) };
}

impl PySchema {
    /// `decode` the general way: the core's message, kept with the telegram.
    fn decode_general(
        &self,
        py: Python<'_>,
        data: Data,
        message: Option<&str>,
        framed: bool,
    ) -> PyResult<PyMessage> {
        let run = |data: Data| {
            let t = if framed {
                Data::owned(unframe(&self.schema, &data)?)
            } else {
                data
            };
            PyMessage::borrowing(t, |t| match message {
                Some(name) => self.schema.decode_message(name, t),
                None => self.schema.decode(t),
            })
            .map_err(Unframe::Core)
        };
        let r = if data.len() <= DECODE_ATTACHED {
            run(data)
        } else {
            py.detach(|| run(data))
        };
        match r {
            Ok(msg) => Ok(msg),
            Err(Unframe::Core(e)) => Err(to_py(py, &e, Op::Decode)),
            Err(Unframe::Binding(text, offset)) => {
                let err = DecodeError::new_err(text);
                set_attributes(
                    py,
                    &err,
                    Attributes {
                        offset: Some(offset),
                        ..Attributes::default()
                    },
                );
                Err(err)
            }
        }
    }

    /// Learns the shape of `m`'s message, the first time one is decoded, for
    /// `decode_dict` and the flat values of `decode`.
    fn learn(&self, py: Python<'_>, m: &PyMessage) -> PyResult<()> {
        let msg = m.msg()?;
        match (self.schema.message(msg.name()), m.telegram()) {
            (Some(info), Some(t)) => self.learn_from(py, info, t, msg.fields()),
            _ => Ok(()),
        }
    }

    /// Learns message `info`'s shape from telegram `t` decoded the general way into
    /// `fields`, unless it is known already.
    fn learn_from(
        &self,
        py: Python<'_>,
        info: fep_core::MessageInfo<'_>,
        t: &[u8],
        fields: &fep_core::Record<'_>,
    ) -> PyResult<()> {
        if self.shapes.known(info.index()) {
            return Ok(());
        }
        // Whether the core decodes the message flat (no repeats, static offsets): once.
        let flat = info.decode_to(t, &mut Vec::new()).is_some();
        self.shapes.learn(py, info.index(), fields, flat)
    }

    /// The message `decode_dict` decodes `t` as: the one named, or the one its
    /// conditions choose; `None` for an unknown name or no match (the general way reports
    /// them).
    fn message_of(&self, t: &[u8], message: Option<&str>) -> Option<fep_core::MessageInfo<'_>> {
        match message {
            Some(name) => self.schema.message(name),
            None => self.schema.dispatch(t).ok(),
        }
    }

    /// `decode_dict` of `t` as `info` through the flat decode, when the message's shape is
    /// known (it has no repeats); `None` to decode the general way.
    fn dict_direct<'py>(
        &self,
        py: Python<'py>,
        info: fep_core::MessageInfo<'_>,
        t: &[u8],
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(shape) = self.shapes.get(info.index()) else {
            return Ok(None);
        };
        let dicts = shape.dicts(py)?;
        // Taken, not borrowed: a Python object made below may run code that decodes again.
        let mut scratch = SCRATCH.take();
        let mut sink = shape.sink(py, &dicts, &mut scratch);
        let r = info.decode_to(t, &mut sink);
        let done = sink.finish();
        SCRATCH.set(scratch);
        // As `decode` then `to_dict`: the decode's error first, then making the objects'.
        match r {
            Some(Err(e)) => Err(to_py(py, &e, Op::Decode)),
            Some(Ok(())) if done? => Ok(dicts.into_iter().next()),
            _ => Ok(None),
        }
    }

    /// The rejects writer on `path` and `path.index.csv`, when asked.
    fn rejects(
        &self,
        py: Python<'_>,
        path: Option<PathBuf>,
    ) -> PyResult<Option<fep_core::BoxedRejectWriter>> {
        let Some(path) = path else {
            return Ok(None);
        };
        fep_core::RejectWriter::create(&self.schema, &path)
            .map(|w| Some(w.boxed()))
            .map_err(|e| to_py(py, &e, Op::Decode))
    }

    /// A side of `diff`: a message as it is, a telegram decoded, a dict as encode reads it.
    fn diff_side(&self, value: &Bound<'_, PyAny>) -> PyResult<fep_core::Message<'static>> {
        let py = value.py();
        if let Ok(m) = value.cast::<PyMessage>() {
            return Ok(m.get().msg()?.clone().into_owned());
        }
        let bytes_like = value.is_instance_of::<PyBytes>()
            || value.is_instance_of::<pyo3::types::PyByteArray>()
            || value.is_instance_of::<pyo3::types::PyMemoryView>();
        if bytes_like {
            let data = telegram(value)?;
            return py
                .detach(|| self.schema.decode(&data).map(fep_core::Message::into_owned))
                .map_err(|e| to_py(py, &e, Op::Decode));
        }
        let (name, fields) = self.message_value(value, None)?;
        Ok(fep_core::Message::new(&name, fields))
    }

    /// The message name and fields of a value to encode.
    fn message_value(
        &self,
        value: &Bound<'_, PyAny>,
        message: Option<&str>,
    ) -> PyResult<(String, fep_core::Record<'static>)> {
        let py = value.py();
        if let Ok(m) = value.cast::<PyMessage>() {
            let m = m.get().msg()?;
            let name = message.unwrap_or(m.name()).to_owned();
            return Ok((name, m.fields().clone().into_owned()));
        }
        let is_mapping = value.is_instance_of::<PyDict>() || value.cast::<PyMapping>().is_ok();
        if !is_mapping {
            return Err(encode_error(
                py,
                message.unwrap_or(""),
                "",
                &format!(
                    "wrong type: expected a dict of fields or {{\"message\": ..., \"fields\": {{...}}}}, found {}",
                    crate::input::type_name(value)
                ),
            ));
        }
        // The core decides which message it is (fep_core::Envelope); it reads only the
        // top-level keys, so the fields are converted once, knowing their message.
        let names: Vec<&str> = self.schema.messages().map(|m| m.name()).collect();
        let top = top_level(value)?;
        match fep_core::Envelope::of(&top, message, &names) {
            Ok(fep_core::Envelope::Wrapped { message: name }) => {
                let fields = Reader::new(&name).record(&value.get_item("fields")?)?;
                Ok((name, fields))
            }
            Ok(fep_core::Envelope::Bare { message: name }) => {
                let fields = Reader::new(&name).record(value)?;
                Ok((name, fields))
            }
            Err(e) => {
                let what = e.describe("pass message=\"NAME\"");
                Err(encode_error(py, message.unwrap_or(""), "", &what))
            }
        }
    }

    fn target(&self, message: Option<&str>) -> PyResult<Target> {
        let specs = |info: &fep_core::MessageInfo<'_>| {
            Column::of_message(info, Masking::Reveal)
                .map_err(|e| PyValueError::new_err(e.to_string()))
        };
        if let Some(name) = message {
            let Some(info) = self.schema.message(name) else {
                let names: Vec<&str> = self.schema.messages().map(|m| m.name()).collect();
                let hint = fep_core::did_you_mean(name, names.iter().copied());
                let has = if hint.is_empty() {
                    "; the layout has"
                } else {
                    " The layout has"
                };
                return Err(DecodeError::new_err(format!(
                    "unknown message \"{name}\"{hint}{has} {}",
                    names.join(", ")
                )));
            };
            return Ok(Target::One {
                name: name.to_owned(),
                columns: specs(&info)?,
            });
        }
        let all: Vec<_> = self.schema.messages().collect();
        if let [only] = all.as_slice() {
            return Ok(Target::One {
                name: only.name().to_owned(),
                columns: specs(only)?,
            });
        }
        let each = all.iter().map(specs).collect::<PyResult<Vec<_>>>()?;
        Ok(Target::Mixed {
            columns: Column::common(&each),
        })
    }
}

/// A mapping's top level as the core's envelope rule reads it: its keys, the text of a
/// `message`, and an empty record for each mapping (the rule looks no deeper).
fn top_level(value: &Bound<'_, PyAny>) -> PyResult<fep_core::Record<'static>> {
    use fep_core::{Record, Value};
    let mut top = Record::new();
    for k in value.try_iter()? {
        let k = k?;
        let name = match k.cast::<PyString>() {
            Ok(s) => s.to_cow()?.into_owned(),
            // Not a field name: the fields' reader says so, with its path.
            Err(_) => k.str()?.to_cow()?.into_owned(),
        };
        let v = value.get_item(&k)?;
        let is_mapping = v.cast::<PyMessage>().is_ok()
            || v.is_instance_of::<PyDict>()
            || v.cast::<PyMapping>().is_ok();
        let v = if is_mapping {
            Value::Record(Record::new())
        } else if name == "message" || name == "fields" {
            // For the error's "found an integer"; a value with no telegram form is null.
            Reader::new("").value(&v).unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        top.push(name, v);
    }
    Ok(top)
}

/// Why a framed telegram could not be unframed.
enum Unframe {
    Core(fep_core::Error),
    /// A message and the offset it is about.
    Binding(String, usize),
}

impl From<fep_core::Error> for Unframe {
    fn from(e: fep_core::Error) -> Unframe {
        Unframe::Core(e)
    }
}

/// The one telegram inside one frame.
fn unframe(schema: &fep_core::Schema, data: &[u8]) -> Result<Vec<u8>, Unframe> {
    let mut framer = fep_core::Framer::new(schema);
    let mut buf = BytesMut::from(data);
    let frame = match framer.next_frame(&mut buf)? {
        Some(f) => Some(f),
        None => framer.finish(&mut buf)?,
    };
    let Some(frame) = frame else {
        return Err(Unframe::Binding("no telegram: the data is empty".into(), 0));
    };
    if !buf.is_empty() {
        let end = data.len() - buf.len();
        return Err(Unframe::Binding(
            format!(
                "more than one frame: the first ends at byte {end}, {} bytes follow (use iter_decode for a stream)",
                buf.len()
            ),
            end,
        ));
    }
    Ok(frame.telegram.to_vec())
}

/// One message of a layout.
#[pyclass(module = "fep", name = "MessageInfo", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct PyMessageInfo {
    /// The message's name.
    name: String,
    /// The telegram length, when fixed.
    length: Option<usize>,
    /// The shortest telegram of the message.
    min_length: usize,
    /// The `when` conditions: (path, allowed values).
    conditions: Vec<(String, Vec<String>)>,
    /// The messages whose requests this one answers (its `answers` line); empty: any.
    answers: Vec<String>,
    /// The fields in wire order, records before their members.
    fields: Vec<Py<PyFieldInfo>>,
}

impl PyMessageInfo {
    fn from_core(py: Python<'_>, m: fep_core::MessageInfo<'_>) -> PyResult<PyMessageInfo> {
        Ok(PyMessageInfo {
            name: m.name().to_owned(),
            length: m.length(),
            min_length: m.min_length(),
            conditions: m
                .conditions()
                .into_iter()
                .map(|(p, v)| (p.to_owned(), v))
                .collect(),
            answers: m.answers().map(str::to_owned).collect(),
            fields: m
                .fields()
                .map(|f| Py::new(py, PyFieldInfo::from_core(&f)))
                .collect::<PyResult<_>>()?,
        })
    }
}

#[pymethods]
impl PyMessageInfo {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "MessageInfo(name={}, length={}, fields={})",
            py_repr(py, &self.name)?,
            self.length.map_or("None".into(), |l| l.to_string()),
            self.fields.len()
        ))
    }
}

/// Python's `repr` of a str.
pub(crate) fn py_repr(py: Python<'_>, s: &str) -> PyResult<String> {
    Ok(PyString::new(py, s).repr()?.to_cow()?.into_owned())
}

/// One field of a message.
#[pyclass(module = "fep", name = "FieldInfo", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct PyFieldInfo {
    /// The path from the message root; repeats show `[]`: `items[].amount`.
    path: String,
    /// The field's own name (`_` for filler).
    name: String,
    /// Nesting depth (0 for the message's own fields).
    depth: usize,
    /// Byte offset (of the first element); `None` after a counted repeat.
    offset: Option<usize>,
    /// Byte width of one element.
    length: usize,
    /// Total byte width; `None` when it depends on a count.
    total_length: Option<usize>,
    /// The type as written: `X(15)`, `S9(13)`, a record name, `group`.
    r#type: String,
    /// The attributes as written, the description left out: `sign leading`, `date mask`.
    attributes: String,
    /// The repeat as written: `[3]`, `[count, max=10]`; empty when single.
    repeat: String,
    /// The description (the spec's Korean name).
    description: Option<String>,
    /// `plain`, `mask` or `secret`.
    sensitivity: &'static str,
    /// What the field decodes to: text, integer, decimal, date, time, datetime, bytes, record.
    kind: &'static str,
    /// Digits after the implied point, for numbers.
    scale: Option<u8>,
    /// A `required` field.
    required: bool,
    /// Filler (`_`).
    filler: bool,
    /// A repeated field (a list).
    repeated: bool,
}

impl PyFieldInfo {
    fn from_core(f: &fep_core::FieldInfo<'_>) -> PyFieldInfo {
        PyFieldInfo {
            path: f.path().to_owned(),
            name: f.name().to_owned(),
            depth: f.depth(),
            offset: f.offset(),
            length: f.width(),
            total_length: f.total_width(),
            r#type: f.type_text().to_owned(),
            attributes: f.attributes_text().to_owned(),
            repeat: f.repeat_text(),
            description: f.description().map(str::to_owned),
            sensitivity: match f.sensitivity() {
                Sensitivity::Plain => "plain",
                Sensitivity::Mask => "mask",
                Sensitivity::Secret => "secret",
            },
            kind: match f.value_kind() {
                ValueKind::Text => "text",
                ValueKind::Integer => "integer",
                ValueKind::Decimal => "decimal",
                ValueKind::Date => "date",
                ValueKind::Time => "time",
                ValueKind::DateTime => "datetime",
                ValueKind::Bytes => "bytes",
                ValueKind::Record => "record",
                _ => "other",
            },
            scale: f.scale(),
            required: f.is_required(),
            filler: f.is_filler(),
            repeated: f.is_repeated(),
        }
    }
}

#[pymethods]
impl PyFieldInfo {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repeat = if self.repeat.is_empty() {
            String::new()
        } else {
            format!(", repeat={}", py_repr(py, &self.repeat)?)
        };
        Ok(format!(
            "FieldInfo(path={}, offset={}, length={}, type={}{repeat}, description={})",
            py_repr(py, &self.path)?,
            self.offset.map_or("None".into(), |o| o.to_string()),
            self.length,
            py_repr(py, &self.r#type)?,
            match &self.description {
                Some(d) => py_repr(py, d)?,
                None => "None".into(),
            }
        ))
    }
}

/// How `diff` shows a difference: its change and, for a sensitive field not revealed, the
/// JSON a person may see of each value.
struct DiffRow {
    change: &'static str,
    a_hidden: Option<String>,
    b_hidden: Option<String>,
    hidden: bool,
}

impl DiffRow {
    fn of(f: &fep_core::FieldDiff<'_, '_>, reveal: bool) -> DiffRow {
        let hide = !reveal && f.sensitivity != Sensitivity::Plain;
        DiffRow {
            change: match f.change {
                fep_core::Change::Changed => "changed",
                fep_core::Change::OnlyInA => "only_a",
                fep_core::Change::OnlyInB => "only_b",
            },
            a_hidden: if hide { f.a_json(false) } else { None },
            b_hidden: if hide { f.b_json(false) } else { None },
            hidden: !reveal && f.hidden_difference(),
        }
    }
}
