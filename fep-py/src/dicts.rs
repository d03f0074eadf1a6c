//! `Schema.decode_dict`: a telegram straight into the dict that `decode(...).to_dict()`
//! gives, for a message without repeats, with no `Message` in between.
//!
//! The core decodes such a message flat into a sink ([`fep_core::FlatSink`]): each field's
//! value as it is found. The sink here makes each value's Python object at once and sets it
//! into its dict; Korean text is decoded into characters (a scratch vector, reused), from
//! which CPython makes the `str` in one pass, without the UTF-8 that `decode` makes. The dicts are
//! copies of templates (the keys made once, the size final), one per record of the message,
//! the nested ones already in place in their parents; which dict and key each value goes to
//! was learnt from the first telegram of the message decoded the general way.
//!
//! What it saves, per telegram: the message's vector of values, a string of its own for
//! each Korean text field (allocated, copied into Python, freed), reading each string's
//! characters back out of its UTF-8, and the Python `Message` object with its
//! garbage-collector tracking.

use std::sync::OnceLock;

use fep_core::{Date, Decimal, FlatSink, KoreanText, Record, Time, Value};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{chars_text, date, keys_template, text, time, to_py};

/// Where the values of one message go: its records' templates and each value's place.
#[derive(Debug)]
pub(crate) struct DictShape {
    /// One template per record, depth first from the message's own: each record's field
    /// names to `None`, and the record's place in its parent, `None` for the first.
    records: Vec<(Py<PyDict>, Option<Place>)>,
    /// For each value of the flat decode, in order: its place.
    leaves: Vec<Place>,
    /// The message's own fields that hold a value (not a nested record), by name: the
    /// index of their value among the leaves.
    top: std::collections::HashMap<Box<str>, usize>,
}

/// Where a value goes: a record (its index in [`DictShape::records`]) and a key.
type Place = (usize, Py<PyString>);

/// What each message of a schema has learnt: `Some` once a telegram of it decoded, when the
/// core decodes it flat (no repeats, static offsets), `None` when it does not; with the
/// schema, which a message of flat values decodes again when asked for the core's message.
#[derive(Debug)]
pub(crate) struct Shapes {
    pub(crate) schema: fep_core::Schema,
    learnt: Box<[OnceLock<Option<DictShape>>]>,
}

impl Shapes {
    pub(crate) fn new(schema: &fep_core::Schema) -> Shapes {
        Shapes {
            schema: schema.clone(),
            learnt: schema.messages().map(|_| OnceLock::new()).collect(),
        }
    }

    /// The shape of message `index`, when learnt.
    pub(crate) fn get(&self, index: usize) -> Option<&DictShape> {
        self.learnt.get(index)?.get()?.as_ref()
    }

    /// Whether message `index` was learnt (with a shape or without).
    pub(crate) fn known(&self, index: usize) -> bool {
        self.learnt
            .get(index)
            .is_none_or(|slot| slot.get().is_some())
    }

    /// Learns message `index`'s shape from a record of it (the first time only); `flat`
    /// says whether the core decodes the message flat, without which there is no shape.
    pub(crate) fn learn(
        &self,
        py: Python<'_>,
        index: usize,
        fields: &Record<'_>,
        flat: bool,
    ) -> PyResult<()> {
        let Some(slot) = self.learnt.get(index) else {
            return Ok(());
        };
        if slot.get().is_some() {
            return Ok(());
        }
        let mut shape = DictShape {
            records: Vec::new(),
            leaves: Vec::new(),
            top: std::collections::HashMap::new(),
        };
        let made = if flat && add_record(py, fields, None, &mut shape)? {
            Some(shape)
        } else {
            None
        };
        // Another thread may have learnt it meanwhile: the same shape, either is right.
        let _ = slot.set(made);
        Ok(())
    }
}

