//! Flat decode plans: messages laid out as arrays of steps when the layout compiles.
//!
//! Most messages in the field have a fixed length: every field sits at an offset known when
//! the layout is compiled. For those, compiling also lays the message out as a plan: per
//! record, one small array of steps (offset, width, field and what to do), so that a decode
//! is a single pass that neither tracks a position nor checks bounds field by field, and
//! builds each record's values in one go.
//!
//! Repeats are steps too: a fixed repeat (`addr[3]`), a counted one with `slots`, and a
//! counted one with `max` that ends the message (a history of rows) run the entry's steps
//! once per entry, at offsets relative to the entry. A count field is decoded as usual and
//! its value kept for its repeat. The walk in `walk.rs` stays the reference: a plan with
//! repeats that meets anything it does not take (an error, a count over its bound, a
//! telegram of the wrong length) gives up, and the walk decodes the telegram again and
//! reports the error; a plan without repeats gives the walk's errors itself. Messages with
//! anything else (a `max` repeat before other fields, repeats inside entries) and decodes
//! that trace (explain, views of such fields) take the walk; the golden, error and
//! property tests check that both give the same values and the same errors on every
//! bundled layout.
//!
//! Encode uses the same plan as a fast path for a message whose records have the shapes the
//! schema gives them (any message it decoded): values are taken by position, plain ASCII
//! text and integers are written straight out, everything else goes through the general
//! field encoder; a repeat is taken when its list has as many entries as its count field
//! says. At the first thing it does not take (or any error) it gives up, and the general
//! walk in `encode.rs` encodes the message again and reports the error; so both paths write
//! the same bytes and the errors come from one place.

use std::borrow::Cow;
use std::sync::Arc;

use crate::codec::field::{
    Codec, Fast, ScalarDef, append_pad, decode_field, decode_number_or_temporal, encode_scalar,
};
use crate::codec::number::{self, Sign};
use crate::codec::temporal::{TemporalKind, date_of_bytes, time_of_digits};
use crate::codec::text;
use crate::error::{Error, ErrorKind, Result};
use crate::schema::table::*;
use crate::sink::{FlatSink, KoreanText};
use crate::value::scalar::Decimal;
use crate::value::{Record, Value};

/// One message's plan: its records, the root first.
#[derive(Debug)]
pub(crate) struct Plan {
    groups: Box<[PlanGroup]>,
    /// True when some step is a repeat: errors then come from the walk (see the module).
    repeats: bool,
    /// For a root of scalars only: the places of the values that the general codec
    /// decodes, which may own memory whatever the telegram (text by its shortcut owns a
    /// string only for non-ASCII bytes); `None` when the root holds records or lists.
    general: Option<Box<[u32]>>,
}

#[derive(Debug)]
struct PlanGroup {
    gid: GroupId,
    /// How many values the record holds (filler left out).
    values: usize,
    steps: Box<[Step]>,
}

#[derive(Debug, Clone, Copy)]
struct Step {
    /// Where the field's bytes start: from the start of the telegram, or of the entry in a
    /// repeated record.
    offset: u32,
    /// The width of the field (of one entry of a repeat).
    width: u32,
    field: FieldId,
    op: Op,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Space-padded, left-aligned text: pure ASCII is borrowed as it stands.
    Text,
    /// Zero-padded unsigned digits.
    Digits,
    /// A datetime in its default pattern.
    Number,
    /// A date in its default pattern, `YYYYMMDD`.
    Date,
    /// A time in its default pattern, `hhmmss`.
    Time,
    /// Zero-padded digits with a sign and/or implied decimals (a `Fast::Number` field):
    /// where the sign is and the scale, so that the step reads it without the field.
    Signed(Sign, u8),
    /// Any other scalar: the general codec.
    Scalar,
    /// Filler: checked, no value.
    Filler,
    /// A record, by its index in the plan.
    Group(u32),
    /// The count of a repeat: a scalar whose value is kept in this count slot.
    Count(u8),
    /// A repeat: its entries' record by its index in the plan, or [`SCALAR_ENTRIES`].
    Repeat(u32),
}

/// The entries of an `Op::Repeat` are scalars, decoded by the field's own shortcut.
const SCALAR_ENTRIES: u32 = u32::MAX;

/// The step of a scalar field: its shortcut.
fn scalar_op(sc: &ScalarDef) -> Op {
    match sc.fast {
        Fast::Text => Op::Text,
        Fast::Digits => Op::Digits,
        Fast::Number => match sc.codec {
            Codec::Number(spec) => Op::Signed(spec.sign, spec.scale),
            _ => Op::Number,
        },
        Fast::Temporal => match &sc.codec {
            Codec::Temporal(p) if p.is_default() => match p.kind {
                TemporalKind::Date => Op::Date,
                TemporalKind::Time => Op::Time,
                TemporalKind::DateTime => Op::Number,
            },
            _ => Op::Number,
        },
        Fast::None => Op::Scalar,
    }
}

/// What a plan with repeats gives up with: the walk then decodes again and says why.
#[cold]
#[inline(never)]
fn not_taken() -> Error {
    Error::data(
        ErrorKind::TooShort {
            needed: 0,
            found: 0,
        },
        0,
        0,
        None,
    )
}

impl Plan {
    /// The plan of a message whose fields all have static offsets (below 4 GiB), the
    /// entries of its repeats included (see the module).
    pub fn build(fields: &[FieldDef], groups: &[GroupDef], m: &MessageDef) -> Option<Plan> {
        u32::try_from(m.fixed_len.unwrap_or(m.min_len)).ok()?;
        let mut plan = Vec::new();
        add_group(
            fields,
            groups,
            m.root,
            &mut plan,
            false,
            m.fixed_len.is_none(),
        )?;
        let repeats = plan
            .iter()
            .any(|g| g.steps.iter().any(|st| matches!(st.op, Op::Repeat(_))));
        let general = plan.first().and_then(general_places);
        Some(Plan {
            groups: plan.into_boxed_slice(),
            repeats,
            general,
        })
    }

