//! Text encodings: EUC-KR (strict KS X 1001), CP949, UTF-8 and ASCII, byte-exact.
//!
//! encoding_rs does the mapping (its `EUC_KR` is really windows-949); the strict EUC-KR
//! check, the split-character check and the double-byte (`G`) check sit on top of it.
//! Pure-ASCII text is borrowed, never copied.

use std::borrow::Cow;

use crate::error::ErrorKind;

/// A layout's text encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TextEncoding {
    /// Strict EUC-KR: KS X 1001, 2,350 precomposed Hangul; `똠` is not in it.
    #[default]
    EucKr,
    /// CP949 (Windows code page 949, "unified Hangul code"): all 11,172 Hangul.
    Cp949,
    /// UTF-8.
    Utf8,
    /// 7-bit ASCII.
    Ascii,
}

impl TextEncoding {
    /// The name as the layout spells it.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::EucKr => "euc-kr",
            TextEncoding::Cp949 => "cp949",
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Ascii => "ascii",
        }
    }

    /// Reads a layout's spelling.
    pub fn from_name(name: &str) -> Option<TextEncoding> {
        Some(match name.to_ascii_lowercase().as_str() {
            "euc-kr" => TextEncoding::EucKr,
            "cp949" => TextEncoding::Cp949,
            "utf-8" => TextEncoding::Utf8,
            "ascii" => TextEncoding::Ascii,
            _ => return None,
        })
    }

    /// True for the encodings with two-byte Hangul (where `G` fields make sense).
    pub(crate) fn is_double_byte(self) -> bool {
        matches!(self, TextEncoding::EucKr | TextEncoding::Cp949)
    }

    /// The full-width space in this encoding, the pad of `G` fields.
    pub(crate) const FULL_WIDTH_SPACE: [u8; 2] = [0xA1, 0xA1];
}

/// What went wrong decoding text: the error kind and the offset within the field.
pub(crate) type TextError = ErrorKind;

fn ks_x_1001(b: u8) -> bool {
    (0xA1..=0xFE).contains(&b)
}

fn cp949_lead(b: u8) -> bool {
    (0x81..=0xFE).contains(&b)
}

fn cp949_trail(b: u8) -> bool {
    matches!(b, 0x41..=0x5A | 0x61..=0x7A | 0x81..=0xFE)
}

/// Checks the byte structure of a double-byte text; returns the offset of the first bad
/// byte, or the split-character error when a lead byte ends the field.
fn check_double_byte(enc: TextEncoding, bytes: &[u8]) -> Result<(), TextError> {
    let strict = enc == TextEncoding::EucKr;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let lead_ok = if strict { ks_x_1001(b) } else { cp949_lead(b) };
        if !lead_ok {
            return Err(ErrorKind::InvalidText {
                encoding: enc.name(),
                at: i,
            });
        }
        let Some(&t) = bytes.get(i + 1) else {
            return Err(ErrorKind::SplitCharacter("double-byte (Hangul)"));
        };
        let trail_ok = if strict { ks_x_1001(t) } else { cp949_trail(t) };
        if !trail_ok {
            return Err(ErrorKind::InvalidText {
                encoding: enc.name(),
                at: i,
            });
        }
        i += 2;
    }
    Ok(())
}

/// The bytes without their trailing spaces, eight at a time where it can.
#[inline]
pub(crate) fn trim_spaces(bytes: &[u8]) -> &[u8] {
    trim_end(bytes, b' ')
}

/// The bytes without their trailing `pad` bytes, eight at a time where it can.
#[inline]
pub(crate) fn trim_end(bytes: &[u8], pad: u8) -> &[u8] {
    let pads = u64::from_ne_bytes([pad; 8]);
    let mut rest = bytes;
    while let Some((head, last)) = rest.split_last_chunk::<8>() {
        let x = u64::from_le_bytes(*last) ^ pads;
        if x != 0 {
            // The last bytes are the highest: its pad bytes are the leading zero bytes.
            let n = (x.leading_zeros() / 8) as usize;
            return &rest[..rest.len() - n];
        }
        rest = head;
    }
    while let [head @ .., last] = rest
        && *last == pad
    {
        rest = head;
    }
    rest
}

