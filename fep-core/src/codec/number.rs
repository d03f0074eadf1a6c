//! Numbers on the wire: zoned digits, implied decimals, sign bytes and overpunch.
//!
//! Each numeric field has exactly one canonical spelling (zeros before the digits, `+`
//! before zero), so that `encode(decode(bytes)) == bytes`. A `lenient` field also accepts
//! the usual variants (spaces around the digits, `-` before zero, a blank sign) and is then
//! outside the byte-exact guarantee. Digits are read straight from the bytes, without a
//! string in between.

use crate::error::ErrorKind;

/// Where the sign of a signed number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sign {
    Unsigned,
    Leading,
    Trailing,
    Overpunch,
}

/// A numeric field's wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumSpec {
    /// Number of digit positions (the sign byte of leading/trailing not included).
    pub digits: u8,
    pub scale: u8,
    pub sign: Sign,
    /// Right-aligned (the default) or left-aligned.
    pub align_right: bool,
    /// The pad byte: `0` by default, a space for vendors that pad numbers with spaces.
    pub pad: u8,
    pub lenient: bool,
}

impl NumSpec {
    /// The field's width in bytes.
    pub fn width(&self) -> usize {
        self.digits as usize + usize::from(matches!(self.sign, Sign::Leading | Sign::Trailing))
    }
}

/// A decoded number: sign and magnitude (at most 38 digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Num {
    pub negative: bool,
    pub magnitude: u128,
}

const NOT_DIGITS: ErrorKind = ErrorKind::NotDigits("digits");

/// Reads a numeric field; `Ok(None)` when it is blank (all spaces).
pub(crate) fn decode(spec: &NumSpec, bytes: &[u8]) -> Result<Option<Num>, ErrorKind> {
    // The common case first: an unsigned, zero-padded number is all digits.
    if spec.sign == Sign::Unsigned
        && spec.pad == b'0'
        && let Some(magnitude) = all_digits(bytes)
    {
        return Ok(Some(Num {
            negative: false,
            magnitude,
        }));
    }
    if bytes.iter().all(|&b| b == b' ') {
        return Ok(None);
    }
    let (digits, negative) = match spec.sign {
        Sign::Unsigned => (bytes, false),
        Sign::Leading => {
            let (s, d) = bytes.split_first().ok_or(NOT_DIGITS)?;
            (d, sign_byte(*s, spec.lenient)?)
        }
        Sign::Trailing => {
            let (s, d) = bytes.split_last().ok_or(NOT_DIGITS)?;
            (d, sign_byte(*s, spec.lenient)?)
        }
        Sign::Overpunch => return decode_overpunch(spec, bytes).map(Some),
    };
    let magnitude = digits_value(spec, digits)?;
    if negative && magnitude == 0 && !spec.lenient {
        return Err(ErrorKind::BadSign(
            "'-' before zero; zero is written with '+'",
        ));
    }
    Ok(Some(Num {
        negative: negative && magnitude != 0,
        magnitude,
    }))
}

fn sign_byte(b: u8, lenient: bool) -> Result<bool, ErrorKind> {
    match b {
        b'+' => Ok(false),
        b'-' => Ok(true),
        b' ' if lenient => Ok(false),
        _ => Err(ErrorKind::BadSign("expected '+' or '-'")),
    }
}

/// The value of the digit area, checking its canonical spelling.
fn digits_value(spec: &NumSpec, d: &[u8]) -> Result<u128, ErrorKind> {
    // The common case first: all digits (zero-padded, right-aligned).
    if let Some(v) = all_digits(d) {
        if spec.pad == b'0' || spec.lenient || canonical_unpadded(d) {
            return Ok(v);
        }
        return Err(ErrorKind::NotDigits(
            "digits without leading zeros (the field pads with spaces)",
        ));
    }
    if spec.lenient {
        let t = trim(d, b' ');
        let t = if spec.pad != b' ' && spec.pad != b'0' {
            trim(t, spec.pad)
        } else {
            t
        };
        return all_digits(t).filter(|_| !t.is_empty()).ok_or(NOT_DIGITS);
    }
    if spec.pad == b'0' {
        return Err(NOT_DIGITS);
    }
    // Padded with a non-digit (a space, say): pad on one side, minimal digits on the other.
    let t = if spec.align_right {
        let n = d.iter().take_while(|&&b| b == spec.pad).count();
        &d[n..]
    } else {
        let n = d.iter().rev().take_while(|&&b| b == spec.pad).count();
        &d[..d.len() - n]
    };
    match all_digits(t) {
        Some(v) if !t.is_empty() && canonical_unpadded(t) => Ok(v),
        _ => Err(ErrorKind::NotDigits(if spec.align_right {
            "digits right-aligned after pad"
        } else {
            "digits left-aligned before pad"
        })),
    }
}