    /// True when the root's `values`, as this plan decoded them from `data`, own no
    /// memory. The values of the general codec are looked at first (a `G` field's text
    /// owns a string, and then nothing else need be); the text of the others owns none
    /// when the telegram is ASCII (one pass over it, cheaper than looking at each text
    /// value). False for any telegram with other bytes, whatever its values.
    pub fn owns_nothing(&self, data: &[u8], values: &[Value<'_>]) -> bool {
        self.general.as_deref().is_some_and(|places| {
            places
                .iter()
                .all(|&i| values.get(i as usize).is_some_and(owns_nothing))
                && text::all_ascii(data)
        })
    }

    /// How many values the root record holds.
    pub fn root_values(&self) -> usize {
        self.groups.first().map_or(0, |g| g.values)
    }

    /// True when the plan has repeats: a failed decode must then be done again by the walk,
    /// which reports the error.
    pub fn has_repeats(&self) -> bool {
        self.repeats
    }

    /// Decodes the telegram (whose length the caller has checked against the message)
    /// into `values`, the root record's values.
    pub fn decode<'a>(&self, s: &Table, data: &'a [u8], values: &mut Vec<Value<'a>>) -> Result<()> {
        if self.repeats {
            let mut counts = [0u64; MAX_COUNTS];
            self.group::<true, false>(s, 0, data, 0, &mut counts, values)
        } else {
            self.group::<false, false>(s, 0, data, 0, &mut [], values)
        }
    }

    /// For a plan without repeats: decodes the telegram (whose length the caller has
    /// checked) into `values` flat, every scalar in wire order with the fields of a record
    /// where the record stands, filler left out; the errors are those of [`Plan::decode`].
    /// `None` for a plan with repeats.
    pub fn decode_flat<'a>(
        &self,
        s: &Table,
        data: &'a [u8],
        values: &mut Vec<Value<'a>>,
    ) -> Option<Result<()>> {
        if self.repeats {
            return None;
        }
        Some(self.group::<false, true>(s, 0, data, 0, &mut [], values))
    }

    /// One record's steps; `R` when the plan has repeats (without, `base` is 0 and there
    /// is no count or repeat step, and the loop is the flat one); `F` to put the values of
    /// an inner record straight into `values` rather than into a record of their own.
    fn group<'a, const R: bool, const F: bool>(
        &self,
        s: &Table,
        gi: usize,
        data: &'a [u8],
        base: usize,
        counts: &mut [u64],
        values: &mut Vec<Value<'a>>,
    ) -> Result<()> {
        let pg = &self.groups[gi];
        values.reserve_exact(pg.values);
        for st in &*pg.steps {
            let start = if R {
                base + st.offset as usize
            } else {
                st.offset as usize
            };
            if R && let Op::Repeat(sub) = st.op {
                push_value(values, self.repeat(s, st, sub, data, start, counts)?);
                continue;
            }
            let end = start + st.width as usize;
            let Some(bytes) = data.get(start..end) else {
                // The caller checked the length; stay an error rather than a panic.
                return Err(Error::data(
                    ErrorKind::TooShort {
                        needed: end,
                        found: data.len(),
                    },
                    data.len(),
                    0,
                    None,
                ));
            };
            let v = match st.op {
                Op::Filler => {
                    filler(s, st, start, bytes)?;
                    continue;
                }
                Op::Group(sub) if F => {
                    self.group::<R, F>(s, sub as usize, data, base, counts, values)
                        .map_err(|e| e.prepend_path(&s.fields[st.field as usize].name))?;
                    continue;
                }
                Op::Group(sub) => {
                    let sub = sub as usize;
                    // At its size at once: a vector grown from empty is copied as it grows.
                    let mut inner = Vec::with_capacity(self.groups[sub].values);
                    self.group::<R, F>(s, sub, data, base, counts, &mut inner)
                        .map_err(|e| e.prepend_path(&s.fields[st.field as usize].name))?;
                    Value::Record(Record {
                        shape: s.groups[self.groups[sub].gid as usize].shape.clone(),
                        values: inner,
                    })
                }
                Op::Count(slot) => {
                    let v = scalar(s, st, start, bytes)?;
                    let n = match v {
                        Value::Int(i) => i as u64,
                        Value::UInt(u) => u,
                        Value::Null => 0,
                        _ => u64::MAX,
                    };
                    if let Some(c) = counts.get_mut(usize::from(slot)) {
                        *c = n;
                    }
                    v
                }
                Op::Text => leaf(s, st, Op::Text, start, bytes)?,
                Op::Digits => leaf(s, st, Op::Digits, start, bytes)?,
                Op::Number => leaf(s, st, Op::Number, start, bytes)?,
                Op::Date => leaf(s, st, Op::Date, start, bytes)?,
                Op::Time => leaf(s, st, Op::Time, start, bytes)?,
                Op::Signed(sign, scale) => leaf(s, st, Op::Signed(sign, scale), start, bytes)?,
                Op::Scalar | Op::Repeat(_) => scalar(s, st, start, bytes)?,
            };
            push_value(values, v);
        }
        Ok(())
    }

    /// The list of a repeat starting at `start`; [`not_taken`] for anything the walk must
    /// look at (a count over its bound, the wrong length, used unused slots).
    fn repeat<'a>(
        &self,
        s: &Table,
        st: &Step,
        sub: u32,
        data: &'a [u8],
        start: usize,
        counts: &mut [u64],
    ) -> Result<Value<'a>> {
        let f = &s.fields[st.field as usize];
        let width = st.width as usize;
        let (n, area) = repeat_area(f, width, data, start, counts)?;
        let mut list = Vec::with_capacity(n);
        if sub == SCALAR_ENTRIES {
            let FieldKind::Scalar(sc) = &f.kind else {
                return Err(not_taken());
            };
            let op = scalar_op(sc);
            for (i, bytes) in area[..n * width].chunks_exact(width).enumerate() {
                push_value(&mut list, leaf(s, st, op, start + i * width, bytes)?);
            }
        } else {
            let shape = &s.groups[self.groups[sub as usize].gid as usize].shape;
            let values = self.groups[sub as usize].values;
            for i in 0..n {
                let mut inner = Vec::with_capacity(values);
                self.group::<true, false>(
                    s,
                    sub as usize,
                    data,
                    start + i * width,
                    counts,
                    &mut inner,
                )?;
                push_value(
                    &mut list,
                    Value::Record(Record {
                        shape: shape.clone(),
                        values: inner,
                    }),
                );
            }
        }
        Ok(Value::List(list))
    }
}

