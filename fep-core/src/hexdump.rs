//! Hex dumps as logs and tools print them, back to bytes: one reader for every door (the
//! command line's `--hex`, Python's hex strings, a C caller's log line).
//!
//! Accepted: plain hex (`30333030...`, wrapped over lines or not), bytes or groups with
//! spaces, `0x` prefixes and commas (`0x30, 0x33`), and dump lines with an offset in the
//! first column and an ASCII column at the end: `xxd` (`00000000: 3033 3030  03..`),
//! `hexdump -C` (`00000000  30 33 30 30  |03..|`, `*` for repeated lines), `od -A x -t x1z`
//! and the like. An offset column is recognised by a trailing colon, by brackets, or by
//! being wider than the byte groups after it on the first line of the dump. Where the
//! offsets say how many bytes a line holds, exactly that many are taken, so an ASCII column
//! that happens to look like hex is never read as bytes.

use crate::error::{Error, ErrorKind, Position, TextPosition};

/// The error for a dump that cannot be read: a data error ([`ErrorKind::HexDump`]) at a line
/// and column of the dump ([`Position::Text`]).
fn hex_error(line: usize, column: usize, message: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::HexDump(message.into()),
        Position::Text(TextPosition { line, column }),
    )
}

/// The largest run of bytes a `*` line may stand for (hexdump's repeated lines).
const MAX_REPEAT_FILL: u64 = 16 * 1024 * 1024;

/// A line of the dump, classified.
#[derive(Debug)]
struct Line<'t> {
    no: usize,
    text: &'t str,
    kind: Kind,
    /// The digits of the offset column, if any.
    digits: &'t str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Hex and nothing else.
    Plain,
    /// An offset, then bytes (from `body`), then maybe an ASCII column.
    Dump { offset: u64, body: usize },
    /// A lone offset after the last dump line (hexdump's closing line).
    End { offset: u64 },
    /// `*`: the line before repeats up to the next offset.
    Repeat,
}

/// Reads a hex dump into bytes.
///
/// # Example
/// ```
/// let dump = "00000000: 3033 3030 2020  0300  \n";
/// assert_eq!(fep_core::hexdump::parse(dump).unwrap(), b"0300  ");
/// assert_eq!(fep_core::hexdump::parse("0x30, 0x33").unwrap(), b"03");
/// let e = fep_core::hexdump::parse("303g").unwrap_err();
/// assert_eq!(e.line_column(), Some((1, 4)));
/// assert_eq!(e.category(), fep_core::Category::Data);
/// ```
pub fn parse(text: &str) -> Result<Vec<u8>, Error> {
    let mut lines = classify(text);
    fix_radix(&mut lines);
    let mut out = Vec::new();
    let mut pending: Option<(u8, usize, usize)> = None; // a half byte, and where it was
    let mut last_dump: Option<(u64, Vec<u8>)> = None; // offset and bytes of the last dump line
    let mut repeat_after: Option<Vec<u8>> = None;
    let mut line_width: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        let next_offset = lines.get(i + 1).and_then(|l| match l.kind {
            Kind::Dump { offset, .. } | Kind::End { offset } => Some(offset),
            _ => None,
        });
        match line.kind {
            Kind::Plain => {
                plain_line(line, &mut out, &mut pending)?;
                last_dump = None;
            }
            Kind::Repeat => {
                let Some((_, bytes)) = &last_dump else {
                    return Err(err(line, 0, "a `*` line with no dump line before it"));
                };
                repeat_after = Some(bytes.clone());
            }
            Kind::Dump { offset, .. } | Kind::End { offset } => {
                if let Some(bytes) = repeat_after.take() {
                    fill_repeat(line, offset, last_dump.as_ref(), &bytes, &mut out)?;
                }
                let Kind::Dump { body, .. } = line.kind else {
                    continue;
                };
                let expected = next_offset
                    .and_then(|n| n.checked_sub(offset))
                    .filter(|&d| (1..=4096).contains(&d))
                    .map(|d| d as usize)
                    .filter(|_| !matches!(lines.get(i + 1).map(|l| l.kind), Some(Kind::Repeat)));
                let bytes = dump_line(line, body, expected, line_width)?;
                if expected.is_some() {
                    line_width = Some(bytes.len());
                }
                out.extend_from_slice(&bytes);
                last_dump = Some((offset, bytes));
            }
        }
    }
    if let Some((_, line, column)) = pending {
        return Err(hex_error(
            line,
            column,
            "an odd number of hex digits: the last byte is cut in half",
        ));
    }
    if out.is_empty() {
        return Err(hex_error(1, 1, "no hex digits found"));
    }
    Ok(out)
}

