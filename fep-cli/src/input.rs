//! Inputs: files, standard input and hex dumps, and the telegrams cut from them.
//!
//! Files and standard input go through the core's `TelegramReader`, which reads in chunks
//! and holds at most one partial telegram, so a capture of any size is read in constant
//! memory. Hex dumps are small by nature (a person pasted them) and are read whole.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use clap::ArgMatches;
use fep_core::{DEFAULT_MAX_FRAME, Frame, Schema, TelegramReader};

use crate::args::InputArgs;
use crate::failure::Failure;

/// Where telegrams come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file of framed telegrams.
    File(PathBuf),
    /// Standard input, framed telegrams.
    Stdin,
    /// A hex dump given on the command line (`--hex`); the number counts them from 1.
    Hex(usize, String),
    /// A file holding a hex dump (`--hex-file`), `-` for standard input.
    HexFile(PathBuf),
}

impl Source {
    /// A capture named on the command line: a file, or `-` for standard input.
    pub fn path(p: &Path) -> Source {
        if p == Path::new("-") {
            Source::Stdin
        } else {
            Source::File(p.to_path_buf())
        }
    }

    /// The file this input is read from, if it is one (not standard input or hex text).
    pub fn file(&self) -> Option<&Path> {
        match self {
            Source::File(p) => Some(p),
            Source::HexFile(p) if p != Path::new("-") => Some(p),
            _ => None,
        }
    }

    /// How messages and output rows name this input.
    pub fn label(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "standard input".into(),
            Source::Hex(1, _) => "--hex".into(),
            Source::Hex(n, _) => format!("--hex #{n}"),
            Source::HexFile(p) if p == Path::new("-") => "hex on standard input".into(),
            Source::HexFile(p) => p.display().to_string(),
        }
    }

    fn is_stdin(&self) -> bool {
        match self {
            Source::Stdin => true,
            Source::HexFile(p) => p == Path::new("-"),
            _ => false,
        }
    }

    /// Opens the input: a reader and, for a file, its size.
    pub fn open(&self) -> Result<(Box<dyn Read>, Option<u64>), Failure> {
        match self {
            Source::File(p) => {
                let f = File::open(p).map_err(|e| Failure::io(&e, p))?;
                let size = f.metadata().map_err(|e| Failure::io(&e, p)).and_then(|m| {
                    if m.is_dir() {
                        Err(Failure::usage(format!(
                            "{}: is a directory, not a file",
                            p.display()
                        )))
                    } else {
                        Ok(m.len())
                    }
                })?;
                Ok((Box::new(f), Some(size)))
            }
            Source::Stdin => Ok((Box::new(io::stdin().lock()), None)),
            Source::Hex(_, text) => {
                let bytes = fep_core::hexdump::parse(text).map_err(|e| self.hex_failure(&e))?;
                let n = bytes.len() as u64;
                Ok((Box::new(io::Cursor::new(bytes)), Some(n)))
            }
            Source::HexFile(p) => {
                let mut raw = Vec::new();
                let r = if self.is_stdin() {
                    io::stdin().lock().read_to_end(&mut raw)
                } else {
                    File::open(p).and_then(|mut f| f.read_to_end(&mut raw))
                };
                r.map_err(|e| Failure::io(&e, p))?;
                // The ASCII column of a dump may hold anything; only the hex must be ASCII.
                let text = String::from_utf8_lossy(&raw);
                let bytes = fep_core::hexdump::parse(&text).map_err(|e| self.hex_failure(&e))?;
                let n = bytes.len() as u64;
                Ok((Box::new(io::Cursor::new(bytes)), Some(n)))
            }
        }
    }

    fn hex_failure(&self, e: &fep_core::Error) -> Failure {
        Failure::data(format!("{}:{e}", self.label()))
    }
}

/// The inputs of a command, in command-line order. With none, standard input (unless it
/// is a terminal: then nobody is going to type telegrams).
pub fn sources(args: &InputArgs, matches: Option<&ArgMatches>) -> Result<Vec<Source>, Failure> {
    let index = |id: &str, i: usize| -> usize {
        matches
            .and_then(|m| m.indices_of(id))
            .and_then(|mut it| it.nth(i))
            .unwrap_or(0)
    };
    let mut all: Vec<(usize, Source)> = Vec::new();
    for (i, p) in args.inputs.iter().enumerate() {
        all.push((index("inputs", i), Source::path(p)));
    }
    for (i, t) in args.hex.iter().enumerate() {
        all.push((index("hex", i), Source::Hex(i + 1, t.clone())));
    }
    for (i, p) in args.hex_file.iter().enumerate() {
        all.push((index("hex_file", i), Source::HexFile(p.clone())));
    }
    all.sort_by_key(|(i, _)| *i);
    let mut out: Vec<Source> = all.into_iter().map(|(_, s)| s).collect();
    if out.is_empty() {
        if io::stdin().is_terminal() {
            return Err(Failure::usage(
                "no input: give a file of telegrams, - for standard input, --hex TEXT or \
                 --hex-file FILE",
            ));
        }
        out.push(Source::Stdin);
    }
    once(&out)?;
    Ok(out)
}

