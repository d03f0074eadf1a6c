//! An [`Explanation`] drawn as text: a heading, the field table, the error, and a hex dump
//! of the bytes that were not decoded, `mask` and `secret` fields hidden unless revealed.
//! The command line's `explain` and Python's `schema.explain` print exactly this.

use std::fmt::{self, Write as _};
use std::ops::Range;

use crate::path::FieldPath;
use crate::schema::info::MessageInfo;
use crate::text::{Align, Row, Table, Tone, cut, display_width};
use crate::value::Sensitivity;

use super::{ExplainedField, Explanation};

/// Bytes a row of hex shows.
const ROW_BYTES: usize = 16;

/// Where the raw bytes start on their own lines in the narrow table: under the length.
const NARROW_INDENT: usize = 8;

/// The narrowest a cut value or description gets, in cells.
const MIN_CELL: usize = 8;

/// An [`Explanation`] as text, with options; [`Display`](fmt::Display) gives the plain text,
/// [`ExplainText::render_with`] lets a terminal colour it. Made by [`Explanation::text`].
///
/// ```text
/// transfer (300 bytes)
///
/// offset  length  path               description       hex                                              text              value
///      0       9  header.system_id   식별코드          20 20 20 20 20 20 20 20 20                                         ""
///      9      12  header.company_id  업체번호          54 45 53 54 43 4F 30 30 30 31 20 20              TESTCO0001        "TESTCO0001"
/// ...
///    100      15  debit_acct         출금계좌번호      (mask)                                                             "*********4005"
///    115       8  password           통장비밀번호      (secret)                                                           "****"
/// ...
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ExplainText<'x, 's, 'a> {
    x: &'x Explanation<'s, 'a>,
    reveal: bool,
    origin: Option<&'x str>,
    input_offset: u64,
    reveal_hint: Option<&'x str>,
    width: Option<usize>,
}

impl<'s, 'a> Explanation<'s, 'a> {
    /// The explanation as plain text: the message and size, the field table (offset,
    /// length, path, description, raw bytes in hex and as text, value), the error under the
    /// failing field and after the table, and the bytes that were not decoded as a hex
    /// dump. `mask` and `secret` fields show neither bytes nor value unless `reveal`.
    ///
    /// # Example
    /// ```
    /// let schema = fep_core::Schema::parse(
    ///     "encoding euc-kr\nmessage m 12 {\n name X(6) \"성명\"\n pin X(4) secret \"비밀번호\"\n _ X(2)\n}\n",
    /// )?;
    /// let x = schema.explain(b"\xC8\xAB\xB1\xE6  4321  ");
    /// assert_eq!(x.to_text(false), "\
    /// m (12 bytes)
    ///
    /// offset  length  path  description  hex                text    value
    ///      0       6  name  성명         C8 AB B1 E6 20 20  ....    \"홍길\"
    ///      6       4  pin   비밀번호     (secret)                   \"****\"
    ///     10       2  _     (filler)     20 20
    /// ");
    /// assert!(x.to_text(true).contains("34 33 32 31        4321    \"4321\""));
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn to_text(&self, reveal: bool) -> String {
        self.text().reveal(reveal).to_string()
    }

    /// The explanation as text, with options (where the telegram came from, revealing
    /// sensitive fields, colour): see [`ExplainText`].
    ///
    /// # Example
    /// ```
    /// use fep_core::text::Tone;
    ///
    /// let schema = fep_core::Schema::parse("message m 5 {\n n 9(5) \"금액\"\n}\n")?;
    /// let x = schema.explain(b"12x45");
    /// let text = x.text().origin("line 7 of app.log").render_with(|tone, line| match tone {
    ///     Tone::Error => format!("!! {line}"),
    ///     _ => line.to_owned(),
    /// });
    /// assert!(text.starts_with("m (5 bytes, line 7 of app.log)\n"));
    /// assert!(text.contains("\n!!      0       5  n     금액         31 32 78 34 35  12x45\n"));
    /// assert!(text.ends_with("\n!! error: m.n (bytes 0..5): expected digits, found \"12x45\" (byte 2 of the field, 'x')\n"));
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn text(&self) -> ExplainText<'_, 's, 'a> {
        ExplainText {
            x: self,
            reveal: false,
            origin: None,
            input_offset: 0,
            reveal_hint: None,
            width: None,
        }
    }
}

impl<'x> ExplainText<'x, '_, '_> {
    /// Shows `mask` and `secret` fields as they are (hidden by default).
    pub fn reveal(mut self, reveal: bool) -> Self {
        self.reveal = reveal;
        self
    }

