//! A correlation key as bytes: each key field's wire bytes, trailing spaces removed, with
//! its length before it, read straight from the telegram (no decode). Short keys (the usual
//! ones: a date, a bank code, a company and a telegram number) are kept inline, so that
//! storing one allocates nothing.

use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};

use crate::codec::text;
use crate::error::{Error, ErrorKind, Position, Result};
use crate::schema::Schema;
use crate::value::sensitivity::Sensitivity;

/// Key bytes kept inline; longer keys go to the heap.
const INLINE: usize = 62;

/// A telegram's correlation key, as the correlator stores and compares it.
///
/// Equal keys come from equal key fields (trailing spaces aside), whatever the message and
/// wherever the fields sit in it. `Display` shows the key as [`Schema::key`] does
/// (`20240315|004|TESTCO0001|0000123`), with `mask` and `secret` parts hidden.
#[derive(Clone)]
pub struct Key {
    hash: u64,
    bytes: Bytes,
    /// Which parts are `mask` or `secret` fields (bit per part, the first 64 parts): text
    /// shows them as `****`.
    hidden: u64,
    encoding: text::TextEncoding,
}

#[derive(Clone)]
enum Bytes {
    Inline { len: u8, data: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Inline { len, data } => &data[..*len as usize],
            Bytes::Heap(b) => b,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.hash == other.hash && self.bytes.as_slice() == other.bytes.as_slice()
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl Key {
    /// The key's parts: each key field's bytes, trailing spaces removed.
    pub fn parts(&self) -> impl Iterator<Item = &[u8]> + '_ {
        Parts(self.bytes.as_slice())
    }

    /// A key from its encoded bytes, hashed with `seed`.
    #[inline]
    fn new(bytes: Bytes, hidden: u64, encoding: text::TextEncoding, seed: &Seed) -> Key {
        Key {
            hash: seed.hash(bytes.as_slice()),
            bytes,
            hidden,
            encoding,
        }
    }

    /// The key as text, parts joined with `|` (`mask` and `secret` parts as `****`).
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (i, p) in self.parts().enumerate() {
            if i > 0 {
                s.push('|');
            }
            s.push_str(&self.part_text(i, p));
        }
        s
    }

    /// Part `i` (its bytes `p`) as text: decoded in the layout's encoding, or hidden whole
    /// when it is a sensitive field (a key does not say whether `mask` or `secret`).
    pub(crate) fn part_text(&self, i: usize, p: &[u8]) -> String {
        if i >= 64 || self.hidden & (1 << i) != 0 {
            return Sensitivity::Secret.redact("").into_owned();
        }
        text::decode(self.encoding, p)
            .map(|t| t.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(p).into_owned())
    }

    /// The hash the correlator files the key under.
    pub(crate) fn hash_value(&self) -> u64 {
        self.hash
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.text())
    }
}

/// The parts of encoded key bytes: a length byte (255: four more bytes of length follow),
/// then the part.
struct Parts<'k>(&'k [u8]);

impl<'k> Iterator for Parts<'k> {
    type Item = &'k [u8];
    fn next(&mut self) -> Option<&'k [u8]> {
        let (&n, rest) = self.0.split_first()?;
        let (n, rest) = if n == 255 {
            let (len, rest) = rest.split_first_chunk::<4>()?;
            (u32::from_le_bytes(*len) as usize, rest)
        } else {
            (n as usize, rest)
        };
        let part = rest.get(..n)?;
        self.0 = &rest[n..];
        Some(part)
    }
}

/// The seed of a correlator's key hash: random for each correlator, so that keys a
/// counterpart chooses cannot be made to collide without knowing it.
///
/// The hash folds the key 16 bytes at a time through a 64 x 64 -> 128-bit multiply (the
/// construction of foldhash and wyhash): about 20 instructions for a 30-byte key, where
/// SipHash took about 260.
#[derive(Clone, Copy)]
pub(crate) struct Seed([u64; 3]);

