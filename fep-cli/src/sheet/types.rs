//! The type spellings of Korean spec sheets, and the layout types they become.
//!
//! A spec names a field's type in many ways (`AN`, `X`, `CHAR`, `N`, `9`, `NUMBER(15,2)`,
//! `9(13)V99`, `H`, `한글`, `S9`...), with the length in its own column or in the type.
//! [`resolve`] reads the type cell, the length cell and the remarks, and gives the
//! layout type, its width and attributes, and a doubt for everything it had to guess.
//! The table of spellings is [`SPELLINGS`]; docs/spec-sheets.md shows it to users.

/// What kind of layout type a spelling stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `X(n)`: text.
    Text,
    /// `AN(n)`: text, spelled AN in the layout too.
    TextAn,
    /// `G(n)`: double-byte (full-width, Hangul) text.
    Graphic,
    /// `9(n)`: unsigned digits.
    Number,
    /// `N(n)`: unsigned digits, spelled N in the layout too.
    NumberN,
    /// `S9(n) sign leading`: signed digits.
    Signed,
    /// `B(n)`: raw bytes.
    Bytes,
    /// `9(n) date`.
    Date,
    /// `9(n) time`.
    Time,
    /// `9(n) datetime`.
    DateTime,
}

/// The spellings the import knows (upper case, spaces removed), and what each becomes.
pub const SPELLINGS: &[(Class, &[&str])] = &[
    (
        Class::Text,
        &[
            "X",
            "A",
            "C",
            "CH",
            "CHAR",
            "CHARACTER",
            "VARCHAR",
            "VARCHAR2",
            "STRING",
            "STR",
            "TEXT",
            "ALPHA",
            "ALPHANUMERIC",
            "문자",
            "문자열",
            "문자형",
            "영문",
            "영숫자",
        ],
    ),
    (Class::TextAn, &["AN"]),
    (
        Class::Graphic,
        &[
            "G",
            "H",
            "K",
            "HAN",
            "HANGUL",
            "KOR",
            "KOREAN",
            "DBCS",
            "GRAPHIC",
            "한글",
            "한글문자",
            "한",
            "전각",
        ],
    ),
    (
        Class::Number,
        &[
            "9",
            "NUM",
            "NUMBER",
            "NUMERIC",
            "DECIMAL",
            "DEC",
            "INT",
            "INTEGER",
            "LONG",
            "Z",
            "ZONED",
            "숫자",
            "숫자형",
            "정수",
        ],
    ),
    (Class::NumberN, &["N"]),
    (
        Class::Signed,
        &[
            "S9",
            "SN",
            "S",
            "+9",
            "±9",
            "SIGNED",
            "부호숫자",
            "부호있는숫자",
        ],
    ),
    (
        Class::Bytes,
        &[
            "B",
            "BIN",
            "BINARY",
            "BYTE",
            "BYTES",
            "RAW",
            "HEX",
            "바이너리",
        ],
    ),
    (Class::Date, &["DATE", "날짜", "일자", "YYYYMMDD", "YYMMDD"]),
    (Class::Time, &["TIME", "시간", "시각", "HHMMSS", "HHMM"]),
    (
        Class::DateTime,
        &["DATETIME", "TIMESTAMP", "일시", "YYYYMMDDHHMMSS"],
    ),
];

/// Which cell a doubt is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// The type cell.
    Type,
    /// The length cell.
    Length,
}

/// A field's layout type, as resolved from its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The type as the layout writes it: `X(12)`, `S9(13)`, `N(15,2)`.
    pub ty: String,
    /// Bytes of one element.
    pub width: usize,
    /// Attributes the type brings: `sign leading`, `date`.
    pub attrs: Vec<String>,
    /// A fixed repeat written in the type (`X(3*35)`).
    pub repeat: Option<usize>,
}

/// A length cell: bytes, and a scale when written `15,2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Length {
    /// The number (bytes, or digits for a number with a scale).
    pub n: usize,
    /// The scale after a comma or point.
    pub scale: Option<usize>,
}