/// Reads the offsets as octal or decimal when those, not hex, count the bytes of the
/// first line (`od` without `-A x` counts in octal).
fn fix_radix(lines: &mut [Line<'_>]) {
    let Some(i) = (0..lines.len().saturating_sub(1)).find(|&i| {
        matches!(
            (lines[i].kind, lines[i + 1].kind),
            (Kind::Dump { .. }, Kind::Dump { .. } | Kind::End { .. })
        )
    }) else {
        return;
    };
    let Kind::Dump { body, .. } = lines[i].kind else {
        return;
    };
    let Ok(bytes) = dump_line(&lines[i], body, None, None) else {
        return;
    };
    let n = bytes.len() as u64;
    let delta = |radix: u32| {
        let a = u64::from_str_radix(lines[i].digits, radix).ok()?;
        let b = u64::from_str_radix(lines[i + 1].digits, radix).ok()?;
        b.checked_sub(a)
    };
    let Some(radix) = [16, 8, 10].into_iter().find(|&r| delta(r) == Some(n)) else {
        return;
    };
    if radix == 16 {
        return;
    }
    for l in lines.iter_mut() {
        let Ok(v) = u64::from_str_radix(l.digits, radix) else {
            continue;
        };
        match &mut l.kind {
            Kind::Dump { offset, .. } | Kind::End { offset } => *offset = v,
            _ => {}
        }
    }
}

/// Bytes for a `*` line: the line before it, repeated up to the offset of `line`.
fn fill_repeat(
    line: &Line<'_>,
    offset: u64,
    last: Option<&(u64, Vec<u8>)>,
    bytes: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let Some((prev_offset, _)) = last else {
        return Ok(());
    };
    let from = prev_offset + bytes.len() as u64;
    let gap = offset.checked_sub(from).unwrap_or(u64::MAX);
    if bytes.is_empty() || gap > MAX_REPEAT_FILL || !gap.is_multiple_of(bytes.len() as u64) {
        return Err(err(
            line,
            0,
            "the offset after a `*` line does not continue the dump above it",
        ));
    }
    for _ in 0..gap / bytes.len() as u64 {
        out.extend_from_slice(bytes);
    }
    Ok(())
}

fn err(line: &Line<'_>, byte: usize, message: impl Into<String>) -> Error {
    hex_error(
        line.no,
        line.text[..byte.min(line.text.len())].chars().count() + 1,
        message,
    )
}

/// Tokens of `s` split at whitespace: (byte index in `s`, token, blanks before it).
fn tokens(s: &str) -> Vec<(usize, &str, usize)> {
    let mut out = Vec::new();
    let mut gap = 0;
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if let Some(st) = start.take() {
                out.push((st, &s[st..i], gap));
                gap = 0;
            }
            gap += if c == '\t' { 2 } else { 1 };
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, &s[st..], gap));
    }
    out
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn strip_0x(s: &str) -> &str {
    s.strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s)
}

/// An offset column: `00000000:`, `[0000]`, `0x0010:`.
fn marked_offset(tok: &str) -> Option<u64> {
    let core = match tok.strip_suffix(':') {
        Some(t) => t,
        None => tok.strip_prefix('[').and_then(|t| t.strip_suffix(']'))?,
    };
    let core = strip_0x(core);
    (is_hex(core) && core.len() <= 16)
        .then(|| u64::from_str_radix(core, 16).ok())
        .flatten()
}

/// The digits of an offset column token.
fn offset_digits(tok: &str) -> &str {
    let t = tok.strip_suffix(':').unwrap_or(tok);
    let t = t
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(t);
    strip_0x(t)
}

/// A bare offset column (`00000000  30 33`): 4 to 16 hex digits.
fn bare_offset(tok: &str) -> Option<u64> {
    ((4..=16).contains(&tok.len()) && is_hex(tok))
        .then(|| u64::from_str_radix(tok, 16).ok())
        .flatten()
}

