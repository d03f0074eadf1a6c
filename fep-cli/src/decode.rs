//! `fep decode`: framed telegrams from files, standard input or hex dumps, to pretty JSON,
//! JSON lines or a table.

use std::io::{self, BufWriter, Write};

use clap::ArgMatches;
use fep_core::text::{Align, Row, Table, cut, display_width};
use fep_core::{Frame, Message, Schema};

use fep_core::capture::{CaptureEvent, CapturedTelegram};

use crate::args::{ColorChoice, DecodeArgs, Format};
use crate::batch::Checks;
use crate::capture;
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
    if let Some(name) = &args.message {
        crate::check::require_message(&schema, name)?;
    }
    let sources = input::sources(&args.input, matches)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut emit = Emitter {
        color,
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
        let (reader, is_capture) = match capture::open_source(src) {
            Ok((r, _, is)) => (r, is),
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
        if is_capture {
            let before = stats.telegrams;
            let go_on = decode_capture(
                &schema, reader, args, &label, &mut emit, &mut out, &mut stats,
            )?;
            if !go_on {
                emit.finish(&mut out)?;
                flush(&mut out)?;
                return Err(Failure::reported(stats.code));
            }
            if stats.telegrams == before {
                flush(&mut out)?;
                print_note(&format!("{label} holds no telegram"), color);
            }
            continue;
        }
        let (before, errors_before) = (stats.telegrams, stats.errors);
        // A file is checked as a batch file; a hex dump or a bare telegram is one telegram.
        let batch_file = matches!(src, input::Source::File(_) | input::Source::Stdin);
        let mut checks = Checks::new(
            &schema,
            args.no_checks || args.input.no_frame || !batch_file,
        );
        let mut items = Telegrams::new(&schema, reader, args.input.no_frame);
        loop {
            let Some(item) = items.next() else {
                // The end of the input: a batch left without its trailer.
                let Some(e) = checks.finish().into_iter().next() else {
                    break;
                };
                stats.fail(failure::DATA);
                let problem = format!("{label}: {e}");
                if !keep_going {
                    emit.finish(&mut out)?;
                    flush(&mut out)?;
                    return Err(Failure::data(problem).with_code(stats.code));
                }
                flush(&mut out)?;
                print_error(&problem, color);
                break;
            };
            let problem = match item {
                Ok(frame) => match match &args.message {
                    Some(name) => schema.decode_message(name, &frame.telegram),
                    None => schema.decode(&frame.telegram),
                } {
                    Ok(msg) => {
                        let failed = checks.record(frame.offset, &msg);
                        if failed.is_empty() {
                            emit.push(&mut out, &schema, &frame, &msg, &label, None)?;
                            stats.telegrams += 1;
                            continue;
                        }
                        stats.fail(failure::DATA);
                        let lines: Vec<String> =
                            failed.iter().map(|e| format!("{label}: {e}")).collect();
                        lines.join("\nerror: ")
                    }
                    Err(e) => {
                        checks.unreadable(frame.offset);
                        // A framed input's errors say which frame; a bare one has none.
                        let e = if args.input.no_frame {
                            e
                        } else {
                            e.in_frame(frame.offset)
                        };
                        stats.fail(failure::exit_code(&e));
                        format!("{label}: {e}")
                    }
                },
                Err(fe) => {
                    checks.unreadable(
                        fe.error
                            .frame_offset()
                            .or(fe.error.offset())
                            .map_or(0, |o| o as u64),
                    );
                    stats.fail(failure::exit_code(&fe.error));
                    let mut text = format!("{label}: {}", fe.error);
                    if let Some(hint) = input::bare_hint(&fe.error, args.input.no_frame) {
                        text.push_str(hint);
                    } else if fe.rejected.is_some() {
                        text.push_str("\n  fep explain shows what the frame holds, field by field");
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

/// The telegrams of a capture file, each with its capture object; gaps are notes, bad
/// telegrams errors. False when the command must stop (an error without --keep-going).
fn decode_capture(
    schema: &Schema,
    reader: Box<dyn std::io::Read>,
    args: &DecodeArgs,
    label: &str,
    emit: &mut Emitter,
    out: &mut impl Write,
    stats: &mut Stats,
) -> Result<bool, Failure> {
    let color = emit.color;
    let reader = match capture::open(schema, reader, label, &args.filters) {
        Ok(r) => r,
        Err(f) => {
            stats.fail(f.code());
            flush(out)?;
            f.print(color);
            return Ok(args.keep_going);
        }
    };
    for event in reader {
        let problem = match event {
            Ok(CaptureEvent::Telegram(t)) => match schema.decode(&t.frame.telegram) {
                Ok(msg) => {
                    emit.push(out, schema, &t.frame, &msg, label, Some(&t))?;
                    stats.telegrams += 1;
                    continue;
                }
                Err(e) => {
                    stats.fail(failure::exit_code(&e));
                    format!(
                        "{label}: {} > {} at {}, stream byte {}: {e}",
                        t.src(),
                        t.dst(),
                        t.ts,
                        t.frame.telegram_offset
                    )
                }
            },
            Ok(CaptureEvent::Gap(g)) => {
                flush(out)?;
                print_note(&format!("{label}: {g}"), color);
                continue;
            }
            Ok(_) => continue,
            Err(e) => {
                stats.fail(failure::exit_code(&e));
                format!("{label}: {e}")
            }
        };
        flush(out)?;
        print_error(&problem, color);
        if !args.keep_going {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A JSON object's text with one more member at its end.
fn with_member(object: &str, member: &str) -> String {
    match object.rfind('}') {
        Some(i) => {
            let (head, tail) = object.split_at(i);
            let pretty = head.ends_with('\n');
            if pretty {
                format!("{},\n  {member}\n{tail}", head.trim_end())
            } else {
                format!("{head},{member}{tail}")
            }
        }
        None => object.to_owned(),
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
    color: ColorChoice,
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
        captured: Option<&CapturedTelegram>,
    ) -> Result<(), Failure> {
        self.count += 1;
        let member = captured.map(|t| format!("\"capture\":{}", capture::json(t)));
        let r = match self.format {
            Format::Table => {
                let label = match captured {
                    Some(t) => {
                        format!("the {} > {} stream of {label} ({})", t.src(), t.dst(), t.ts)
                    }
                    None => label.to_owned(),
                };
                self.table(out, schema, frame, msg, &label)
            }
            Format::Jsonl => {
                let line = render::jsonl(msg, label, frame.offset, self.reveal);
                match &member {
                    Some(m) => writeln!(out, "{}", with_member(&line, m)),
                    None => writeln!(out, "{line}"),
                }
            }
            Format::Json => {
                let entry = render::pretty_with_source(msg, label, frame.offset, self.reveal);
                let entry = match &member {
                    Some(m) => with_member(&entry, &m.replacen(':', ": ", 1)),
                    None => entry,
                };
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
        // As the message it decoded as (which `--message` may have chosen).
        let x = schema
            .explain_as(msg.name(), &frame.telegram)
            .unwrap_or_else(|_| schema.explain(&frame.telegram));
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