/// Reads a length cell: `10`, `15,2`, `15.2`, `15(2)`; `Ok(None)` when empty.
pub fn parse_length(cell: &str) -> Result<Option<Length>, String> {
    let s: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s
        .trim_end_matches("bytes")
        .trim_end_matches("byte")
        .trim_end_matches("바이트")
        .trim_end_matches('B');
    if s.is_empty() {
        return Ok(None);
    }
    let number = |t: &str| -> Option<usize> {
        if t.is_empty() || t.len() > 7 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    if let Some(n) = number(s) {
        return Ok(Some(Length { n, scale: None }));
    }
    for sep in [',', '.'] {
        if let Some((a, b)) = s.split_once(sep)
            && let (Some(n), Some(sc)) = (number(a), number(b))
        {
            return Ok(Some(Length { n, scale: Some(sc) }));
        }
    }
    if let Some((a, b)) = s.split_once('(')
        && let Some(b) = b.strip_suffix(')')
        && let (Some(n), Some(sc)) = (number(a), number(b))
    {
        return Ok(Some(Length { n, scale: Some(sc) }));
    }
    Err(format!("length {cell:?} is not a number"))
}

/// The largest count read from a type cell (`X(n)`, `9(n)`); the layout's width limit is
/// far lower, so anything larger is not a type.
const MAX_DIGITS: usize = 10_000_000;

/// A type cell taken apart: `S9(13)V99` is signed, base `9`, 13 digits, scale 2.
#[derive(Debug, Default, PartialEq, Eq)]
struct Pic {
    signed: bool,
    base: String,
    n: Option<usize>,
    scale: Option<usize>,
    mult: Option<usize>,
    /// Written with `V` (COBOL's implied point).
    v: bool,
}

/// `9(13)` or `999` at the start of `s`: the count and the rest.
fn nines(s: &str, letter: char) -> Option<(usize, &str)> {
    let t = s.strip_prefix(letter)?;
    if let Some(rest) = t.strip_prefix('(') {
        let (n, rest) = rest.split_once(')')?;
        return Some((n.parse().ok().filter(|&n: &usize| n <= MAX_DIGITS)?, rest));
    }
    let extra = t.chars().take_while(|&c| c == letter).count();
    Some((1 + extra, &t[extra * letter.len_utf8()..]))
}

fn parse_pic(cell: &str) -> Option<Pic> {
    let mut s: String = cell
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    for p in ["PICTURE", "PIC"] {
        if let Some(t) = s.strip_prefix(p) {
            s = t.to_owned();
        }
    }
    let mut pic = Pic::default();
    // COBOL pictures: S9(13)V99, 9(5)V9(2), 99V99, XXX, 999.
    let body = s.strip_prefix('S').filter(|t| t.starts_with('9'));
    if let Some(t) = body.or(Some(s.as_str()).filter(|t| t.starts_with('9')))
        && let Some((i, rest)) = nines(t, '9')
    {
        pic.signed = body.is_some();
        pic.base = "9".into();
        if rest.is_empty() {
            // A lone `9` (or `S9`) names the type; its length is in the length column.
            pic.n = (t != "9").then_some(i);
            return Some(pic);
        }
        let rest = rest.strip_prefix('V')?;
        let (sc, rest) = nines(rest, '9')?;
        if !rest.is_empty() {
            return None;
        }
        pic.n = Some(i + sc);
        pic.scale = Some(sc);
        pic.v = true;
        return Some(pic);
    }
    if s.len() > 1 && s.bytes().all(|b| b == b'X') {
        pic.base = "X".into();
        pic.n = Some(s.len());
        return Some(pic);
    }
    let (base, args) = match s.split_once('(') {
        Some((b, rest)) => (b.to_owned(), Some(rest.strip_suffix(')')?.to_owned())),
        None => (s.clone(), None),
    };
    pic.base = base;
    if let Some(args) = args {
        let num = |t: &str| t.parse::<usize>().ok().filter(|&n| n <= MAX_DIGITS);
        if let Some((a, b)) = args.split_once(',') {
            pic.n = Some(num(a)?);
            pic.scale = Some(num(b)?);
        } else if let Some((a, b)) = args.split_once('*') {
            pic.mult = Some(num(a)?);
            pic.n = Some(num(b)?);
        } else {
            pic.n = Some(num(&args)?);
        }
    }
    Some(pic)
}

/// The class of a spelling (`NUMBER` is a number), `None` when the import does not know it.
pub fn class_of(base: &str) -> Option<Class> {
    SPELLINGS
        .iter()
        .find(|(_, names)| names.contains(&base))
        .map(|(c, _)| *c)
}

/// True when `text` is a layout type as the layout language writes it, exactly
/// (`X(10)`, `S9(13)`, `9(13)V9(2)`, `N(15,2)`, `B(4)`).
fn exact_layout_type(text: &str) -> bool {
    let t = text.trim();
    let Some(pic) = parse_pic(t) else {
        return false;
    };
    if t != t.to_uppercase() || t.contains(char::is_whitespace) && !t.contains(", ") {
        return false;
    }
    if pic.v && !t.contains("V9(") {
        return false;
    }
    let paren = t.contains('(') || t == "9";
    paren
        && pic.mult.is_none()
        && match pic.base.as_str() {
            "X" | "AN" | "G" | "B" => !pic.signed && pic.scale.is_none(),
            "9" => !t.starts_with('+'),
            "N" | "SN" => !pic.v,
            _ => false,
        }
}

/// The sign convention a signed number's remarks name, if any.
fn sign_in(remarks: &str) -> Option<&'static str> {
    let r = remarks.to_lowercase();
    if r.contains("trailing") || r.contains("후행") {
        Some("trailing")
    } else if r.contains("overpunch") || r.contains("zoned") || r.contains("존") {
        Some("overpunch")
    } else if r.contains("leading") || r.contains("선행") {
        Some("leading")
    } else {
        None
    }
}

