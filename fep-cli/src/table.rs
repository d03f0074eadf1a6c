//! Plain-text tables whose columns line up on a terminal, Hangul (two cells wide) included.

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::style::Style;

/// Terminal cells a string takes.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Terminal cells a character takes (control characters count one: they are shown escaped).
pub fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(1)
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A row: its cells, an optional ANSI style for the whole row, and lines printed below it.
#[derive(Debug, Default)]
pub struct Row {
    /// Cells, as plain text (styles are applied after padding).
    pub cells: Vec<String>,
    /// A raw ANSI code for the row (see [`Style::error_code`]).
    pub code: Option<&'static str>,
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
}

/// A table with a header row.
#[derive(Debug)]
pub struct Table {
    headers: Vec<&'static str>,
    align: Vec<Align>,
    rows: Vec<Row>,
    indent: usize,
}

impl Table {
    /// A table with these columns.
    pub fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            headers: columns.iter().map(|c| c.0).collect(),
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

    /// Adds a row.
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// Writes the table; trailing spaces are left off every line.
    pub fn write(&self, out: &mut impl Write, style: Style) -> io::Result<()> {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.cells.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(c));
            }
        }
        let header: Vec<String> = self.headers.iter().map(|h| (*h).to_owned()).collect();
        let line = self.line(&header, &widths);
        writeln!(out, "{}", style.bold(&line))?;
        for r in &self.rows {
            let line = self.line(&r.cells, &widths);
            writeln!(out, "{}", Style::with_code(r.code, &line))?;
            for note in &r.notes {
                writeln!(out, "{}", Style::with_code(r.code, note))?;
            }
        }
        Ok(())
    }

    fn line(&self, cells: &[String], widths: &[usize]) -> String {
        let mut s = " ".repeat(self.indent);
        for (i, w) in widths.iter().enumerate() {
            let c = cells.get(i).map_or("", String::as_str);
            let pad = w.saturating_sub(width(c));
            if i > 0 {
                s.push_str("  ");
            }
            match self.align[i] {
                Align::Left => {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                }
                Align::Right => {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                }
            }
        }
        s.truncate(s.trim_end().len());
        s
    }
}