/// Digits without a leading zero, or a single `0`.
fn canonical_unpadded(d: &[u8]) -> bool {
    d.len() == 1 || d.first() != Some(&b'0')
}

fn trim(d: &[u8], pad: u8) -> &[u8] {
    let start = d.iter().take_while(|&&b| b == pad).count();
    let end = d.len() - d[start..].iter().rev().take_while(|&&b| b == pad).count();
    &d[start..end]
}

/// The value of a run of ASCII digits, `None` if any byte is not a digit. At most 38 digits.
#[inline]
pub(crate) fn all_digits(d: &[u8]) -> Option<u128> {
    if d.len() <= 19 {
        return digits_u64(d).map(u128::from);
    }
    let mut v: u128 = 0;
    for &b in d {
        let x = b.wrapping_sub(b'0');
        if x > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u128::from(x))?;
    }
    Some(v)
}

/// Four ASCII digits (a length prefix's usual width) as their value, `None` if a byte is
/// not a digit: the same as [`digits_u64`] on four bytes, without its dispatch on length.
#[inline]
pub(crate) fn four_digits(d: [u8; 4]) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    eight_digits(u64::from(u32::from_le_bytes(d)) << 32 | ZEROS >> 32)
}

/// Up to 19 digits as a `u64` (`None` for more, or for a byte that is not a digit), eight
/// at a time: a field shorter than eight is read in two overlapping 4-byte loads and filled
/// up with `'0'` in front; the tail of a longer one is its last eight bytes, with those
/// already read turned into `'0'`.
#[inline]
pub(crate) fn digits_u64(d: &[u8]) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let n = d.len();
    if n > 19 {
        return None;
    }
    if let (Some(first), Some(last)) = (d.first_chunk::<4>(), d.last_chunk::<4>())
        && n < 8
    {
        // Bytes 0..4 and n-4..n; where they overlap they are the same bytes.
        let x = u64::from(u32::from_le_bytes(*first))
            | u64::from(u32::from_le_bytes(*last)) << (8 * (n - 4));
        return eight_digits(x << (8 * (8 - n)) | ZEROS >> (8 * n));
    }
    let Some(tail) = d.last_chunk::<8>() else {
        // Fewer than four digits.
        let mut v = 0u64;
        for &b in d {
            let x = b.wrapping_sub(b'0');
            if x > 9 {
                return None;
            }
            v = v * 10 + u64::from(x);
        }
        return Some(v);
    };
    // Eight to nineteen digits: one or two whole words from the front, then the tail.
    let (head, rest) = d.split_first_chunk::<8>()?;
    let mut v = eight_digits(u64::from_le_bytes(*head))?;
    let rest = match rest.split_first_chunk::<8>() {
        Some((second, rest)) => {
            v = v * 100_000_000 + eight_digits(u64::from_le_bytes(*second))?;
            rest
        }
        None => rest,
    };
    let r = rest.len();
    if r > 0 {
        // The last eight bytes, the first 8 - r of them (read above) made '0'.
        let keep = !0u64 << (8 * (8 - r));
        v = v * POW10_U64[r] + eight_digits(u64::from_le_bytes(*tail) & keep | ZEROS & !keep)?;
    }
    Some(v)
}

