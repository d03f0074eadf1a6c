//! `fep convert --to parquet`: captures to one Parquet dataset per message, in Hive-style
//! folders (`OUT/message=NAME/part-00000.parquet`), typed from the layout by `fep_arrow`.
//! Several inputs go into the same datasets, one after the other. A packet capture (pcap,
//! pcapng) adds its columns `ts`, `src`, `dst`, `direction` before the fields
//! (null for the rows of a file of telegrams converted with it), typed as in Python's
//! `decode_arrow` (`fep_arrow::capture`).
//!
//! Memory stays flat: telegrams are read in chunks, and each message's rows go to its file
//! one bounded row group at a time (`--row-group-rows`, and at most 64 MiB of telegrams).

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use clap::{Args, ValueEnum};
use fep_arrow::Masking;
use fep_arrow::parquet::{Codec, Dataset, Options};
use fep_core::capture::Whence;

use crate::args::{ColorChoice, ConvertArgs};
use crate::batch::{self, Checks, Rejects};
use crate::capture::{self, Feed};
use crate::convert::Progress;
use crate::failure::{self, Failure, print_error};
use crate::input::{self, Telegrams};
use crate::render;

/// Options of Parquet output.
#[derive(Debug, Clone, Args)]
pub struct ParquetArgs {
    /// Parquet: the page compression
    #[arg(long, value_enum, default_value_t = CodecArg::Zstd, value_name = "CODEC")]
    pub compression: CodecArg,

    /// Parquet: rows per row group, at most (memory grows with it)
    #[arg(long, default_value_t = 131_072, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=16_777_216))]
    pub row_group_rows: u64,

    /// Parquet: min/max statistics for text and bytes columns too (numbers, dates and
    /// times always carry them); for a layout that keeps values rising with the capture
    /// in text, such as a date as X(8). Costs about half of the conversion's speed
    #[arg(long)]
    pub text_statistics: bool,
}

/// Parquet page compressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CodecArg {
    /// zstd at level 1 (the parquet crate's default, its fastest level): small files, fast to
    /// write and read.
    Zstd,
    /// Snappy, for older readers.
    Snappy,
    /// No compression.
    None,
}

