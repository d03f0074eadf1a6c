//! Batch files: `fep check -l LAYOUT FILE...` validates files against the layout's `check`
//! statements; `Checks` runs them inside `decode` and `convert`; `Rejects` keeps every
//! telegram `convert` could not convert, byte for byte, with an index beside it.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use fep_core::{BatchChecker, Message, MessageReader, RejectWriter, Schema, rejects_index_path};

use crate::args::ColorChoice;
use crate::failure::{self, Failure};
use crate::input::Source;
use crate::render;

/// `fep check -l LAYOUT FILE...`: every failure of every file on standard output, a line
/// for each file, exit 1 when anything failed.
pub fn validate(layout: &Path, files: &[PathBuf], color: ColorChoice) -> Result<(), Failure> {
    let schema = crate::check::load(layout, color)?;
    if schema.checks().next().is_none() {
        crate::failure::print_note(
            &format!(
                "{} has no `check` statement: only the telegrams themselves are validated",
                layout.display()
            ),
            color,
        );
    }
    let files: Vec<PathBuf> = if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        files.to_vec()
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let mut code = 0u8;
    for path in &files {
        let source = if path == Path::new("-") {
            Source::Stdin
        } else {
            Source::File(path.clone())
        };
        let label = source.label();
        let (reader, _) = source.open()?;
        let mut records = 0u64;
        let mut failures = 0u64;
        for item in MessageReader::new(&schema, reader).keep_going(true) {
            match item {
                Ok(_) => records += 1,
                Err(e) => {
                    // A record may fail several checks: they carry its number.
                    match e.kind() {
                        fep_core::ErrorKind::CheckFailed { record, .. } => {
                            records = records.max(*record);
                        }
                        _ => records += 1,
                    }
                    failures += 1;
                    code = code.max(failure::exit_code(&e));
                    writeln!(out, "{label}: {e}").map_err(Failure::output)?;
                }
            }
        }
        let verdict = if failures == 0 {
            "ok".to_owned()
        } else {
            format!(
                "{} failure{}",
                render::count(failures),
                if failures == 1 { "" } else { "s" }
            )
        };
        writeln!(
            out,
            "{label}: {verdict} ({} record{} read)",
            render::count(records),
            if records == 1 { "" } else { "s" }
        )
        .map_err(Failure::output)?;
    }
    out.flush().map_err(Failure::output)?;
    match code {
        0 => Ok(()),
        c => Err(Failure::reported(c)),
    }
}

/// The layout's checks over one input, for commands that decode frame by frame.
pub struct Checks(Option<BatchChecker>);

impl Checks {
    /// Checks for `schema`; nothing to do (and no cost) when it has none, or when `off`.
    pub fn new(schema: &Schema, off: bool) -> Checks {
        Checks(if off { None } else { BatchChecker::new(schema) })
    }

    /// True when there is nothing to check: records need not be decoded into messages.
    pub fn is_off(&self) -> bool {
        self.0.is_none()
    }

    /// The failures of a decoded record (none when it passes every check).
    pub fn record(&mut self, offset: u64, message: &Message<'_>) -> Vec<fep_core::Error> {
        match &mut self.0 {
            Some(c) => c.record(offset, message),
            None => Vec::new(),
        }
    }

    /// A record that could not be decoded takes its place in the numbering.
    pub fn unreadable(&mut self, offset: u64) {
        if let Some(c) = &mut self.0 {
            c.unreadable(offset);
        }
    }

    /// The failures at the end of the input (a batch without its trailer).
    pub fn finish(&mut self) -> Vec<fep_core::Error> {
        match &mut self.0 {
            Some(c) => c.finish(),
            None => Vec::new(),
        }
    }
}

/// `--rejects FILE`: the core's rejects writer on FILE and `FILE.index.csv`.
pub struct Rejects {
    writer: RejectWriter<BufWriter<File>, BufWriter<File>>,
    path: PathBuf,
}

impl Rejects {
    /// Creates FILE and its index.
    pub fn create(schema: &Schema, path: &Path) -> Result<Rejects, Failure> {
        let writer = RejectWriter::create(schema, path)
            .map_err(|e| Failure::usage(format!("cannot write the rejects: {e}")))?;
        Ok(Rejects {
            writer,
            path: path.to_path_buf(),
        })
    }

    /// Keeps one rejected telegram (`None` when its bytes are not known), with what was wrong.
    pub fn push(&mut self, offset: u64, telegram: Option<&[u8]>, error: &str) -> io::Result<()> {
        self.writer
            .reject(offset, telegram, error)
            .map_err(io::Error::other)
    }

    /// Where they went, for the summary.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes both files.
    pub fn finish(&mut self) -> io::Result<()> {
        self.writer.flush().map_err(io::Error::other)
    }
}