/// Adds `r`'s template, and those of its records, to `shape`; `false` when a value is a
/// list (a message with repeats, which the flat decode does not take).
fn add_record(
    py: Python<'_>,
    r: &Record<'_>,
    parent: Option<Place>,
    shape: &mut DictShape,
) -> PyResult<bool> {
    let at = shape.records.len();
    // The template's own key objects go to the places, as `to_dict`'s templates do.
    let (template, keys) = keys_template(py, r)?;
    shape.records.push((template.unbind(), parent));
    for (key, (_, v)) in keys.into_iter().zip(r.iter()) {
        match v {
            Value::Record(inner) => {
                if !add_record(py, inner, Some((at, key)), shape)? {
                    return Ok(false);
                }
            }
            Value::List(_) => return Ok(false),
            _ => {
                if at == 0 {
                    shape
                        .top
                        .insert(Box::from(&*key.bind(py).to_cow()?), shape.leaves.len());
                }
                shape.leaves.push((at, key));
            }
        }
    }
    Ok(true)
}

impl DictShape {
    /// New dicts for one telegram: the templates copied, each nested one set into its
    /// parent (where the template holds its key, so the order stays the layout's).
    pub(crate) fn dicts<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let mut out: Vec<Bound<'py, PyDict>> = Vec::with_capacity(self.records.len());
        for (template, parent) in &self.records {
            let d = template.bind(py).copy()?;
            if let Some((p, key)) = parent {
                out[*p].set_item(key.bind(py), &d)?;
            }
            out.push(d);
        }
        Ok(out)
    }

    /// The number of values a telegram of the message gives.
    pub(crate) fn values(&self) -> usize {
        self.leaves.len()
    }

    /// The index among the values of the message's own field `name`, when it holds a
    /// value (`None` for a nested record, or a name the message does not have).
    pub(crate) fn top(&self, name: &str) -> Option<usize> {
        self.top.get(name).copied()
    }

    /// The dict of a telegram's values (from a [`SlotSink`], as many as the shape has),
    /// the same as a [`DictSink`] makes of the telegram.
    pub(crate) fn dict_of<'py>(
        &self,
        py: Python<'py>,
        slots: &[Slot<'_>],
        chars: &[char],
        general: &[Value<'_>],
    ) -> PyResult<Bound<'py, PyDict>> {
        // One record (no nested ones): its template copied, without a vector of dicts.
        if let [(template, None)] = &*self.records {
            let dict = template.bind(py).copy()?;
            for (slot, (_, key)) in slots.iter().zip(&self.leaves) {
                dict.set_item(key.bind(py), slot.to_py(py, chars, general)?)?;
            }
            return Ok(dict);
        }
        let dicts = self.dicts(py)?;
        for (slot, (d, key)) in slots.iter().zip(&self.leaves) {
            dicts[*d].set_item(key.bind(py), slot.to_py(py, chars, general)?)?;
        }
        match dicts.into_iter().next() {
            Some(d) => Ok(d),
            None => Ok(PyDict::new(py)),
        }
    }

    /// A sink that sets one telegram's values into `dicts` (from [`DictShape::dicts`]).
    pub(crate) fn sink<'s, 'py>(
        &'s self,
        py: Python<'py>,
        dicts: &'s [Bound<'py, PyDict>],
        scratch: &'s mut Vec<char>,
    ) -> DictSink<'s, 'py> {
        DictSink {
            py,
            dicts,
            leaves: &self.leaves,
            at: 0,
            scratch,
            err: None,
        }
    }
}

/// Sets each value of a flat decode into its dict; the first failure is kept.
pub(crate) struct DictSink<'s, 'py> {
    py: Python<'py>,
    dicts: &'s [Bound<'py, PyDict>],
    leaves: &'s [Place],
    at: usize,
    scratch: &'s mut Vec<char>,
    err: Option<PyErr>,
}