/// [`digits_u64`] written out where it is called, for the plan's steps: eight digits (a
/// date) as one word, nine to sixteen as two (see [`digits_two_words`]), other widths by
/// the call.
#[inline(always)]
pub(crate) fn digits_inline(d: &[u8]) -> Option<u64> {
    if let Ok(w) = <[u8; 8]>::try_from(d) {
        return eight_digits(u64::from_le_bytes(w));
    }
    digits_two_words(d)
}

/// Eight ASCII digits (read little-endian, so the first digit is the low byte) as their
/// value, or `None` if any byte is not a digit: a check and three multiplications instead
/// of eight steps of a loop.
#[inline]
fn eight_digits(chunk: u64) -> Option<u64> {
    eight_ascii_digits(chunk).then(|| eight_value(chunk))
}

/// True when every byte of `chunk` is an ASCII digit, 0x30..=0x39: its high nibble is 3,
/// and adding 6 keeps it 3.
#[inline(always)]
fn eight_ascii_digits(chunk: u64) -> bool {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    chunk & HIGH == ZEROS && chunk.wrapping_add(0x0606_0606_0606_0606) & HIGH == ZEROS
}

/// The first step of reading eight checked ASCII digits: each pair of digits as its value
/// in its 16-bit lane, the first pair lowest.
#[inline(always)]
fn digit_pairs(chunk: u64) -> u64 {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let x = chunk - ZEROS;
    (x * 10 + (x >> 8)) & 0x00FF_00FF_00FF_00FF
}

/// Eight ASCII digits read as `YYYYMMDD`: the year, the month and the day, each from its
/// own digits (`None` for anything but eight digits). The same numbers as the eight read as
/// one value and cut by division (`v / 10000`, `v / 100 % 100`, `v % 100`), from the first
/// step of [`eight_value`] (the pairs of digits) instead: one multiplication for the year
/// where the value and the divisions took six, in a chain.
#[inline(always)]
pub(crate) fn ymd_digits(d: &[u8]) -> Option<(u16, u8, u8)> {
    let chunk = u64::from_le_bytes(*<&[u8; 8]>::try_from(d).ok()?);
    if !eight_ascii_digits(chunk) {
        return None;
    }
    // Century, year in the century, month, day.
    let pairs = digit_pairs(chunk);
    let year = (pairs & 0xFF) * 100 + (pairs >> 16 & 0xFF);
    Some((year as u16, (pairs >> 32 & 0xFF) as u8, (pairs >> 48) as u8))
}

