//! `fep.Message`: a decoded telegram as a read-only mapping of its fields.
//!
//! It keeps the core's message, or for a message without repeats that its `Schema` has
//! learnt the values of the core's flat decode (see [`Decoded`]), and converts a field to
//! Python when it is read, so that decoding costs nothing in Python objects until they are
//! asked for, and a value read twice is two equal objects that the caller may change freely
//! (a `date` or `time`, being immutable, may be the same object). `repr` shows `mask` and
//! `secret` fields hidden (the core's redacted form); reading a field gives the real value.

use std::sync::{Arc, OnceLock};

use fep_core::Value;
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyMapping, PyString, PyType};

use crate::convert::{record_to_py, to_py};
use crate::dicts::{Shapes, Slot, SlotSink};
use crate::errors::{Op, to_py as error_to_py};
use crate::input::Data;

/// A decoded telegram: `name`, and its fields as a read-only mapping.
#[pyclass(module = "fep", name = "Message", frozen, mapping)]
pub(crate) struct PyMessage {
    /// The message. Its text may borrow from `_telegram` (see [`PyMessage::borrowing`]), so
    /// it is reached only through [`PyMessage::msg`], whose lifetime is the object's.
    decoded: Decoded,
    /// The telegram that `decoded` borrows from, if any. Declared after it: fields are
    /// dropped in order, so the values go before the bytes they point into.
    _telegram: Option<Data>,
    pub(crate) offset: Option<u64>,
    /// Where it was in a packet capture (`iter_decode` of a pcap or pcapng).
    pub(crate) capture: Option<fep_core::capture::Whence>,
}

/// What a `Message` holds of its telegram.
enum Decoded {
    /// The core's message.
    Full(fep_core::Message<'static>),
    /// The values of a message without repeats as the core's flat decode gave them
    /// (`Schema.decode` of a message whose shape `Schema` has learnt): `to_dict` and
    /// reading a field of the message's own make their Python objects from these, as
    /// `decode_dict` does from the telegram; the core's message is made the first time
    /// anything else is asked for (its name aside).
    Flat(Flat),
}

struct Flat {
    /// The schema's shapes (and the schema).
    shapes: Arc<Shapes>,
    /// The message's index in the schema.
    index: usize,
    values: Vec<Slot<'static>>,
    /// The characters of the Korean text among `values`.
    chars: Box<[char]>,
    /// The values of the general codec among `values` (blank fields aside): few or none.
    general: Vec<Value<'static>>,
    /// The core's message, boxed: made by few, and the object stays small for the rest.
    full: OnceLock<Box<fep_core::Message<'static>>>,
}

impl Flat {
    /// The message's name in the schema.
    fn name(&self) -> &str {
        self.shapes
            .schema
            .messages()
            .nth(self.index)
            .map_or("", |info| info.name())
    }
}

impl PyMessage {
    /// A message that owns its values, from a stream.
    pub(crate) fn owned(
        msg: fep_core::Message<'static>,
        offset: Option<u64>,
        capture: Option<fep_core::capture::Whence>,
    ) -> Self {
        PyMessage {
            decoded: Decoded::Full(msg),
            _telegram: None,
            offset,
            capture,
        }
    }

    /// The message `Schema.decode` makes of `telegram` as message `info` by the core's flat
    /// decode, with `values` values (as many as the message's learnt shape in `shapes`
    /// has); the telegram given back when the flat decode does not take it or fails, to be
    /// decoded the general way (which reports the same error).
    pub(crate) fn flat(
        shapes: &Arc<Shapes>,
        info: fep_core::MessageInfo<'_>,
        values: usize,
        telegram: Data,
    ) -> Result<Self, Data> {
        let mut slots: Vec<Slot<'_>> = Vec::with_capacity(values);
        let mut sink = SlotSink::new(&mut slots);
        let r = info.decode_to(&telegram, &mut sink);
        let (general, chars) = sink.finish();
        if !matches!(r, Some(Ok(()))) || slots.len() != values {
            drop((slots, general));
            return Err(telegram);
        }
        #[allow(unsafe_code)]
        // SAFETY: as in `borrowing`: the slots and general values borrow only from the
        // bytes `telegram` derefs to, which stay where they are when it moves into the
        // struct and never change; the struct drops `decoded` before `_telegram`, and no
        // value leaves it (they are made into Python objects, which copy them).
        let (slots, general) = unsafe {
            (
                std::mem::transmute::<Vec<Slot<'_>>, Vec<Slot<'static>>>(slots),
                std::mem::transmute::<Vec<Value<'_>>, Vec<Value<'static>>>(general),
            )
        };
        Ok(PyMessage {
            decoded: Decoded::Flat(Flat {
                shapes: Arc::clone(shapes),
                index: info.index(),
                values: slots,
                chars,
                general,
                full: OnceLock::new(),
            }),
            _telegram: Some(telegram),
            offset: None,
            capture: None,
        })
    }