impl<'py> DictSink<'_, 'py> {
    /// `Ok(true)` when every value went to its place, and there were as many as places;
    /// `Ok(false)` when the shape and the values disagree (the caller decodes the general
    /// way); the error of making a Python object.
    pub(crate) fn finish(self) -> PyResult<bool> {
        match self.err {
            Some(e) => Err(e),
            None => Ok(self.at == self.leaves.len()),
        }
    }

    #[inline]
    fn put(&mut self, v: PyResult<Bound<'py, PyAny>>) {
        if self.err.is_some() {
            return;
        }
        let at = self.at;
        self.at += 1;
        let Some((d, key)) = self.leaves.get(at) else {
            // More values than places: `finish` says so.
            return;
        };
        let r = v.and_then(|v| self.dicts[*d].set_item(key.bind(self.py), v));
        if let Err(e) = r {
            self.err = Some(e);
        }
    }
}

impl<'a> FlatSink<'a> for DictSink<'_, '_> {
    #[inline]
    fn text(&mut self, t: &'a str) {
        let v = Slot::Text(t).to_py(self.py, &[], &[]);
        self.put(v);
    }

    #[inline]
    fn korean_text(&mut self, t: KoreanText<'a>) -> bool {
        self.scratch.clear();
        if !t.chars_into(self.scratch) {
            return false;
        }
        let v = chars_text(self.py, self.scratch);
        self.put(v);
        true
    }

    // The values made as a kept value of the same kind makes them (`Slot::to_py`).

    #[inline]
    fn int(&mut self, v: i64) {
        let v = Slot::Int(v).to_py(self.py, &[], &[]);
        self.put(v);
    }

    #[inline]
    fn decimal(&mut self, mantissa: i128, scale: u8) {
        let v = Slot::decimal(mantissa, scale).to_py(self.py, &[], &[]);
        self.put(v);
    }

    #[inline]
    fn date(&mut self, d: Date) {
        let v = Slot::Date(d).to_py(self.py, &[], &[]);
        self.put(v);
    }

    #[inline]
    fn time(&mut self, t: Time) {
        let v = Slot::Time(t).to_py(self.py, &[], &[]);
        self.put(v);
    }

    #[inline]
    fn value(&mut self, v: Value<'a>) {
        let v = to_py(self.py, &v);
        self.put(v);
    }
}

/// One value of a flat decode, kept for later: what a [`DictSink`] is given, with Korean
/// text as characters in a vector beside the slots (so that making its `str` later reads no
/// UTF-8, and the telegram's Korean fields cost one vector, not a string each).
///
/// 24 bytes, and nothing to drop (a vector of them is freed without a look at each): the
/// rare values of the general codec are kept in a vector beside, by their index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot<'a> {
    /// A blank field.
    Null,
    Text(&'a str),
    /// Characters `start..end` of the vector beside.
    Korean(u32, u32),
    Int(i64),
    /// A decimal's mantissa in two halves (low, high: an `i128` would align the slot to 16
    /// bytes) and its scale.
    Decimal(u64, i64, u8),
    Date(Date),
    Time(Time),
    /// Value `i` of the vector of general values beside.
    Value(u32),
}

const _: () = assert!(std::mem::size_of::<Slot<'static>>() == 24);

impl Slot<'_> {
    /// A decimal of `mantissa` / 10^`scale`.
    fn decimal(mantissa: i128, scale: u8) -> Self {
        Slot::Decimal(mantissa as u64, (mantissa >> 64) as i64, scale)
    }

    /// The value as a Python object, as a [`DictSink`] makes it; `chars` is the vector of
    /// the Korean text.
    pub(crate) fn to_py<'py>(
        self,
        py: Python<'py>,
        chars: &[char],
        general: &[Value<'_>],
    ) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Slot::Null => Ok(py.None().into_bound(py)),
            Slot::Text(t) => text(py, t),
            Slot::Korean(start, end) => match chars.get(start as usize..end as usize) {
                Some(c) => chars_text(py, c),
                None => Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "a Korean text value outside its characters",
                )),
            },
            Slot::Int(v) => Ok(v.into_pyobject(py)?.into_any()),
            Slot::Decimal(lo, hi, scale) => to_py(
                py,
                &Value::Decimal(Decimal::new(i128::from(hi) << 64 | i128::from(lo), scale)),
            ),
            Slot::Date(d) => Ok(date(py, &d)?.into_any()),
            Slot::Time(t) => Ok(time(py, t.hour, t.minute, t.second.unwrap_or(0))?.into_any()),
            Slot::Value(i) => match general.get(i as usize) {
                Some(v) => to_py(py, v),
                None => Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "a general value outside its vector",
                )),
            },
        }
    }
}