/// Captures named on the command line (`-` for standard input), in order.
pub fn files(paths: &[PathBuf]) -> Result<Vec<Source>, Failure> {
    let out: Vec<Source> = paths.iter().map(|p| Source::path(p)).collect();
    once(&out)?;
    Ok(out)
}

/// Standard input can be read only once.
fn once(sources: &[Source]) -> Result<(), Failure> {
    if sources.iter().filter(|s| s.is_stdin()).count() > 1 {
        return Err(Failure::usage("standard input can be read only once"));
    }
    Ok(())
}

/// A problem cutting telegrams from an input.
#[derive(Debug)]
pub struct FrameError {
    /// The error, with stream offsets.
    pub error: fep_core::Error,
    /// True when nothing after it in this input can be read: the framer cannot tell where
    /// the next telegram starts, or reading failed.
    pub fatal: bool,
    /// The refused frame, when its bytes are known (a length that disagrees with the
    /// message, a stream that ends inside it): what `explain` shows field by field.
    pub rejected: Option<Frame>,
}

/// The telegrams of one input, in order: framed as the layout says (the core's
/// `TelegramReader`, in constant memory), or with `--no-frame` the whole input as one.
pub enum Telegrams {
    /// Framed telegrams (boxed: the reader is large beside the other variant).
    Framed(Box<TelegramReader<Box<dyn Read>>>),
    /// One bare telegram, until it has been taken.
    Bare(Option<Box<dyn Read>>, u64),
}

impl std::fmt::Debug for Telegrams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telegrams")
            .field("bytes_read", &self.bytes_read())
            .finish_non_exhaustive()
    }
}

impl Telegrams {
    /// Telegrams framed as the layout says; with `bare`, the whole input is one telegram.
    pub fn new(schema: &Schema, reader: Box<dyn Read>, bare: bool) -> Telegrams {
        if bare {
            Telegrams::Bare(Some(reader), 0)
        } else {
            // Reading goes on after a frame whose end is known; the caller decides to stop.
            Telegrams::Framed(Box::new(
                TelegramReader::new(schema, reader).keep_going(true),
            ))
        }
    }

    /// Bytes of the input framed so far.
    pub fn bytes_read(&self) -> u64 {
        match self {
            Telegrams::Framed(r) => r.stream_offset(),
            Telegrams::Bare(_, n) => *n,
        }
    }
}

/// A hint for a framing error at the very start of an input that says the input has no
/// frame at all (a length prefix that is not one, or absurdly long): it may be a bare
/// telegram. A prefix that reads as a length but disagrees with what follows is a framed
/// input with a fault, and gets no such hint.
pub fn bare_hint(e: &fep_core::Error, no_frame: bool) -> Option<&'static str> {
    use fep_core::ErrorKind;
    let unframed = matches!(
        e.kind(),
        ErrorKind::BadLengthPrefix(_) | ErrorKind::FrameTooLong { .. }
    );
    (!no_frame && e.offset() == Some(0) && unframed).then_some(
        "\n  if the input is one telegram without its frame (no length prefix or line end), \
             give --no-frame",
    )
}

/// Reads a whole input as one telegram (at most the framer's maximum).
fn whole(reader: Box<dyn Read>) -> Result<Option<Frame>, FrameError> {
    let mut buf = Vec::new();
    let limit = DEFAULT_MAX_FRAME as u64 + 1;
    reader
        .take(limit)
        .read_to_end(&mut buf)
        .map_err(|e| FrameError {
            error: e.into(),
            fatal: true,
            rejected: None,
        })?;
    if buf.len() as u64 == limit {
        let e = io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the input is more than {DEFAULT_MAX_FRAME} bytes, too long for one telegram; \
                 without --no-frame it is read as framed telegrams"
            ),
        );
        return Err(FrameError {
            error: e.into(),
            fatal: true,
            rejected: None,
        });
    }
    if buf.is_empty() {
        return Ok(None);
    }
    Ok(Some(Frame {
        offset: 0,
        telegram_offset: 0,
        telegram: Bytes::from(buf),
    }))
}

impl Iterator for Telegrams {
    type Item = Result<Frame, FrameError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Telegrams::Bare(reader, n) => {
                let r = whole(reader.take()?);
                if let Ok(Some(f)) = &r {
                    *n = f.telegram.len() as u64;
                }
                r.transpose()
            }
            Telegrams::Framed(r) => match r.next()? {
                Ok(f) => Some(Ok(f)),
                Err(error) => {
                    // The reader skips a bad frame whose end is known and goes on; when it
                    // has not moved past the error, it cannot tell where the next one starts.
                    let fatal = match error.offset() {
                        Some(at) => r.stream_offset() <= at as u64,
                        None => true,
                    };
                    // Nothing to show of a frame that ends inside its prefix.
                    let rejected = r.take_rejected().filter(|f| !f.telegram.is_empty());
                    Some(Err(FrameError {
                        error,
                        fatal,
                        rejected,
                    }))
                }
            },
        }
    }
}