/// A date or time pattern written alone in the remarks (`YYYYMMDD`, `hhmmss`).
fn temporal_in(remarks: &str) -> Option<(Class, &'static str, usize)> {
    let r: String = remarks.trim().to_uppercase();
    Some(match r.as_str() {
        "YYYYMMDD" => (Class::Date, "date", 8),
        "YYMMDD" => (Class::Date, "date(\"YYMMDD\")", 6),
        "HHMMSS" => (Class::Time, "time", 6),
        "HHMM" => (Class::Time, "time(\"hhmm\")", 4),
        "YYYYMMDDHHMMSS" => (Class::DateTime, "datetime", 14),
        _ => return None,
    })
}

/// The layout type of a field from its type cell, its length cell (already read by
/// [`parse_length`]) and its remarks. Doubts come back beside the result, each naming
/// the cell it is about; `Err` when no width can be found at all.
pub fn resolve(
    type_cell: &str,
    length: Option<Length>,
    length_bad: bool,
    remarks: &str,
) -> (Option<Resolved>, Vec<(Cell, String)>) {
    let mut doubts = Vec::new();
    let type_text = type_cell.trim();
    // Written exactly as the layout would: keep it, check the length against it.
    if exact_layout_type(type_text)
        && let Some(pic) = parse_pic(type_text)
        && let Some(n) = pic.n
    {
        let signed = pic.signed || pic.base == "SN";
        let width = n + usize::from(signed);
        let matches = length.is_none_or(|l| {
            (l.n == width || signed && l.n == n) && l.scale.is_none_or(|s| Some(s) == pic.scale)
        });
        if matches {
            let mut attrs = Vec::new();
            if signed {
                let sign = sign_in(remarks);
                let sign = match (sign, length) {
                    (Some(s), _) => s,
                    (None, Some(l)) if l.n == n => "overpunch",
                    _ => "leading",
                };
                attrs.push(format!("sign {sign}"));
            }
            let width = if attrs.iter().any(|a| a == "sign overpunch") {
                n
            } else {
                width
            };
            return (
                Some(Resolved {
                    ty: type_text.to_owned(),
                    width,
                    attrs,
                    repeat: None,
                }),
                doubts,
            );
        }
    }
    let pic = if type_text.is_empty() {
        None
    } else {
        match parse_pic(type_text) {
            Some(p) => Some(p),
            None => {
                doubts.push((
                    Cell::Type,
                    format!("type {type_text:?} is not one the import knows"),
                ));
                None
            }
        }
    };
    let mut class = match &pic {
        None => None,
        Some(p) => {
            let base = if p.signed {
                format!("S{}", p.base)
            } else {
                p.base.clone()
            };
            match class_of(&base) {
                Some(c) => Some(c),
                None => {
                    doubts.push((
                        Cell::Type,
                        format!("type {type_text:?} is not one the import knows"),
                    ));
                    None
                }
            }
        }
    };
    let temporal = temporal_in(remarks);
    if class.is_none() && !type_text.is_empty() {
        // Unknown: text of the given length, which is what a spec's odd spelling
        // most often means; the doubt says so.
        if let Some((_, msg)) = doubts.last_mut() {
            msg.push_str(": written as X(n)");
        }
        class = Some(Class::Text);
    }
    if type_text.is_empty() {
        if length.is_some() {
            doubts.push((Cell::Type, "type is empty: written as X(n)".into()));
        }
        class = Some(Class::Text);
    }
    let class = class.unwrap_or(Class::Text);
    let pic = pic.unwrap_or_default();
    let type_n = pic.n;
    let scale = pic.scale.or(length.and_then(|l| l.scale)).unwrap_or(0);
    let mult = pic.mult;
    let sign = sign_in(remarks);
    let sign_bytes = usize::from(class == Class::Signed && sign != Some("overpunch"));
    // The width of one element: the length cell rules, the type's own count is checked.
    let from_type = type_n.map(|n| match class {
        Class::Signed => n + sign_bytes,
        _ => n,
    });
    let width = match (length, from_type) {
        (Some(l), Some(t)) => {
            let l_el = match mult {
                Some(m) if m > 0 && Some(l.n) == t.checked_mul(m) => t,
                _ => l.n,
            };
            if l_el != t {
                doubts.push((
                    Cell::Length,
                    format!(
                        "the type {type_text:?} is {t} bytes, the length says {}: used {}",
                        l.n, l_el
                    ),
                ));
            }
            l_el
        }
        (Some(l), None) => l.n,
        (None, Some(t)) => t,
        (None, None) => {
            if !length_bad {
                doubts.push((Cell::Length, "length is empty".into()));
            }
            return (None, doubts);
        }
    };
    if width == 0 {
        doubts.push((Cell::Length, "length is 0".into()));
        return (None, doubts);
    }
    let mut attrs = Vec::new();
    let digits = |w: usize| w.saturating_sub(sign_bytes);
    let ty = match class {
        Class::Text | Class::TextAn => {
            let spelled = if class == Class::TextAn { "AN" } else { "X" };
            if let Some((_, attr, w)) = temporal
                && w == width
            {
                attrs.push(attr.to_owned());
            }
            format!("{spelled}({width})")
        }
        Class::Graphic => {
            if width % 2 != 0 {
                doubts.push((
                    Cell::Length,
                    format!("double-byte text of {width} bytes is odd: written as X({width})"),
                ));
                format!("X({width})")
            } else {
                format!("G({width})")
            }
        }
        Class::Bytes => format!("B({width})"),
        Class::Number | Class::NumberN | Class::Signed => {
            let d = digits(width);
            if scale > d || d == 0 {
                doubts.push((
                    Cell::Length,
                    format!("a scale of {scale} does not fit {d} digits: written as X({width})"),
                ));
                format!("X({width})")
            } else {
                let s = if class == Class::Signed { "S" } else { "" };
                let n_spelling = class == Class::NumberN
                    || pic.base == "SN"
                    || (pic.scale.is_some() && !pic.v)
                    || length.and_then(|l| l.scale).is_some() && !pic.v;
                let t = if scale == 0 {
                    if n_spelling && class != Class::Number {
                        format!("{s}N({d})")
                    } else {
                        format!("{s}9({d})")
                    }
                } else if n_spelling {
                    format!("{s}N({d},{scale})")
                } else {
                    format!("{s}9({})V9({scale})", d - scale)
                };
                if class == Class::Signed {
                    let sign_word = sign.unwrap_or("leading");
                    if sign.is_none() {
                        doubts.push((
                            Cell::Type,
                            "a signed number without a sign convention: assumed a leading \
                             sign byte (say trailing or overpunch in the remarks otherwise)"
                                .into(),
                        ));
                    }
                    attrs.push(format!("sign {sign_word}"));
                } else if scale == 0
                    && let Some((_, attr, w)) = temporal
                    && w == width
                {
                    attrs.push(attr.to_owned());
                }
                t
            }
        }
        Class::Date | Class::Time | Class::DateTime => {
            let attr = match (class, width) {
                (Class::Date, 8) => Some("date"),
                (Class::Date, 6) => Some("date(\"YYMMDD\")"),
                (Class::Time, 6) => Some("time"),
                (Class::Time, 4) => Some("time(\"hhmm\")"),
                (Class::DateTime, 14) => Some("datetime"),
                (Class::DateTime, 12) => Some("datetime(\"YYMMDDhhmm\")"),
                _ => None,
            };
            match attr {
                Some(a) => attrs.push(a.to_owned()),
                None => doubts.push((
                    Cell::Type,
                    format!(
                        "{type_text:?} of {width} bytes has no known pattern: written as digits"
                    ),
                )),
            }
            format!("9({width})")
        }
    };
    let width = if ty.starts_with('S') && sign == Some("overpunch") {
        digits(width)
    } else {
        width
    };
    (
        Some(Resolved {
            ty,
            width,
            attrs,
            repeat: mult,
        }),
        doubts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(ty: &str, len: &str, remarks: &str) -> (String, Vec<String>) {
        let (length, bad) = match parse_length(len) {
            Ok(l) => (l, false),
            Err(_) => (None, true),
        };
        let (res, doubts) = resolve(ty, length, bad, remarks);
        let text = res.map_or_else(
            || "-".to_owned(),
            |r| {
                let mut s = format!("{} w={}", r.ty, r.width);
                for a in r.attrs {
                    s.push(' ');
                    s.push_str(&a);
                }
                if let Some(m) = r.repeat {
                    s.push_str(&format!(" x{m}"));
                }
                s
            },
        );
        (text, doubts.into_iter().map(|(_, d)| d).collect())
    }

    /// One spelling a line: type cell, length cell, remarks, the layout type, doubts.
    #[test]
    fn spellings() {
        let cases: &[(&str, &str, &str, &str, usize)] = &[
            ("AN", "10", "", "AN(10) w=10", 0),
            ("A", "10", "", "X(10) w=10", 0),
            ("X", "10", "", "X(10) w=10", 0),
            ("C", "3", "", "X(3) w=3", 0),
            ("CHAR", "3", "", "X(3) w=3", 0),
            ("char(3)", "", "", "X(3) w=3", 0),
            ("X(10)", "10", "", "X(10) w=10", 0),
            ("XXX", "", "", "X(3) w=3", 0),
            ("X(3*35)", "105", "", "X(35) w=35 x3", 0),
            ("N", "5", "", "N(5) w=5", 0),
            ("9", "5", "", "9(5) w=5", 0),
            ("NUM", "5", "", "9(5) w=5", 0),
            ("NUMBER", "5", "", "9(5) w=5", 0),
            ("숫자", "5", "", "9(5) w=5", 0),
            ("N(15,2)", "15", "", "N(15,2) w=15", 0),
            ("NUMBER(15,2)", "15", "", "N(15,2) w=15", 0),
            ("9(13)V99", "15", "", "9(13)V9(2) w=15", 0),
            ("9(13)V9(2)", "15", "", "9(13)V9(2) w=15", 0),
            ("N", "15,2", "", "N(15,2) w=15", 0),
            ("H", "20", "", "G(20) w=20", 0),
            ("한글", "20", "", "G(20) w=20", 0),
            ("G", "20", "", "G(20) w=20", 0),
            ("K", "20", "", "G(20) w=20", 0),
            ("HAN", "20", "", "G(20) w=20", 0),
            ("H", "21", "", "X(21) w=21", 1),
            ("S9", "14", "선행부호", "S9(13) w=14 sign leading", 0),
            ("SN", "14", "trailing", "SN(13) w=14 sign trailing", 0),
            ("S9", "13", "overpunch", "S9(13) w=13 sign overpunch", 0),
            ("S9", "14", "", "S9(13) w=14 sign leading", 1),
            ("S9(13)", "14", "", "S9(13) w=14 sign leading", 0),
            (
                "S9(13)V99",
                "16",
                "leading",
                "S9(13)V9(2) w=16 sign leading",
                0,
            ),
            ("B", "4", "", "B(4) w=4", 0),
            ("BINARY", "4", "", "B(4) w=4", 0),
            ("DATE", "8", "", "9(8) w=8 date", 0),
            ("DATE", "6", "", "9(6) w=6 date(\"YYMMDD\")", 0),
            ("TIME", "6", "", "9(6) w=6 time", 0),
            ("9", "8", "YYYYMMDD", "9(8) w=8 date", 0),
            ("X", "8", "YYYYMMDD", "X(8) w=8 date", 0),
            ("", "4", "", "X(4) w=4", 1),
            ("Q", "3", "", "X(3) w=3", 1),
            ("X(10)", "12", "", "X(12) w=12", 1),
            ("X", "1O", "", "-", 0),
            ("X", "", "", "-", 1),
            ("N", "3,5", "", "X(3) w=3", 1),
        ];
        for &(ty, len, remarks, want, n_doubts) in cases {
            let (got, doubts) = r(ty, len, remarks);
            assert_eq!(got, want, "{ty:?} {len:?} {remarks:?}");
            assert_eq!(doubts.len(), n_doubts, "{ty:?} {len:?}: {doubts:?}");
        }
    }

    #[test]
    fn lengths() {
        assert_eq!(
            parse_length("12").expect("a length"),
            Some(Length { n: 12, scale: None })
        );
        assert_eq!(
            parse_length(" 15,2 ").expect("a length"),
            Some(Length {
                n: 15,
                scale: Some(2)
            })
        );
        assert_eq!(
            parse_length("15(2)").expect("a length"),
            Some(Length {
                n: 15,
                scale: Some(2)
            })
        );
        assert_eq!(
            parse_length("20 bytes").expect("a length"),
            Some(Length { n: 20, scale: None })
        );
        assert_eq!(parse_length("").expect("a length"), None);
        assert_eq!(
            parse_length("1O").expect_err("an error"),
            "length \"1O\" is not a number"
        );
        assert!(parse_length("99999999999").is_err());
    }
}