/// Keeps each value of a flat decode as a [`Slot`], Korean text decoded into `chars`: at
/// the first Korean text, the vector [`CHARS`] keeps between telegrams (an empty one left
/// there), which [`SlotSink::finish`] puts back.
pub(crate) struct SlotSink<'v, 'a> {
    slots: &'v mut Vec<Slot<'a>>,
    chars: Vec<char>,
    general: Vec<Value<'a>>,
}

impl<'v, 'a> SlotSink<'v, 'a> {
    pub(crate) fn new(slots: &'v mut Vec<Slot<'a>>) -> Self {
        SlotSink {
            slots,
            chars: Vec::new(),
            general: Vec::new(),
        }
    }

    /// The general values and the characters of the Korean text, copied into a vector of
    /// their number: the vector they were decoded into goes back to [`CHARS`]. (Growing a
    /// vector of the message's own field by field cost a fifth of the decode of the
    /// Hangul-heavy bench message, and one made at the telegram's length, at most a
    /// character a byte, twice the memory of the characters, which cost more time than it
    /// saved.)
    pub(crate) fn finish(self) -> (Vec<Value<'a>>, Box<[char]>) {
        let mut scratch = self.chars;
        let chars: Box<[char]> = scratch.as_slice().into();
        if scratch.capacity() > 0 {
            scratch.clear();
            CHARS.set(scratch);
        }
        (self.general, chars)
    }
}

thread_local! {
    /// The characters of a telegram's Korean text as a [`SlotSink`] decodes them, kept
    /// between telegrams; taken only by a telegram with Korean text (a thread-local costs a
    /// call in a shared library).
    static CHARS: std::cell::Cell<Vec<char>> = const { std::cell::Cell::new(Vec::new()) };
}

impl<'a> FlatSink<'a> for SlotSink<'_, 'a> {
    #[inline]
    fn text(&mut self, t: &'a str) {
        self.slots.push(Slot::Text(t));
    }

    #[inline]
    fn korean_text(&mut self, t: KoreanText<'a>) -> bool {
        if self.chars.capacity() == 0 {
            self.chars = CHARS.take();
            self.chars.clear();
        }
        let start = self.chars.len();
        if !t.chars_into(&mut self.chars) {
            return false;
        }
        // A telegram's characters are fewer than its bytes, whose length fits `u32` here
        // (the caller decodes telegrams of at most 16 KiB this way).
        let (Ok(s), Ok(e)) = (u32::try_from(start), u32::try_from(self.chars.len())) else {
            self.chars.truncate(start);
            return false;
        };
        self.slots.push(Slot::Korean(s, e));
        true
    }

    #[inline]
    fn int(&mut self, v: i64) {
        self.slots.push(Slot::Int(v));
    }

    #[inline]
    fn decimal(&mut self, mantissa: i128, scale: u8) {
        self.slots.push(Slot::decimal(mantissa, scale));
    }

    #[inline]
    fn date(&mut self, d: Date) {
        self.slots.push(Slot::Date(d));
    }

    #[inline]
    fn time(&mut self, t: Time) {
        self.slots.push(Slot::Time(t));
    }

    #[inline]
    fn value(&mut self, v: Value<'a>) {
        let slot = match v {
            Value::Null => Slot::Null,
            v => match u32::try_from(self.general.len()) {
                Ok(i) => {
                    self.general.push(v);
                    Slot::Value(i)
                }
                // Not reached: a telegram has fewer fields than that.
                Err(_) => Slot::Null,
            },
        };
        self.slots.push(slot);
    }
}