/// The value of eight ASCII digits that [`eight_digits`] has checked.
#[inline(always)]
fn eight_value(chunk: u64) -> u64 {
    // Pairs, then quads, then the eight: each step joins neighbours (first digit lowest).
    let x = digit_pairs(chunk);
    let x = (x * 100 + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
    (x * 10_000 + (x >> 32)) & 0xFFFF_FFFF
}

/// Sign and magnitude of a zero-padded number of at most 18 digits in its canonical
/// spelling (a sign byte `+` or `-`, or an overpunched last digit; never `-0`), read at
/// once; `None` for anything else (blank, lenient spellings, errors), which
/// [`decode`] handles.
#[inline]
pub(crate) fn signed_digits(sign: Sign, bytes: &[u8]) -> Option<(bool, u64)> {
    signed_digits_body(sign, bytes)
}

/// [`signed_digits`] for fields of one sign place and one width, both known when the
/// reader was chosen: a reader of its own for the widths of the usual amounts (nine to
/// seventeen bytes), in which the length checks and the choice of sign fold away; the
/// general [`signed_digits`] for the others. A reader given bytes of another width reads
/// them as [`signed_digits`] does.
pub(crate) type SignedReader = fn(&[u8]) -> Option<(bool, u64)>;

/// The [`SignedReader`] for a field of `width` bytes (sign byte included): one load from a
/// table, cheap enough to choose the reader for each field as it is read.
#[inline]
pub(crate) fn signed_reader(sign: Sign, width: usize) -> SignedReader {
    let by_width = match sign {
        Sign::Unsigned => &READERS[0],
        Sign::Leading => &READERS[1],
        Sign::Trailing => &READERS[2],
        Sign::Overpunch => &READERS[3],
    };
    by_width[width.min(READER_WIDTHS - 1)]
}

/// A reader for where none is read (unsigned, of any width), as a constant.
pub(crate) const ANY_UNSIGNED: SignedReader = signed_any::<0>;

/// The readers by sign place, then by width: 9 to 17 bytes each a reader of its own, the
/// other widths the general one (the last entry stands for every width beyond).
const READER_WIDTHS: usize = 19;
static READERS: [[SignedReader; READER_WIDTHS]; 4] = [
    readers::<0>(),
    readers::<1>(),
    readers::<2>(),
    readers::<3>(),
];

const fn readers<const S: usize>() -> [SignedReader; READER_WIDTHS] {
    let mut r: [SignedReader; READER_WIDTHS] = [signed_any::<S>; READER_WIDTHS];
    r[9] = signed_fixed::<S, 9>;
    r[10] = signed_fixed::<S, 10>;
    r[11] = signed_fixed::<S, 11>;
    r[12] = signed_fixed::<S, 12>;
    r[13] = signed_fixed::<S, 13>;
    r[14] = signed_fixed::<S, 14>;
    r[15] = signed_fixed::<S, 15>;
    r[16] = signed_fixed::<S, 16>;
    r[17] = signed_fixed::<S, 17>;
    r
}

const SIGN_OF: [Sign; 4] = [
    Sign::Unsigned,
    Sign::Leading,
    Sign::Trailing,
    Sign::Overpunch,
];

fn signed_fixed<const S: usize, const W: usize>(bytes: &[u8]) -> Option<(bool, u64)> {
    match <&[u8; W]>::try_from(bytes) {
        Ok(b) => signed_digits_body(SIGN_OF[S], b),
        Err(_) => signed_digits(SIGN_OF[S], bytes),
    }
}

fn signed_any<const S: usize>(bytes: &[u8]) -> Option<(bool, u64)> {
    signed_digits(SIGN_OF[S], bytes)
}

#[inline(always)]
fn signed_digits_body(sign: Sign, bytes: &[u8]) -> Option<(bool, u64)> {
    let sign_byte = |b: u8| match b {
        b'+' => Some(false),
        b'-' => Some(true),
        _ => None,
    };
    let (negative, magnitude) = match sign {
        Sign::Unsigned => (false, digits_two_words(bytes)?),
        Sign::Leading => {
            let (s, d) = bytes.split_first()?;
            (sign_byte(*s)?, digits_two_words(d)?)
        }
        Sign::Trailing => {
            let (s, d) = bytes.split_last()?;
            (sign_byte(*s)?, digits_two_words(d)?)
        }
        Sign::Overpunch => {
            let (last, head) = bytes.split_last()?;
            let (digit, negative) = overpunch_digit(*last)?;
            (negative, digits_two_words(head)? * 10 + u64::from(digit))
        }
    };
    (!negative || magnitude != 0).then_some((negative, magnitude))
}

/// The same as [`digits_u64`], with nine to sixteen digits (the usual amounts) read as
/// two overlapping words: the first eight bytes and the last eight, of which those already
/// read are made `'0'`. Used by the signed and scaled numbers only, so that the unsigned
/// digits elsewhere keep the smaller reader.
#[inline(always)]
fn digits_two_words(d: &[u8]) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let n = d.len();
    if let (Some(head), Some(tail)) = (d.first_chunk::<8>(), d.last_chunk::<8>())
        && n > 8
        && n <= 16
    {
        // The first 16 - n bytes of the tail are the last of the head.
        let keep = !0u64 << (8 * (16 - n));
        let (a, b) = (
            u64::from_le_bytes(*head),
            u64::from_le_bytes(*tail) & keep | ZEROS & !keep,
        );
        // Both words checked at once (see `eight_digits`).
        const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
        const SIX: u64 = 0x0606_0606_0606_0606;
        // One test of all four (`|` of the differences); the compiler keeps four branches
        // for `||`.
        if (((a & HIGH) ^ ZEROS)
            | ((a.wrapping_add(SIX) & HIGH) ^ ZEROS)
            | ((b & HIGH) ^ ZEROS)
            | ((b.wrapping_add(SIX) & HIGH) ^ ZEROS))
            != 0
        {
            return None;
        }
        return Some(eight_value(a) * POW10_U64[n - 8] + eight_value(b));
    }
    digits_u64(d)
}