impl Plan {
    /// Decodes the telegram (whose length the caller has checked) into `rec`, the root
    /// record, reusing what it holds: its vectors, the lists and records inside it, and the
    /// strings of its non-ASCII text, so that once they have grown to the telegrams' shape
    /// nothing is allocated. Any error leaves `rec` partly written: the caller decodes
    /// again with the walk, which reports it.
    ///
    /// `plain` says that `rec`'s values own nothing (as [`Plan::owns_nothing`] found after
    /// the decode that wrote them); when false, they are looked at. True when the values
    /// were written anew as [`Plan::decode`] writes them, so that [`Plan::owns_nothing`]
    /// applies to them; false when they were written over the old ones (ASCII text may
    /// then sit in a string the field owned before).
    pub fn decode_into<'a>(
        &self,
        s: &Table,
        data: &'a [u8],
        rec: &mut Record<'a>,
        plain: bool,
    ) -> Result<bool> {
        // A record of plain values (numbers, dates, borrowed text: what a telegram without
        // Hangul leaves) has nothing to reuse: its values are forgotten, which frees
        // nothing, and the telegram's are pushed as `decode` does, cheaper than writing
        // each over the old one. A record holding strings, lists or records goes on below.
        if !self.repeats && (plain || rec.values.iter().all(owns_nothing)) {
            let shape = &s.groups[self.groups[0].gid as usize].shape;
            if !Arc::ptr_eq(&rec.shape, shape) {
                rec.shape = shape.clone();
            }
            rec.forget_values();
            return self
                .group::<false, false>(s, 0, data, 0, &mut [], &mut rec.values)
                .map(|()| true);
        }
        if self.repeats {
            let mut counts = [0u64; MAX_COUNTS];
            self.group_into(s, 0, data, 0, &mut counts, rec)?;
        } else {
            self.group_into(s, 0, data, 0, &mut [], rec)?;
        }
        Ok(false)
    }

    fn group_into<'a>(
        &self,
        s: &Table,
        gi: usize,
        data: &'a [u8],
        base: usize,
        counts: &mut [u64],
        rec: &mut Record<'a>,
    ) -> Result<()> {
        let pg = &self.groups[gi];
        let shape = &s.groups[pg.gid as usize].shape;
        if !Arc::ptr_eq(&rec.shape, shape) {
            rec.shape = shape.clone();
            rec.values.clear();
        }
        rec.values.truncate(pg.values);
        if rec.values.len() < pg.values {
            rec.values.resize(pg.values, Value::Null);
        }
        let mut slots = rec.values.iter_mut();
        for st in &*pg.steps {
            let start = base + st.offset as usize;
            if st.op == Op::Filler {
                let bytes = data
                    .get(start..start + st.width as usize)
                    .ok_or_else(not_taken)?;
                filler(s, st, start, bytes)?;
                continue;
            }
            let Some(slot) = slots.next() else {
                return Err(not_taken());
            };
            match st.op {
                Op::Repeat(sub) => self.repeat_into(s, st, sub, data, start, counts, slot)?,
                Op::Group(sub) => {
                    if !matches!(slot, Value::Record(_)) {
                        *slot = Value::Record(Record::new());
                    }
                    if let Value::Record(r) = slot {
                        self.group_into(s, sub as usize, data, base, counts, r)?;
                    }
                }
                Op::Count(c) => {
                    let bytes = data
                        .get(start..start + st.width as usize)
                        .ok_or_else(not_taken)?;
                    let v = scalar(s, st, start, bytes)?;
                    if let Some(n) = counts.get_mut(usize::from(c)) {
                        *n = match v {
                            Value::Int(i) => i as u64,
                            Value::UInt(u) => u,
                            Value::Null => 0,
                            _ => u64::MAX,
                        };
                    }
                    put(slot, v);
                }
                op => {
                    let bytes = data
                        .get(start..start + st.width as usize)
                        .ok_or_else(not_taken)?;
                    leaf_into(s, st, op, start, bytes, slot)?;
                }
            }
        }
        Ok(())
    }

    /// A repeat into `slot`, reusing its list and the entries in it.
    #[allow(clippy::too_many_arguments)]
    fn repeat_into<'a>(
        &self,
        s: &Table,
        st: &Step,
        sub: u32,
        data: &'a [u8],
        start: usize,
        counts: &mut [u64],
        slot: &mut Value<'a>,
    ) -> Result<()> {
        let f = &s.fields[st.field as usize];
        let width = st.width as usize;
        let (n, area) = repeat_area(f, width, data, start, counts)?;
        if !matches!(slot, Value::List(_)) {
            *slot = Value::List(Vec::with_capacity(n));
        }
        let Value::List(list) = slot else {
            return Err(not_taken());
        };
        list.truncate(n);
        if sub == SCALAR_ENTRIES {
            let FieldKind::Scalar(sc) = &f.kind else {
                return Err(not_taken());
            };
            let op = scalar_op(sc);
            list.resize(n, Value::Null);
            for (i, (bytes, v)) in area[..n * width]
                .chunks_exact(width)
                .zip(list.iter_mut())
                .enumerate()
            {
                leaf_into(s, st, op, start + i * width, bytes, v)?;
            }
        } else {
            let shape = &s.groups[self.groups[sub as usize].gid as usize].shape;
            for i in 0..n {
                if i == list.len() {
                    list.push(Value::Record(Record {
                        shape: shape.clone(),
                        values: Vec::new(),
                    }));
                }
                let Value::Record(r) = &mut list[i] else {
                    list[i] = Value::Record(Record::new());
                    continue;
                };
                self.group_into(s, sub as usize, data, start + i * width, counts, r)?;
            }
        }
        Ok(())
    }
}

/// One scalar into `slot`: what [`leaf`] gives, but non-ASCII text (and ASCII text over
/// a slot that already owns a string) written into the slot's string.
#[inline(always)]
fn leaf_into<'a>(
    s: &Table,
    st: &Step,
    op: Op,
    offset: usize,
    bytes: &'a [u8],
    slot: &mut Value<'a>,
) -> Result<()> {
    match (op, &mut *slot) {
        (Op::Text, Value::Text(Cow::Owned(buf))) => {
            if text::decode_into_string(s.encoding, text::trim_spaces(bytes), buf).is_ok() {
                return Ok(());
            }
            *slot = scalar(s, st, offset, bytes)?;
        }
        // A `G` field over a string: its KS X 1001 text written into it.
        (Op::Scalar, Value::Text(Cow::Owned(buf))) => {
            if let FieldKind::Scalar(sc) = &s.fields[st.field as usize].kind
                && let Codec::Graphic { lenient: false } = sc.codec
                && sc.constant.is_none()
                && !sc.required
                && text::decode_double_byte_into(s.encoding, graphic_trim(bytes), buf)
            {
                return Ok(());
            }
            *slot = scalar(s, st, offset, bytes)?;
        }
        _ => put(slot, leaf(s, st, op, offset, bytes)?),
    }
    Ok(())
}

/// Writes `v` into `slot`. A slot that owns nothing (a number, a date, borrowed text:
/// what most slots hold from the telegram before) is overwritten without the call that
/// drops a value, which costs more than the check.
#[inline(always)]
fn put<'a>(slot: &mut Value<'a>, v: Value<'a>) {
    if owns_nothing(slot) {
        // Nothing to drop: the old value is forgotten (it holds no memory) rather than
        // dropped.
        std::mem::forget(std::mem::replace(slot, v));
    } else {
        *slot = v;
    }
}

