//! Values between fep and Python: `int`, `decimal.Decimal`, `datetime.date`/`time`/
//! `datetime`, `None`, `str`, `bytes`, `list` and `dict`, exactly, both ways.
//!
//! Reading a Python value refuses what has no exact telegram form (floats, booleans,
//! microseconds, time zones) with an `EncodeError` naming the field, in the core's template.

use std::borrow::Cow;
use std::sync::Arc;

use fep_core::{Date, DateTime, Decimal, Record, RecordShape, Time, Value};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateAccess, PyDateTime, PyDict, PyFloat, PyInt, PyList,
    PyMapping, PyMemoryView, PyString, PyTime, PyTimeAccess, PyTuple, PyType, PyTzInfoAccess,
};

use crate::errors::encode_error;
use crate::input::type_name;
use crate::message::PyMessage;

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

// ------------------------------------------------------------------ fep to Python

/// A value as a Python object.
pub(crate) fn to_py<'py>(py: Python<'py>, v: &Value<'_>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::UInt(u) => u.into_pyobject(py)?.into_any(),
        // Through its text, which keeps the scale: Decimal("12.50"), not Decimal("12.5").
        Value::Decimal(d) => {
            let mut buf = [0u8; 64];
            let text = decimal_text(d, &mut buf);
            decimal_type(py)?.call1((&*text,))?
        }
        Value::Text(t) => text(py, t)?,
        Value::Bytes(b) => PyBytes::new(py, b).into_any(),
        Value::Date(d) => date(py, d)?.into_any(),
        // A time without seconds (`hhmm`) becomes hh:mm:00; encode writes it back as hhmm.
        Value::Time(t) => time(py, t.hour, t.minute, t.second.unwrap_or(0))?.into_any(),
        Value::DateTime(dt) => PyDateTime::new(
            py,
            py_year(dt.date.year)?,
            dt.date.month,
            dt.date.day,
            dt.time.hour,
            dt.time.minute,
            dt.time.second.unwrap_or(0),
            0,
            None,
        )?
        .into_any(),
        Value::List(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Record(r) => record_to_py(py, r)?.into_any(),
    })
}

/// A `str` of text. Non-ASCII text of up to 128 characters is given to CPython as its code
/// points (`PyUnicode_FromWideChar`, where `wchar_t` has 32 bits), from which the string is
/// sized and filled in one pass; from UTF-8, CPython guesses its size, widens it at the
/// first non-Latin-1 character and shrinks it at the end, which cost about 800
/// instructions for a Hangul field of 20 characters.
pub(crate) fn text<'py>(py: Python<'py>, t: &str) -> PyResult<Bound<'py, PyAny>> {
    wide(py, t, pyo3::ffi::PyUnicode_FromWideChar)
}

/// A `str` of the characters `chars` (Korean text decoded straight from the telegram), given
/// to CPython as they are where `wchar_t` has 32 bits: no UTF-8 made, then read back.
pub(crate) fn chars_text<'py>(py: Python<'py>, chars: &[char]) -> PyResult<Bound<'py, PyAny>> {
    from_chars(py, chars, pyo3::ffi::PyUnicode_FromWideChar)
}

/// [`chars_text`], generic over `wchar_t` (`W`), as [`wide`] is.
fn from_chars<'py, W>(
    py: Python<'py>,
    chars: &[char],
    from_wide: unsafe extern "C" fn(*const W, pyo3::ffi::Py_ssize_t) -> *mut pyo3::ffi::PyObject,
) -> PyResult<Bound<'py, PyAny>> {
    if std::mem::size_of::<W>() != 4 || std::mem::align_of::<W>() > std::mem::align_of::<char>() {
        let t: String = chars.iter().collect();
        return Ok(PyString::new(py, &t).into_any());
    }
    let n = pyo3::ffi::Py_ssize_t::try_from(chars.len())
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("text too long"))?;
    #[allow(unsafe_code)]
    // SAFETY: `W` is `wchar_t`, of 32 bits here (checked above) and no more aligned than
    // `char`, so `chars` is read as `n` of them in place; every `char` (at most 0x10FFFF)
    // is the same number as a 32-bit `wchar_t`, signed or not. CPython copies them; the
    // result is a new reference, or NULL with an exception set, which
    // `from_owned_ptr_or_err` takes.
    unsafe {
        Bound::from_owned_ptr_or_err(py, from_wide(chars.as_ptr().cast::<W>(), n))
    }
}