/// True when every byte is ASCII, the bytes read as words, the last one overlapping the
/// one before, instead of the standard check's byte loop over the rest after the last
/// whole word (short text fields, and blocks of a whole telegram in [`all_ascii`]).
#[inline(always)]
pub(crate) fn ascii_words(t: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let high = if let Some(last) = t.last_chunk::<8>() {
        let (words, _) = t.as_chunks::<8>();
        words
            .iter()
            .fold(u64::from_le_bytes(*last), |a, w| a | u64::from_le_bytes(*w))
    } else if let (Some(a), Some(b)) = (t.first_chunk::<4>(), t.last_chunk::<4>()) {
        u64::from(u32::from_le_bytes(*a) | u32::from_le_bytes(*b))
    } else {
        t.iter().fold(0u64, |a, &b| a | u64::from(b))
    };
    high & HIGH == 0
}

/// True when every byte of a whole telegram is ASCII: 64 bytes ORed together at a time (a
/// few vector instructions), stopping at the first block with a byte above 0x7F (a Hangul
/// telegram's first text field); the bytes after the last whole block are looked at as
/// the last 64 bytes, or by [`ascii_words`] in a telegram shorter than that.
/// `<[u8]>::is_ascii` went a byte at a time (355 instructions for 250 bytes); the rest
/// after the blocks by [`ascii_words`] cost settlement 29 more than the last block.
pub(crate) fn all_ascii(bytes: &[u8]) -> bool {
    fn high(block: &[u8; 64]) -> bool {
        let mut any = 0u64;
        for word in block.as_chunks::<8>().0 {
            any |= u64::from_ne_bytes(*word);
        }
        any & 0x8080_8080_8080_8080 != 0
    }
    let (blocks, rest) = bytes.as_chunks::<64>();
    if blocks.iter().any(high) {
        return false;
    }
    match bytes.len().checked_sub(64) {
        Some(from) if !rest.is_empty() => bytes[from..]
            .as_chunks::<64>()
            .0
            .first()
            .is_none_or(|last| !high(last)),
        _ => ascii_words(rest),
    }
}

/// A text field's bytes without their pad, as text, when they are pure ASCII. The check
/// is on the whole field, pad included (spaces, so the answer is the same): its width is
/// the field's, the same in every telegram, so that the check's branches go the same way
/// each time, where on the trimmed text they went by its length, which changes from
/// telegram to telegram (settlement's three text fields cost its decode about a fifth
/// more on different telegrams than on one repeated).
#[inline]
pub(crate) fn ascii_trimmed(field: &[u8]) -> Option<&str> {
    if !ascii_words(field) {
        return None;
    }
    let t = trim_spaces(field);
    #[allow(unsafe_code)]
    // SAFETY: `t` is a prefix of `field`, whose bytes are all ASCII (checked above), and
    // every ASCII byte sequence is valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(t) })
}