    /// Where the telegram came from, added to the heading: `transfer (300 bytes, ORIGIN)`.
    pub fn origin(mut self, origin: &'x str) -> Self {
        self.origin = Some(origin);
        self
    }

    /// The telegram's offset in its input (after a length prefix, say): when not 0, a note
    /// under the error says that its offsets count from the telegram's start.
    pub fn input_offset(mut self, offset: u64) -> Self {
        self.input_offset = offset;
        self
    }

    /// How to reveal hidden bytes, added to the note under the hex dump of the bytes not
    /// decoded: `(** marks bytes of mask and secret fields; HINT)`.
    pub fn reveal_hint(mut self, hint: &'x str) -> Self {
        self.reveal_hint = Some(hint);
        self
    }

    /// Fits the field table in `columns` terminal cells (an 80-column terminal, say). When
    /// the full table is wider, each field's raw bytes go on lines of their own under it
    /// (hex and text, 16 bytes a line on 80 columns, fewer on fewer) and a value or description too long for what is
    /// left is cut, ending in `...`. Without it, or when the full table fits, the table is
    /// the full one. Error sentences are not cut.
    ///
    /// # Example
    /// ```
    /// use fep_core::text::display_width;
    ///
    /// let schema = fep_core::Schema::parse(
    ///     "message m 20 {\n name X(20) \"가맹점명\"\n}\n",
    /// )?;
    /// let x = schema.explain(b"ABCDEFGHIJKLMNOPQRST");
    /// let text = x.text().width(60).to_string();
    /// assert!(text.lines().all(|l| display_width(l) <= 60), "{text}");
    /// assert_eq!(text, "\
    /// m (20 bytes)
    ///
    /// offset  length  path  description  value
    ///      0      20  name  가맹점명     \"ABCDEFGHIJKLMNOPQRST\"
    ///         41 42 43 44 45 46 47 48 49 4A 4B 4C  ABCDEFGHIJKL
    ///         4D 4E 4F 50 51 52 53 54              MNOPQRST
    /// ");
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn width(mut self, columns: usize) -> Self {
        self.width = Some(columns);
        self
    }

    /// The text, each line (without its newline) passed through `style` with its tone: the
    /// message name and table headers [`Tone::Strong`], filler rows [`Tone::Dim`], the
    /// failing field and the `error:` label [`Tone::Error`]. With a style that returns the
    /// line unchanged, this is the plain text.
    pub fn render_with(&self, style: impl Fn(Tone, &str) -> String) -> String {
        let x = self.x;
        let len = x.telegram.len();
        let mut out = String::new();
        let name = x.message.unwrap_or("no message matches");
        let _ = match self.origin {
            // Too wide for the terminal: where it came from on the lines below, each part
            // on its own line when one line is still too wide.
            Some(o)
                if self
                    .width
                    .is_some_and(|w| display_width(&format!("{name} ({len} bytes, {o})")) > w) =>
            {
                let _ = writeln!(out, "{} ({len} bytes)", style(Tone::Strong, name));
                let w = self.width.unwrap_or(usize::MAX);
                if display_width(o) + 2 <= w {
                    writeln!(out, "  {o}")
                } else {
                    o.split(", ").try_for_each(|part| writeln!(out, "  {part}"))
                }
            }
            Some(o) => writeln!(out, "{} ({len} bytes, {o})", style(Tone::Strong, name)),
            None => writeln!(out, "{} ({len} bytes)", style(Tone::Strong, name)),
        };
        if !x.fields.is_empty() {
            out.push('\n');
            let mut table = self.fields_table();
            if let Some(w) = self.width
                && table.width() > w
            {
                table = self.narrow_table(w);
            }
            out.push_str(&table.render_with(&style));
        }
        if let Some(e) = &x.error {
            let _ = writeln!(out, "\n{} {e}", style(Tone::Error, "error:"));
            if self.input_offset > 0 {
                let note = format!(
                    "  (offsets count from the start of the telegram, byte {} of the input)",
                    self.input_offset
                );
                let _ = writeln!(out, "{}", style(Tone::Dim, &note));
            }
        }
        if x.rest < len {
            out.push('\n');
            self.rest(&mut out, &style);
        }
        out
    }

    /// The field table alone: one row per field (more for fields over 16 bytes), the
    /// failing field's error under it.
    pub fn fields_table(&self) -> Table {
        let mut t = Table::new(&[
            ("offset", Align::Right),
            ("length", Align::Right),
            ("path", Align::Left),
            ("description", Align::Left),
            ("hex", Align::Left),
            ("text", Align::Left),
            ("value", Align::Left),
        ]);
        for f in &self.x.fields {
            for row in self.field_rows(f) {
                t.push(row);
            }
        }
        t
    }

