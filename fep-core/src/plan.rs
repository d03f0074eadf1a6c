//! Flat decode plans for messages of fixed length.
//!
//! Most messages in the field have a fixed length and no repeats: every field sits at an
//! offset known when the layout is compiled. For those, compiling also lays the message out
//! as a plan: per record, one small array of steps (offset, width, field and what to do),
//! so that a decode is a single pass that neither tracks a position nor checks bounds
//! field by field, and builds each record's values in one go. Messages with repeats, and
//! decodes that trace (explain, views of such fields), take the general walk in
//! `decode.rs`; both give the same values and the same errors, which the golden, error and
//! property tests check on every bundled layout.
//!
//! Encode uses the same plan as a fast path for a message whose records have the shapes the
//! schema gives them (any message it decoded): values are taken by position, plain ASCII
//! text and integers are written straight out, everything else goes through the general
//! field encoder. At the first thing it does not take (or any error) it gives up, and the
//! general walk in `encode.rs` encodes the message again and reports the error; so both
//! paths write the same bytes and the errors come from one place.

use std::borrow::Cow;
use std::sync::Arc;

use crate::codec::field::{
    Fast, append_pad, decode_field, decode_number_or_temporal, encode_scalar,
};
use crate::codec::number;
use crate::codec::text;
use crate::error::{Error, ErrorKind, Result};
use crate::schema::table::*;
use crate::value::{Record, Value};

/// One message's plan: its records, the root first.
#[derive(Debug)]
pub(crate) struct Plan {
    groups: Box<[PlanGroup]>,
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
    /// Where the field's bytes start, from the start of the telegram.
    offset: u32,
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
    /// Signed or scaled digits, or a date or time in its default pattern.
    Number,
    /// Any other scalar: the general codec.
    Scalar,
    /// Filler: checked, no value.
    Filler,
    /// A record, by its index in the plan.
    Group(u32),
}

impl Plan {
    /// The plan of a message, when it has a fixed length (below 4 GiB) and no repeats.
    pub fn build(fields: &[FieldDef], groups: &[GroupDef], m: &MessageDef) -> Option<Plan> {
        let len = m.fixed_len?;
        u32::try_from(len).ok()?;
        let mut plan = Vec::new();
        add_group(fields, groups, m.root, &mut plan)?;
        Some(Plan {
            groups: plan.into_boxed_slice(),
        })
    }

    /// Decodes the telegram (whose length the caller has checked against the message)
    /// into `values`, the root record's values.
    pub fn decode<'a>(&self, s: &Table, data: &'a [u8], values: &mut Vec<Value<'a>>) -> Result<()> {
        self.group(s, 0, data, values)
    }

    fn group<'a>(
        &self,
        s: &Table,
        gi: usize,
        data: &'a [u8],
        values: &mut Vec<Value<'a>>,
    ) -> Result<()> {
        let pg = &self.groups[gi];
        values.reserve_exact(pg.values);
        for st in &*pg.steps {
            let start = st.offset as usize;
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
                Op::Text => {
                    let t = text::trim_spaces(bytes);
                    match text::ascii_str(t) {
                        Some(t) => Value::Text(Cow::Borrowed(t)),
                        // Hangul: what the general codec does with this shape, which
                        // reports the errors.
                        None => match text::decode_non_ascii(s.encoding, t) {
                            Ok(t) => Value::Text(t),
                            Err(_) => scalar(s, st, bytes)?,
                        },
                    }
                }
                Op::Digits => match number::digits_u64(bytes) {
                    Some(v) => Value::Int(v as i64),
                    None => scalar(s, st, bytes)?,
                },
                Op::Number => match s.fields[st.field as usize].kind {
                    FieldKind::Scalar(ref sc) => match decode_number_or_temporal(sc, bytes) {
                        Some(v) => v,
                        None => scalar(s, st, bytes)?,
                    },
                    FieldKind::Group(_) => scalar(s, st, bytes)?,
                },
                Op::Scalar => scalar(s, st, bytes)?,
                Op::Filler => {
                    filler(s, st, bytes)?;
                    continue;
                }
                Op::Group(sub) => {
                    let sub = sub as usize;
                    let mut inner = Vec::new();
                    self.group(s, sub, data, &mut inner)
                        .map_err(|e| e.prepend_path(&s.fields[st.field as usize].name))?;
                    Value::Record(Record {
                        shape: s.groups[self.groups[sub].gid as usize].shape.clone(),
                        values: inner,
                    })
                }
            };
            values.push(v);
        }
        Ok(())
    }
}