    /// The message `decode` makes of `telegram`, keeping the telegram with it so that its
    /// ASCII text stays borrowed rather than copied into strings of its own (`into_owned`
    /// cost the 400-byte customer bench telegram about 2,000 instructions, and freeing
    /// those strings more).
    pub(crate) fn borrowing<E>(
        telegram: Data,
        decode: impl for<'t> FnOnce(&'t [u8]) -> Result<fep_core::Message<'t>, E>,
    ) -> Result<Self, E> {
        let msg = decode(&telegram)?;
        #[allow(unsafe_code)]
        // SAFETY: `msg` borrows only from the bytes `telegram` derefs to, which live on the
        // heap (a Python `bytes` object held by reference, or a copy of ours) and so stay
        // where they are when `telegram` moves into the struct. Nothing changes them: a
        // `bytes` object is immutable and the copies are never written. The struct drops
        // `msg` before `telegram`, and hands the message out only as `&Message<'_>` tied
        // to a borrow of itself (`msg`), so no value claiming `'static` escapes.
        let msg = unsafe {
            std::mem::transmute::<fep_core::Message<'_>, fep_core::Message<'static>>(msg)
        };
        Ok(PyMessage {
            decoded: Decoded::Full(msg),
            _telegram: Some(telegram),
            offset: None,
            capture: None,
        })
    }

    /// The decoded message, for as long as this object is borrowed: for a message of flat
    /// values, decoded by the core the first time (it decodes: the flat decode took it).
    pub(crate) fn msg(&self) -> PyResult<&fep_core::Message<'_>> {
        let flat = match &self.decoded {
            Decoded::Full(m) => return Ok(m),
            Decoded::Flat(flat) => flat,
        };
        if let Some(m) = flat.full.get() {
            return Ok(m);
        }
        let telegram: &[u8] = self._telegram.as_deref().unwrap_or_default();
        let m = flat
            .shapes
            .schema
            .decode_message(flat.name(), telegram)
            .map_err(|e| Python::attach(|py| error_to_py(py, &e, Op::Decode)))?;
        #[allow(unsafe_code)]
        // SAFETY: as in `borrowing`: `m` borrows only from `_telegram`'s bytes, which live
        // as long as this object and never move or change; it is kept in `decoded`, which
        // is dropped first, and handed out only tied to a borrow of `self`.
        let m =
            unsafe { std::mem::transmute::<fep_core::Message<'_>, fep_core::Message<'static>>(m) };
        // Another thread may have made it meanwhile: the same message.
        Ok(flat.full.get_or_init(|| Box::new(m)))
    }

    /// The telegram the message was decoded from, when it keeps it (`Schema.decode`).
    pub(crate) fn telegram(&self) -> Option<&[u8]> {
        self._telegram.as_deref()
    }

    /// The message's name, without decoding a message of flat values again.
    fn message_name(&self) -> PyResult<String> {
        match &self.decoded {
            Decoded::Full(m) => Ok(m.name().to_owned()),
            Decoded::Flat(flat) => Ok(flat.name().to_owned()),
        }
    }

    /// A field of the message's own from the flat values, as a Python object; `None` where
    /// the message is not flat or `key` is not such a field.
    fn flat_field<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Decoded::Flat(flat) = &self.decoded else {
            return Ok(None);
        };
        match flat
            .shapes
            .get(flat.index)
            .and_then(|shape| shape.top(key))
            .and_then(|i| flat.values.get(i))
        {
            Some(&slot) => slot.to_py(py, &flat.chars, &flat.general).map(Some),
            None => Ok(None),
        }
    }
}

impl std::fmt::Debug for PyMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The core's Debug hides sensitive fields.
        match self.msg() {
            Ok(m) => write!(f, "{m:?}"),
            Err(_) => f.write_str("<fep.Message>"),
        }
    }
}

static KEYS_VIEW: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static VALUES_VIEW: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ITEMS_VIEW: PyOnceLock<Py<PyType>> = PyOnceLock::new();

#[pymethods]
impl PyMessage {
    /// The message's name in the layout.
    #[getter]
    fn name(&self) -> PyResult<String> {
        self.message_name()
    }

    /// True when the message holds the flat decode's values (see `Schema.decode`): for
    /// the tests, which hold that both forms behave alike.
    #[getter]
    fn _flat(&self) -> bool {
        matches!(self.decoded, Decoded::Flat(_))
    }

