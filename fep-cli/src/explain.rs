//! `fep explain`: a telegram field by field, for a person reading a hex dump: offset,
//! length, path, description, raw bytes (hex and text) and the decoded value. On a bad
//! telegram: every field that decoded, the failing one highlighted with its error, then
//! the bytes that were not decoded.

use std::io::{self, BufWriter, Write};

use clap::ArgMatches;
use fep_core::capture::CaptureEvent;
use fep_core::{Explanation, Frame};

use crate::args::{ColorChoice, ExplainArgs};
use crate::capture;
use crate::failure::{self, DATA, Failure, print_error, print_note};
use crate::input::{self, Telegrams};
use crate::render;
use crate::style::Style;

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
    let width = match args.width {
        Some(0) => None,
        Some(w) => Some(w),
        None => crate::style::terminal_width(),
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut code = 0u8;
    let mut shown = 0usize;
    for src in &sources {
        let label = src.label();
        let (reader, is_capture) = match capture::open_source(src) {
            Ok((r, _, is)) => (r, is),
            Err(f) => {
                out.flush().map_err(Failure::output)?;
                f.print(color);
                code = code.max(f.code());
                continue;
            }
        };
        if is_capture {
            let before = shown;
            let reader = match capture::open(&schema, reader, &label, &args.filters) {
                Ok(r) => r,
                Err(f) => {
                    out.flush().map_err(Failure::output)?;
                    f.print(color);
                    code = code.max(f.code());
                    continue;
                }
            };
            for event in reader {
                match event {
                    Ok(CaptureEvent::Telegram(t)) => {
                        let x = match &args.message {
                            Some(name) => match schema.explain_as(name, &t.frame.telegram) {
                                Ok(x) => x,
                                Err(e) => return Err(Failure::core(&e, &label, Style::plain())),
                            },
                            None => schema.explain(&t.frame.telegram),
                        };
                        if x.error.is_some() {
                            code = code.max(DATA);
                        }
                        if shown > 0 {
                            writeln!(out).map_err(Failure::output)?;
                        }
                        shown += 1;
                        let stream =
                            format!("the {} > {} stream of {label} ({})", t.src(), t.dst(), t.ts);
                        write(&mut out, x, &t.frame, &stream, args, width, style)
                            .map_err(Failure::output)?;
                    }
                    Ok(CaptureEvent::Gap(g)) => {
                        out.flush().map_err(Failure::output)?;
                        print_note(&format!("{label}: {g}"), color);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        out.flush().map_err(Failure::output)?;
                        code = code.max(failure::exit_code(&e));
                        print_error(&format!("{label}: {e}"), color);
                    }
                }
            }
            if shown == before {
                out.flush().map_err(Failure::output)?;
                print_note(&format!("{label} holds no telegram"), color);
            }
            continue;
        }
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
                    write(&mut out, x, &frame, &label, args, width, style)
                        .map_err(Failure::output)?;
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
                    // What the refused frame holds, field by field, up to where it ends.
                    if let Some(frame) = &fe.rejected {
                        let x = match &args.message {
                            Some(name) => schema.explain_as(name, &frame.telegram),
                            None => Ok(schema.explain(&frame.telegram)),
                        };
                        let x = x.map_err(|e| Failure::core(&e, &label, Style::plain()))?;
                        if shown > 0 {
                            writeln!(out).map_err(Failure::output)?;
                        }
                        shown += 1;
                        write(&mut out, x, frame, &label, args, width, style)
                            .map_err(Failure::output)?;
                        out.flush().map_err(Failure::output)?;
                    }
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

/// Prints the core's text of an explanation, coloured by `style`: the same table Python
/// prints, with where the telegram came from in the heading. The error of a framed input
/// says which frame and where in its telegram, as `decode` says it.
fn write(
    out: &mut impl Write,
    mut x: Explanation<'_, '_>,
    frame: &Frame,
    label: &str,
    args: &ExplainArgs,
    width: Option<usize>,
    style: Style,
) -> io::Result<()> {
    if !args.input.no_frame {
        x.error = x.error.map(|e| e.in_frame(frame.offset));
    }
    let whence = render::whence(frame, label);
    let mut text = x.text();
    if let Some(w) = width {
        text = text.width(w);
    }
    let text = text
        .reveal(args.reveal)
        .origin(&whence)
        .reveal_hint("--reveal shows them")
        .render_with(|tone, line| style.tone(tone, line));
    out.write_all(text.as_bytes())
}