/// The bytes as text when they are pure ASCII (valid in every encoding here, and UTF-8).
#[inline]
pub(crate) fn ascii_str(bytes: &[u8]) -> Option<&str> {
    if !bytes.is_ascii() {
        return None;
    }
    #[allow(unsafe_code)]
    // SAFETY: every ASCII byte sequence is valid UTF-8. Checking it again with `from_utf8`
    // cost about 6% of a whole decode, so it is skipped.
    Some(unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// Every KS X 1001 pair (lead and trail byte both 0xA1..=0xFE) as its character, `'\0'` for
/// the pairs with none: 94 x 94 entries, filled once from encoding_rs (so that the mapping
/// is its mapping, pair for pair).
static KS_X_1001: std::sync::LazyLock<Box<[char]>> = std::sync::LazyLock::new(|| {
    let mut table = vec!['\0'; 94 * 94].into_boxed_slice();
    for (i, slot) in table.iter_mut().enumerate() {
        let pair = [0xA1 + (i / 94) as u8, 0xA1 + (i % 94) as u8];
        if let Some(s) =
            encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(&pair)
            && let Some(c) = s.chars().next()
        {
            *slot = c;
        }
    }
    table
});

/// [`KS_X_1001`] as UTF-8, for decoding, by the pair's two bytes as a little-endian `u16`:
/// each pair's character in the low 2 or 3 bytes of a little-endian `u32`, and their count
/// in its top byte; 0 for two bytes that are not a pair with a character. One load gives
/// both, one store writes the bytes, and no range check comes before (256 KiB; the Hangul
/// syllables, lead bytes 0xB0 to 0xC8, lie in two cache lines for each of the 94 trail
/// bytes, about 12 KiB).
static KS_X_1001_UTF8: std::sync::LazyLock<Box<[u32; 65536]>> = std::sync::LazyLock::new(|| {
    by_pair(|c| {
        let mut utf8 = [0u8; 4];
        let n = if c == '\0' {
            0
        } else {
            c.encode_utf8(&mut utf8).len()
        };
        // Every KS X 1001 character is in the Basic Multilingual Plane (3 bytes at most);
        // one that were not would go to the general path as unmapped.
        if !(1..=3).contains(&n) {
            return 0;
        }
        utf8[3] = n as u8;
        u32::from_le_bytes(utf8)
    })
});

/// A table by a pair's two bytes as a little-endian `u16` (65,536 entries), `entry` of each
/// KS X 1001 pair's character ([`KS_X_1001`]), 0 for two bytes that are not a pair.
fn by_pair<T: Copy + Default>(entry: impl Fn(char) -> T) -> Box<[T; 65536]> {
    let mut table: Box<[T; 65536]> = vec![T::default(); 65536]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| unreachable!("the vector has 65536 entries"));
    for (i, &c) in KS_X_1001.iter().enumerate() {
        let at = usize::from(u16::from_le_bytes([
            0xA1 + (i / 94) as u8,
            0xA1 + (i % 94) as u8,
        ]));
        table[at] = entry(c);
    }
    table
}

/// The KS X 1001 pair of each precomposed Hangul syllable (U+AC00 to U+D7A3) as a
/// big-endian `u16`, 0 for the 8,822 syllables outside it: the decode table turned around.
static HANGUL_TO_KS_X_1001: std::sync::LazyLock<Box<[u16]>> = std::sync::LazyLock::new(|| {
    let mut table = vec![0u16; 11_172].into_boxed_slice();
    for (i, &c) in KS_X_1001.iter().enumerate() {
        if let Some(slot) = (c as usize)
            .checked_sub(0xAC00)
            .and_then(|at| table.get_mut(at))
        {
            *slot = u16::from_be_bytes([0xA1 + (i / 94) as u8, 0xA1 + (i % 94) as u8]);
        }
    }
    table
});

/// Appends `s` when it is all ASCII and KS X 1001 Hangul syllables, by table; `false`
/// (with `out` as it was) for anything else, which encoding_rs then encodes or refuses.
fn ks_x_1001_encode(s: &str, out: &mut Vec<u8>) -> bool {
    let table = &**HANGUL_TO_KS_X_1001;
    let start = out.len();
    out.reserve(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        match (c as usize).checked_sub(0xAC00).and_then(|i| table.get(i)) {
            Some(&pair) if pair != 0 => out.extend_from_slice(&pair.to_be_bytes()),
            _ => {
                out.truncate(start);
                return false;
            }
        }
    }
    true
}

/// The room [`ks_x_1001_into`] needs for `len` bytes: an ASCII byte gives one byte, a pair
/// at most three, and each pair's bytes are written as four (the last then written over or
/// left past the end). With the output at most one and a half times the bytes read, that
/// is room for all of it.
const fn ks_x_1001_room(len: usize) -> usize {
    len + len / 2 + 4
}

/// Appends text made of ASCII and KS X 1001 pairs to `out`, by table; `false` (with `out`
/// partly written) at anything else (a byte of a CP949 extension, a split or unmapped
/// pair), which the general path then decodes or reports. With `pairs_only`, an ASCII byte
/// is refused too (a `G` field).
fn ks_x_1001_into(bytes: &[u8], pairs_only: bool, out: &mut String) -> bool {
    let table: &[u32; 65536] = &KS_X_1001_UTF8;
    out.reserve(ks_x_1001_room(bytes.len()));
    let start = out.len();
    let mut done = 0;
    let mut at = 0;
    let mut whole = true;
    #[allow(unsafe_code)]
    // SAFETY: the bytes go into the string's spare capacity, `room` bytes from `dst`, at
    // least `ks_x_1001_room(bytes.len())` (checked before the loop). Every write stays
    // within it: each byte read gives at most one and a half bytes written (an ASCII byte
    // one, a pair of two bytes at most three), so before the byte at `at` (below
    // `bytes.len()`) `done <= at * 3 / 2`, and the widest write, four bytes at `done`,
    // ends by `(bytes.len() - 1) * 3 / 2 + 4`, within `bytes.len() + bytes.len() / 2 + 4`.
    // The string's length then grows by `done`: the bytes written before it, whole UTF-8
    // sequences only (ASCII bytes, and characters as `char::encode_utf8` wrote them into
    // the table), so that the string is valid UTF-8 whatever the outcome. Pushing `char`s
    // instead (each encoded again, its bytes copied by a call, the length stored each time)
    // cost about a third of the decode of a Hangul-heavy telegram; a table by KS X 1001 row
    // and column (a range check and a multiply a pair, the entry read as four bytes) cost
    // the customer bench message's decode 8,830 instructions where this loop made it
    // 7,410; the room checked at each byte rather than once before the loop, 7,451 where
    // it is now 7,178 (`decode_into` 5,250 against 4,765).
    unsafe {
        let v = out.as_mut_vec();
        let spare = v.spare_capacity_mut();
        let room = spare.len();
        let dst = spare.as_mut_ptr().cast::<u8>();
        if room < ks_x_1001_room(bytes.len()) {
            // Not reached, by the reservation above.
            return false;
        }
        while let Some(&b) = bytes.get(at) {
            if b < 0x80 {
                if pairs_only {
                    whole = false;
                    break;
                }
                dst.add(done).write(b);
                done += 1;
                at += 1;
                continue;
            }
            let e = match bytes.get(at..at + 2) {
                Some(&[lead, trail]) => table[usize::from(u16::from_le_bytes([lead, trail]))],
                _ => 0,
            };
            if e == 0 {
                whole = false;
                break;
            }
            dst.add(done)
                .cast::<[u8; 4]>()
                .write_unaligned(e.to_le_bytes());
            done += (e >> 24) as usize;
            at += 2;
        }
        v.set_len(start + done);
    }
    whole
}

/// Appends text made of ASCII and KS X 1001 pairs (only pairs with `pairs_only`: a `G`
/// field) to `out`, by table, for an encoding whose text is double-byte; `false`, with
/// `out` as it was, for anything else (which the general path then decodes or reports).
pub(crate) fn ks_x_1001_append(bytes: &[u8], pairs_only: bool, out: &mut String) -> bool {
    let start = out.len();
    if ks_x_1001_into(bytes, pairs_only, out) {
        return true;
    }
    out.truncate(start);
    false
}

/// [`KS_X_1001`] by the pair's two bytes as a little-endian `u16`, as [`KS_X_1001_UTF8`]
/// is, for [`ks_x_1001_chars`]: each pair's character, `'\0'` for two bytes that are not a
/// pair with a character (256 KiB, made when first used).
static KS_X_1001_CHARS: std::sync::LazyLock<Box<[char; 65536]>> =
    std::sync::LazyLock::new(|| by_pair(|c| c));

/// Appends the characters of text made of ASCII and KS X 1001 pairs (only pairs with
/// `pairs_only`) to `out`, as [`ks_x_1001_into`] appends them in UTF-8; `false`, with `out`
/// as it was, at anything else. For a sink that makes its strings from characters
/// (Python's `str`): decoding to UTF-8 first, then reading the characters back out of it,
/// did the work twice.
pub(crate) fn ks_x_1001_chars(bytes: &[u8], pairs_only: bool, out: &mut Vec<char>) -> bool {
    let table: &[char; 65536] = &KS_X_1001_CHARS;
    // At most a character a byte.
    out.reserve(bytes.len());
    let start = out.len();
    let mut n = 0;
    let mut at = 0;
    #[allow(unsafe_code)]
    // SAFETY: the characters go into the vector's spare capacity, at least `bytes.len()`
    // (reserved above). Each byte read gives at most one character, so before the byte at
    // `at` (below `bytes.len()`) `n <= at`, and each write, at `n`, is within it. The
    // length grows by `n`, the characters written, only when all of them are; on `false`
    // it is as it was. The same loop as `ks_x_1001_into`'s: with a bounds check on each
    // write and a table of code points checked into `char`s, customer `decode_dict` took
    // 16,612 instructions a telegram, 15,796 with this loop (docs/performance.md, 47).
    unsafe {
        let dst = out.as_mut_ptr().add(start);
        while let Some(&b) = bytes.get(at) {
            if b < 0x80 {
                if pairs_only {
                    return false;
                }
                dst.add(n).write(char::from(b));
                n += 1;
                at += 1;
                continue;
            }
            let c = match bytes.get(at..at + 2) {
                Some(&[lead, trail]) => table[usize::from(u16::from_le_bytes([lead, trail]))],
                _ => '\0',
            };
            if c == '\0' {
                return false;
            }
            dst.add(n).write(c);
            n += 1;
            at += 2;
        }
        out.set_len(start + n);
    }
    true
}

/// Double-byte text (EUC-KR or CP949) that is all ASCII and KS X 1001, decoded by table;
/// `None` for anything else.
#[inline]
fn ks_x_1001_string(bytes: &[u8], pairs_only: bool) -> Option<String> {
    // Allocated at its size at once: growing an empty string (what `reserve` does) costs
    // about 80 instructions more a field.
    let mut out = String::with_capacity(ks_x_1001_room(bytes.len()));
    ks_x_1001_into(bytes, pairs_only, &mut out).then_some(out)
}

/// The text of a `G` field (already stripped of its full-width pad) when it is all
/// KS X 1001 pairs, decoded by table; `None` sends it to the general check and decode.
pub(crate) fn decode_double_byte_fast(enc: TextEncoding, bytes: &[u8]) -> Option<String> {
    if !enc.is_double_byte() {
        return None;
    }
    ks_x_1001_string(bytes, true)
}

/// [`decode_double_byte_fast`] into `buf` (cleared first), reusing its capacity; `false`
/// (with `buf` in any state) sends the field to the general path.
pub(crate) fn decode_double_byte_into(enc: TextEncoding, bytes: &[u8], buf: &mut String) -> bool {
    buf.clear();
    enc.is_double_byte() && ks_x_1001_into(bytes, true, buf)
}

/// Decodes a field's text (already stripped of pad), borrowing when it is pure ASCII.
pub(crate) fn decode(enc: TextEncoding, bytes: &[u8]) -> Result<Cow<'_, str>, TextError> {
    if let Some(s) = ascii_str(bytes) {
        return Ok(Cow::Borrowed(s));
    }
    decode_non_ascii(enc, bytes)
}