fn classify(text: &str) -> Vec<Line<'_>> {
    let raw: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    let mut out: Vec<Line<'_>> = Vec::with_capacity(raw.len());
    // Bare offsets (without a colon) count only in a dump whose first line has one (0), so
    // that grouped plain hex (`3033 3030 30`) is never mistaken for offsets.
    let mut bare_ok = false;
    for (idx, &(no, text)) in raw.iter().enumerate() {
        let toks = tokens(text);
        let first = toks[0].1;
        let is_last = idx + 1 == raw.len();
        let prev_dump = matches!(
            out.last().map(|l| l.kind),
            Some(Kind::Dump { .. } | Kind::Repeat)
        );
        let kind = if toks.len() == 1 && first == "*" && prev_dump {
            Kind::Repeat
        } else if let Some(offset) = marked_offset(first) {
            if idx == 0 {
                bare_ok = true;
            }
            match toks.get(1) {
                Some(&(b, _, _)) => Kind::Dump { offset, body: b },
                None if prev_dump => Kind::End { offset },
                None => Kind::Dump {
                    offset,
                    body: text.len(),
                },
            }
        } else if let Some(offset) = bare_offset(first) {
            match toks.get(1) {
                // A dump of a file starts at 0; a first group that is not 0 is data.
                Some(&(b, second, _))
                    if (idx == 0 && offset == 0 || bare_ok)
                        && strip_0x(second).len() != first.len() =>
                {
                    if idx == 0 {
                        bare_ok = true;
                    }
                    Kind::Dump { offset, body: b }
                }
                None if is_last && prev_dump => Kind::End { offset },
                _ => Kind::Plain,
            }
        } else {
            Kind::Plain
        };
        let digits = match kind {
            Kind::Dump { .. } | Kind::End { .. } => offset_digits(first),
            _ => "",
        };
        out.push(Line {
            no,
            text,
            kind,
            digits,
        });
    }
    out
}

/// The bytes of a dump line: the hex after the offset, without the ASCII column.
fn dump_line(
    line: &Line<'_>,
    body: usize,
    expected: Option<usize>,
    line_width: Option<usize>,
) -> Result<Vec<u8>, Error> {
    let mut text = &line.text[body..];
    // `|ascii|` (hexdump -C) and `>ascii<` (od -t x1z) close the line: cut them off first.
    let trimmed = text.trim_end();
    let mut cut = false;
    for (open, close) in [('|', '|'), ('>', '<')] {
        if trimmed.len() > 1
            && trimmed.ends_with(close)
            && let Some(i) = text.find(open)
            && i < trimmed.len() - 1
        {
            text = &text[..i];
            cut = true;
            break;
        }
    }
    let mut bytes = Vec::with_capacity(expected.unwrap_or(16));
    let mut group_len = None;
    for (k, &(at, tok, gap)) in tokens(text).iter().enumerate() {
        if expected.is_some_and(|n| bytes.len() >= n) {
            break;
        }
        let hex = strip_0x(tok);
        let ok = is_hex(hex);
        if k > 0 && gap >= 2 && !cut && expected.is_none() {
            // A wide gap: the ASCII column starts here, unless it is the wider space some
            // dumps leave in the middle of a line of bytes.
            let half = match line_width {
                Some(w) => bytes.len() * 2 == w,
                None => bytes.len() == 8,
            };
            if !(ok && half && group_len == Some(hex.len())) {
                break;
            }
        }
        if !ok {
            if k > 0 && gap >= 2 {
                break;
            }
            return Err(err(line, body + at, format!("\"{tok}\" is not hex")));
        }
        if hex.len() % 2 == 1 {
            return Err(err(
                line,
                body + at,
                format!("\"{tok}\" has an odd number of hex digits"),
            ));
        }
        group_len.get_or_insert(hex.len());
        for pair in hex.as_bytes().chunks(2) {
            if expected.is_some_and(|n| bytes.len() >= n) {
                break;
            }
            bytes.push(hex_pair(pair));
        }
    }
    Ok(bytes)
}

fn hex_pair(pair: &[u8]) -> u8 {
    let v = |b: u8| match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    };
    v(pair[0]) << 4 | v(pair[1])
}