fn overpunch_digit(b: u8) -> Option<(u8, bool)> {
    match b {
        b'{' => Some((0, false)),
        b'A'..=b'I' => Some((b - b'A' + 1, false)),
        b'}' => Some((0, true)),
        b'J'..=b'R' => Some((b - b'J' + 1, true)),
        _ => None,
    }
}

fn decode_overpunch(spec: &NumSpec, bytes: &[u8]) -> Result<Num, ErrorKind> {
    let (&last, head) = bytes.split_last().ok_or(NOT_DIGITS)?;
    let (digit, negative) = match overpunch_digit(last) {
        Some(x) => x,
        None if spec.lenient && last.is_ascii_digit() => (last - b'0', false),
        None => {
            return Err(ErrorKind::BadSign(
                "expected an overpunched last digit ({, A-I, }, J-R)",
            ));
        }
    };
    let head_value = all_digits(head).ok_or(NOT_DIGITS)?;
    let magnitude = head_value * 10 + u128::from(digit);
    if negative && magnitude == 0 && !spec.lenient {
        return Err(ErrorKind::BadSign("negative zero; zero is overpunched '{'"));
    }
    Ok(Num {
        negative: negative && magnitude != 0,
        magnitude,
    })
}

/// 10^n for n <= 38.
/// Powers of ten that fit `u64`: `POW10_U64[n]` is 10^n.
pub(crate) const POW10_U64: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

pub(crate) fn pow10(n: u8) -> u128 {
    10u128.pow(u32::from(n))
}