pub fn run(args: &ConvertArgs, color: ColorChoice) -> Result<(), Failure> {
    let schema = crate::check::load(&args.layout, color)?;
    if args.output == Path::new("-") {
        return Err(Failure::usage(
            "Parquet goes to a folder, one dataset per message: give -o DIR",
        ));
    }
    if args.output.is_file() {
        return Err(Failure::usage(format!(
            "{}: is a file; Parquet goes to a folder, one dataset per message",
            args.output.display()
        )));
    }
    let sources = input::files(&args.inputs)?;
    // Every input is opened before the output is created: a missing one is a usage error
    // that leaves no folder behind. Captures (pcap, pcapng) are told by their first bytes.
    let mut opened = Vec::with_capacity(sources.len());
    let mut captures = Vec::with_capacity(sources.len());
    for src in &sources {
        let (reader, size, is_capture) = capture::open_source(src)?;
        opened.push((src.label(), reader, size));
        captures.push(is_capture);
    }
    let any_capture = captures.iter().any(|&c| c);
    if args.filters.any() && !any_capture {
        return Err(Failure::usage(
            "--port and --host filter captures (pcap, pcapng); no input is one",
        ));
    }
    let total_size: Option<u64> = opened.iter().map(|(_, _, size)| *size).sum();
    let options = Options {
        codec: match args.parquet.compression {
            CodecArg::Zstd => Codec::Zstd,
            CodecArg::Snappy => Codec::Snappy,
            CodecArg::None => Codec::None,
        },
        row_group_rows: usize::try_from(args.parquet.row_group_rows).unwrap_or(usize::MAX),
        masking: if args.reveal {
            Masking::Reveal
        } else {
            Masking::Hide
        },
        text_statistics: args.parquet.text_statistics,
        // A capture's rows say when, between whom and which way, in columns of their own.
        capture: any_capture,
        ..Options::default()
    };
    let out_failure = |label: &str, e: fep_arrow::Error| match e {
        fep_arrow::Error::Io(e) => Failure::usage(format!("cannot write the output: {e}")),
        e => Failure::data(format!("{label}: {e}")),
    };
    let out_label = args.output.display().to_string();
    let mut dataset =
        Dataset::create(&args.output, &schema, options).map_err(|e| out_failure(&out_label, e))?;

    let start = Instant::now();
    let mut progress =
        (!args.quiet && io::stderr().is_terminal()).then(|| Progress::new(total_size));
    let (mut total, mut errors, mut code) = (0u64, 0u64, 0u8);
    let mut rejects = match &args.rejects {
        Some(path) => Some(Rejects::create(&schema, path)?),
        None => None,
    };
    let mut rejected = 0u64;
    // With several inputs, a rejected telegram's index entry says which one it is from.
    let several = opened.len() > 1;
    // Bytes of the inputs before the one being read.
    let mut done_bytes = 0u64;
    let report = |text: String, progress: &Option<Progress>| match progress {
        Some(p) => p.bar.suspend(|| print_error(&text, color)),
        None => print_error(&text, color),
    };
    'inputs: for ((label, reader, _), is_capture) in opened.into_iter().zip(captures) {
        let mut telegrams = if is_capture {
            let r = capture::open(&schema, reader, &label, &args.filters)?;
            Feed::Capture(Box::new(r), None, label.clone(), color)
        } else {
            Feed::Framed(Telegrams::new(&schema, reader, false))
        };
        // Each file is checked as a batch file of its own; a capture interleaves
        // connections, so its records are not one batch.
        let mut checks = Checks::new(&schema, args.no_checks || is_capture);
        let why = |e: &str| {
            if several {
                format!("{label}: {e}")
            } else {
                e.to_owned()
            }
        };
        let mut stopped = false;
        while let Some(item) = telegrams.next() {
            let problem = match item {
                Ok(frame) => {
                    match decode(&schema, &mut dataset, &frame.telegram, &telegrams, &checks)
                        .map_err(|e| e.map_err(|e| out_failure(&label, e)))
                    {
                        // Decoded straight into the columns.
                        Ok(None) => {
                            total += 1;
                            None
                        }
                        Err(Err(f)) => return Err(f),
                        Ok(Some(msg)) => {
                            let failed = checks.record(frame.offset, &msg);
                            if failed.is_empty() {
                                let whence = telegrams.captured().map(Whence::of);
                                dataset
                                    .push_captured(&msg, frame.telegram.len(), whence.as_ref())
                                    .map_err(|e| out_failure(&label, e))?;
                                total += 1;
                                None
                            } else {
                                // A record that fails a check is rejected whole, with every failure.
                                rejected += 1;
                                let (c, text) = batch::reject_failed_checks(
                                    &failed,
                                    &frame,
                                    &label,
                                    rejects.as_mut(),
                                    &why,
                                )?;
                                code = code.max(c);
                                Some(text)
                            }
                        }
                        Err(Ok(e)) => {
                            let (c, text) = batch::reject_undecoded(
                                e,
                                &frame,
                                &label,
                                &mut checks,
                                rejects.as_mut(),
                                &why,
                            )?;
                            code = code.max(c);
                            rejected += 1;
                            Some(text)
                        }
                    }
                }
                Err(fe) => {
                    let (c, text) =
                        batch::reject_unframed(&fe, &label, &mut checks, rejects.as_mut(), &why)?;
                    code = code.max(c);
                    rejected += 1;
                    Some(text)
                }
            };
            if let Some(text) = problem {
                errors += 1;
                report(text, &progress);
                if args.fail_fast {
                    stopped = true;
                    break;
                }
            }
            if let Some(p) = &mut progress {
                p.update(done_bytes + telegrams.bytes_read(), total);
            }
        }
        if !stopped {
            // The end of this input: a batch left without its trailer.
            for e in checks.finish() {
                errors += 1;
                code = code.max(failure::DATA);
                report(format!("{label}: {e}"), &progress);
                if args.fail_fast {
                    stopped = true;
                    break;
                }
            }
        }
        done_bytes += telegrams.bytes_read();
        if stopped {
            break 'inputs;
        }
    }
    let parts = dataset.finish().map_err(|e| out_failure(&out_label, e))?;
    if let Some(r) = &mut rejects {
        r.finish().map_err(Failure::output)?;
    }
    if let Some(p) = progress {
        p.bar.finish_and_clear();
    }
    if !args.quiet {
        let secs = start.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            (total as f64 / secs) as u64
        } else {
            0
        };
        let mut err = io::stderr().lock();
        let _ = writeln!(
            err,
            "converted {} telegram{} ({} bytes) to {} in {secs:.2} s, {} telegrams/s",
            render::count(total),
            if total == 1 { "" } else { "s" },
            render::count(done_bytes),
            args.output.display(),
            render::count(rate),
        );
        for part in &parts {
            let _ = writeln!(
                err,
                "  {:>12}  {}",
                render::count(part.rows),
                part.path.display()
            );
        }
        let _ = writeln!(err, "  {:>12}  errors", render::count(errors));
        if rejected > 0 || rejects.is_some() {
            let path = rejects.as_ref().map(|r| r.path().display().to_string());
            let _ = crate::batch::summary(&mut err, total, rejected, path.as_deref());
        }
    }
    match code {
        0 => Ok(()),
        c => Err(Failure::reported(c)),
    }
}

/// A telegram decoded: straight into its file's columns (`None`) when no check needs the
/// record and the message has no repeats, else into a message for the checks and the
/// columns. A telegram that does not decode is `Err(Ok(_))` (the same error either way),
/// a value that does not fit its column `Err(Err(_))`.
fn decode<'t>(
    schema: &fep_core::Schema,
    dataset: &mut Dataset<'_>,
    telegram: &'t [u8],
    feed: &Feed,
    checks: &Checks,
) -> Result<Option<fep_core::Message<'t>>, Result<fep_core::Error, fep_arrow::Error>> {
    if !checks.is_off() {
        return schema.decode(telegram).map(Some).map_err(Ok);
    }
    let info = schema.dispatch(telegram).map_err(Ok)?;
    let whence = feed.captured().map(Whence::of);
    match dataset.push_telegram_captured(&info, telegram, whence.as_ref()) {
        Some(Ok(())) => Ok(None),
        Some(Err(fep_arrow::Error::Core(e))) => Err(Ok(e)),
        Some(Err(e)) => Err(Err(e)),
        None => schema
            .decode_message(info.name(), telegram)
            .map(Some)
            .map_err(Ok),
    }
}