/// A line of hex and separators only.
fn plain_line(
    line: &Line<'_>,
    out: &mut Vec<u8>,
    pending: &mut Option<(u8, usize, usize)>,
) -> Result<(), Error> {
    let seps = |c: char| c.is_whitespace() || c == ',' || c == ';';
    let mut toks = Vec::new();
    let mut start = None;
    for (i, c) in line.text.char_indices() {
        if seps(c) {
            if let Some(s) = start.take() {
                toks.push((s, &line.text[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        toks.push((s, &line.text[s..]));
    }
    let several = toks.len() > 1;
    for (at, tok) in toks {
        let hex = strip_0x(tok);
        let hex = hex.strip_prefix("\\x").unwrap_or(hex);
        let cleaned: String;
        let hex = if hex.contains("\\x") {
            cleaned = hex.replace("\\x", "");
            cleaned.as_str()
        } else {
            hex
        };
        if !is_hex(hex) {
            let bad = tok
                .char_indices()
                .find(|&(_, c)| !c.is_ascii_hexdigit() && c != 'x' && c != 'X' && c != '\\')
                .map_or(0, |(i, _)| i);
            let shown: String = tok.chars().take(24).collect();
            return Err(err(
                line,
                at + bad,
                format!(
                    "\"{shown}\" is not hex (a dump may have an offset column and an ASCII column, \
                     but this line has neither)"
                ),
            ));
        }
        if several && hex.len() % 2 == 1 {
            return Err(err(
                line,
                at,
                format!("\"{tok}\" has an odd number of hex digits"),
            ));
        }
        for (i, b) in hex.bytes().enumerate() {
            let nibble = hex_pair(&[b'0', b]);
            match pending.take() {
                Some((hi, _, _)) => out.push(hi << 4 | nibble),
                None => *pending = Some((nibble, line.no, column(line.text, at + i))),
            }
        }
    }
    Ok(())
}

fn column(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<u8> {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    /// One named case a line: the dump, and the bytes it holds.
    #[test]
    fn accepted_dumps() {
        let cases: &[(&str, &str, &[u8])] = &[
            ("continuous", "30313233", b"0123"),
            ("spaced bytes", "30 31 32 33", b"0123"),
            ("mixed case", "4A4b", b"JK"),
            ("0x prefix whole", "0x30313233", b"0123"),
            ("0x bytes with commas", "0x30, 0x31,0x32 , 0x33", b"0123"),
            ("backslash x", "\\x30\\x31", b"01"),
            ("wrapped at odd place", "303\n132", b"012"),
            ("blank lines", "\n30 31\n\n32 33\n", b"0123"),
            ("crlf", "30 31\r\n32 33\r\n", b"0123"),
            ("grouped by two", "3031 3233\n3435", b"012345"),
            ("uneven groups", "3033 30 30", b"0300"),
            (
                "xxd",
                "00000000: 3031 3233 3435 3637 3839 4142 4344 4546  0123456789ABCDEF\n\
                 00000010: 4748 4a                                  GHJ",
                b"0123456789ABCDEFGHJ",
            ),
            (
                "xxd whose ascii column looks like hex",
                "00000000: 4142 4344                                ABCD",
                b"ABCD",
            ),
            (
                "hexdump -C",
                "00000000  30 31 32 33 34 35 36 37  38 39 41 42 43 44 45 46  |0123456789ABCDEF|\n\
                 00000010  47 48                                             |GH|\n\
                 00000012",
                b"0123456789ABCDEFGH",
            ),
            (
                "hexdump -C with a repeated line",
                "00000000  20 20 20 20 20 20 20 20  20 20 20 20 20 20 20 20  |                |\n\
                 *\n\
                 00000030  41 42                                             |AB|\n\
                 00000032",
                b"                                                AB",
            ),
            (
                "od -A x -t x1z",
                "000000 30 31 32 33 34 35 36 37 38 39 41 42 43 44 45 46  >0123456789ABCDEF<\n\
                 000010 47                                               >G<\n\
                 000011",
                b"0123456789ABCDEFG",
            ),
            (
                "od with octal offsets and a repeated line",
                "0000000 30 31 32 33 34 35 36 37 38 39 41 42 43 44 45 46\n\
                 0000020 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20\n\
                 *\n\
                 0000060 41\n\
                 0000061",
                b"0123456789ABCDEF                                A",
            ),
            (
                "offset with brackets",
                "[0000] 30 31 32 33 34 35 36 37\n[0008] 38 39",
                b"0123456789",
            ),
            ("xxd not starting at zero", "00000130: 3031  01", b"01"),
            (
                "wireshark, wide middle gap",
                "0000   30 31 32 33 34 35 36 37  38 39 41 42 43 44 45 46   01234567 89ABCDEF\n\
                 0010   47 48                                              GH",
                b"0123456789ABCDEFGH",
            ),
        ];
        for (name, text, want) in cases {
            assert_eq!(ok(text), *want, "{name}");
        }
    }

    /// One named case a line: the dump, and the error it gets.
    #[test]
    fn refused_dumps() {
        let cases: &[(&str, &str, &str)] = &[
            ("empty", "  \n ", "1:1: no hex digits found"),
            (
                "not hex",
                "30 31 zz 33",
                "1:7: \"zz\" is not hex (a dump may have an offset column and an ASCII column, but this line has neither)",
            ),
            (
                "odd digits at the end",
                "30313",
                "1:5: an odd number of hex digits: the last byte is cut in half",
            ),
            (
                "odd token among bytes",
                "30 3 31",
                "1:4: \"3\" has an odd number of hex digits",
            ),
            (
                "bad byte in an xxd line",
                "00000000: 3031 3g33",
                "1:16: \"3g33\" is not hex",
            ),
        ];
        for (name, text, want) in cases {
            let e = parse(text).expect_err(name);
            assert_eq!(e.to_string(), *want, "{name}");
        }
    }
}