/// True for a value that holds no memory of its own: dropping it does nothing.
#[inline(always)]
fn owns_nothing(v: &Value<'_>) -> bool {
    matches!(
        v,
        Value::Null
            | Value::Int(_)
            | Value::UInt(_)
            | Value::Decimal(_)
            | Value::Date(_)
            | Value::Time(_)
            | Value::DateTime(_)
            | Value::Text(Cow::Borrowed(_))
            | Value::Bytes(Cow::Borrowed(_))
    )
}

/// The places of a record's values that the general codec decodes, when its steps are
/// all scalars (see `Plan::general`).
fn general_places(g: &PlanGroup) -> Option<Box<[u32]>> {
    let mut places = Vec::new();
    let mut at = 0u32;
    for st in &*g.steps {
        match st.op {
            Op::Filler => continue,
            Op::Group(_) | Op::Repeat(_) => return None,
            Op::Scalar => places.push(at),
            // Text by its shortcut borrows ASCII; numbers, dates and times own nothing,
            // by shortcut or by the general codec.
            Op::Text
            | Op::Digits
            | Op::Number
            | Op::Date
            | Op::Time
            | Op::Signed(..)
            | Op::Count(_) => {}
        }
        at += 1;
    }
    Some(places.into_boxed_slice())
}

/// A `G` field's bytes without their full-width pad.
fn graphic_trim(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end >= 2 && bytes[end - 2..end] == text::TextEncoding::FULL_WIDTH_SPACE {
        end -= 2;
    }
    &bytes[..end]
}

/// `values.push(v)`, the value copied word by word with stores the compiler keeps apart.
///
/// The step loop's arms each build their value in registers and meet at one push; there
/// the compiler stored the 32 bytes to the stack in four 8-byte stores and copied them
/// into the vector with two 16-byte loads. A load that spans two pending stores cannot
/// take its bytes from them and waits for them to reach the cache: on the settlement bench
/// message, 40% of `decode`'s time went on that one load (a sampling profile; instruction
/// counts cannot see a stall). Words read one by one from the value need no stack copy,
/// and volatile stores are neither merged nor widened.
#[inline(always)]
#[allow(unsafe_code)]
fn push_value<'a>(values: &mut Vec<Value<'a>>, v: Value<'a>) {
    use std::mem::{ManuallyDrop, MaybeUninit, align_of, size_of};
    const WORDS: usize = size_of::<Value<'_>>() / 8;
    const _: () = assert!(size_of::<Value<'_>>().is_multiple_of(8) && align_of::<Value<'_>>() >= 8);
    values.reserve(1);
    let v = ManuallyDrop::new(v);
    let src = std::ptr::from_ref::<Value<'a>>(&v).cast::<MaybeUninit<u64>>();
    let len = values.len();
    // SAFETY: `reserve` made room for one more value at `len`, aligned for a `Value` and
    // so for `u64`; the value is `WORDS` whole words (asserted above), copied as
    // `MaybeUninit` so that its padding may be uninitialised; the value moves into the
    // vector (`ManuallyDrop`: not dropped here) and the length counts it only once written.
    unsafe {
        let dst = values.as_mut_ptr().add(len).cast::<MaybeUninit<u64>>();
        for i in 0..WORDS {
            dst.add(i).write_volatile(src.add(i).read());
        }
        values.set_len(len + 1);
    }
}

/// One scalar by its shortcut, the general codec when the shortcut does not take it.
#[inline(always)]
fn leaf<'a>(s: &Table, st: &Step, op: Op, offset: usize, bytes: &'a [u8]) -> Result<Value<'a>> {
    Ok(match op {
        Op::Text => {
            match text::ascii_trimmed(bytes) {
                Some(t) => Value::Text(Cow::Borrowed(t)),
                // Hangul: what the general codec does with this shape, which reports the
                // errors.
                None => match text::decode_non_ascii(s.encoding, text::trim_spaces(bytes)) {
                    Ok(t) => Value::Text(t),
                    Err(_) => scalar(s, st, offset, bytes)?,
                },
            }
        }
        Op::Digits => match number::digits_inline(bytes) {
            Some(v) => Value::Int(v as i64),
            None => not_canonical(s, st, offset, bytes)?,
        },
        // The same value as `decode_number_or_temporal` gives, written out: one function
        // shared by both made every decode 2 to 5% dearer in instructions (the compiler then
        // inlined the step loop differently).
        Op::Signed(sign, scale) => match number::signed_reader(sign, bytes.len())(bytes) {
            Some((negative, magnitude)) => {
                let m = signed_i64(negative, magnitude);
                if scale == 0 {
                    Value::Int(m)
                } else {
                    Value::Decimal(Decimal::new(i128::from(m), scale))
                }
            }
            None => not_canonical(s, st, offset, bytes)?,
        },
        // The step's width is the pattern's (the layout compiler checks it).
        Op::Date => match date_of_bytes(bytes) {
            Some(d) => Value::Date(d),
            None => not_canonical(s, st, offset, bytes)?,
        },
        Op::Time => match number::digits_inline(bytes).and_then(time_of_digits) {
            Some(t) => Value::Time(t),
            None => not_canonical(s, st, offset, bytes)?,
        },
        Op::Number => match s.fields[st.field as usize].kind {
            FieldKind::Scalar(ref sc) => match decode_number_or_temporal(sc, bytes) {
                Some(v) => v,
                None => not_canonical(s, st, offset, bytes)?,
            },
            FieldKind::Group(_) => scalar(s, st, offset, bytes)?,
        },
        _ => scalar(s, st, offset, bytes)?,
    })
}

impl Plan {
    /// For a plan without repeats: decodes the telegram (whose length the caller has
    /// checked) into `sink`, field by field in the order of [`Plan::decode_flat`], with no
    /// value built where the sink takes the field as it is (see [`FlatSink`]); the errors
    /// are those of [`Plan::decode`]. `None` for a plan with repeats.
    ///
    /// Its own loop rather than [`Plan::group`] over a sink of values: that one stays as it
    /// was for `decode` and `decode_values`, and the values each gives are held equal by
    /// the tests.
    pub fn decode_sink<'a, S: FlatSink<'a>>(
        &self,
        s: &Table,
        data: &'a [u8],
        sink: &mut S,
    ) -> Option<Result<()>> {
        if self.repeats {
            return None;
        }
        Some(self.group_sink(s, 0, data, sink))
    }