    /// The telegram's frame offset in its stream (`iter_decode`), else `None`.
    #[getter]
    fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// When the packet that completed the telegram was captured, as a `datetime` in UTC
    /// (to the microsecond; `ts_ns` has the nanoseconds), for a telegram read from a
    /// packet capture; else `None`.
    #[getter]
    fn ts<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(w) = &self.capture else {
            return Ok(None);
        };
        utc_datetime(py, w.ts.unix_nanos()).map(Some)
    }

    /// `ts` in nanoseconds since the epoch, exactly as the capture has it; else `None`.
    #[getter]
    fn ts_ns(&self) -> Option<i64> {
        self.capture.map(|w| w.ts.unix_nanos())
    }

    /// The address and port the telegram came from (`127.0.0.1:46846`), in a capture.
    #[getter]
    fn src(&self) -> Option<String> {
        self.capture.map(|w| w.src().to_string())
    }

    /// The address and port the telegram went to, in a capture.
    #[getter]
    fn dst(&self) -> Option<String> {
        self.capture.map(|w| w.dst().to_string())
    }

    /// `to-server` (from the side that opened the connection) or `to-client`, in a
    /// capture.
    #[getter]
    fn direction(&self) -> Option<&'static str> {
        self.capture.map(|w| w.direction.as_str())
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(self.msg()?.fields().len())
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(v) = self.flat_field(py, key)? {
            return Ok(v);
        }
        match self.msg()?.fields().get(key) {
            Some(v) => to_py(py, v),
            None => Err(PyKeyError::new_err(key.to_owned())),
        }
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(match key.cast::<PyString>() {
            Ok(s) => self.msg()?.fields().get(&s.to_cow()?).is_some(),
            Err(_) => false,
        })
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let names = PyList::new(py, self.msg()?.fields().iter().map(|(n, _)| n))?;
        Ok(names.try_iter()?.into_any())
    }

    /// The field names, as `dict.keys()` gives them.
    fn keys<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        KEYS_VIEW
            .import(slf.py(), "collections.abc", "KeysView")?
            .call1((slf,))
    }

    /// The field values, as `dict.values()` gives them.
    fn values<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        VALUES_VIEW
            .import(slf.py(), "collections.abc", "ValuesView")?
            .call1((slf,))
    }

    /// `(name, value)` pairs, as `dict.items()` gives them.
    fn items<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        ITEMS_VIEW
            .import(slf.py(), "collections.abc", "ItemsView")?
            .call1((slf,))
    }

    /// The value of a field, or `default`.
    #[pyo3(signature = (key, default = None, /))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(v) = self.flat_field(py, key)? {
            return Ok(v);
        }
        match self.msg()?.fields().get(key) {
            Some(v) => to_py(py, v),
            None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
        }
    }

    /// The fields as a new `dict` (nested records as dicts, repeats as lists).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        if let Decoded::Flat(flat) = &self.decoded
            && let Some(shape) = flat.shapes.get(flat.index)
        {
            return shape.dict_of(py, &flat.values, &flat.chars, &flat.general);
        }
        record_to_py(py, self.msg()?.fields())
    }

    /// `{"message": NAME, "fields": {...}}` as JSON, exactly as the other tools write it.
    #[pyo3(signature = (*, indent = None, redact = false))]
    fn to_json(&self, indent: Option<usize>, redact: bool) -> PyResult<String> {
        let msg = self.msg()?;
        let mut out = Vec::new();
        let r = match indent {
            None if redact => serde_json::to_writer(&mut out, &msg.redacted()),
            None => serde_json::to_writer(&mut out, msg),
            Some(n) => {
                let pad = vec![b' '; n];
                let fmt = serde_json::ser::PrettyFormatter::with_indent(&pad);
                let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
                if redact {
                    serde::Serialize::serialize(&msg.redacted(), &mut ser)
                } else {
                    serde::Serialize::serialize(msg, &mut ser)
                }
            }
        };
        r.map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        String::from_utf8(out).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }

    fn __repr__(&self) -> PyResult<String> {
        let msg = self.msg()?;
        Ok(format!(
            "<fep.Message {} {}>",
            msg.name(),
            msg.fields().redacted()
        ))
    }

    fn __str__(&self) -> PyResult<String> {
        self.__repr__()
    }

    fn __eq__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = other.py();
        if let Ok(o) = other.cast::<PyMessage>() {
            let same = *self.msg()? == *o.get().msg()?;
            return Ok(pyo3::types::PyBool::new(py, same).to_owned().into_any());
        }
        if other.is_instance_of::<PyDict>() || other.cast::<PyMapping>().is_ok() {
            return self
                .to_dict(py)?
                .into_any()
                .eq(other)
                .map(|b| pyo3::types::PyBool::new(py, b).to_owned().into_any());
        }
        Ok(py.NotImplemented().into_bound(py))
    }
}

/// A time in nanoseconds since the epoch as a `datetime` in UTC, to the microsecond.
pub(crate) fn utc_datetime(py: Python<'_>, nanos: i64) -> PyResult<Bound<'_, PyAny>> {
    use pyo3::types::{PyDateTime, PyDelta, PyTzInfo};
    let utc = PyTzInfo::utc(py)?;
    let epoch = PyDateTime::new(py, 1970, 1, 1, 0, 0, 0, 0, Some(&utc))?;
    let micros = nanos.div_euclid(1000);
    const DAY: i64 = 86_400_000_000;
    let days = i32::try_from(micros.div_euclid(DAY))
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("a capture time out of range"))?;
    let rest = micros.rem_euclid(DAY);
    let delta = PyDelta::new(
        py,
        days,
        (rest / 1_000_000) as i32,
        (rest % 1_000_000) as i32,
        true,
    )?;
    epoch.call_method1("__add__", (delta,))
}
