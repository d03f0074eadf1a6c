//! `fep decode`: framed telegrams from files, standard input or hex dumps, to pretty JSON,
//! JSON lines or a table.

use std::io::{self, BufWriter, Write};

use clap::ArgMatches;
use fep_core::text::{Align, Row, Table, cut, display_width};
use fep_core::{Frame, Message, Schema};

use crate::args::{ColorChoice, DecodeArgs, Format};
use crate::failure::{self, Failure, print_error, print_note};
use crate::input::{self, Telegrams};
use crate::render;
use crate::style::Style;

pub fn run(
    args: &DecodeArgs,
    matches: Option<&ArgMatches>,
    color: ColorChoice,
) -> Result<(), Failure> {
    let schema = crate::check::load(&args.layout, color)?;
    let sources = input::sources(&args.input, matches)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut emit = Emitter {
        format: args.format,
        reveal: args.reveal,
        style: Style::stdout(color),
        width: crate::style::terminal_width(),
        count: 0,
    };
    let mut stats = Stats::default();
    let keep_going = args.keep_going;
    for src in &sources {
        let label = src.label();
        let reader = match src.open() {
            Ok((r, _)) => r,
            Err(f) => {
                stats.fail(f.code());
                if !keep_going {
                    emit.finish(&mut out)?;
                    flush(&mut out)?;
                    return Err(f);
                }
                flush(&mut out)?;
                f.print(color);
                continue;
            }
        };
        let (before, errors_before) = (stats.telegrams, stats.errors);
        for item in Telegrams::new(&schema, reader, args.input.no_frame) {
            let problem = match item {
                Ok(frame) => match schema.decode(&frame.telegram) {
                    Ok(msg) => {
                        emit.push(&mut out, &schema, &frame, &msg, &label)?;
                        stats.telegrams += 1;
                        continue;
                    }
                    Err(e) => {
                        let e = e.shift_offset(frame.telegram_offset as usize);
                        stats.fail(failure::exit_code(&e));
                        format!("{label}: telegram at byte {}: {e}", frame.offset)
                    }
                },
                Err(fe) => {
                    stats.fail(failure::exit_code(&fe.error));
                    let mut text = format!("{label}: {}", fe.error);
                    if let Some(hint) = input::bare_hint(&fe.error, args.input.no_frame) {
                        text.push_str(hint);
                    } else if fe.fatal && keep_going && fe.error.offset().is_some() {
                        text.push_str(&format!(
                            "\n  the telegrams after it cannot be found; the rest of {label} is skipped"
                        ));
                    }
                    text
                }
            };
            if !keep_going {
                // What decoded before the bad telegram is still output.
                emit.finish(&mut out)?;
                flush(&mut out)?;
                return Err(Failure::data(problem).with_code(stats.code));
            }
            flush(&mut out)?;
            print_error(&problem, color);
        }
        if stats.telegrams == before && stats.errors == errors_before {
            flush(&mut out)?;
            print_note(&format!("{label} holds no telegram"), color);
        }
    }
    emit.finish(&mut out)?;
    flush(&mut out)?;
    if keep_going {
        let errors = stats.errors;
        let summary = format!(
            "{} telegram{} decoded, {} error{}",
            render::count(stats.telegrams),
            plural(stats.telegrams),
            render::count(errors),
            plural(errors),
        );
        let _ = writeln!(io::stderr().lock(), "{summary}");
    }
    match stats.code {
        0 => Ok(()),
        code => Err(Failure::reported(code)),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn flush(out: &mut impl Write) -> Result<(), Failure> {
    out.flush().map_err(Failure::output)
}

/// Counts, and the exit code so far (the worst one).
#[derive(Debug, Default)]
struct Stats {
    telegrams: u64,
    errors: u64,
    code: u8,
}

impl Stats {
    fn fail(&mut self, code: u8) {
        self.errors += 1;
        self.code = self.code.max(code);
    }
}

/// Writes decoded telegrams in the chosen format, the same whatever their number: pretty
/// JSON is always one array (written as the telegrams come, so memory stays flat), JSON
/// lines always a line a telegram. Every entry and line carries its source and the offset
/// of its frame there.
struct Emitter {
    format: Format,
    reveal: bool,
    style: Style,
    /// The terminal's width, for tables.
    width: Option<usize>,
    count: u64,
}

/// The narrowest a cut value gets in a table, in cells.
const MIN_VALUE: usize = 12;

impl Emitter {
    fn push(
        &mut self,
        out: &mut impl Write,
        schema: &Schema,
        frame: &Frame,
        msg: &Message<'_>,
        label: &str,
    ) -> Result<(), Failure> {
        self.count += 1;
        let r = match self.format {
            Format::Table => self.table(out, schema, frame, msg, label),
            Format::Jsonl => writeln!(
                out,
                "{}",
                render::jsonl(msg, label, frame.offset, self.reveal)
            ),
            Format::Json => {
                let entry = render::pretty_with_source(msg, label, frame.offset, self.reveal);
                let open = if self.count == 1 { "[\n" } else { ",\n" };
                write!(out, "{open}{}", indent(&entry))
            }
        };
        r.map_err(Failure::output)
    }

    /// Closes the output (the JSON array); called once, at the end or before an error.
    fn finish(&mut self, out: &mut impl Write) -> Result<(), Failure> {
        let r = match self.format {
            Format::Json if self.count == 0 => writeln!(out, "[]"),
            Format::Json => writeln!(out, "\n]"),
            _ => Ok(()),
        };
        r.map_err(Failure::output)
    }

    fn table(
        &self,
        out: &mut impl Write,
        schema: &Schema,
        frame: &Frame,
        msg: &Message<'_>,
        label: &str,
    ) -> io::Result<()> {
        if self.count > 1 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "{} ({} bytes, {})",
            self.style.bold(msg.name()),
            frame.telegram.len(),
            render::whence(frame, label)
        )?;
        // The explanation is the decoder itself with a trace: it cannot disagree with `msg`.
        let x = schema.explain(&frame.telegram);
        let mut t = Table::new(&[
            ("field", Align::Left),
            ("value", Align::Left),
            ("description", Align::Left),
        ]);
        let rows: Vec<[String; 3]> = x
            .fields
            .iter()
            .filter(|f| !f.filler)
            .map(|f| {
                [
                    f.path.clone(),
                    f.value_text(self.reveal),
                    f.description.unwrap_or("").to_owned(),
                ]
            })
            .collect();
        // On a terminal narrower than the table, long values are cut to fit.
        let value_cells = self.width.and_then(|w| {
            let widest = |i: usize| rows.iter().map(|r| display_width(&r[i])).max().unwrap_or(0);
            let (path, value, desc) = (widest(0).max(5), widest(1).max(5), widest(2).max(11));
            (path + value + desc + 4 > w).then(|| w.saturating_sub(path + desc + 4).max(MIN_VALUE))
        });
        for [path, value, description] in rows {
            let value = match value_cells {
                Some(cells) => cut(&value, cells),
                None => value,
            };
            t.push(Row::new(vec![path, value, description]));
        }
        let style = self.style;
        out.write_all(
            t.render_with(|tone, line| style.tone(tone, line))
                .as_bytes(),
        )
    }
}

/// Indents every line by two spaces, as serde_json's pretty arrays do.
fn indent(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
    lines.join("\n")
}