/// Appends the canonical spelling of `num` (`None` writes the blank: all spaces).
/// The caller has checked that the magnitude has at most `spec.digits` digits.
pub(crate) fn encode(spec: &NumSpec, num: Option<Num>, out: &mut Vec<u8>) {
    let Some(num) = num else {
        out.resize(out.len() + spec.width(), b' ');
        return;
    };
    let mut buf = [0u8; 40];
    let n = spec.digits as usize;
    // Digits right to left into the last `n` bytes of buf.
    let mut len = 0;
    // By `u64` when it fits: a 128-bit division is a library call per digit.
    if let Ok(mut m) = u64::try_from(num.magnitude) {
        loop {
            buf[39 - len] = b'0' + (m % 10) as u8;
            m /= 10;
            len += 1;
            if m == 0 {
                break;
            }
        }
    } else {
        let mut m = num.magnitude;
        loop {
            buf[39 - len] = b'0' + (m % 10) as u8;
            m /= 10;
            len += 1;
            if m == 0 {
                break;
            }
        }
    }
    let digits = &buf[40 - len..];
    match spec.sign {
        Sign::Leading => out.push(if num.negative { b'-' } else { b'+' }),
        Sign::Unsigned | Sign::Trailing | Sign::Overpunch => {}
    }
    let pad = n.saturating_sub(len);
    if spec.align_right || spec.pad == b'0' {
        out.resize(out.len() + pad, spec.pad);
        out.extend_from_slice(digits);
    } else {
        out.extend_from_slice(digits);
        out.resize(out.len() + pad, spec.pad);
    }
    match spec.sign {
        Sign::Trailing => out.push(if num.negative { b'-' } else { b'+' }),
        Sign::Overpunch => {
            if let Some(last) = out.last_mut() {
                let d = *last - b'0';
                *last = match (num.negative, d) {
                    (false, 0) => b'{',
                    (false, d) => b'A' + d - 1,
                    (true, 0) => b'}',
                    (true, d) => b'J' + d - 1,
                };
            }
        }
        Sign::Unsigned | Sign::Leading => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(d: &[u8]) -> Option<u64> {
        d.iter().try_fold(0u64, |v, &b| {
            b.is_ascii_digit().then(|| v * 10 + u64::from(b - b'0'))
        })
    }

    /// The value `signed_digits` should give, byte by byte.
    fn naive_signed(sign: Sign, b: &[u8]) -> Option<(bool, u64)> {
        let sign_byte = |c: u8| match c {
            b'+' => Some(false),
            b'-' => Some(true),
            _ => None,
        };
        let (negative, m) = match sign {
            Sign::Unsigned => (false, naive(b)?),
            Sign::Leading => (sign_byte(*b.first()?)?, naive(&b[1..])?),
            Sign::Trailing => (sign_byte(*b.last()?)?, naive(&b[..b.len() - 1])?),
            Sign::Overpunch => {
                let (last, head) = b.split_last()?;
                let (d, negative) = overpunch_digit(*last)?;
                (negative, naive(head)? * 10 + u64::from(d))
            }
        };
        (!negative || m != 0).then_some((negative, m))
    }

    #[test]
    fn signed_readers_read_as_signed_digits_does() {
        // Every sign place, every width a reader is made for (and beyond), the bytes of
        // that width and of others, canonical and not: each reader agrees with the
        // general reading, and both with the byte-by-byte one.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"0123456789+-{}AJIR 9";
        for sign in SIGN_OF {
            for width in 1..=19 {
                let read = signed_reader(sign, width);
                // At most 18 digits, as `signed_digits` takes them.
                for len in [width - 1, width, width + 1]
                    .into_iter()
                    .filter(|&n| n <= 18)
                {
                    for _ in 0..400 {
                        let mut b: Vec<u8> = (0..len).map(|_| b'0' + (next() % 10) as u8).collect();
                        match next() % 4 {
                            0 => {}
                            1 if len > 0 => b[0] = [b'+', b'-'][(next() % 2) as usize],
                            2 if len > 0 => {
                                b[len - 1] = alphabet[(next() % alphabet.len() as u64) as usize]
                            }
                            _ if len > 0 => {
                                let i = (next() % len as u64) as usize;
                                b[i] = alphabet[(next() % alphabet.len() as u64) as usize];
                            }
                            _ => {}
                        }
                        let general = signed_digits(sign, &b);
                        assert_eq!(read(&b), general, "{sign:?} width {width}: {b:?}");
                        if len <= 17 {
                            assert_eq!(general, naive_signed(sign, &b), "{sign:?}: {b:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn four_digits_reads_as_the_loop_does() {
        // Every four bytes over the digits and their neighbours (and a few far ones).
        let alphabet = b"0123456789/: \x00\xff-";
        for &a in alphabet {
            for &b in alphabet {
                for &c in alphabet {
                    for &d in alphabet {
                        let x = [a, b, c, d];
                        assert_eq!(four_digits(x), naive(&x), "{x:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn digits_agree_with_the_byte_loop() {
        // Every length a u64 reads, digits of every kind, a bad byte at every position.
        for n in 0..=19 {
            let good: Vec<u8> = (0..n).map(|i| b"9071234568"[i % 10]).collect();
            assert_eq!(digits_u64(&good), naive(&good), "{good:?}");
            assert_eq!(digits_two_words(&good), naive(&good), "{good:?}");
            assert_eq!(digits_inline(&good), naive(&good), "{good:?}");
            assert_eq!(digits_u64(&good).map(u128::from), all_digits(&good));
            for at in 0..n {
                for bad in [b' ', b'/', b':', b'a', 0x80, 0xFF, 0x00] {
                    let mut b = good.clone();
                    b[at] = bad;
                    assert_eq!(digits_u64(&b), None, "{b:?}");
                    assert_eq!(digits_two_words(&b), None, "{b:?}");
                    assert_eq!(digits_inline(&b), None, "{b:?}");
                }
            }
        }
        assert_eq!(
            digits_u64(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(digits_u64(b"0000000000000000001"), Some(1));
    }

    fn spec(digits: u8, sign: Sign) -> NumSpec {
        NumSpec {
            digits,
            scale: 0,
            sign,
            align_right: true,
            pad: b'0',
            lenient: false,
        }
    }

    fn num(v: i128) -> Num {
        Num {
            negative: v < 0,
            magnitude: v.unsigned_abs(),
        }
    }

    #[test]
    fn canonical_spellings_round_trip() {
        let cases: &[(NumSpec, &str, Option<i128>)] = &[
            (spec(5, Sign::Unsigned), "00123", Some(123)),
            (spec(5, Sign::Unsigned), "     ", None),
            (spec(3, Sign::Leading), "+000", Some(0)),
            (spec(3, Sign::Leading), "-025", Some(-25)),
            (spec(3, Sign::Trailing), "025-", Some(-25)),
            (spec(3, Sign::Overpunch), "12C", Some(123)),
            (spec(3, Sign::Overpunch), "12L", Some(-123)),
            (spec(3, Sign::Overpunch), "00{", Some(0)),
            (spec(3, Sign::Overpunch), "01}", Some(-10)),
            (
                NumSpec {
                    pad: b' ',
                    ..spec(5, Sign::Unsigned)
                },
                "  123",
                Some(123),
            ),
            (
                NumSpec {
                    pad: b' ',
                    ..spec(5, Sign::Unsigned)
                },
                "    0",
                Some(0),
            ),
            (
                NumSpec {
                    pad: b' ',
                    align_right: false,
                    ..spec(5, Sign::Unsigned)
                },
                "123  ",
                Some(123),
            ),
        ];
        for (s, wire, want) in cases {
            let got = decode(s, wire.as_bytes()).unwrap_or_else(|e| panic!("{wire}: {e}"));
            assert_eq!(
                got.map(|n| if n.negative {
                    -(n.magnitude as i128)
                } else {
                    n.magnitude as i128
                }),
                *want,
                "{wire}"
            );
            let mut out = Vec::new();
            encode(s, want.map(num), &mut out);
            assert_eq!(std::str::from_utf8(&out).ok(), Some(*wire), "{wire}");
        }
    }

    #[test]
    fn non_canonical_is_refused_unless_lenient() {
        let cases: &[(NumSpec, &str)] = &[
            (spec(5, Sign::Unsigned), "  123"),
            (spec(5, Sign::Unsigned), "123  "),
            (spec(5, Sign::Unsigned), "12a45"),
            (spec(3, Sign::Leading), "-000"),
            (spec(3, Sign::Leading), " 025"),
            (spec(3, Sign::Overpunch), "00}"),
            (
                NumSpec {
                    pad: b' ',
                    ..spec(5, Sign::Unsigned)
                },
                "00123",
            ),
        ];
        for (s, wire) in cases {
            assert!(
                decode(s, wire.as_bytes()).is_err(),
                "{wire} should be refused"
            );
            let lenient = NumSpec {
                lenient: true,
                ..*s
            };
            assert!(
                decode(&lenient, wire.as_bytes()).is_ok() || wire.contains('a'),
                "{wire} lenient"
            );
        }
    }

    #[test]
    fn eight_at_a_time_agrees_with_one_at_a_time() {
        let naive = |d: &[u8]| -> Option<u64> {
            d.iter().try_fold(0u64, |v, &b| {
                b.is_ascii_digit().then(|| v * 10 + u64::from(b - b'0'))
            })
        };
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 20) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|i| {
                    let r = (seed >> (i % 8 * 8)) as u8;
                    // Mostly digits, sometimes a byte next to them or anything.
                    match r % 16 {
                        0 => b'/',
                        1 => b':',
                        2 => r,
                        _ => b'0' + r % 10,
                    }
                })
                .collect();
            assert_eq!(digits_u64(&bytes), naive(&bytes), "{bytes:?}");
        }
        assert_eq!(
            digits_u64(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(digits_u64(b"0000000012345678"), Some(12_345_678));
    }

    #[test]
    fn wide_numbers() {
        let s = spec(38, Sign::Unsigned);
        let wire = "9".repeat(38);
        let n = decode(&s, wire.as_bytes())
            .expect("fits")
            .expect("not blank");
        assert_eq!(n.magnitude, pow10(38) - 1);
    }
}