/// [`decode`] of text that the caller found not to be pure ASCII.
pub(crate) fn decode_non_ascii(enc: TextEncoding, bytes: &[u8]) -> Result<Cow<'_, str>, TextError> {
    if enc.is_double_byte()
        && let Some(s) = ks_x_1001_string(bytes, false)
    {
        return Ok(Cow::Owned(s));
    }
    match enc {
        TextEncoding::Ascii => {
            let at = bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0);
            Err(ErrorKind::InvalidText {
                encoding: enc.name(),
                at,
            })
        }
        TextEncoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(e) if e.error_len().is_none() => {
                Err(ErrorKind::SplitCharacter("multi-byte (UTF-8)"))
            }
            Err(e) => Err(ErrorKind::InvalidText {
                encoding: enc.name(),
                at: e.valid_up_to(),
            }),
        },
        TextEncoding::EucKr | TextEncoding::Cp949 => {
            check_double_byte(enc, bytes)?;
            match encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(bytes) {
                Some(s) => Ok(s),
                None => Err(ErrorKind::InvalidText {
                    encoding: enc.name(),
                    at: first_unmapped(bytes),
                }),
            }
        }
    }
}

/// Decodes non-ASCII text into `buf`, reusing its capacity (for `decode_into`).
pub(crate) fn decode_into_string(
    enc: TextEncoding,
    bytes: &[u8],
    buf: &mut String,
) -> Result<(), TextError> {
    buf.clear();
    if let Some(a) = ascii_str(bytes) {
        buf.push_str(a);
        return Ok(());
    }
    match enc {
        TextEncoding::EucKr | TextEncoding::Cp949 => {
            if ks_x_1001_into(bytes, false, buf) {
                return Ok(());
            }
            buf.clear();
            check_double_byte(enc, bytes)?;
            let mut dec = encoding_rs::EUC_KR.new_decoder_without_bom_handling();
            if let Some(n) = dec.max_utf8_buffer_length_without_replacement(bytes.len()) {
                buf.reserve(n);
            }
            let (result, _) = dec.decode_to_string_without_replacement(bytes, buf, true);
            match result {
                encoding_rs::DecoderResult::InputEmpty => Ok(()),
                _ => Err(ErrorKind::InvalidText {
                    encoding: enc.name(),
                    at: first_unmapped(bytes),
                }),
            }
        }
        _ => {
            let s = decode(enc, bytes)?;
            buf.push_str(&s);
            Ok(())
        }
    }
}

