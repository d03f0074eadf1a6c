//! Positions in the layout's source: spans to file:line:col, with the line's text, for every
//! layout error; and the limits on what a layout may be.

use std::sync::Arc;

use super::ast::Span;
use crate::error::{Error, ErrorKind, LayoutPosition, Position, Result};

/// Limits on what a layout may declare; see `docs/layout-language.md`.
pub const MAX_LAYOUT_BYTES: usize = 4 << 20;
/// The most fields a compiled layout may have (record references expanded).
pub const MAX_FIELDS: usize = 100_000;
/// The deepest nesting of records and groups.
pub const MAX_DEPTH: usize = 32;
/// The most text (paths, names, descriptions) the expanded field table may hold: a record
/// used many times with long names cannot make compiling a small file cost gigabytes.
pub const MAX_TABLE_TEXT: usize = 32 << 20;
/// The largest repeat bound (`[N]`, `max=N`, `slots=N`).
pub const MAX_REPEAT: usize = 100_000;
/// The most `check` statements one layout may hold.
pub const MAX_CHECKS: usize = 256;
/// The widest field, and the longest message.
pub const MAX_WIDTH: usize = 16 << 20;

pub(crate) fn check_size(len: usize) -> Result<()> {
    if len > MAX_LAYOUT_BYTES {
        return Err(Error::new(
            ErrorKind::LayoutLimit(format!(
                "the layout is {len} bytes; the limit is {MAX_LAYOUT_BYTES}"
            )),
            Position::None,
        ));
    }
    Ok(())
}

/// The error for a layout file that is not UTF-8: `before` is the text up to the bad byte.
pub(crate) fn not_utf8(before: &str, file: Arc<str>) -> Error {
    let cx = Src {
        src: before,
        file: Some(file),
    };
    cx.err_at(
        before.len(),
        0,
        ErrorKind::Syntax("the layout is not UTF-8 text here (save it as UTF-8)".into()),
    )
}

/// The source, for turning spans into line and column.
pub(crate) struct Src<'s> {
    pub src: &'s str,
    pub file: Option<Arc<str>>,
}

impl Src<'_> {
    pub fn err_at(&self, offset: usize, len: usize, kind: ErrorKind) -> Error {
        let offset = offset.min(self.src.len());
        let before = &self.src[..offset];
        // Lines end with LF, CRLF or a lone CR.
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let line = before.matches('\n').count() as u32
            + before
                .match_indices('\r')
                .filter(|(i, _)| self.src.as_bytes().get(i + 1) != Some(&b'\n'))
                .count() as u32
            + 1;
        let column = before[line_start..].chars().count() as u32 + 1;
        let line_end = self.src[offset..]
            .find(['\n', '\r'])
            .map_or(self.src.len(), |i| offset + i);
        let end = (offset + len).min(line_end);
        let snippet = self.src.get(offset..end).unwrap_or("").to_owned();
        Error::new(
            kind,
            Position::Layout(LayoutPosition {
                file: self.file.clone(),
                line,
                column,
                snippet,
                line_text: self.src[line_start..line_end].to_owned(),
            }),
        )
    }

    pub fn err(&self, span: Span, kind: ErrorKind) -> Error {
        self.err_at(span.start, span.end.saturating_sub(span.start), kind)
    }

    pub fn line(&self, span: Span) -> u32 {
        self.src[..span.start.min(self.src.len())]
            .matches('\n')
            .count() as u32
            + 1
    }

    pub fn text(&self, span: Span) -> &str {
        self.src.get(span.start..span.end).unwrap_or("")
    }
}