impl Seed {
    pub(crate) fn new() -> Seed {
        let r = RandomState::new();
        Seed([r.hash_one(1u8), r.hash_one(2u8), r.hash_one(3u8)])
    }

    /// The hash of a key's bytes.
    pub(crate) fn hash(&self, bytes: &[u8]) -> u64 {
        let [s0, s1, s2] = self.0;
        let word = |b: &[u8]| -> u64 {
            let mut w = [0u8; 8];
            w[..b.len()].copy_from_slice(b);
            u64::from_le_bytes(w)
        };
        let mut acc = s0 ^ bytes.len() as u64;
        let mut rest = bytes;
        while let Some((chunk, tail)) = rest.split_first_chunk::<16>() {
            let (lo, hi) = chunk.split_at(8);
            acc = fold(word(lo) ^ acc, word(hi) ^ s1);
            rest = tail;
        }
        // The last 0..16 bytes: two words, the second overlapping the first when longer
        // than 8 (the length, mixed in above, tells the cases apart).
        let (lo, hi) = match rest.len() {
            0 => (0, 0),
            n @ 1..=8 => (word(rest), n as u64),
            n => (word(&rest[..8]), word(&rest[n - 8..])),
        };
        acc = fold(lo ^ acc, hi ^ s1);
        fold(acc, s2)
    }
}

/// The 128-bit product of `a` and `b`, its halves folded together.
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// Where each message's key parts lie, laid out when a correlator is made, for keys that
/// fit inline: read with one length check and fixed-size copies, no field table lookups.
#[derive(Debug)]
pub(crate) struct KeyPlans {
    plans: Box<[Option<KeyPlan>]>,
}

#[derive(Debug)]
struct KeyPlan {
    /// Offset and width of each part.
    parts: Box<[(u32, u32)]>,
    /// The end of the last part: a telegram this long holds every part.
    end: usize,
    hidden: u64,
}

impl KeyPlans {
    pub(crate) fn new(schema: &Schema) -> KeyPlans {
        let s = &*schema.inner;
        let plans = s
            .messages
            .iter()
            .map(|m| {
                let ids = m.key.as_ref()?;
                let mut parts = Vec::with_capacity(ids.len());
                let (mut end, mut room, mut hidden) = (0usize, 0usize, 0u64);
                for (i, &id) in ids.iter().enumerate() {
                    let f = &s.fields[id as usize];
                    let off = f.offset?;
                    parts.push((u32::try_from(off).ok()?, u32::try_from(f.width).ok()?));
                    end = end.max(off + f.width);
                    // A length byte and the whole width, untrimmed, must fit.
                    room += 1 + f.width;
                    if f.sensitivity != Sensitivity::Plain && i < 64 {
                        hidden |= 1 << i;
                    }
                }
                (room <= INLINE && ids.len() <= 64).then(|| KeyPlan {
                    parts: parts.into_boxed_slice(),
                    end,
                    hidden,
                })
            })
            .collect();
        KeyPlans { plans }
    }