/// The offset of the first pair that encoding_rs cannot map (an unassigned code point).
fn first_unmapped(bytes: &[u8]) -> usize {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            i += 1;
            continue;
        }
        let end = (i + 2).min(bytes.len());
        if encoding_rs::EUC_KR
            .decode_without_bom_handling_and_without_replacement(&bytes[i..end])
            .is_none()
        {
            return i;
        }
        i += 2;
    }
    0
}

/// Checks that a field is made of double-byte characters only (a `G` field); returns the
/// offset of the first single byte.
pub(crate) fn check_all_double_byte(enc: TextEncoding, bytes: &[u8]) -> Result<(), TextError> {
    check_double_byte(enc, bytes)?;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            return Err(ErrorKind::NotDoubleByte(i));
        }
        i += 2;
    }
    Ok(())
}

/// Appends `s` in the encoding. Fails on a character the encoding cannot hold.
pub(crate) fn encode(enc: TextEncoding, s: &str, out: &mut Vec<u8>) -> Result<(), TextError> {
    if s.is_ascii() {
        out.extend_from_slice(s.as_bytes());
        return Ok(());
    }
    match enc {
        TextEncoding::Utf8 => {
            out.extend_from_slice(s.as_bytes());
            Ok(())
        }
        TextEncoding::Ascii => {
            let ch = s.chars().find(|c| !c.is_ascii()).unwrap_or('?');
            Err(ErrorKind::Unencodable {
                ch,
                encoding: enc.name(),
                hint: "",
            })
        }
        TextEncoding::EucKr | TextEncoding::Cp949 => {
            // Hangul of KS X 1001 (the same pairs in both encodings) by table.
            if ks_x_1001_encode(s, out) {
                return Ok(());
            }
            let start = out.len();
            // Straight into `out`: at most 2 bytes a character, never more than the UTF-8.
            out.resize(start + s.len(), 0);
            let mut encoder = encoding_rs::EUC_KR.new_encoder();
            let (result, _, written) =
                encoder.encode_from_utf8_without_replacement(s, &mut out[start..], true);
            match result {
                encoding_rs::EncoderResult::InputEmpty => out.truncate(start + written),
                encoding_rs::EncoderResult::Unmappable(ch) => {
                    out.truncate(start);
                    return Err(ErrorKind::Unencodable {
                        ch,
                        encoding: enc.name(),
                        hint: "",
                    });
                }
                encoding_rs::EncoderResult::OutputFull => {
                    // Cannot happen (EUC-KR is never longer than UTF-8); stay correct anyway.
                    out.truncate(start);
                    let (bytes, _, _) = encoding_rs::EUC_KR.encode(s);
                    out.extend_from_slice(&bytes);
                }
            }
            if enc == TextEncoding::EucKr && check_double_byte(enc, &out[start..]).is_err() {
                out.truncate(start);
                let ch = first_unencodable(enc, s);
                return Err(ErrorKind::Unencodable {
                    ch,
                    encoding: enc.name(),
                    hint: " (it is outside KS X 1001; the layout would need encoding cp949)",
                });
            }
            Ok(())
        }
    }
}