/// [`text`], generic over `wchar_t` (`W`), whose type is the C library's.
fn wide<'py, W: Copy + TryFrom<u32>>(
    py: Python<'py>,
    t: &str,
    from_wide: unsafe extern "C" fn(*const W, pyo3::ffi::Py_ssize_t) -> *mut pyo3::ffi::PyObject,
) -> PyResult<Bound<'py, PyAny>> {
    const MAX: usize = 128;
    if t.is_ascii() || t.len() > 3 * MAX || std::mem::size_of::<W>() != 4 {
        return Ok(PyString::new(py, t).into_any());
    }
    // Not zeroed first: only the `n` slots written are read.
    let mut buf = [std::mem::MaybeUninit::<W>::uninit(); MAX];
    let mut n = 0;
    for c in t.chars() {
        // A code point (at most 0x10FFFF) fits a 32-bit wchar_t, signed or not.
        let (Some(slot), Ok(w)) = (buf.get_mut(n), W::try_from(u32::from(c))) else {
            return Ok(PyString::new(py, t).into_any());
        };
        slot.write(w);
        n += 1;
    }
    #[allow(unsafe_code)]
    // SAFETY: `buf[..n]` is initialised (written above) and outlives the call, which reads
    // those `n` and copies them; the result is a new reference, or NULL with an exception
    // set, which `from_owned_ptr_or_err` takes.
    unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            from_wide(buf.as_ptr().cast::<W>(), n as pyo3::ffi::Py_ssize_t),
        )
    }
}

/// A decimal's text (`-12.50`), written into `buf` rather than a new string: at most 38
/// digits, a sign and a point.
fn decimal_text<'b>(d: &Decimal, buf: &'b mut [u8; 64]) -> Cow<'b, str> {
    use std::io::Write;
    let mut w = &mut buf[..];
    if write!(w, "{d}").is_err() {
        return Cow::Owned(d.to_string());
    }
    let n = 64 - w.len();
    match std::str::from_utf8(&buf[..n]) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(d.to_string()),
    }
}

/// The `date` and `time` objects made last, a few of each by value: the telegrams of a
/// stream carry few distinct dates (today's, a settlement day) and times close together,
/// and both types are immutable, so an equal object made before is given again. Making one
/// through the `datetime` module costs a call with its arguments parsed.
const DATE_SLOTS: usize = 64;
const TIME_SLOTS: usize = 256;

type Slots<K, T, const N: usize> = std::sync::Mutex<[Option<(K, Py<T>)>; N]>;

static DATES: Slots<Date, PyDate, DATE_SLOTS> = std::sync::Mutex::new([const { None }; DATE_SLOTS]);
static TIMES: Slots<(u8, u8, u8), PyTime, TIME_SLOTS> =
    std::sync::Mutex::new([const { None }; TIME_SLOTS]);

/// The object in `slots[at]` if it was made for `key`, else one made by `make` and kept
/// there. The lock is not held while `make` runs (it calls Python).
fn cached<'py, K: PartialEq + Copy, T, const N: usize>(
    py: Python<'py>,
    slots: &Slots<K, T, N>,
    at: usize,
    key: K,
    make: impl FnOnce() -> PyResult<Bound<'py, T>>,
) -> PyResult<Bound<'py, T>> {
    {
        let slots = slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, obj)) = &slots[at % N]
            && *k == key
        {
            return Ok(obj.bind(py).clone());
        }
    }
    let obj = make()?;
    let old = {
        let mut slots = slots.lock().unwrap_or_else(|e| e.into_inner());
        slots[at % N].replace((key, obj.clone().unbind()))
    };
    // Released after the lock: a last reference frees the object.
    drop(old);
    Ok(obj)
}