    /// A field's description (or `(filler)`), its value (none when it failed) and the tone
    /// of its rows: the same in the full and the narrow table.
    fn cells(&self, f: &ExplainedField<'_, '_>) -> (String, String, Tone) {
        let description = match (f.description, f.filler) {
            (Some(d), _) => d.to_owned(),
            (None, true) => "(filler)".into(),
            (None, false) => String::new(),
        };
        let value = if f.error.is_some() {
            String::new()
        } else {
            f.value_text(self.reveal)
        };
        let tone = match (&f.error, f.filler) {
            (Some(_), _) => Tone::Error,
            (None, true) => Tone::Dim,
            (None, false) => Tone::Plain,
        };
        (description, value, tone)
    }

    fn field_rows(&self, f: &ExplainedField<'_, '_>) -> Vec<Row> {
        let raw = raw_lines(f, self.reveal, ROW_BYTES);
        let (hex, text) = raw.first().cloned().unwrap_or_default();
        let (description, value, tone) = self.cells(f);
        let first = vec![
            f.offset.to_string(),
            f.length.to_string(),
            f.path.clone(),
            description,
            hex,
            text,
            value,
        ];
        let mut rows = vec![Row::new(first).tone(tone)];
        for (hex, text) in raw.into_iter().skip(1) {
            let mut cells = vec![String::new(); 4];
            cells.extend([hex, text, String::new()]);
            rows.push(Row::new(cells).tone(tone));
        }
        if let (Some(note), Some(last)) = (error_note(f), rows.last_mut()) {
            // The error goes under the field's last row.
            last.notes.push(note);
        }
        rows
    }

    /// The field table for `columns` cells: offset, length, path, description and value,
    /// the raw bytes on lines of their own under each field, a value or description cut
    /// to what is left.
    fn narrow_table(&self, columns: usize) -> Table {
        let headers = [
            ("offset", Align::Right),
            ("length", Align::Right),
            ("path", Align::Left),
            ("description", Align::Left),
            ("value", Align::Left),
        ];
        // A byte takes four cells (hex, a space, its text) after the indent and the gap
        // between hex and text: 16 a line on 80 columns, fewer below.
        let per_line = (columns.saturating_sub(NARROW_INDENT + 1) / 4).clamp(4, ROW_BYTES);
        let mut t = Table::new(&headers);
        let mut raws = Vec::new();
        for f in &self.x.fields {
            let (description, value, tone) = self.cells(f);
            let cells = vec![
                f.offset.to_string(),
                f.length.to_string(),
                f.path.clone(),
                description,
                value,
            ];
            t.push(Row::new(cells).tone(tone));
            raws.push((raw_lines(f, self.reveal, per_line), error_note(f)));
        }
        // What is left after offset, length and path goes to the description and value,
        // the value first: it is what the reader came for.
        let w = t.column_widths();
        let fixed = w[0] + w[1] + w[2] + 2 * 4;
        let left = columns.saturating_sub(fixed);
        let description = w[3].min(left.saturating_sub(w[4].min(left / 2)).max(MIN_CELL));
        let value = left.saturating_sub(description).max(MIN_CELL);
        let mut out = Table::new(&headers);
        let hex_width = 3 * per_line - 1;
        for (mut row, (raw, note)) in t.rows().iter().cloned().zip(raws) {
            row.cells[3] = cut(&row.cells[3], description);
            row.cells[4] = cut(&row.cells[4], value);
            for (hex, text) in raw {
                let line = format!("{:NARROW_INDENT$}{hex:<hex_width$}  {text}", "");
                row.notes.push(line.trim_end().to_owned());
            }
            row.notes.extend(note);
            out.push(row);
        }
        out
    }