    /// The key of `telegram` and its message's index: the plan where the message has one
    /// and the telegram holds every part, the general reader (and its errors) otherwise.
    #[inline]
    pub(crate) fn read(
        &self,
        schema: &Schema,
        telegram: &[u8],
        seed: &Seed,
    ) -> Result<(Key, usize)> {
        let mi = schema.dispatch_index(telegram)?;
        let Some(Some(plan)) = self.plans.get(mi) else {
            return read_key(schema, telegram, seed);
        };
        if telegram.len() < plan.end {
            return read_key(schema, telegram, seed);
        }
        // The key is made where it will be returned, and hashed there: a key is 88 bytes,
        // and each move of it is a call to `memcpy`.
        let mut key = Key {
            hash: 0,
            bytes: Bytes::Inline {
                len: 0,
                data: [0; INLINE],
            },
            hidden: plan.hidden,
            encoding: schema.inner.encoding,
        };
        if let Bytes::Inline { len: key_len, data } = &mut key.bytes {
            let mut len = 0usize;
            for &(off, width) in &*plan.parts {
                let (off, width) = (off as usize, width as usize);
                let field = &telegram[off..off + width];
                // Key fields are mostly digits and codes that fill their width: one look at
                // the last byte settles those.
                let part = match field.last() {
                    Some(b' ') => text::trim_spaces(field).len(),
                    _ => width,
                };
                data[len] = part as u8;
                len += 1;
                // The whole width goes in (it fits, the plan says), the trimmed length
                // counts: what lies past the key's length is never read.
                copy_words(&mut data[len..len + width], field);
                len += part;
            }
            *key_len = len as u8;
        }
        key.hash = seed.hash(key.bytes.as_slice());
        Ok((key, mi))
    }
}

/// Copies `src` into `dst` (of the same length) with fixed-size moves: the first and the
/// last 8 bytes (or 4, or 2) of a part of up to 16, overlapping in the middle. A loop here,
/// of bytes or of words, is turned into a call to `memcpy`, which costs more than the copy
/// for a key part of a few bytes; parts longer than 16 bytes (rare in keys) take that call.
#[inline]
fn copy_words(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..n], &src[..n]);
    // Arrays, not slices: a copy of a slice whose length the compiler cannot see is a call.
    macro_rules! ends {
        ($w:literal) => {{
            if let (Some(d), Some(s)) = (dst.first_chunk_mut::<$w>(), src.first_chunk::<$w>()) {
                *d = *s;
            }
            if let (Some(d), Some(s)) = (dst.last_chunk_mut::<$w>(), src.last_chunk::<$w>()) {
                *d = *s;
            }
        }};
    }
    match n {
        17.. => dst.copy_from_slice(src),
        8..=16 => ends!(8),
        4..=7 => ends!(4),
        2..=3 => ends!(2),
        1 => dst[0] = src[0],
        0 => {}
    }
}

/// Reads the key of `telegram` into a [`Key`], hashed with `seed`; the message's index too.
pub(crate) fn read_key(schema: &Schema, telegram: &[u8], seed: &Seed) -> Result<(Key, usize)> {
    let s = &*schema.inner;
    let mi = schema.dispatch_index(telegram)?;
    let m = &s.messages[mi];
    let Some(ids) = &m.key else {
        return Err(key_error(schema, telegram));
    };
    let mut data = [0u8; INLINE];
    let mut heap: Option<Vec<u8>> = None;
    let mut len = 0usize;
    let mut hidden = 0u64;
    for (i, &id) in ids.iter().enumerate() {
        let f = &s.fields[id as usize];
        let off = f.offset.unwrap_or(0);
        let Some(bytes) = telegram.get(off..off + f.width) else {
            return Err(key_error(schema, telegram));
        };
        let part = text::trim_spaces(bytes);
        if f.sensitivity != Sensitivity::Plain && i < 64 {
            hidden |= 1 << i;
        }
        let head: &[u8] = &if part.len() < 255 {
            [part.len() as u8, 0, 0, 0, 0]
        } else {
            let n = (part.len() as u32).to_le_bytes();
            [255, n[0], n[1], n[2], n[3]]
        }[..if part.len() < 255 { 1 } else { 5 }];
        if heap.is_none() && len + head.len() + part.len() <= INLINE {
            data[len..len + head.len()].copy_from_slice(head);
            len += head.len();
            data[len..len + part.len()].copy_from_slice(part);
            len += part.len();
        } else {
            let v = heap.get_or_insert_with(|| data[..len].to_vec());
            v.extend_from_slice(head);
            v.extend_from_slice(part);
        }
    }
    let bytes = match heap {
        Some(v) => Bytes::Heap(v.into_boxed_slice()),
        None => Bytes::Inline {
            len: len as u8,
            data,
        },
    };
    Ok((Key::new(bytes, hidden, s.encoding, seed), mi))
}