pub(crate) fn date<'py>(py: Python<'py>, d: &Date) -> PyResult<Bound<'py, PyDate>> {
    let year = py_year(d.year)?;
    let at = (usize::from(d.year) * 13 + usize::from(d.month)) * 32 + usize::from(d.day);
    cached(py, &DATES, at, *d, || PyDate::new(py, year, d.month, d.day))
}

pub(crate) fn time(
    py: Python<'_>,
    hour: u8,
    minute: u8,
    second: u8,
) -> PyResult<Bound<'_, PyTime>> {
    let at = (usize::from(hour) * 60 + usize::from(minute)) * 60 + usize::from(second);
    cached(py, &TIMES, at, (hour, minute, second), || {
        PyTime::new(py, hour, minute, second, 0, None)
    })
}

/// Python's dates start at year 1; a telegram's may be `0000`.
fn py_year(year: u16) -> PyResult<i32> {
    if year == 0 {
        return Err(crate::errors::DecodeError::new_err(
            "the year 0000 has no Python date (Python's years start at 1)",
        ));
    }
    Ok(i32::from(year))
}

/// A record as a new `dict`, nested records as nested dicts.
///
/// The dict is a copy of its shape's template (see [`Templates`]), its values then set in
/// place: the keys are the template's strings with their hashes kept, and the dict has its
/// final size from the start. The result is the dict built key by key, in the same order.
pub(crate) fn record_to_py<'py>(py: Python<'py>, r: &Record<'_>) -> PyResult<Bound<'py, PyDict>> {
    let Some(keys) = template(py, r)? else {
        let dict = PyDict::new(py);
        for (name, v) in r.iter() {
            dict.set_item(name, to_py(py, v)?)?;
        }
        return Ok(dict);
    };
    let dict = keys.dict.bind(py).copy()?;
    for (key, (_, v)) in keys.keys.iter().zip(r.iter()) {
        dict.set_item(key.bind(py), to_py(py, v)?)?;
    }
    Ok(dict)
}

/// The template of one shape of record: a dict of its field names, each to `None`, and the
/// same names as Python strings in field order. It holds the shape, so that the names stay
/// those of its records.
struct Template {
    shape: RecordShape,
    keys: Vec<Py<PyString>>,
    dict: Py<PyDict>,
}

/// The templates met so far, by the address of the first field name of their shape. A
/// decoded record shares its names with every record of its message or group; as each
/// template holds its shape, that address is no other live shape's, and
/// [`Record::has_shape`] confirms it without comparing the names.
static TEMPLATES: std::sync::Mutex<Option<AddressMap<Arc<Template>>>> = std::sync::Mutex::new(None);

/// Shapes kept at most: records made field by field have shapes of their own, and beyond
/// this many their dicts are built without a template.
const MAX_TEMPLATES: usize = 4096;

/// A map keyed by an address, hashed by one multiplication: the keys are few, and not
/// chosen by anyone who would want them to collide.
type AddressMap<T> =
    std::collections::HashMap<usize, T, std::hash::BuildHasherDefault<AddressHasher>>;

#[derive(Default)]
struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        // The high bits of the product, where every bit of the address has a say.
        self.0 = (n as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(32);
    }
}

/// The template for a record's names (made on first use); `None` for a record without
/// fields, or when the table of templates is full.
fn template(py: Python<'_>, r: &Record<'_>) -> PyResult<Option<Arc<Template>>> {
    let Some((first, _)) = r.iter().next() else {
        return Ok(None);
    };
    let at = first.as_ptr() as usize;
    {
        let cache = TEMPLATES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = cache.as_ref().and_then(|m| m.get(&at))
            && r.has_shape(&t.shape)
        {
            return Ok(Some(Arc::clone(t)));
        }
        if cache.as_ref().is_some_and(|m| m.len() >= MAX_TEMPLATES) {
            return Ok(None);
        }
    }
    // Made without the lock held: making Python objects may run other threads.
    let (dict, keys) = keys_template(py, r)?;
    let t = Arc::new(Template {
        shape: r.shape(),
        keys,
        dict: dict.unbind(),
    });
    let mut cache = TEMPLATES.lock().unwrap_or_else(|e| e.into_inner());
    let map = cache.get_or_insert_with(Default::default);
    if map.len() < MAX_TEMPLATES {
        map.insert(at, Arc::clone(&t));
    }
    Ok(Some(t))
}