    /// The bytes after the last explained field, with `mask`/`secret` fields hidden.
    fn rest(&self, out: &mut String, style: &impl Fn(Tone, &str) -> String) {
        let x = self.x;
        let telegram = x.telegram;
        let n = telegram.len() - x.rest;
        let _ = writeln!(
            out,
            "not decoded: bytes {}..{} ({n} byte{})",
            x.rest,
            telegram.len(),
            if n == 1 { "" } else { "s" }
        );
        let hidden = if self.reveal {
            Vec::new()
        } else {
            match x.message.and_then(|m| x.schema.message(m)) {
                Some(m) => hidden_ranges(std::iter::once(m), telegram.len()),
                // No message matched: hide what is sensitive in any of them.
                None => hidden_ranges(x.schema.messages(), telegram.len()),
            }
        };
        let mut any_hidden = false;
        let mut t = Table::new(&[
            ("offset", Align::Right),
            ("hex", Align::Left),
            ("text", Align::Left),
        ]);
        let mut at = x.rest;
        while at < telegram.len() {
            let end = (at + ROW_BYTES).min(telegram.len());
            let mut hex = Vec::with_capacity(end - at);
            let mut text = String::with_capacity(end - at);
            for (i, &b) in telegram[at..end].iter().enumerate() {
                if hidden.iter().any(|r| r.contains(&(at + i))) {
                    any_hidden = true;
                    hex.push("**".to_owned());
                    text.push('*');
                } else {
                    hex.push(format!("{b:02X}"));
                    text.push_str(&printable(&[b]));
                }
            }
            t.push(Row::new(vec![at.to_string(), hex.join(" "), text]));
            at = end;
        }
        out.push_str(&t.render_with(style));
        if any_hidden {
            let note = match self.reveal_hint {
                Some(h) => format!("  (** marks bytes of mask and secret fields; {h})"),
                None => "  (** marks bytes of mask and secret fields)".to_owned(),
            };
            let _ = writeln!(out, "{}", style(Tone::Dim, &note));
        }
    }
}

/// The plain text.
impl fmt::Display for ExplainText<'_, '_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_with(|_, line| line.to_owned()))
    }
}

/// Where the `mask` and `secret` fields of these messages lie in a telegram of `len` bytes.
/// A field inside a repeat hides the whole repeat; a field whose place depends on a count
/// hides everything from the counted repeat on.
fn hidden_ranges<'s>(
    messages: impl Iterator<Item = MessageInfo<'s>>,
    len: usize,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for m in messages {
        let fields: Vec<_> = m.fields().collect();
        let variable_from = fields
            .iter()
            .find(|f| f.is_repeated() && f.total_width().is_none())
            .and_then(|f| f.offset())
            .unwrap_or(0);
        for f in fields
            .iter()
            .filter(|f| f.sensitivity() != Sensitivity::Plain)
        {
            // The outermost repeat the field is in, as the field table writes it (`items[]`).
            let outer = FieldPath::parse(f.path())
                .ok()
                .and_then(|p| p.repeat_prefix())
                .and_then(|p| fields.iter().find(|g| g.path() == p.as_str()))
                .unwrap_or(f);
            let range = match (outer.offset(), outer.total_width()) {
                (Some(o), Some(w)) => o..o + w,
                (Some(o), None) => o..len,
                (None, _) => variable_from..len,
            };
            out.push(range);
        }
    }
    out
}

/// A field's raw bytes as (hex, text) lines of `per_line` bytes; `(mask)` or `(secret)` when
/// hidden. More than a line of one value (a pad, a blank area) fold to one line with the count,
/// and so does a long filler (of a lenient layout), whose first 16 bytes are shown.
fn raw_lines(f: &ExplainedField<'_, '_>, reveal: bool, per_line: usize) -> Vec<(String, String)> {
    if f.raw_hidden(reveal) {
        let what = match f.sensitivity {
            Sensitivity::Secret => "(secret)",
            _ => "(mask)",
        };
        return vec![(what.to_owned(), String::new())];
    }
    let raw = f.raw;
    if raw.len() > per_line {
        let n = raw.len();
        if raw.iter().all(|&b| b == raw[0]) {
            return vec![(format!("{n} bytes of {:02X}", raw[0]), String::new())];
        }
        // A filler that fails shows every byte: they are the evidence.
        if f.filler && f.error.is_none() {
            let first = &raw[..per_line];
            return vec![(
                hex_spaced(first),
                format!("{} (+{} bytes)", printable(first), n - per_line),
            )];
        }
    }
    if raw.is_empty() {
        return vec![(String::new(), String::new())];
    }
    raw.chunks(per_line)
        .map(|c| (hex_spaced(c), printable(c)))
        .collect()
}

/// The line under a failing field: `  >> path: error`.
fn error_note(f: &ExplainedField<'_, '_>) -> Option<String> {
    let e = f.error.as_ref()?;
    let mut note = format!("  >> {}: {e}", f.path);
    if f.raw.len() < f.length {
        let _ = write!(
            note,
            " (the telegram ends {} bytes into this field)",
            f.raw.len()
        );
    }
    Some(note)
}

/// Uppercase hex, a space between bytes.
fn hex_spaced(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// The bytes as text, one character a byte: printable ASCII as is, anything else `.`
/// (as `xxd` shows them; the value column shows the Hangul).
fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{hex_spaced, printable};

    #[test]
    fn raw_bytes_as_hex_and_text() {
        assert_eq!(hex_spaced(b"\x00\xC8a"), "00 C8 61");
        assert_eq!(printable(b"a \xC8\x01~"), "a ..~");
    }
}
