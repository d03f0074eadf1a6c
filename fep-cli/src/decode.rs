//! `fep decode`: framed telegrams from files, standard input or hex dumps, to pretty JSON,
//! JSON lines or a table.

use std::io::{self, BufWriter, Write};

use clap::ArgMatches;
use fep_core::text::{Align, Row, Table};
use fep_core::{Frame, Message, Schema};

use crate::args::{ColorChoice, DecodeArgs, Format};
use crate::batch::Checks;
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
        first: None,
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
                Ok(frame) => match schema.decode(&frame.telegram) {
                    Ok(msg) => {
                        let failed = checks.record(frame.offset, &msg);
                        if failed.is_empty() {
                            emit.push(&mut out, &schema, &frame, &msg, &label)?;
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
                        let e = e.shift_offset(frame.telegram_offset as usize);
                        stats.fail(failure::exit_code(&e));
                        format!("{label}: telegram at byte {}: {e}", frame.offset)
                    }
                },
                Err(fe) => {
                    checks.unreadable(fe.error.offset().map_or(0, |o| o as u64));
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

/// Writes decoded telegrams in the chosen format. Pretty JSON and the default format wait
/// for the second telegram to know whether to write one object or many.
struct Emitter {
    format: Option<Format>,
    reveal: bool,
    style: Style,
    /// The first telegram, as pretty JSON and as a JSON line, until a second one comes.
    first: Option<(String, String)>,
    count: u64,
}

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
            Some(Format::Table) => self.table(out, schema, frame, msg, label),
            Some(Format::Jsonl) => {
                writeln!(out, "{}", render::jsonl(msg, frame.offset, self.reveal))
            }
            Some(Format::Json) => {
                let pretty = render::pretty(msg, self.reveal);
                if self.count == 1 {
                    self.first = Some((pretty, String::new()));
                    Ok(())
                } else {
                    let mut r = Ok(());
                    if let Some((first, _)) = self.first.take() {
                        r = write!(out, "[\n{}", indent(&first));
                    }
                    r.and_then(|()| write!(out, ",\n{}", indent(&pretty)))
                }
            }
            None => {
                let line = render::jsonl(msg, frame.offset, self.reveal);
                if self.count == 1 {
                    self.first = Some((render::pretty(msg, self.reveal), line));
                    Ok(())
                } else {
                    let mut r = Ok(());
                    if let Some((_, first)) = self.first.take() {
                        r = writeln!(out, "{first}");
                    }
                    r.and_then(|()| writeln!(out, "{line}"))
                }
            }
        };
        r.map_err(Failure::output)
    }

    fn finish(&mut self, out: &mut impl Write) -> Result<(), Failure> {
        let r = match (self.format, self.first.take()) {
            (Some(Format::Json) | None, Some((pretty, _))) => writeln!(out, "{pretty}"),
            (Some(Format::Json), None) if self.count > 1 => writeln!(out, "\n]"),
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
        for f in x.fields.iter().filter(|f| !f.filler) {
            t.push(Row::new(vec![
                f.path.clone(),
                f.value_text(self.reveal),
                f.description.unwrap_or("").to_owned(),
            ]));
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