/// The summary's last lines: converted and rejected add up to what was read.
pub fn summary(
    out: &mut impl Write,
    converted: u64,
    rejected: u64,
    rejects: Option<&str>,
) -> io::Result<()> {
    writeln!(
        out,
        "read {} telegram{}: {} converted + {} rejected",
        render::count(converted + rejected),
        if converted + rejected == 1 { "" } else { "s" },
        render::count(converted),
        render::count(rejected),
    )?;
    if let Some(path) = rejects {
        writeln!(
            out,
            "rejected telegrams in {path}, their index in {}",
            rejects_index_path(path).display()
        )?;
    }
    Ok(())
}

/// `fep encode`'s side of the checks: fills in what they compute, checks what is given,
/// and knows the offset each telegram is written at.
pub struct Filler {
    checker: Option<BatchChecker>,
    offset: u64,
}

impl Filler {
    /// Nothing to do when the layout has no checks, or when `off`.
    pub fn new(schema: &Schema, off: bool) -> Filler {
        Filler {
            checker: if off { None } else { BatchChecker::new(schema) },
            offset: 0,
        }
    }

    /// The trailer to write before `message`, when it opens a new batch.
    pub fn before(&self, message: &Message<'_>) -> Option<fep_core::Result<Message<'static>>> {
        let c = self.checker.as_ref()?;
        c.closes_batch(message).then(|| c.trailer()).flatten()
    }

    /// The message with its checked fields filled in, or the failure of one given wrong.
    pub fn prepare<'m, 'a>(
        &self,
        message: &'m Message<'a>,
    ) -> fep_core::Result<Cow<'m, Message<'a>>> {
        match &self.checker {
            Some(c) => c.prepare(self.offset, message),
            None => Ok(Cow::Borrowed(message)),
        }
    }

    /// `message` went out as `bytes` bytes.
    pub fn written(&mut self, message: &Message<'_>, bytes: usize) {
        if let Some(c) = &mut self.checker {
            c.written(self.offset, message);
        }
        self.offset += bytes as u64;
    }

    /// At the end: the trailer of a batch left open.
    pub fn end(&self) -> Option<fep_core::Result<Message<'static>>> {
        self.checker.as_ref()?.trailer()
    }
}

/// A telegram that framed but did not decode, in a conversion: its error (in its frame)
/// told to the checks, where it still counts in its batch, and its bytes written to the
/// rejects file. Gives the exit code it calls for and the text to report.
pub fn reject_undecoded(
    e: fep_core::Error,
    frame: &fep_core::Frame,
    label: &str,
    checks: &mut Checks,
    rejects: Option<&mut Rejects>,
    why: &dyn Fn(&str) -> String,
) -> Result<(u8, String), Failure> {
    let e = e.in_frame(frame.offset);
    checks.unreadable(frame.offset);
    if let Some(r) = rejects {
        r.push(frame.offset, Some(&frame.telegram), &why(&e.to_string()))
            .map_err(Failure::output)?;
    }
    Ok((failure::exit_code(&e), format!("{label}: {e}")))
}

/// A record that decoded but failed a check, in a conversion: rejected whole, every
/// failure written with its bytes to the rejects file. Gives the exit code it calls for
/// and the text to report, a line a failure.
pub fn reject_failed_checks(
    failed: &[fep_core::Error],
    frame: &fep_core::Frame,
    label: &str,
    rejects: Option<&mut Rejects>,
    why: &dyn Fn(&str) -> String,
) -> Result<(u8, String), Failure> {
    let texts: Vec<String> = failed.iter().map(|e| e.to_string()).collect();
    if let Some(r) = rejects {
        r.push(frame.offset, Some(&frame.telegram), &why(&texts.join("; ")))
            .map_err(Failure::output)?;
    }
    let lines: Vec<String> = texts.iter().map(|t| format!("{label}: {t}")).collect();
    Ok((failure::DATA, lines.join("\nerror: ")))
}

/// A frame that could not be cut, in a conversion: told to the checks, its bytes (when
/// known) written to the rejects file. Gives the exit code it calls for and the text to
/// report, saying so when the rest of the input is lost with it.
pub fn reject_unframed(
    fe: &crate::input::FrameError,
    label: &str,
    checks: &mut Checks,
    rejects: Option<&mut Rejects>,
    why: &dyn Fn(&str) -> String,
) -> Result<(u8, String), Failure> {
    let at = fe.rejected.as_ref().map_or_else(
        || {
            fe.error
                .frame_offset()
                .or(fe.error.offset())
                .map_or(0, |o| o as u64)
        },
        |f| f.offset,
    );
    checks.unreadable(at);
    if let Some(r) = rejects {
        let bytes = fe.rejected.as_ref().map(|f| &f.telegram[..]);
        r.push(at, bytes, &why(&fe.error.to_string()))
            .map_err(Failure::output)?;
    }
    let mut text = format!("{label}: {}", fe.error);
    if fe.fatal && fe.error.offset().is_some() {
        text.push_str(&format!(
            "\n  the telegrams after it cannot be found; the rest of {label} is skipped"
        ));
    }
    Ok((failure::exit_code(&fe.error), text))
}
