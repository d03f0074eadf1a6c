//! `fep explain`: a telegram field by field, for a person reading a hex dump: offset,
//! length, path, description, raw bytes (hex and text) and the decoded value. On a bad
//! telegram: every field that decoded, the failing one highlighted with its error, then
//! the bytes that were not decoded.

use std::io::{self, BufWriter, Write};
use std::ops::Range;

use clap::ArgMatches;
use fep_core::{Explanation, FieldPath, Frame, MessageInfo, Schema, Sensitivity};

use crate::args::{ColorChoice, ExplainArgs};
use crate::failure::{self, DATA, Failure, print_error, print_note};
use crate::input::{self, Telegrams};
use crate::render;
use crate::style::Style;
use crate::table::{Align, Row, Table};

/// Bytes a row of hex shows.
const ROW_BYTES: usize = 16;

pub fn run(
    args: &ExplainArgs,
    matches: Option<&ArgMatches>,
    color: ColorChoice,
) -> Result<(), Failure> {
    let schema = crate::check::load(&args.layout, color)?;
    if let Some(name) = &args.message {
        crate::check::require_message(&schema, name)?;
    }
    let sources = input::sources(&args.input, matches)?;
    let style = Style::stdout(color);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut code = 0u8;
    let mut shown = 0usize;
    for src in &sources {
        let label = src.label();
        let (reader, _) = match src.open() {
            Ok(r) => r,
            Err(f) => {
                out.flush().map_err(Failure::output)?;
                f.print(color);
                code = code.max(f.code());
                continue;
            }
        };
        let (before, mut failed) = (shown, false);
        for item in Telegrams::new(&schema, reader, args.input.no_frame) {
            match item {
                Ok(frame) => {
                    let x = match &args.message {
                        Some(name) => match schema.explain_as(name, &frame.telegram) {
                            Ok(x) => x,
                            Err(e) => return Err(Failure::core(&e, &label, Style::plain())),
                        },
                        None => schema.explain(&frame.telegram),
                    };
                    if x.error.is_some() {
                        code = code.max(DATA);
                    }
                    if shown > 0 {
                        writeln!(out).map_err(Failure::output)?;
                    }
                    shown += 1;
                    let view = View {
                        schema: &schema,
                        frame: &frame,
                        label: &label,
                        reveal: args.reveal,
                        style,
                    };
                    view.write(&mut out, &x).map_err(Failure::output)?;
                }
                Err(fe) => {
                    out.flush().map_err(Failure::output)?;
                    failed = true;
                    code = code.max(failure::exit_code(&fe.error));
                    let mut text = format!("{label}: {}", fe.error);
                    if let Some(hint) = input::bare_hint(&fe.error, args.input.no_frame) {
                        text.push_str(hint);
                    }
                    print_error(&text, color);
                }
            }
        }
        if shown == before && !failed {
            out.flush().map_err(Failure::output)?;
            print_note(&format!("{label} holds no telegram"), color);
        }
    }
    out.flush().map_err(Failure::output)?;
    match code {
        0 => Ok(()),
        c => Err(Failure::reported(c)),
    }
}

struct View<'v> {
    schema: &'v Schema,
    frame: &'v Frame,
    label: &'v str,
    reveal: bool,
    style: Style,
}

impl View<'_> {
    fn write(&self, out: &mut impl Write, x: &Explanation<'_, '_>) -> io::Result<()> {
        let telegram = &self.frame.telegram[..];
        let style = self.style;
        let whence = render::whence(self.frame, self.label);
        let name = x.message.unwrap_or("no message matches");
        writeln!(
            out,
            "{} ({} bytes, {whence})",
            style.bold(name),
            telegram.len()
        )?;
        if !x.fields.is_empty() {
            writeln!(out)?;
            self.table(out, x)?;
        }
        if let Some(e) = &x.error {
            writeln!(out)?;
            writeln!(out, "{} {e}", style.error("error:"))?;
            if self.frame.telegram_offset > 0 {
                writeln!(
                    out,
                    "{}",
                    style.dim(&format!(
                        "  (offsets count from the start of the telegram, byte {} of the input)",
                        self.frame.telegram_offset
                    ))
                )?;
            }
        }
        if x.rest < telegram.len() {
            writeln!(out)?;
            self.rest(out, x)?;
        }
        Ok(())
    }

    fn table(&self, out: &mut impl Write, x: &Explanation<'_, '_>) -> io::Result<()> {
        let mut t = Table::new(&[
            ("offset", Align::Right),
            ("length", Align::Right),
            ("path", Align::Left),
            ("description", Align::Left),
            ("hex", Align::Left),
            ("text", Align::Left),
            ("value", Align::Left),
        ]);
        for f in &x.fields {
            let hidden = f.raw_hidden(self.reveal);
            let chunks: Vec<&[u8]> = if hidden || f.raw.is_empty() {
                vec![&[][..]]
            } else {
                f.raw.chunks(ROW_BYTES).collect()
            };
            let (hex, text) = if hidden {
                let what = match f.sensitivity {
                    Sensitivity::Secret => "(secret)",
                    _ => "(mask)",
                };
                (what.to_owned(), String::new())
            } else {
                (render::hex_spaced(chunks[0]), render::printable(chunks[0]))
            };
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
            let mut row = Row::new(vec![
                f.offset.to_string(),
                f.length.to_string(),
                f.path.clone(),
                description,
                hex,
                text,
                value,
            ]);
            if f.filler {
                row.code = self.style.dim_code();
            }
            if f.error.is_some() {
                row.code = self.style.error_code();
            }
            let mut rows = vec![row];
            for c in chunks.iter().skip(1) {
                let mut cont = Row::new(vec![
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    render::hex_spaced(c),
                    render::printable(c),
                    String::new(),
                ]);
                cont.code = rows[0].code;
                rows.push(cont);
            }
            if let Some(e) = &f.error {
                // The error goes under the field's last row.
                let mut note = format!("  >> {}: {e}", f.path);
                if f.raw.len() < f.length {
                    note.push_str(&format!(
                        " (the telegram ends {} bytes into this field)",
                        f.raw.len()
                    ));
                }
                if let Some(last) = rows.last_mut() {
                    last.notes.push(note);
                }
            }
            for r in rows {
                t.push(r);
            }
        }
        t.write(out, self.style)
    }

    /// The bytes after the last explained field, with `mask`/`secret` fields hidden.
    fn rest(&self, out: &mut impl Write, x: &Explanation<'_, '_>) -> io::Result<()> {
        let telegram = &self.frame.telegram[..];
        let n = telegram.len() - x.rest;
        writeln!(
            out,
            "not decoded: bytes {}..{} ({n} byte{})",
            x.rest,
            telegram.len(),
            if n == 1 { "" } else { "s" }
        )?;
        let hidden = if self.reveal {
            Vec::new()
        } else {
            match x.message.and_then(|m| self.schema.message(m)) {
                Some(m) => hidden_ranges(std::iter::once(m), telegram.len()),
                // No message matched: hide what is sensitive in any of them.
                None => hidden_ranges(self.schema.messages(), telegram.len()),
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
                    text.push_str(&render::printable(&[b]));
                }
            }
            t.push(Row::new(vec![at.to_string(), hex.join(" "), text]));
            at = end;
        }
        t.write(out, self.style)?;
        if any_hidden {
            writeln!(
                out,
                "{}",
                self.style
                    .dim("  (** marks bytes of mask and secret fields; --reveal shows them)")
            )?;
        }
        Ok(())
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
