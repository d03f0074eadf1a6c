//! Plain-text tables whose columns line up on a terminal: the layout (widths, alignment,
//! the two spaces between columns) is decided here; colour, if any, is the caller's, applied
//! to whole lines after padding so that it cannot shift a column.

use std::fmt;

use super::width::display_width;

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// What a line of text is, for a caller that colours it: headings strong, filler dim,
/// errors red. Plain text ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Tone {
    /// Ordinary text.
    #[default]
    Plain,
    /// A heading: the header row, a message name.
    Strong,
    /// Secondary: filler, hints.
    Dim,
    /// An error: the failing field, the `error:` label.
    Error,
}

/// A row: its cells, its tone, and lines printed below it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// Cells, as plain text.
    pub cells: Vec<String>,
    /// The tone of the row and of its notes.
    pub tone: Tone,
    /// Lines printed under the row, not aligned to the columns.
    pub notes: Vec<String>,
}

impl Row {
    /// A row of plain cells.
    pub fn new(cells: Vec<String>) -> Row {
        Row {
            cells,
            ..Row::default()
        }
    }

    /// The row in this tone.
    pub fn tone(mut self, tone: Tone) -> Row {
        self.tone = tone;
        self
    }
}

/// A table with a header row. Columns are as wide as their widest cell by
/// [`display_width`](super::display_width), two spaces apart; trailing spaces are left off
/// every line.
///
/// # Example
/// ```
/// use fep_core::text::{Align, Row, Table};
///
/// let mut t = Table::new(&[("offset", Align::Right), ("name", Align::Left)]);
/// t.push(Row::new(vec!["0".into(), "홍길동".into()]));
/// t.push(Row::new(vec!["12".into(), "KIM".into()]));
/// assert_eq!(t.to_string(), "offset  name\n     0  홍길동\n    12  KIM\n");
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Row>,
    indent: usize,
}

impl Table {
    /// A table with these columns.
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            headers: columns.iter().map(|c| c.0.to_owned()).collect(),
            align: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
            indent: 0,
        }
    }

    /// Indents every line by `n` spaces.
    pub fn indent(mut self, n: usize) -> Table {
        self.indent = n;
        self
    }

    /// Adds a row. Cells past the last column are ignored; missing ones are empty.
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// The rows so far.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The terminal cells the widest line of cells takes (notes not counted): the header
    /// and every row, columns two spaces apart, with the indent.
    pub fn width(&self) -> usize {
        let widths = self.widths();
        let gaps = 2 * widths.len().saturating_sub(1);
        self.indent + widths.iter().sum::<usize>() + gaps
    }

    /// The cells each column takes: its widest cell or header.
    pub fn column_widths(&self) -> Vec<usize> {
        self.widths()
    }

    /// The table as text, each line (its newline left out) passed through `style` with its
    /// tone: the header row [`Tone::Strong`], a row and its notes in the row's tone.
    /// Every line ends in a newline.
    pub fn render_with(&self, style: impl Fn(Tone, &str) -> String) -> String {
        let widths = self.widths();
        let mut out = String::new();
        let mut put = |tone: Tone, line: &str| {
            out.push_str(&style(tone, line));
            out.push('\n');
        };
        put(Tone::Strong, &self.line(&self.headers, &widths));
        for r in &self.rows {
            put(r.tone, &self.line(&r.cells, &widths));
            for note in &r.notes {
                put(r.tone, note);
            }
        }
        out
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| display_width(h)).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(&r.cells) {
                *w = (*w).max(display_width(c));
            }
        }
        widths
    }

    fn line(&self, cells: &[String], widths: &[usize]) -> String {
        let mut s = " ".repeat(self.indent);
        for (i, w) in widths.iter().enumerate() {
            let c = cells.get(i).map_or("", String::as_str);
            let pad = " ".repeat(w.saturating_sub(display_width(c)));
            if i > 0 {
                s.push_str("  ");
            }
            match self.align[i] {
                Align::Left => {
                    s.push_str(c);
                    s.push_str(&pad);
                }
                Align::Right => {
                    s.push_str(&pad);
                    s.push_str(c);
                }
            }
        }
        s.truncate(s.trim_end().len());
        s
    }
}

/// The table as plain text.
impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_with(|_, line| line.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::{Align, Row, Table, Tone};

    #[test]
    fn columns_line_up_by_display_width() {
        let mut t = Table::new(&[
            ("n", Align::Right),
            ("name", Align::Left),
            ("x", Align::Left),
        ])
        .indent(2);
        t.push(Row::new(vec!["1".into(), "ＡＢ".into(), "y".into()]));
        t.push(Row::new(vec!["10".into(), "a".into()]).tone(Tone::Dim));
        assert_eq!(t.to_string(), "   n  name  x\n   1  ＡＢ  y\n  10  a\n");
    }

    #[test]
    fn the_width_is_the_widest_line() {
        let mut t = Table::new(&[("n", Align::Right), ("name", Align::Left)]).indent(1);
        t.push(Row::new(vec!["10".into(), "홍길동".into()]));
        assert_eq!(t.width(), 1 + 2 + 2 + 6);
        assert_eq!(t.column_widths(), [2, 6]);
        assert!(
            t.to_string()
                .lines()
                .all(|l| super::display_width(l) <= t.width())
        );
    }

    #[test]
    fn a_style_sees_each_line_with_its_tone() {
        let mut t = Table::new(&[("a", Align::Left)]);
        let mut row = Row::new(vec!["x".into()]).tone(Tone::Error);
        row.notes.push("  >> x: bad".into());
        t.push(row);
        let out = t.render_with(|tone, line| format!("{tone:?}[{line}]"));
        assert_eq!(out, "Strong[a]\nError[x]\nError[  >> x: bad]\n");
    }
}