/// A dict of `r`'s field names, each to `None`, and the same key objects in field order:
/// a dict copied from it and given its values by those keys finds each key by identity,
/// without comparing text, and never resizes.
pub(crate) fn keys_template<'py>(
    py: Python<'py>,
    r: &Record<'_>,
) -> PyResult<(Bound<'py, PyDict>, Vec<Py<PyString>>)> {
    let dict = PyDict::new(py);
    let mut keys = Vec::with_capacity(r.len());
    for (name, _) in r.iter() {
        let key = PyString::new(py, name);
        dict.set_item(&key, py.None())?;
        keys.push(key.unbind());
    }
    Ok((dict, keys))
}

// ------------------------------------------------------------------ Python to fep

/// Reads Python values for one message, keeping the field path for error messages.
#[derive(Debug)]
pub(crate) struct Reader<'m> {
    message: &'m str,
    path: String,
}

impl<'m> Reader<'m> {
    pub(crate) fn new(message: &'m str) -> Reader<'m> {
        Reader {
            message,
            path: String::new(),
        }
    }

    fn fail(&self, py: Python<'_>, detail: &str) -> PyErr {
        encode_error(py, self.message, &self.path, detail)
    }

    /// The fields of a message: a mapping of names to values.
    pub(crate) fn record(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<Record<'static>> {
        let py = obj.py();
        if let Ok(m) = obj.cast::<PyMessage>() {
            return Ok(m.get().msg()?.fields().clone().into_owned());
        }
        let mut rec = Record::new();
        if let Ok(d) = obj.cast::<PyDict>() {
            for (k, v) in d.iter() {
                self.field(&mut rec, &k, &v)?;
            }
        } else if let Ok(m) = obj.cast::<PyMapping>() {
            for item in m.items()?.iter() {
                let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
                self.field(&mut rec, &k, &v)?;
            }
        } else {
            return Err(self.fail(
                py,
                &format!(
                    "wrong type: expected a dict of fields, found {}",
                    type_name(obj)
                ),
            ));
        }
        Ok(rec)
    }

    fn field(
        &mut self,
        rec: &mut Record<'static>,
        key: &Bound<'_, PyAny>,
        v: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let Ok(name) = key.cast::<PyString>() else {
            return Err(self.fail(
                key.py(),
                &format!("a field name must be a str, found {}", type_name(key)),
            ));
        };
        let name = name.to_cow()?;
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(&name);
        let value = self.value(v)?;
        self.path.truncate(len);
        rec.push(name.into_owned(), value);
        Ok(())
    }

    /// One value.
    pub(crate) fn value(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<Value<'static>> {
        let py = obj.py();
        if obj.is_none() {
            return Ok(Value::Null);
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Value::Text(Cow::Owned(s.to_cow()?.into_owned())));
        }
        // bool is an int in Python; a flag has no telegram form of its own.
        if obj.is_instance_of::<PyBool>() {
            return Err(self.fail(
                py,
                "wrong type: a bool has no telegram form; give an int or a str",
            ));
        }
        if obj.is_instance_of::<PyInt>() {
            return self.int(obj);
        }
        if obj.is_instance_of::<PyFloat>() {
            return Err(self.fail(
                py,
                "wrong type: a float is not exact; give a decimal.Decimal, an int or a str such as \"123.45\"",
            ));
        }
        if obj.is_instance(decimal_type(py)?)? {
            return self.decimal(obj);
        }
        if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
            let b: Vec<u8> = obj.extract()?;
            return Ok(Value::Bytes(Cow::Owned(b)));
        }
        if obj.is_instance_of::<PyMemoryView>() {
            let b: Vec<u8> = obj.call_method0("tobytes")?.extract()?;
            return Ok(Value::Bytes(Cow::Owned(b)));
        }
        // datetime before date: a datetime is a date.
        if let Ok(dt) = obj.cast::<PyDateTime>() {
            self.whole_local(dt.get_microsecond(), dt.get_tzinfo().is_some(), py)?;
            return Ok(Value::DateTime(DateTime {
                date: self.date_of(dt.get_year(), dt.get_month(), dt.get_day(), py)?,
                time: Time {
                    hour: dt.get_hour(),
                    minute: dt.get_minute(),
                    second: Some(dt.get_second()),
                },
            }));
        }
        if let Ok(d) = obj.cast::<PyDate>() {
            return Ok(Value::Date(self.date_of(
                d.get_year(),
                d.get_month(),
                d.get_day(),
                py,
            )?));
        }
        if let Ok(t) = obj.cast::<PyTime>() {
            self.whole_local(t.get_microsecond(), t.get_tzinfo().is_some(), py)?;
            return Ok(Value::Time(Time {
                hour: t.get_hour(),
                minute: t.get_minute(),
                second: Some(t.get_second()),
            }));
        }
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            let mut out = Vec::new();
            for (i, item) in obj.try_iter()?.enumerate() {
                let len = self.path.len();
                self.path.push_str(&format!("[{i}]"));
                out.push(self.value(&item?)?);
                self.path.truncate(len);
            }
            return Ok(Value::List(out));
        }
        if obj.cast::<PyMessage>().is_ok()
            || obj.is_instance_of::<PyDict>()
            || obj.cast::<PyMapping>().is_ok()
        {
            return Ok(Value::Record(self.record(obj)?));
        }
        Err(self.fail(
            py,
            &format!(
                "wrong type: {} has no telegram form; give None, an int, a decimal.Decimal, a str, bytes, a date, a time, a list or a dict",
                type_name(obj)
            ),
        ))
    }

    fn int(&self, obj: &Bound<'_, PyAny>) -> PyResult<Value<'static>> {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Int(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::UInt(u));
        }
        match obj.extract::<i128>() {
            Ok(v) if v.unsigned_abs() < 10u128.pow(38) => Ok(Value::Decimal(Decimal::new(v, 0))),
            _ => Err(self.fail(obj.py(), "number out of range: more than 38 digits")),
        }
    }

    fn decimal(&self, obj: &Bound<'_, PyAny>) -> PyResult<Value<'static>> {
        let py = obj.py();
        if !obj.call_method0("is_finite")?.extract::<bool>()? {
            return Err(self.fail(py, "wrong type: NaN and infinity have no telegram form"));
        }
        // Fixed-point text: Decimal("1E+3") is "1000", and the scale stays as given.
        let text: String = obj.call_method1("__format__", ("f",))?.extract()?;
        match text.parse::<Decimal>() {
            Ok(d) => Ok(Value::Decimal(d)),
            Err(e) => Err(self.fail(py, &format!("number out of range: {e}"))),
        }
    }

    fn date_of(&self, year: i32, month: u8, day: u8, py: Python<'_>) -> PyResult<Date> {
        u16::try_from(year)
            .ok()
            .and_then(|y| Date::new(y, month, day))
            .ok_or_else(|| {
                self.fail(
                    py,
                    &format!("impossible date: {year:04}-{month:02}-{day:02}"),
                )
            })
    }

    fn whole_local(&self, micros: u32, aware: bool, py: Python<'_>) -> PyResult<()> {
        if micros != 0 {
            return Err(self.fail(
                py,
                "the time has microseconds; a telegram holds whole seconds",
            ));
        }
        if aware {
            return Err(self.fail(
                py,
                "the time has a time zone; a telegram holds local time: convert it and drop tzinfo",
            ));
        }
        Ok(())
    }
}
