//! `schema.explain(data)`: the core's field-by-field explanation as a text table, for
//! reading a telegram from a log in a notebook. `mask` and `secret` fields are hidden, raw
//! bytes included.

use fep_core::Explanation;

/// Raw bytes longer than this are cut in the table: as text, and as hex.
const MAX_RAW: usize = 24;
const MAX_RAW_HEX: usize = 12;
/// Values longer than this (in characters) are cut in the table.
const MAX_VALUE: usize = 32;

pub(crate) fn render(x: &Explanation<'_, '_>, telegram_len: usize) -> String {
    let mut rows: Vec<[String; 7]> = vec![[
        "offset".into(),
        "len".into(),
        "field".into(),
        "type".into(),
        "raw".into(),
        "value".into(),
        "description".into(),
    ]];
    for f in &x.fields {
        let raw = if f.raw_hidden(false) {
            "(hidden)".to_owned()
        } else {
            raw_text(f.raw)
        };
        let value = match (&f.error, f.filler) {
            (Some(e), _) => format!("error: {e}"),
            (None, true) => "(filler)".to_owned(),
            (None, false) => cut(&f.value_text(false)),
        };
        rows.push([
            f.offset.to_string(),
            f.length.to_string(),
            if f.filler {
                "_".to_owned()
            } else {
                f.path.clone()
            },
            f.type_text.to_owned(),
            raw,
            value,
            f.description.unwrap_or("").to_owned(),
        ]);
    }
    let mut widths = [0usize; 7];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = String::new();
    match x.message {
        Some(m) => out.push_str(&format!("message {m}, {telegram_len} bytes\n")),
        None => out.push_str(&format!("{telegram_len} bytes\n")),
    }
    // No table when dispatch found no message: the error says why.
    let rows = if x.fields.is_empty() {
        &rows[..0]
    } else {
        &rows[..]
    };
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i] - width(cell);
            if i < 2 {
                // Numbers right-aligned.
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if i + 1 < row.len() {
                    line.push_str(&" ".repeat(pad));
                }
            }
            if i + 1 < row.len() {
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if let Some(e) = &x.error {
        out.push_str(&format!("error: {e}\n"));
        if x.rest < telegram_len {
            out.push_str(&format!("bytes {}..{telegram_len} not explained\n", x.rest));
        }
    }
    out
}

fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_VALUE {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(MAX_VALUE).collect();
    out.push_str("...");
    out
}

/// Raw bytes for a person: quoted when printable ASCII, hex otherwise; cut when long.
fn raw_text(raw: &[u8]) -> String {
    if raw.iter().all(|b| (0x20..0x7f).contains(b)) {
        let shown = &raw[..raw.len().min(MAX_RAW)];
        let more = if raw.len() > MAX_RAW { "..." } else { "" };
        format!("\"{}{more}\"", String::from_utf8_lossy(shown))
    } else {
        let shown = &raw[..raw.len().min(MAX_RAW_HEX)];
        let more = if raw.len() > MAX_RAW_HEX { "..." } else { "" };
        let hex: Vec<String> = shown.iter().map(|b| format!("{b:02X}")).collect();
        format!("[{}{more}]", hex.join(" "))
    }
}

/// Columns a cell takes in a terminal: Hangul, CJK and full-width forms take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            let wide = matches!(c,
                0x1100..=0x115F
                | 0x2E80..=0x303E
                | 0x3041..=0x33FF
                | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF
                | 0xA000..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6);
            if wide { 2 } else { 1 }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("홍길동"), 6);
        assert_eq!(width("ＫＩＭ"), 6);
    }

    #[test]
    fn raw() {
        assert_eq!(raw_text(b"2000"), "\"2000\"");
        assert_eq!(raw_text(&[0xC8, 0xAB]), "[C8 AB]");
        assert_eq!(raw_text(&[b' '; 30]), format!("\"{}...\"", " ".repeat(24)));
    }
}