/// Why a telegram has no key that can be read: the error `Schema::key` gives (no key for
/// its message, a telegram too short for a key field), from one place.
#[cold]
fn key_error(schema: &Schema, telegram: &[u8]) -> Error {
    schema.key(telegram).err().unwrap_or_else(|| {
        // Not reached: the reader and `Schema::key` refuse the same telegrams.
        Error::new(
            ErrorKind::NoKey("the telegram's key cannot be read".into()),
            Position::None,
        )
    })
}

/// How two keys differ: the number of equal parts, and the first part that differs.
pub(crate) fn compare(a: &Key, b: &Key) -> (usize, Option<usize>) {
    let mut same = 0;
    let mut first = None;
    for (i, (pa, pb)) in a.parts().zip(b.parts()).enumerate() {
        if pa == pb {
            same += 1;
        } else {
            first.get_or_insert(i);
        }
    }
    (same, first)
}

/// Part `i` of a key as text (empty when it has no such part).
pub(crate) fn nth_part_text(k: &Key, i: usize) -> String {
    k.parts()
        .nth(i)
        .map(|p| k.part_text(i, p))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan and the general reader give the same key, on every bundled sample with a
    /// key and on telegrams with their key parts changed (spaces, Hangul, digits).
    #[test]
    fn the_plan_reads_what_the_general_reader_reads() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../layouts");
        let mut checked = 0;
        for entry in std::fs::read_dir(root).expect("layouts") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "layout") {
                continue;
            }
            let schema = Schema::load(&path).expect("layout");
            let plans = KeyPlans::new(&schema);
            let seed = Seed::new();
            let samples = path.with_extension("");
            let Ok(dir) = std::fs::read_dir(&samples) else {
                continue;
            };
            for sample in dir {
                let sample = sample.expect("sample").path();
                if sample.extension().is_none_or(|e| e != "bin") {
                    continue;
                }
                let bytes = std::fs::read(&sample).expect("bytes");
                let mut framer = crate::framer::Framer::new(&schema);
                let mut buf = bytes::BytesMut::from(&bytes[..]);
                while let Ok(Some(frame)) = framer.next_frame(&mut buf) {
                    let t = frame.telegram.to_vec();
                    let Ok((general, gm)) = read_key(&schema, &t, &seed) else {
                        continue;
                    };
                    for variant in [t.clone(), with_blanks(&t, &schema, gm)] {
                        let (a, am) = plans.read(&schema, &variant, &seed).expect("plan");
                        let (b, bm) = read_key(&schema, &variant, &seed).expect("general");
                        assert_eq!((am, a.bytes.as_slice()), (bm, b.bytes.as_slice()));
                        assert_eq!(a.hash, b.hash);
                        assert_eq!(a.hidden, b.hidden);
                    }
                    // Sensitive parts: the correlator hides them whole, `Schema::key` masks
                    // them as their fields say; the other parts read the same.
                    let text = schema.key(&t).expect("key");
                    for (i, (a, b)) in general.text().split('|').zip(text.split('|')).enumerate() {
                        if general.hidden & (1 << i) == 0 {
                            assert_eq!(a, b, "part {i} of {text}");
                        }
                    }
                    if plans.plans[gm].is_some() {
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked >= 4, "{checked} keyed samples read through a plan");
    }

    /// The telegram with the last byte of each key part made a space (a shorter part).
    fn with_blanks(t: &[u8], schema: &Schema, mi: usize) -> Vec<u8> {
        let s = &*schema.inner;
        let mut t = t.to_vec();
        for &id in s.messages[mi].key.as_deref().unwrap_or(&[]) {
            let f = &s.fields[id as usize];
            if let Some(off) = f.offset {
                t[off + f.width - 1] = b' ';
            }
        }
        t
    }
}