    /// One record's steps into the sink, the fields of an inner record where it stands.
    ///
    /// This loop and [`leaf_sink`] are compiled in the crate of the sink; what they call
    /// of this module goes through the `sink_` functions below, so that the helpers of the
    /// other loops stay private to this crate and are compiled as before (called from
    /// another crate, `scalar` and the text decode became exported symbols, and the
    /// compiler then made `decode` of a message with repeats 1% dearer).
    fn group_sink<'a, S: FlatSink<'a>>(
        &self,
        s: &Table,
        gi: usize,
        data: &'a [u8],
        sink: &mut S,
    ) -> Result<()> {
        for st in &*self.groups[gi].steps {
            let start = st.offset as usize;
            let end = start + st.width as usize;
            let Some(bytes) = data.get(start..end) else {
                // The caller checked the length; stay an error rather than a panic.
                return Err(sink_too_short(end, data.len()));
            };
            match st.op {
                Op::Filler => sink_filler(s, st, start, bytes)?,
                Op::Group(sub) => self
                    .group_sink(s, sub as usize, data, sink)
                    .map_err(|e| sink_in_record(s, st, e))?,
                Op::Text => leaf_sink(s, st, Op::Text, start, bytes, sink)?,
                Op::Digits => leaf_sink(s, st, Op::Digits, start, bytes, sink)?,
                Op::Number => leaf_sink(s, st, Op::Number, start, bytes, sink)?,
                Op::Date => leaf_sink(s, st, Op::Date, start, bytes, sink)?,
                Op::Time => leaf_sink(s, st, Op::Time, start, bytes, sink)?,
                Op::Signed(sign, scale) => {
                    leaf_sink(s, st, Op::Signed(sign, scale), start, bytes, sink)?
                }
                Op::Scalar => leaf_sink(s, st, Op::Scalar, start, bytes, sink)?,
                // Not in a plan without repeats; as `group` does, through the codec.
                Op::Count(_) | Op::Repeat(_) => sink.value(sink_scalar(s, st, start, bytes)?),
            }
        }
        Ok(())
    }
}

#[cold]
#[inline(never)]
fn sink_too_short(needed: usize, found: usize) -> Error {
    Error::data(ErrorKind::TooShort { needed, found }, found, 0, None)
}

#[cold]
#[inline(never)]
fn sink_in_record(s: &Table, st: &Step, e: Error) -> Error {
    e.prepend_path(&s.fields[st.field as usize].name)
}

#[inline(never)]
fn sink_filler(s: &Table, st: &Step, offset: usize, bytes: &[u8]) -> Result<()> {
    filler(s, st, offset, bytes)
}

/// A number, date or time that its step's shortcut did not take. A blank field (all
/// spaces) is `Null` here, as the general codec gives it for every field with a shortcut
/// (none is `required` or a constant): blank amounts and dates are common, and the general
/// codec costs several times the shortcut. Anything else goes to [`scalar`].
#[inline(never)]
fn not_canonical<'a>(s: &Table, st: &Step, offset: usize, bytes: &'a [u8]) -> Result<Value<'a>> {
    if text::trim_spaces(bytes).is_empty() {
        return Ok(Value::Null);
    }
    scalar(s, st, offset, bytes)
}

/// [`scalar`], for the sink's loop.
#[inline(never)]
fn sink_scalar<'a>(s: &Table, st: &Step, offset: usize, bytes: &'a [u8]) -> Result<Value<'a>> {
    scalar(s, st, offset, bytes)
}

/// Text that is neither ASCII nor taken by the KS X 1001 table, as [`leaf`] decodes it
/// (which reports the errors).
#[inline(never)]
fn sink_text<'a>(s: &Table, st: &Step, offset: usize, bytes: &'a [u8]) -> Result<Value<'a>> {
    match text::decode_non_ascii(s.encoding, text::trim_spaces(bytes)) {
        Ok(t) => Ok(Value::Text(t)),
        Err(_) => scalar(s, st, offset, bytes),
    }
}

/// The text of a `G` field that the KS X 1001 table may take, as `leaf_into` takes it:
/// its bytes without their pad; `None` for any other field.
#[inline(never)]
fn sink_graphic<'a>(s: &Table, st: &Step, bytes: &'a [u8]) -> Option<&'a [u8]> {
    match &s.fields[st.field as usize].kind {
        FieldKind::Scalar(sc)
            if matches!(sc.codec, Codec::Graphic { lenient: false })
                && sc.constant.is_none()
                && !sc.required
                && s.encoding.is_double_byte() =>
        {
            Some(graphic_trim(bytes))
        }
        _ => None,
    }
}

/// One scalar into the sink: what [`leaf`] gives, with no value built for text, digits,
/// signed numbers, dates and times; Korean text decoded by table into the sink's string.
#[inline(always)]
fn leaf_sink<'a, S: FlatSink<'a>>(
    s: &Table,
    st: &Step,
    op: Op,
    offset: usize,
    bytes: &'a [u8],
    sink: &mut S,
) -> Result<()> {
    match op {
        Op::Text => {
            if let Some(t) = text::ascii_trimmed(bytes) {
                sink.text(t);
                return Ok(());
            }
            let t = text::trim_spaces(bytes);
            if s.encoding.is_double_byte() && sink.korean_text(KoreanText::new(t, false)) {
                return Ok(());
            }
            sink.value(sink_text(s, st, offset, bytes)?)
        }
        Op::Digits => match number::digits_inline(bytes) {
            Some(v) => sink.int(v as i64),
            None => sink.value(not_canonical(s, st, offset, bytes)?),
        },
        Op::Signed(sign, scale) => match number::signed_reader(sign, bytes.len())(bytes) {
            Some((negative, magnitude)) => {
                let m = signed_i64(negative, magnitude);
                if scale == 0 {
                    sink.int(m)
                } else {
                    sink.decimal(i128::from(m), scale)
                }
            }
            None => sink.value(not_canonical(s, st, offset, bytes)?),
        },
        Op::Date => match date_of_bytes(bytes) {
            Some(d) => sink.date(d),
            None => sink.value(not_canonical(s, st, offset, bytes)?),
        },
        Op::Time => match number::digits_inline(bytes).and_then(time_of_digits) {
            Some(t) => sink.time(t),
            None => sink.value(not_canonical(s, st, offset, bytes)?),
        },
        Op::Number => match s.fields[st.field as usize].kind {
            FieldKind::Scalar(ref sc) => match decode_number_or_temporal(sc, bytes) {
                Some(v) => sink.value(v),
                None => sink.value(not_canonical(s, st, offset, bytes)?),
            },
            FieldKind::Group(_) => sink.value(sink_scalar(s, st, offset, bytes)?),
        },
        _ => {
            // A `G` field: its KS X 1001 text by table, as `leaf_into` takes it.
            if let Some(g) = sink_graphic(s, st, bytes)
                && sink.korean_text(KoreanText::new(g, true))
            {
                return Ok(());
            }
            sink.value(sink_scalar(s, st, offset, bytes)?)
        }
    }
    Ok(())
}