impl Plan {
    /// Appends the telegram of `rec`, the root record, when the fast path takes all of
    /// it; `false` (with `out` possibly longer) when the general encoder must do it.
    pub fn encode(&self, s: &Table, rec: &Record<'_>, out: &mut Vec<u8>) -> bool {
        self.encode_group(s, 0, rec, out)
    }

    fn encode_group(&self, s: &Table, gi: usize, rec: &Record<'_>, out: &mut Vec<u8>) -> bool {
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
            match (st.op, v) {
                (Op::Group(sub), Value::Record(r)) => {
                    if !self.encode_group(s, sub as usize, r, out) {
                        return false;
                    }
                    continue;
                }
                (Op::Group(_), _) => return false,
                // Plain ASCII that neither overflows nor ends in the pad that decode trims.
                (Op::Text, Value::Text(t))
                    if t.len() <= width && t.is_ascii() && !t.ends_with(' ') =>
                {
                    out.extend_from_slice(t.as_bytes());
                    append_pad(out, b' ', width - t.len());
                    continue;
                }
                (Op::Digits, Value::Int(i))
                    if *i >= 0 && (*i as u64) < number::POW10_U64[width] =>
                {
                    digits(out, *i as u64, width);
                    continue;
                }
                (Op::Digits, Value::Null) => {
                    append_pad(out, b' ', width);
                    continue;
                }
                _ => {}
            }
            let FieldKind::Scalar(sc) = &f.kind else {
                return false;
            };
            if encode_scalar(s.encoding, sc, width, Some(v), out).is_err() {
                return false;
            }
        }
        true
    }
}

/// Appends `v` as `width` zero-padded digits (`v` below 10^width).
#[inline]
fn digits(out: &mut Vec<u8>, mut v: u64, width: usize) {
    const ZEROS: [u8; 20] = [b'0'; 20];
    let at = out.len();
    out.extend_from_slice(&ZEROS[..width]);
    for d in out[at..].iter_mut().rev() {
        if v == 0 {
            break;
        }
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Appends the plan of group `gid` and of the records inside it; `None` when the group
/// holds a repeat or a field without a static offset.
fn add_group(
    fields: &[FieldDef],
    groups: &[GroupDef],
    gid: GroupId,
    plan: &mut Vec<PlanGroup>,
) -> Option<u32> {
    let at = plan.len();
    plan.push(PlanGroup {
        gid,
        values: 0,
        steps: Box::new([]),
    });
    let mut steps = Vec::new();
    let mut values = 0;
    for &fid in &groups[gid as usize].members {
        let f = &fields[fid as usize];
        if f.repeat != Repeat::One || f.count_slot.is_some() || f.in_repeat {
            return None;
        }
        let op = match &f.kind {
            FieldKind::Scalar(_) if f.filler => Op::Filler,
            FieldKind::Scalar(sc) => match sc.fast {
                Fast::Text => Op::Text,
                Fast::Digits => Op::Digits,
                Fast::Number | Fast::Temporal => Op::Number,
                Fast::None => Op::Scalar,
            },
            FieldKind::Group(g) => Op::Group(add_group(fields, groups, *g, plan)?),
        };
        if op != Op::Filler {
            values += 1;
        }
        steps.push(Step {
            offset: u32::try_from(f.offset?).ok()?,
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
fn scalar<'a>(s: &Table, st: &Step, bytes: &'a [u8]) -> Result<Value<'a>> {
    let f = &s.fields[st.field as usize];
    let FieldKind::Scalar(sc) = &f.kind else {
        unreachable!("a scalar step is built from a scalar field")
    };
    decode_field(s.encoding, sc, f.sensitivity, st.offset as usize, bytes)
        .map_err(|e| e.prepend_path(&f.name))
}

fn filler(s: &Table, st: &Step, bytes: &[u8]) -> Result<()> {
    let f = &s.fields[st.field as usize];
    match &f.kind {
        FieldKind::Scalar(sc) if bytes != &*sc.pad_bytes => Err(Error::data(
            ErrorKind::NotPad,
            st.offset as usize,
            f.width,
            (f.sensitivity == crate::value::Sensitivity::Plain).then_some(bytes),
        )
        .prepend_path(&f.name)),
        _ => Ok(()),
    }
}
