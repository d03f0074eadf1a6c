//! Property tests over every layout in `layouts/`: values generated from each message's
//! field table encode, decode back to themselves, and re-encode to the same bytes; and
//! arbitrary bytes never make decode panic.

use std::borrow::Cow;

use proptest::prelude::*;

use crate::codec::field::{Codec, ScalarDef, decode_scalar, number_value};
use crate::codec::number::Sign;
use crate::codec::temporal::TemporalKind;
use crate::codec::text::TextEncoding;
use crate::path::{FieldPath, PathSegment};
use crate::schema::table::*;
use crate::schema::{Schema, SchemaInner};
use crate::value::{Date, DateTime, Record, Time, Value};

fn layouts() -> Vec<(String, Schema)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("layouts/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "layout"))
        .map(|p| {
            (
                p.display().to_string(),
                Schema::load(&p).expect("layout compiles"),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Characters that the encoding holds, ASCII and Hangul; `hangul_only` for G fields.
fn alphabet(enc: TextEncoding, hangul_only: bool) -> Vec<char> {
    let mut v: Vec<char> = Vec::new();
    if !hangul_only {
        v.extend("AZaz09 -()/.,".chars());
    }
    if enc != TextEncoding::Ascii {
        v.extend("가나다홍길동급여관리비입출주식회사".chars());
    }
    if matches!(enc, TextEncoding::Cp949 | TextEncoding::Utf8) {
        v.extend("똠햏뷁".chars());
    }
    if enc == TextEncoding::Utf8 && !hangul_only {
        v.push('·');
    }
    if hangul_only && enc.is_double_byte() {
        v.push('Ａ'); // a full-width letter
    }
    v
}

fn byte_len(enc: TextEncoding, s: &str) -> usize {
    let mut out = Vec::new();
    crate::codec::text::encode(enc, s, &mut out)
        .map(|()| out.len())
        .unwrap_or(usize::MAX)
}

/// Text of at most `width` bytes that round-trips: no pad at the trimmed end.
fn text(
    enc: TextEncoding,
    width: usize,
    pad: char,
    right: bool,
    hangul_only: bool,
) -> BoxedStrategy<String> {
    let chars = alphabet(enc, hangul_only);
    proptest::collection::vec(proptest::sample::select(chars), 0..=width)
        .prop_map(move |cs| {
            let mut s = String::new();
            for c in cs {
                s.push(c);
                if byte_len(enc, &s) > width {
                    s.pop();
                    break;
                }
            }
            let t = if right {
                s.trim_start_matches(pad)
            } else {
                s.trim_end_matches(pad)
            };
            t.to_owned()
        })
        .boxed()
}

fn scalar(enc: TextEncoding, s: &ScalarDef, width: usize) -> BoxedStrategy<Value<'static>> {
    match &s.codec {
        Codec::Text { raw: true, pad, .. } => {
            let pad = *pad as char;
            text(enc, width, pad, false, false)
                .prop_map(move |t| {
                    let fill = width - byte_len(enc, &t);
                    Value::Text(Cow::Owned(format!("{t}{}", pad.to_string().repeat(fill))))
                })
                .boxed()
        }
        Codec::Text {
            pad, align_right, ..
        } => {
            let required = s.required;
            text(enc, width, *pad as char, *align_right, false)
                .prop_map(move |t| {
                    Value::Text(Cow::Owned(if required && t.is_empty() {
                        "R".into()
                    } else {
                        t
                    }))
                })
                .boxed()
        }
        Codec::Graphic { .. } => {
            let required = s.required;
            text(enc, width, '\u{3000}', false, true)
                .prop_map(move |t| {
                    Value::Text(Cow::Owned(if required && t.is_empty() {
                        "가".into()
                    } else {
                        t
                    }))
                })
                .boxed()
        }
        Codec::Number(spec) => {
            let max = crate::codec::number::pow10(spec.digits.min(38)) - 1;
            let signed = spec.sign != Sign::Unsigned;
            let scale = spec.scale;
            let required = s.required;
            (0..=max, any::<bool>(), 0..10u8)
                .prop_map(move |(m, neg, blank)| {
                    if blank == 0 && !required {
                        return Value::Null;
                    }
                    let neg = signed && neg && m != 0;
                    number_value(
                        crate::codec::number::Num {
                            negative: neg,
                            magnitude: m,
                        },
                        scale,
                    )
                })
                .boxed()
        }
        Codec::Temporal(p) => {
            let kind = p.kind;
            let two_digit = p.width() == 6 && kind == TemporalKind::Date;
            let years = if two_digit {
                1969u16..=2068
            } else {
                1900u16..=2099
            };
            let seconds = p.width() != 4 && !(kind == TemporalKind::DateTime && p.width() == 12);
            let required = s.required;
            (
                years,
                1u8..=12,
                1u8..=28,
                0u8..24,
                0u8..60,
                0u8..60,
                0..10u8,
            )
                .prop_map(move |(y, mo, d, h, mi, sec, blank)| {
                    // A blank date or time, as a blank number above.
                    if blank == 0 && !required {
                        return Value::Null;
                    }
                    let date = Date {
                        year: y,
                        month: mo,
                        day: d,
                    };
                    let time = Time {
                        hour: h,
                        minute: mi,
                        second: seconds.then_some(sec),
                    };
                    match kind {
                        TemporalKind::Date => Value::Date(date),
                        TemporalKind::Time => Value::Time(time),
                        TemporalKind::DateTime => Value::DateTime(DateTime { date, time }),
                    }
                })
                .boxed()
        }
        Codec::Bytes => proptest::collection::vec(any::<u8>(), width..=width)
            .prop_map(|b| Value::Bytes(Cow::Owned(b)))
            .boxed(),
    }
}

fn group(s: &SchemaInner, g: GroupId) -> BoxedStrategy<Value<'static>> {
    let g = &s.groups[g as usize];
    let mut parts: Vec<BoxedStrategy<Option<(String, Value<'static>)>>> = Vec::new();
    for &fid in &g.members {
        let f = &s.fields[fid as usize];
        if f.filler {
            continue;
        }
        let name = f.name.to_string();
        let one: BoxedStrategy<Value<'static>> = match &f.kind {
            FieldKind::Group(inner) => group(s, *inner),
            FieldKind::Scalar(sc) if sc.constant.is_some() => {
                // Constants are left out: encode writes them.
                parts.push(Just(None).boxed());
                continue;
            }
            FieldKind::Scalar(_) if f.count_slot.is_some() => {
                // Counts are left out: encode fills them in from the entries.
                parts.push(Just(None).boxed());
                continue;
            }
            FieldKind::Scalar(sc) => scalar(s.encoding, sc, f.width),
        };
        let v = match &f.repeat {
            Repeat::One => one,
            Repeat::Fixed(n) => proptest::collection::vec(one, *n..=*n)
                .prop_map(Value::List)
                .boxed(),
            Repeat::Counted { bound, .. } => proptest::collection::vec(one, 0..=(*bound).min(6))
                .prop_map(Value::List)
                .boxed(),
        };
        parts.push(v.prop_map(move |v| Some((name.clone(), v))).boxed());
    }
    parts
        .prop_map(|kv| Value::Record(kv.into_iter().flatten().collect::<Record<'static>>()))
        .boxed()
}

/// Sets the message's discriminator fields to one of the values its conditions allow.
fn satisfy(schema: &Schema, mi: usize, rec: &mut Record<'static>, pick: usize) {
    let s = &*schema.inner;
    for (d, vals) in &s.messages[mi].conditions {
        let path = &s.dispatch.discs[*d].path;
        let wire = &vals[pick % vals.len()];
        let mut group = s.messages[mi].root;
        let mut target: &mut Record<'static> = rec;
        let path = FieldPath::parse(path).expect("condition path");
        let segs: Vec<&str> = path
            .segments()
            .map(|seg| match seg {
                PathSegment::Name(name) => name,
                _ => panic!("a condition path through a repeat"),
            })
            .collect();
        for (i, seg) in segs.iter().enumerate() {
            let fid = *s.groups[group as usize]
                .members
                .iter()
                .find(|&&m| &*s.fields[m as usize].name == *seg)
                .expect("condition path");
            let f = &s.fields[fid as usize];
            if i + 1 == segs.len() {
                let FieldKind::Scalar(sc) = &f.kind else {
                    panic!("condition on a group")
                };
                let v = decode_scalar(s.encoding, sc, wire)
                    .expect("literal decodes")
                    .into_owned();
                target.set(seg, v);
            } else {
                let FieldKind::Group(inner) = f.kind else {
                    panic!("path through a scalar")
                };
                group = inner;
                target = match target.get_mut(seg) {
                    Some(Value::Record(r)) => r,
                    _ => panic!("generated record lacks {seg}"),
                };
            }
        }
    }
}

/// `sub` holds only fields that `full` has, with equal values (constants and counts that the
/// generator left out are in `full` only).
fn contains(full: &Value<'_>, sub: &Value<'_>) -> bool {
    match (full, sub) {
        (Value::Record(f), Value::Record(s)) => s
            .iter()
            .all(|(n, v)| f.get(n).is_some_and(|fv| contains(fv, v))),
        (Value::List(f), Value::List(s)) => {
            f.len() == s.len() && f.iter().zip(s).all(|(a, b)| contains(a, b))
        }
        (Value::Decimal(a), Value::Decimal(b)) => a == b,
        (a, b) => a == b,
    }
}

/// Arbitrary values, with field names that the bundled layouts use (so that encode gets
/// past the name check and into the codecs) and some that they do not.
fn arbitrary_value() -> impl Strategy<Value = Value<'static>> {
    let names = proptest::sample::select(vec![
        "header", "amount", "balance", "name", "memo", "count", "items", "addr", "msg_code",
        "seq_no", "kind", "date", "time", "charges", "code", "bic", "nope", "_",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::Int),
        any::<u64>().prop_map(Value::UInt),
        (any::<i64>(), 0u8..6)
            .prop_map(|(m, s)| Value::Decimal(crate::Decimal::new(i128::from(m), s))),
        "[ -~가-힣똠]{0,20}".prop_map(|s| Value::Text(Cow::Owned(s))),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(|b| Value::Bytes(Cow::Owned(b))),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            proptest::collection::vec((names.clone(), inner), 0..8)
                .prop_map(|kv| Value::Record(kv.into_iter().collect())),
        ]
    })
}

/// A record for message `mi` drawn from its field table by `seed`, its conditions met.
fn generated(schema: &Schema, mi: usize, seed: u64, pick: usize) -> Record<'static> {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &{
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&seed.to_le_bytes());
        b[8] = mi as u8;
        b
    });
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let root = schema.inner.messages[mi].root;
    let Value::Record(mut rec) = group(&schema.inner, root)
        .new_tree(&mut runner)
        .expect("tree")
        .current()
    else {
        panic!("not a record")
    };
    satisfy(schema, mi, &mut rec, pick);
    rec
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Messages with static offsets decode (and encode, and decode into reused messages)
    /// through their plan; the general walk must give the same message or the same error, on
    /// valid telegrams and on telegrams with a few bytes changed; encoding what decoded must
    /// give the same bytes both ways.
    #[test]
    fn the_flat_plan_and_the_walk_agree(
        seed in any::<u64>(),
        edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 0..4),
    ) {
        let mut planned = 0;
        for (path, schema) in layouts() {
            for (mi, m) in schema.inner.messages.iter().enumerate() {
                if schema.inner.plans[mi].is_none() {
                    continue;
                }
                planned += 1;
                let msg = crate::Message::new(&m.name, generated(&schema, mi, seed, 0));
                let mut bytes = schema.encode(&msg).map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
                for &(at, b) in &edits {
                    let i = usize::from(at) % bytes.len();
                    bytes[i] = b;
                }
                // Declared before the messages that borrow from it (and from `bytes`).
                let valid = schema.encode(&msg).map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
                let flat = schema.decode(&bytes);
                // The walk itself, for the reference.
                let walk = schema.dispatch_index(&bytes).and_then(|i| {
                    let mut fields = Record::new();
                    schema.decode_fields(i, &bytes, &mut fields)?;
                    Ok(crate::Message::new(&schema.inner.messages[i].name, fields))
                });
                // decode_into through the plan: into a fresh message, and into one that
                // holds this message decoded from a valid telegram (its strings, lists and
                // records reused): the same message or the same error as the walk.
                let mut into = crate::Message::default();
                let fresh = schema.decode_into(&bytes, &mut into).map(|()| into);
                let mut into = crate::Message::default();
                schema.decode_into(&valid, &mut into).map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
                let reused = schema.decode_into(&bytes, &mut into).map(|()| into);
                for other in [fresh, reused] {
                    match (&walk, other) {
                        (Ok(a), Ok(b)) => prop_assert_eq!(a, &b, "{}: decode_into", path),
                        (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string(), "{}: decode_into", path),
                        (a, b) => prop_assert!(false, "{}: walk {:?}, decode_into {:?}", path, a.as_ref().map(|m| m.to_string()), b.map(|m| m.to_string())),
                    }
                }
                if let Ok(m) = &flat {
                    // Encode: the plan's fast path (the decoded shapes) against the general
                    // walk (the same values in a record of its own shape).
                    let fast = schema.encode(m).map_err(|e| e.to_string());
                    let fields: Record<'_> = m.fields().iter().map(|(n, v)| (n, v.clone())).collect();
                    let general = schema.encode(&crate::Message::new(m.name(), fields)).map_err(|e| e.to_string());
                    prop_assert_eq!(fast, general, "{}", path);
                }
                match (flat, walk) {
                    (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{}", path),
                    (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string(), "{}", path),
                    (a, b) => prop_assert!(false, "{}: plan {:?}, walk {:?}", path, a.map(|m| m.to_string()), b.map(|m| m.to_string())),
                }
            }
        }
        prop_assert!(planned >= 8, "only {} messages have a plan", planned);
    }

    /// The inline dispatch (one hashed slot per discriminator) chooses what the general
    /// bit sets choose, for discriminators holding a value some message names or any bytes.
    #[test]
    fn inline_dispatch_agrees_with_the_bit_sets(
        seed in any::<u64>(),
        picks in proptest::collection::vec((any::<bool>(), any::<usize>(), any::<[u8; 8]>()), 8),
    ) {
        let mut inline = 0;
        for (path, schema) in layouts() {
            let d = &schema.inner.dispatch;
            if d.inline.is_empty() {
                continue;
            }
            inline += 1;
            for mi in 0..schema.inner.messages.len() {
                let msg = crate::Message::new(&schema.inner.messages[mi].name, generated(&schema, mi, seed, 0));
                let Ok(mut bytes) = schema.encode(&msg) else { continue };
                for (disc, &(known, i, raw)) in d.discs.iter().zip(picks.iter().cycle()) {
                    let Some(slot) = bytes.get_mut(disc.offset..disc.offset + disc.width) else { continue };
                    if known {
                        slot.copy_from_slice(&disc.values[i % disc.values.len()].0);
                    } else {
                        slot.copy_from_slice(&raw[..disc.width]);
                    }
                }
                prop_assert_eq!(d.choose(&bytes), d.choose_by_bits(&bytes), "{}", path);
            }
        }
        prop_assert!(inline >= 3, "only {} layouts dispatch inline", inline);
    }

    #[test]
    fn generated_values_round_trip(seed in any::<u64>(), pick in 0usize..8) {
        let mut checked = 0;
        for (path, schema) in layouts() {
            for (mi, m) in schema.inner.messages.iter().enumerate() {
                let rec = generated(&schema, mi, seed, pick);
                let msg = crate::Message::new(&m.name, rec.clone());
                let bytes = schema.encode(&msg).map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
                let back = schema.decode(&bytes).map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
                prop_assert_eq!(back.name(), &*m.name);
                prop_assert!(contains(&Value::Record(back.fields().clone()), &Value::Record(rec)), "{}: {}", path, back);
                let again = schema.encode(&back).map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
                prop_assert_eq!(&again, &bytes);
                checked += 1;
            }
        }
        prop_assert!(checked >= 11, "only {} messages checked", checked);
    }

    #[test]
    fn arbitrary_values_never_panic_encode(v in arbitrary_value(), pick in 0usize..64) {
        for (_, schema) in layouts() {
            let names: Vec<String> = schema.messages().map(|m| m.name().to_owned()).collect();
            let name = &names[pick % names.len()];
            let fields = match &v {
                Value::Record(r) => r.clone(),
                other => [("x", other.clone())].into_iter().collect(),
            };
            if let Ok(bytes) = schema.encode(&crate::Message::new(name, fields)) {
                // Whatever encodes decodes as the message it was encoded as.
                let back = schema.decode(&bytes).expect("what encodes decodes");
                prop_assert_eq!(back.name(), name.as_str());
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        for (_, schema) in layouts() {
            if let Ok(m) = schema.decode(&bytes) {
                // Whatever decodes re-encodes to the same bytes (or the field is lenient).
                let again = schema.encode(&m).expect("a decoded message encodes");
                prop_assert_eq!(again, bytes.clone());
            }
            let _ = schema.explain(&bytes);
            let _ = schema.telegram_length(&bytes);
        }
    }
}

/// Values a decode never gives, encoded through the flat plan (the decoded message keeps
/// its shape) and through the general walk.
#[test]
fn the_plan_encodes_odd_values_as_the_walk_does() {
    // Values a decode never gives (parts out of range, numbers too wide, scales that
    // differ) put into a decoded message, which keeps its shape so that the plan
    // encodes it: the same bytes or the same error as the general walk.
    let schema = Schema::parse(
        "message m 55 {\n d 9(8) date\n t 9(6) time\n l S9(9) sign leading\n              r S9(5)V9(2) sign trailing\n o S9(7) sign overpunch\n u 9(4)V9(2)\n              x X(10)\n}\n",
    )
    .expect("layout");
    let telegram = b"20240315093000+0000123450001234+000123D001234hello     ";
    let decoded = schema.decode(telegram).expect("decode");
    let date = |year, month, day| Value::Date(Date { year, month, day });
    let time = |hour, minute, second| {
        Value::Time(Time {
            hour,
            minute,
            second,
        })
    };
    let dec = |m, scale| Value::Decimal(crate::value::Decimal::new(m, scale));
    let cases: Vec<(&str, Value<'_>)> = vec![
        ("d", date(0, 1, 1)),
        ("d", date(9999, 12, 31)),
        ("d", date(10_000, 1, 1)),
        ("d", date(2024, 13, 40)),
        ("d", date(2024, 100, 1)),
        ("d", date(2024, 2, 255)),
        ("d", Value::Null),
        ("d", Value::Int(20240315)),
        ("t", time(0, 0, Some(0))),
        ("t", time(23, 59, Some(59))),
        ("t", time(99, 99, Some(99))),
        ("t", time(100, 0, Some(0))),
        ("t", time(12, 0, None)),
        ("t", time(12, 0, Some(200))),
        ("l", Value::Int(0)),
        ("l", Value::Int(-1)),
        ("l", Value::Int(999_999_999)),
        ("l", Value::Int(-999_999_999)),
        ("l", Value::Int(1_000_000_000)),
        ("l", Value::Int(i64::MIN)),
        ("l", dec(5, 0)),
        ("l", dec(5, 1)),
        ("r", dec(-1_234_567, 2)),
        ("r", dec(9_999_999, 2)),
        ("r", dec(10_000_000, 2)),
        ("r", dec(0, 2)),
        ("r", dec(-12, 3)),
        ("r", Value::Int(12)),
        ("r", dec(i128::MIN, 2)),
        ("o", Value::Int(-5)),
        ("o", Value::Int(0)),
        ("o", Value::Int(9_999_999)),
        ("o", Value::Int(-10_000_000)),
        ("u", dec(123_456, 2)),
        ("u", dec(-1, 2)),
        ("u", dec(1_000_000, 2)),
        ("x", Value::Text("abc".into())),
        ("x", Value::Text("abc ".into())),
        ("x", Value::Text("0123456789".into())),
        ("x", Value::Text("0123456789a".into())),
        ("x", Value::Text("한글".into())),
    ];
    let mut planned = 0;
    for (field, value) in cases {
        let mut m = decoded.clone();
        *m.fields_mut().get_mut(field).expect("field") = value.clone();
        let fast = schema.encode(&m).map_err(|e| e.to_string());
        let fields: Record<'_> = m.fields().iter().map(|(n, v)| (n, v.clone())).collect();
        let general = schema
            .encode(&crate::value::Message::new(m.name(), fields))
            .map_err(|e| e.to_string());
        assert_eq!(fast, general, "{field} = {value:?}");
        let s = &*schema.inner;
        let mut out = Vec::new();
        if s.plans[0]
            .as_ref()
            .is_some_and(|p| p.encode(s, m.fields(), &mut out))
        {
            planned += 1;
            assert_eq!(Ok(out), fast, "{field} = {value:?}");
        }
    }
    // The in-range values at least went through the plan.
    assert!(planned >= 20, "only {planned} through the plan");
}