impl Plan {
    /// Appends the telegram of `rec`, the root record, when the fast path takes all of
    /// it; `false` (with `out` possibly longer) when the general encoder must do it.
    pub fn encode(&self, s: &Table, rec: &Record<'_>, out: &mut Vec<u8>) -> bool {
        if self.repeats {
            let mut counts = [u64::MAX; MAX_COUNTS];
            self.encode_group::<true>(s, 0, rec, &mut counts, out)
        } else {
            self.encode_group::<false>(s, 0, rec, &mut [], out)
        }
    }

    fn encode_group<const R: bool>(
        &self,
        s: &Table,
        gi: usize,
        rec: &Record<'_>,
        counts: &mut [u64],
        out: &mut Vec<u8>,
    ) -> bool {
        let pg = &self.groups[gi];
        let g = &s.groups[pg.gid as usize];
        if !Arc::ptr_eq(&rec.shape, &g.shape) || rec.values.len() != pg.values {
            return false;
        }
        let mut values = rec.values.iter();
        for st in &*pg.steps {
            let f = &s.fields[st.field as usize];
            let width = st.width as usize;
            if st.op == Op::Filler {
                if let FieldKind::Scalar(sc) = &f.kind {
                    out.extend_from_slice(&sc.pad_bytes);
                }
                continue;
            }
            let Some(v) = values.next() else {
                return false;
            };
            let ok = match (st.op, v) {
                (Op::Group(sub), Value::Record(r)) => {
                    self.encode_group::<R>(s, sub as usize, r, counts, out)
                }
                (Op::Group(_), _) => false,
                (Op::Count(slot), _) => {
                    if let (Value::Int(i), Some(c)) = (v, counts.get_mut(usize::from(slot))) {
                        *c = *i as u64;
                    }
                    encode_leaf(s, Op::Scalar, f, width, v, out)
                }
                (Op::Repeat(sub), Value::List(list)) => {
                    self.encode_repeat(s, sub, f, width, list, counts, out)
                }
                (Op::Repeat(_), _) => false,
                (Op::Text, v) => encode_leaf(s, Op::Text, f, width, v, out),
                (Op::Digits, v) => encode_leaf(s, Op::Digits, f, width, v, out),
                (Op::Signed(..), v @ (Value::Int(_) | Value::Decimal(_))) => {
                    encode_number(s, f, width, v, out)
                }
                (Op::Number, v @ (Value::Date(_) | Value::Time(_) | Value::DateTime(_))) => {
                    encode_temporal(s, f, width, v, out)
                }
                // `YYYYMMDD` and `hhmmss` as one number's digits; parts beyond two digits
                // (a year beyond four) as the pattern writes them.
                (Op::Date, Value::Date(d)) if d.year <= 9999 && d.month < 100 && d.day < 100 => {
                    let v = u64::from(d.year) * 10_000 + u64::from(d.month) * 100;
                    digits(out, v + u64::from(d.day), 8);
                    true
                }
                (Op::Time, Value::Time(t))
                    if t.hour < 100 && t.minute < 100 && t.second.is_some_and(|s| s < 100) =>
                {
                    let v = u64::from(t.hour) * 10_000 + u64::from(t.minute) * 100;
                    digits(out, v + u64::from(t.second.unwrap_or(0)), 6);
                    true
                }
                (Op::Date, v @ Value::Date(_)) | (Op::Time, v @ Value::Time(_)) => {
                    encode_temporal(s, f, width, v, out)
                }
                (_, v) => encode_leaf(s, Op::Scalar, f, width, v, out),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// The entries of a repeat, when there are as many as its count says.
    #[allow(clippy::too_many_arguments)]
    fn encode_repeat(
        &self,
        s: &Table,
        sub: u32,
        f: &FieldDef,
        width: usize,
        list: &[Value<'_>],
        counts: &mut [u64],
        out: &mut Vec<u8>,
    ) -> bool {
        let n = list.len();
        let room = match f.repeat {
            Repeat::Fixed(k) if k == n => k,
            Repeat::Counted {
                slot, bound, slots, ..
            } if n <= bound && counts.get(usize::from(slot)) == Some(&(n as u64)) => {
                if slots {
                    bound
                } else {
                    n
                }
            }
            _ => return false,
        };
        for v in list {
            let ok = match (sub, v) {
                (SCALAR_ENTRIES, v) => match &f.kind {
                    FieldKind::Scalar(sc) => encode_leaf(s, scalar_op(sc), f, width, v, out),
                    FieldKind::Group(_) => false,
                },
                (sub, Value::Record(r)) => {
                    self.encode_group::<true>(s, sub as usize, r, counts, out)
                }
                _ => false,
            };
            if !ok {
                return false;
            }
        }
        append_pad(out, b' ', (room - n) * width);
        true
    }
}

/// A `Fast::Number` field whose value has the field's scale, written straight out (sign
/// byte or overpunch, zero-padded digits); anything else through [`encode_leaf`].
#[inline]
fn encode_number(s: &Table, f: &FieldDef, width: usize, v: &Value<'_>, out: &mut Vec<u8>) -> bool {
    if let FieldKind::Scalar(sc) = &f.kind
        && let Codec::Number(spec) = &sc.codec
    {
        let (negative, mag) = match (v, spec.scale) {
            (Value::Int(i), 0) => (*i < 0, i.unsigned_abs()),
            (Value::Decimal(d), scale) if d.scale() == scale => {
                let m = d.mantissa();
                match u64::try_from(m.unsigned_abs()) {
                    Ok(mag) => (m < 0, mag),
                    Err(_) => return encode_leaf(s, Op::Scalar, f, width, v, out),
                }
            }
            _ => return encode_leaf(s, Op::Scalar, f, width, v, out),
        };
        let n = usize::from(spec.digits);
        if n > 18 || mag >= number::POW10_U64[n] || (negative && spec.sign == Sign::Unsigned) {
            return encode_leaf(s, Op::Scalar, f, width, v, out);
        }
        let sign = if negative { b'-' } else { b'+' };
        // One block of digits each: a sign byte goes where a zero was laid out for it.
        let at = out.len();
        match spec.sign {
            Sign::Leading => {
                // `mag` is below 10^n: its first of n + 1 digits is a zero.
                digits(out, mag, n + 1);
                if let Some(b) = out.get_mut(at) {
                    *b = sign;
                }
            }
            Sign::Trailing => {
                // 10 * `mag` (below 10^19) ends in a zero.
                digits(out, mag * 10, n + 1);
                if let Some(last) = out.last_mut() {
                    *last = sign;
                }
            }
            Sign::Unsigned => digits(out, mag, n),
            Sign::Overpunch => {
                digits(out, mag, n);
                if let Some(last) = out.last_mut() {
                    let d = last.wrapping_sub(b'0');
                    *last = match (negative, d) {
                        (false, 0) => b'{',
                        (false, d) => b'A' + d - 1,
                        (true, 0) => b'}',
                        (true, d) => b'J' + d - 1,
                    };
                }
            }
        }
        return true;
    }
    encode_leaf(s, Op::Scalar, f, width, v, out)
}

/// A date or time field of a default pattern whose value is a date or time: its digits
/// written straight out; anything else through [`encode_leaf`].
#[inline]
fn encode_temporal(
    s: &Table,
    f: &FieldDef,
    width: usize,
    v: &Value<'_>,
    out: &mut Vec<u8>,
) -> bool {
    if let FieldKind::Scalar(sc) = &f.kind
        && let Codec::Temporal(p) = &sc.codec
        && p.encode_default(v, out)
    {
        return true;
    }
    encode_leaf(s, Op::Scalar, f, width, v, out)
}

/// One scalar: plain ASCII text and integers written straight out, the rest through the
/// general field encoder; `false` at anything it does not take.
#[inline(always)]
fn encode_leaf(
    s: &Table,
    op: Op,
    f: &FieldDef,
    width: usize,
    v: &Value<'_>,
    out: &mut Vec<u8>,
) -> bool {
    match (op, v) {
        // Plain ASCII that neither overflows nor ends in the pad that decode trims.
        (Op::Text, Value::Text(t)) if t.len() <= width && plain_ascii(t.as_bytes()) => {
            text_padded(out, t.as_bytes(), width);
            return true;
        }
        (Op::Digits, Value::Int(i)) if *i >= 0 && (*i as u64) < number::POW10_U64[width] => {
            digits(out, *i as u64, width);
            return true;
        }
        (Op::Digits, Value::Null) => {
            append_pad(out, b' ', width);
            return true;
        }
        _ => {}
    }
    let FieldKind::Scalar(sc) = &f.kind else {
        return false;
    };
    encode_scalar(s.encoding, sc, width, Some(v), out).is_ok()
}

/// Appends `t` and spaces up to `width` bytes (`t` no longer). Up to 32 bytes, a block of
/// 32 spaces is appended whole and `t` copied over its start in two overlapping copies of
/// a fixed size, then the block is cut back to `width`: no call to `memcpy` for the text
/// and none for the pad (each was one per field). `out` needs 32 bytes of room for it not
/// to grow (the encoder reserves them).
#[inline(always)]
fn text_padded(out: &mut Vec<u8>, t: &[u8], width: usize) {
    const SPACES: [u8; 32] = [b' '; 32];
    let n = t.len();
    if width > SPACES.len() || n > width {
        out.extend_from_slice(t);
        append_pad(out, b' ', width.saturating_sub(n));
        return;
    }
    let at = out.len();
    out.extend_from_slice(&SPACES);
    let block = &mut out[at..];
    if n >= 16 {
        block[..16].copy_from_slice(&t[..16]);
        block[n - 16..n].copy_from_slice(&t[n - 16..]);
    } else if n >= 8 {
        block[..8].copy_from_slice(&t[..8]);
        block[n - 8..n].copy_from_slice(&t[n - 8..]);
    } else if n >= 4 {
        block[..4].copy_from_slice(&t[..4]);
        block[n - 4..n].copy_from_slice(&t[n - 4..]);
    } else if n > 0 {
        block[0] = t[0];
        block[n / 2] = t[n / 2];
        block[n - 1] = t[n - 1];
    }
    out.truncate(at + width);
}

/// The value of a sign and a magnitude of at most 18 digits (`signed_digits` gives no more).
#[inline(always)]
fn signed_i64(negative: bool, magnitude: u64) -> i64 {
    if negative {
        -(magnitude as i64)
    } else {
        magnitude as i64
    }
}

/// Pure ASCII that does not end in a space (text that decode gives back as it is).
#[inline(always)]
fn plain_ascii(t: &[u8]) -> bool {
    text::ascii_words(t) && t.last() != Some(&b' ')
}

/// Appends `v` as `width` zero-padded digits (`v` below 10^width, `width` at most 20):
/// two at once below 100, else eight at a time by [`eight_ascii`]. The 24 digits of `v`
/// are three words in registers, shifted so that the wanted ones come first, and the
/// words are appended whole (copies of a fixed size, without a call), then cut back to
/// `width`. They used to be written into a buffer on the stack and copied out of it:
/// 16-byte loads of bytes just stored 8 at a time at other offsets, which wait for the
/// stores to reach the cache (more than half of `encode_into`'s time on the settlement
/// bench message, by a sampling profile). `out` needs 24 bytes of room for it not to
/// grow (the encoder reserves 32).
#[inline(always)]
fn digits(out: &mut Vec<u8>, v: u64, width: usize) {
    const E8: u64 = 100_000_000;
    const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);
    let w = width.min(20);
    // The 24 digits, first in the lowest byte of `d0`.
    let (d0, d1, d2) = if v < 100 {
        // Codes and counts: one or two digits.
        let two = ((v % 10) << 8) | (v / 10);
        (ZEROS, ZEROS, ZEROS + (two << 48))
    } else if v < E8 {
        (ZEROS, ZEROS, eight_ascii(v))
    } else {
        let high = v / E8;
        (
            eight_ascii(high / E8),
            eight_ascii(high % E8),
            eight_ascii(v % E8),
        )
    };
    let at = out.len();
    if w <= 8 {
        // The last `w` digits, from the top of `d2`.
        let word = d2.checked_shr(8 * (8 - w) as u32).unwrap_or(0);
        out.extend_from_slice(&word.to_le_bytes());
    } else if w <= 16 {
        let pair = (u128::from(d1) | (u128::from(d2) << 64)) >> (8 * (16 - w));
        out.extend_from_slice(&pair.to_le_bytes());
    } else {
        // 17 to 20 digits: the first 4 to 7 of the 24 are left out.
        let s = 8 * (24 - w) as u32;
        let first = (u128::from(d0) | (u128::from(d1) << 64)) >> s;
        let last = d2 >> s;
        let first = first | (u128::from(d2) << (128 - s));
        out.extend_from_slice(&first.to_le_bytes());
        out.extend_from_slice(&last.to_le_bytes());
    }
    out.truncate(at + w);
}

/// A number below 10^8 as its eight ASCII digits, zero-padded: its halves, hundreds and
/// tens split in the lanes of one word (four digits a 32-bit lane, then two a 16-bit
/// lane, then one a byte), the first digit in the lowest byte.
#[inline(always)]
fn eight_ascii(v: u64) -> u64 {
    // Lanes of 32 bits: the first four digits low, the last four high.
    let x = (v / 10_000) | ((v % 10_000) << 32);
    // Each lane (below 10,000) divided by 100: x * 10486 >> 20 is exact there, and the
    // products (below 2^27) do not reach the next lane.
    let hundreds = ((x * 10_486) >> 20) & 0x0000_007F_0000_007F;
    let x = hundreds | ((x - hundreds * 100) << 16);
    // Lanes of 16 bits (below 100) divided by 10: x * 103 >> 10 is exact there.
    let tens = ((x * 103) >> 10) & 0x000F_000F_000F_000F;
    let x = tens | ((x - tens * 10) << 8);
    x + 0x3030_3030_3030_3030
}

/// Appends the plan of group `gid` and of the records inside it; `None` when a field has
/// no static offset or a repeat is not one a plan takes. In a repeated record (`relative`)
/// offsets are from the entry's start and nothing may repeat or nest; `last_max` lets the
/// group's last field be a repeat with `max` (the message has no fixed length).
fn add_group(
    fields: &[FieldDef],
    groups: &[GroupDef],
    gid: GroupId,
    plan: &mut Vec<PlanGroup>,
    relative: bool,
    last_max: bool,
) -> Option<u32> {
    let at = plan.len();
    plan.push(PlanGroup {
        gid,
        values: 0,
        steps: Box::new([]),
    });
    let mut steps = Vec::new();
    let mut values = 0;
    let members = &groups[gid as usize].members;
    for (j, &fid) in members.iter().enumerate() {
        let f = &fields[fid as usize];
        if f.in_repeat != relative {
            return None;
        }
        let one = f.repeat == Repeat::One;
        let op = match &f.kind {
            FieldKind::Scalar(_) if f.filler => one.then_some(Op::Filler)?,
            FieldKind::Scalar(sc) if one => match f.count_slot {
                Some(slot) => Op::Count(slot),
                None => scalar_op(sc),
            },
            _ if f.count_slot.is_some() || relative => return None,
            FieldKind::Group(g) if one => {
                Op::Group(add_group(fields, groups, *g, plan, false, false)?)
            }
            _ if matches!(f.repeat, Repeat::Counted { slots: false, .. })
                && !(last_max && j + 1 == members.len()) =>
            {
                return None;
            }
            FieldKind::Scalar(_) => Op::Repeat(SCALAR_ENTRIES),
            FieldKind::Group(g) => Op::Repeat(add_group(fields, groups, *g, plan, true, false)?),
        };
        if op != Op::Filler {
            values += 1;
        }
        let offset = if relative { f.rel? } else { f.offset? };
        steps.push(Step {
            offset: u32::try_from(offset).ok()?,
            width: u32::try_from(f.width).ok()?,
            field: fid,
            op,
        });
    }
    plan[at].values = values;
    plan[at].steps = steps.into_boxed_slice();
    u32::try_from(at).ok()
}

/// A scalar through the general codec, its error naming the field.
#[inline(never)]
fn scalar<'a>(s: &Table, st: &Step, offset: usize, bytes: &'a [u8]) -> Result<Value<'a>> {
    let f = &s.fields[st.field as usize];
    let FieldKind::Scalar(sc) = &f.kind else {
        unreachable!("a scalar step is built from a scalar field")
    };
    decode_field(s.encoding, sc, f.sensitivity, offset, bytes).map_err(|e| e.prepend_path(&f.name))
}

/// A filler's bytes, which must be its pad. Inlined into each loop, as it was while
/// two loops called it (a third made the compiler call it: 4% more for `decode_into`).
#[inline(always)]
fn filler(s: &Table, st: &Step, offset: usize, bytes: &[u8]) -> Result<()> {
    let f = &s.fields[st.field as usize];
    match &f.kind {
        FieldKind::Scalar(sc) if bytes != &*sc.pad_bytes => Err(Error::data(
            ErrorKind::NotPad,
            offset,
            f.width,
            (f.sensitivity == crate::value::Sensitivity::Plain).then_some(bytes),
        )
        .prepend_path(&f.name)),
        _ => Ok(()),
    }
}

/// A repeat's entries starting at `start`: how many, and their bytes (the unused slots of a
/// `slots` repeat included). `not_taken` when the plan cannot read it:
/// a count over its bound or unread, too few bytes, a `max` repeat that does not end the
/// message, or an unused slot that is not spaces.
#[inline]
fn repeat_area<'d>(
    f: &FieldDef,
    width: usize,
    data: &'d [u8],
    start: usize,
    counts: &[u64],
) -> Result<(usize, &'d [u8])> {
    let (n, room, ends) = match f.repeat {
        Repeat::Fixed(n) => (n, n, false),
        Repeat::Counted {
            slot, bound, slots, ..
        } => {
            let c = counts.get(usize::from(slot)).copied().unwrap_or(u64::MAX);
            if c > bound as u64 {
                return Err(not_taken());
            }
            let n = c as usize;
            (n, if slots { bound } else { n }, !slots)
        }
        Repeat::One => return Err(not_taken()),
    };
    let end = start + room * width;
    let Some(area) = data.get(start..end) else {
        return Err(not_taken());
    };
    // A repeat with `max` ends the message; unused slots hold spaces.
    if (ends && end != data.len()) || area[n * width..].iter().any(|&b| b != b' ') {
        return Err(not_taken());
    }
    Ok((n, area))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_the_zero_padded_decimal() {
        // Every width, values at every power of ten and around it, and a spread between.
        let mut values = vec![0u64, u64::MAX];
        for k in 0..20 {
            let p = number::POW10_U64[k];
            values.extend([p - 1, p, p + 1, p.saturating_mul(7) / 3]);
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> (x % 64));
        }
        for v in values {
            let text = v.to_string();
            for width in text.len()..=20 {
                let mut out = b"x".to_vec();
                digits(&mut out, v, width);
                assert_eq!(
                    std::str::from_utf8(&out[1..]),
                    Ok(format!("{v:0width$}").as_str()),
                    "{v} in {width}"
                );
            }
        }
    }

    #[test]
    fn text_padded_writes_the_text_and_its_pad() {
        let text: Vec<u8> = (0..40u8).map(|i| b'A' + i % 26).collect();
        for width in 0..=40 {
            for n in 0..=width {
                let mut out = b"x".to_vec();
                text_padded(&mut out, &text[..n], width);
                let mut want = b"x".to_vec();
                want.extend_from_slice(&text[..n]);
                want.resize(1 + width, b' ');
                assert_eq!(out, want, "{n} bytes in {width}");
            }
        }
    }
}