/// The first character of `s` that `enc` cannot hold (error path only).
fn first_unencodable(enc: TextEncoding, s: &str) -> char {
    let mut buf = [0u8; 4];
    for c in s.chars() {
        let (bytes, _, had_errors) = encoding_rs::EUC_KR.encode(c.encode_utf8(&mut buf));
        if had_errors || (enc == TextEncoding::EucKr && check_double_byte(enc, &bytes).is_err()) {
            return c;
        }
    }
    '?'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_ascii_agrees_with_is_ascii() {
        // Every length across three blocks, and one high byte at every place of it.
        for len in 0..200 {
            let mut bytes = vec![b'7'; len];
            assert!(all_ascii(&bytes), "{len} ASCII bytes");
            for at in 0..len {
                for high in [0x80, 0xB0, 0xFF] {
                    bytes[at] = high;
                    assert!(!all_ascii(&bytes), "{len} bytes, {high:#x} at {at}");
                    bytes[at] = 0x7F;
                    assert!(all_ascii(&bytes), "{len} bytes, 0x7f at {at}");
                    bytes[at] = b'7';
                }
            }
        }
    }

    #[test]
    fn trim_end_agrees_with_the_byte_loop() {
        // Every length up to 3 words, pad runs of every length, a pad-like byte in between.
        for len in 0..24 {
            for pads in 0..=len {
                for pad in [b' ', b'0'] {
                    let mut b = vec![b'x'; len - pads];
                    if let Some(first) = b.first_mut() {
                        *first = pad;
                    }
                    b.resize(len, pad);
                    let want = b.len() - b.iter().rev().take_while(|&&c| c == pad).count();
                    assert_eq!(trim_end(&b, pad).len(), want, "{b:?}");
                }
            }
        }
        assert_eq!(trim_spaces(b"AB  CD      \xb0     "), b"AB  CD      \xb0");
    }

    #[test]
    fn ascii_is_borrowed() {
        assert!(matches!(
            decode(TextEncoding::EucKr, b"ABC"),
            Ok(Cow::Borrowed("ABC"))
        ));
    }

    #[test]
    fn euc_kr_round_trip() {
        let mut out = Vec::new();
        encode(TextEncoding::EucKr, "홍길동", &mut out).expect("encodes");
        assert_eq!(out, [0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF]);
        assert_eq!(
            decode(TextEncoding::EucKr, &out).expect("decodes"),
            "홍길동"
        );
    }

    #[test]
    fn split_hangul_is_reported() {
        assert!(matches!(
            decode(TextEncoding::EucKr, &[0xC8, 0xAB, 0xB1]),
            Err(ErrorKind::SplitCharacter("double-byte (Hangul)"))
        ));
        assert!(matches!(
            decode(TextEncoding::Utf8, &"한".as_bytes()[..2]),
            Err(ErrorKind::SplitCharacter("multi-byte (UTF-8)"))
        ));
    }

    #[test]
    fn cp949_only_syllables() {
        // 똠 is 0x8C 0x63 in CP949, outside KS X 1001.
        let mut out = Vec::new();
        encode(TextEncoding::Cp949, "똠", &mut out).expect("cp949 has it");
        assert_eq!(out, [0x8C, 0x63]);
        assert_eq!(decode(TextEncoding::Cp949, &out).expect("decodes"), "똠");
        assert!(matches!(
            decode(TextEncoding::EucKr, &out),
            Err(ErrorKind::InvalidText { at: 0, .. })
        ));
        let e = encode(TextEncoding::EucKr, "가똠", &mut Vec::new()).expect_err("not in euc-kr");
        assert!(matches!(e, ErrorKind::Unencodable { ch: '똠', .. }));
    }

    #[test]
    fn unmappable_everywhere() {
        let e = encode(TextEncoding::Cp949, "😀", &mut Vec::new()).expect_err("no emoji");
        assert!(matches!(e, ErrorKind::Unencodable { ch: '😀', .. }));
        let e = encode(TextEncoding::Ascii, "é", &mut Vec::new()).expect_err("ascii");
        assert!(matches!(e, ErrorKind::Unencodable { ch: 'é', .. }));
    }

    /// `ascii_trimmed` (the check on the whole field) says what `ascii_str` of the trimmed
    /// bytes says, for every width to 40, pad and place of a high byte.
    #[test]
    fn ascii_trimmed_agrees_with_the_check_after_the_trim() {
        for width in 0..=40usize {
            for text in 0..=width {
                let mut field = vec![b' '; width];
                for (i, b) in field[..text].iter_mut().enumerate() {
                    *b = b'A' + (i % 26) as u8;
                }
                let want = ascii_str(trim_spaces(&field));
                assert_eq!(ascii_trimmed(&field), want, "{width} {text}");
                assert_eq!(want.map(str::len), Some(text), "{width} {text}");
                for at in 0..text {
                    for high in [0x80, 0xB0, 0xFF] {
                        let mut f = field.clone();
                        f[at] = high;
                        assert_eq!(ascii_trimmed(&f), None, "{width} {text} {at}");
                        assert_eq!(ascii_str(trim_spaces(&f)), None);
                    }
                }
            }
        }
    }

    /// The characters of `ks_x_1001_chars` are those of `ks_x_1001_append`'s UTF-8, and
    /// each refuses what the other does, for every two bytes after an ASCII one and alone,
    /// with and without `pairs_only`; what a refusal leaves is what was there.
    #[test]
    fn chars_agree_with_the_utf8_decode() {
        let mut chars = vec!['x'];
        let mut utf8 = String::from("x");
        let mut taken = 0;
        for l in 0..=0xFFu8 {
            for t in 0..=0xFFu8 {
                for bytes in [&[b'A', l, t][..], &[l, t], &[l, t, l]] {
                    for pairs_only in [false, true] {
                        let ok = ks_x_1001_chars(bytes, pairs_only, &mut chars);
                        let want = ks_x_1001_append(bytes, pairs_only, &mut utf8);
                        assert_eq!(ok, want, "{bytes:x?} {pairs_only}");
                        assert_eq!(chars.iter().collect::<String>(), utf8, "{bytes:x?}");
                        taken += usize::from(ok);
                        chars.truncate(1);
                        utf8.truncate(1);
                    }
                }
            }
        }
        assert!(taken > 3 * 8_000, "{taken}");
        // A field's worth: Hangul, spaces and digits; a G field of pairs only.
        let text = encoding_rs::EUC_KR
            .encode("서울특별시 영등포구 여의대로 108")
            .0;
        let mut out = Vec::new();
        assert!(ks_x_1001_chars(&text, false, &mut out));
        assert_eq!(
            out.iter().collect::<String>(),
            "서울특별시 영등포구 여의대로 108"
        );
        assert!(!ks_x_1001_chars(&text, true, &mut out));
        let graphic = encoding_rs::EUC_KR.encode("홍길동　").0;
        assert!(ks_x_1001_chars(&graphic, true, &mut out));
        assert_eq!(
            out.iter().collect::<String>(),
            "서울특별시 영등포구 여의대로 108홍길동　"
        );
    }

    #[test]
    fn the_table_decodes_every_pair_as_encoding_rs_does() {
        let mut buf = String::new();
        for l in 0xA1..=0xFEu8 {
            for t in 0xA1..=0xFEu8 {
                let pair = [b'A', l, t, b' '];
                let want = encoding_rs::EUC_KR
                    .decode_without_bom_handling_and_without_replacement(&pair)
                    .map(Cow::into_owned);
                let fast = ks_x_1001_string(&pair, false);
                assert!(fast.is_none() || fast == want, "{l:#x} {t:#x}");
                assert_eq!(fast.is_some(), want.is_some(), "{l:#x} {t:#x}");
                assert_eq!(
                    decode(TextEncoding::EucKr, &pair).ok().map(Cow::into_owned),
                    want,
                    "{l:#x} {t:#x}"
                );
                let into = decode_into_string(TextEncoding::EucKr, &pair, &mut buf);
                assert_eq!(into.is_ok().then(|| buf.clone()), want, "{l:#x} {t:#x}");
            }
        }
        // Any other two bytes from a lead byte up (CP949's extensions, a lead byte with an
        // ASCII byte after it) go to the general path, which decodes or reports them.
        for l in 0x80..=0xFFu8 {
            for t in 0..=0xFFu8 {
                let in_table = (0xA1..=0xFE).contains(&l) && (0xA1..=0xFE).contains(&t);
                if !in_table {
                    assert_eq!(
                        ks_x_1001_string(&[b'A', l, t], false),
                        None,
                        "{l:#x} {t:#x}"
                    );
                }
            }
        }
        // Split pairs, CP949 extensions and G fields with ASCII go to the general path.
        assert_eq!(ks_x_1001_string(&[0xB0, 0xA1, 0xB0], false), None);
        assert_eq!(ks_x_1001_string(&[0x8C, 0x63], false), None);
        assert_eq!(
            decode_double_byte_fast(TextEncoding::EucKr, &[0xB0, 0xA1, b'A', b'B']),
            None
        );
        assert_eq!(
            decode_double_byte_fast(TextEncoding::Cp949, &[0xB0, 0xA1]).as_deref(),
            Some("가")
        );
        assert_eq!(
            decode_double_byte_fast(TextEncoding::Utf8, &[0xB0, 0xA1]),
            None
        );
    }

    #[test]
    fn the_syllable_table_encodes_as_encoding_rs_does() {
        for c in (0xAC00..=0xD7A3u32).filter_map(char::from_u32) {
            let s = format!("A{c} ");
            for enc in [TextEncoding::EucKr, TextEncoding::Cp949] {
                let mut fast = Vec::new();
                let taken = ks_x_1001_encode(&s, &mut fast);
                let (want, _, bad) = encoding_rs::EUC_KR.encode(&s);
                assert!(!bad, "{c}");
                let strict = check_double_byte(TextEncoding::EucKr, &want).is_ok();
                assert_eq!(taken, strict, "{c}");
                if taken {
                    assert_eq!(fast, &*want, "{c}");
                } else {
                    assert!(fast.is_empty(), "{c}");
                }
                let mut out = Vec::new();
                let r = encode(enc, &s, &mut out);
                if enc == TextEncoding::Cp949 || strict {
                    assert!(r.is_ok(), "{c}");
                    assert_eq!(out, &*want, "{c}");
                } else {
                    assert!(r.is_err(), "{c}");
                }
            }
        }
    }

    #[test]
    fn graphic_check() {
        assert!(check_all_double_byte(TextEncoding::EucKr, &[0xB0, 0xA1, 0xA1, 0xA1]).is_ok());
        assert!(matches!(
            check_all_double_byte(TextEncoding::EucKr, &[0xB0, 0xA1, 0x41, 0x42]),
            Err(ErrorKind::NotDoubleByte(2))
        ));
    }
}
