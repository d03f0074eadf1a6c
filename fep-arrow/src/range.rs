//! A byte range of a capture file as record batches, for readers that split large files
//! across workers (the Spark data source): every telegram belongs to exactly one range.
//!
//! A range `[start, end)` of a file holds the telegrams whose frames start in
//! `[boundary(start), boundary(end))`, where [`boundary`] is the first frame start at or
//! after a byte offset:
//!
//! - `framing lines`: just after the first line ending at or after the offset; exact.
//! - `length-prefix` and unframed layouts: the first offset from which
//!   [`CHAIN`] frames in a row are whole telegrams that decode (or the frames reach the
//!   end of the file exactly), searched within [`SCAN`] bytes. Text could pass for a
//!   chain of telegrams, so the reader of the range before checks it: it reads along the
//!   true chain of frames from its own start, and a chain that steps over `boundary(end)`
//!   instead of landing on it fails the read with an error naming the offset, rather than
//!   lose or repeat a telegram. A range that starts at 0 needs no search.
//!
//! Every batch has the target's columns, then `_offset` (the frame's byte offset in the
//! file) and, in [`Mode::Permissive`], `_error` (null, or why the telegram did not decode;
//! its fields are then null).
//!
//! A layout's `check` statements (batch files: trailer counts and totals, sequence
//! numbers) need every record of the file in order, so [`RangeBatches::checks`] runs them
//! only over a whole file: a record that fails one is a bad telegram like one that does
//! not decode, and a batch left open at the end of the file is one more, at the file's
//! end, with null fields.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use bytes::BytesMut;
use fep_core::{BatchChecker, Framer, Framing, Schema, TelegramReader};

use crate::builder::BatchBuilder;
use crate::columns::Target;
use crate::decode::Limits;
use crate::error::Error;

/// The column of each telegram's frame offset in its file.
pub const OFFSET_COLUMN: &str = "_offset";
/// The column of why a telegram did not decode ([`Mode::Permissive`]).
pub const ERROR_COLUMN: &str = "_error";
/// Frames in a row that make a boundary, for framings other than lines.
pub const CHAIN: usize = 4;
/// How far past an offset a boundary is searched for.
pub const SCAN: u64 = 1 << 20;

/// What a bad telegram does, as Spark's own readers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// A row of nulls with the error in `_error`.
    #[default]
    Permissive,
    /// Left out.
    DropMalformed,
    /// Fails the read.
    FailFast,
}

/// The first frame start at or after `at` in `file` (the file's size when none follows).
pub fn boundary(schema: &Schema, file: &Path, at: u64) -> Result<u64, Error> {
    let mut f = File::open(file).map_err(|e| io_at(e, file))?;
    let size = f.metadata().map_err(|e| io_at(e, file))?.len();
    if at == 0 || at >= size {
        return Ok(at.min(size));
    }
    if schema.framing() == Framing::Lines {
        // Just after the first newline at or after at - 1.
        f.seek(SeekFrom::Start(at - 1))
            .map_err(|e| io_at(e, file))?;
        let mut r = BufReader::with_capacity(64 * 1024, f);
        let mut pos = at - 1;
        let mut buf = [0u8; 8192];
        loop {
            let n = r.read(&mut buf).map_err(|e| io_at(e, file))?;
            if n == 0 {
                return Ok(size);
            }
            if let Some(i) = buf[..n].iter().position(|&b| b == b'\n') {
                return Ok(pos + i as u64 + 1);
            }
            pos += n as u64;
        }
    }
    // Enough bytes for a chain of the longest frames after any candidate in the scan.
    let want = SCAN + (CHAIN as u64 + 1) * (fep_core::DEFAULT_MAX_FRAME as u64 + 16);
    let len = want.min(size - at);
    f.seek(SeekFrom::Start(at)).map_err(|e| io_at(e, file))?;
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.take(len)
        .read_to_end(&mut data)
        .map_err(|e| io_at(e, file))?;
    let reaches_end = at + data.len() as u64 == size;
    let scan = usize::try_from(SCAN).unwrap_or(usize::MAX).min(data.len());
    for p in 0..scan {
        if chain_at(schema, &data[p..], reaches_end) {
            return Ok(at + p as u64);
        }
    }
    if reaches_end && scan == data.len() {
        return Ok(size);
    }
    Err(Error::Arrow(format!(
        "{}: no telegram boundary found in the {SCAN} bytes after byte {at}: the file cannot be split there; read it whole",
        file.display()
    )))
}

/// True when `CHAIN` whole telegrams that decode start at the front of `data`, or fewer that
/// end exactly where the file does.
fn chain_at(schema: &Schema, data: &[u8], reaches_end: bool) -> bool {
    let mut framer = Framer::new(schema);
    let mut window = Window::new(data);
    let mut found = 0;
    while found < CHAIN {
        match framer.next_frame(window.buf()) {
            Ok(Some(frame)) => {
                if schema.decode(&frame.telegram).is_err() {
                    return false;
                }
                found += 1;
            }
            Ok(None) => {
                if !window.more() {
                    return reaches_end && window.buf().is_empty() && found > 0;
                }
            }
            Err(_) => return false,
        }
    }
    true
}

/// A growing view of a byte slice for the framer: a candidate costs the bytes it looks at,
/// not the whole scan window.
struct Window<'a> {
    data: &'a [u8],
    fed: usize,
    buf: BytesMut,
}

impl<'a> Window<'a> {
    fn new(data: &'a [u8]) -> Window<'a> {
        Window {
            data,
            fed: 0,
            buf: BytesMut::new(),
        }
    }

    fn buf(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Feeds the next bytes (64, then doubling); false at the end of the data.
    fn more(&mut self) -> bool {
        if self.fed >= self.data.len() {
            return false;
        }
        let step = self.fed.max(64).min(self.data.len() - self.fed);
        self.buf
            .extend_from_slice(&self.data[self.fed..self.fed + step]);
        self.fed += step;
        true
    }
}

/// What to read of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The first byte (a boundary is searched from there).
    pub start: u64,
    /// The byte after the last, `None` for the end of the file.
    pub end: Option<u64>,
}

/// The record batches of the telegrams of one range of a file, decoded as they are asked
/// for: memory holds one batch and one read buffer.
#[derive(Debug)]
pub struct RangeBatches {
    schema: Schema,
    path: PathBuf,
    name: Option<String>,
    mode: Mode,
    limits: Limits,
    builder: BatchBuilder,
    offsets: Int64Builder,
    errors: StringBuilder,
    out_schema: SchemaRef,
    frames: TelegramReader<BufReader<File>>,
    /// The file offset the frame reader started at.
    base: u64,
    /// Frames that start here or later belong to the next range.
    stop: u64,
    /// The layout's checks, over a whole file.
    checker: Option<Box<BatchChecker>>,
    done: bool,
}

impl RangeBatches {
    /// Opens `path` at the first boundary of `range`.
    pub fn open(
        schema: &Schema,
        target: &Target,
        path: &Path,
        range: Range,
        mode: Mode,
        limits: Limits,
    ) -> Result<RangeBatches, Error> {
        let start = boundary(schema, path, range.start)?;
        let stop = match range.end {
            Some(end) => boundary(schema, path, end)?,
            None => u64::MAX,
        };
        let mut builder = BatchBuilder::new(target);
        // The range's bytes: room made at once in the first batch.
        if let Ok(meta) = std::fs::metadata(path) {
            let bytes = stop.min(meta.len()).saturating_sub(start);
            builder.size_hint(bytes, limits.bytes, limits.rows);
        }
        let mut fields: Vec<Field> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.push(Field::new(OFFSET_COLUMN, DataType::Int64, false));
        if mode == Mode::Permissive {
            fields.push(Field::new(ERROR_COLUMN, DataType::Utf8, true));
        }
        Ok(RangeBatches {
            schema: schema.clone(),
            path: path.to_owned(),
            name: match target {
                Target::One { name, .. } => Some(name.clone()),
                Target::Mixed { .. } => None,
            },
            mode,
            limits,
            builder,
            offsets: Int64Builder::new(),
            errors: StringBuilder::new(),
            out_schema: Arc::new(ArrowSchema::new(fields)),
            frames: reader_at(schema, path, start)?,
            base: start,
            stop,
            checker: None,
            done: start >= stop,
        })
    }

    /// Runs the layout's `check` statements over the records (when it has some and `yes`).
    ///
    /// # Errors
    /// When the range is not the whole file: checks need every record in order.
    pub fn checks(mut self, yes: bool) -> Result<RangeBatches, Error> {
        self.checker = if yes {
            BatchChecker::new(&self.schema).map(Box::new)
        } else {
            None
        };
        if self.checker.is_some() && (self.base != 0 || self.stop != u64::MAX) {
            return Err(Error::Arrow(format!(
                "{}: the layout's checks need the whole file, not bytes {}..{}: read it whole, or turn the checks off",
                self.path.display(),
                self.base,
                if self.stop == u64::MAX {
                    "the end".to_owned()
                } else {
                    self.stop.to_string()
                },
            )));
        }
        Ok(self)
    }

    /// The schema of the batches: the target's columns, `_offset`, and `_error` when
    /// permissive.
    pub fn schema(&self) -> SchemaRef {
        self.out_schema.clone()
    }

    /// A telegram that did not decode: a row of nulls, left out, or the end of the read.
    fn bad(&mut self, e: fep_core::Error, at: u64, message: Option<&str>) -> Result<(), Error> {
        self.bad_all(vec![e], at, message)
    }

    /// A telegram with one or more failures (a record failing several checks): one row,
    /// its `_error` every failure.
    fn bad_all(
        &mut self,
        errors: Vec<fep_core::Error>,
        at: u64,
        message: Option<&str>,
    ) -> Result<(), Error> {
        match self.mode {
            Mode::FailFast => Err(errors
                .into_iter()
                .next()
                .map_or_else(|| Error::Arrow("no error".into()), Error::Core)),
            Mode::DropMalformed => Ok(()),
            Mode::Permissive => {
                self.builder.push_null(message, 0)?;
                self.offsets
                    .append_value(i64::try_from(at).unwrap_or(i64::MAX));
                let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                self.errors.append_value(text.join("; "));
                Ok(())
            }
        }
    }

    /// Reads until a batch is full or the range ends; true when rows are waiting.
    fn fill(&mut self) -> Result<bool, Error> {
        let schema = &self.schema.clone();
        while let Some(frame) = self.frames.next() {
            let base = self.base as usize;
            let frame = match frame {
                Ok(f) => f,
                Err(e) => {
                    let e = e.shift_offset(base);
                    let at = e.offset().map_or(self.base, |o| o as u64);
                    if at >= self.stop {
                        self.done = true;
                        break;
                    }
                    if let Some(c) = &mut self.checker {
                        c.unreadable(at);
                    }
                    self.bad(e, at, None)?;
                    if self.base + self.frames.stream_offset() > at {
                        // The framer knew where the bad frame ended and went past it.
                        continue;
                    }
                    // The framer lost the frames: go on from the next boundary.
                    let next = boundary(schema, &self.path, at + 1)?;
                    if next >= self.stop {
                        self.done = true;
                        break;
                    }
                    self.frames = reader_at(schema, &self.path, next)?;
                    self.base = next;
                    continue;
                }
            };
            let at = self.base + frame.offset;
            if at >= self.stop {
                if at != self.stop {
                    return Err(Error::Arrow(format!(
                        "{}: the next part of the file was taken to start at byte {}, but a telegram runs over it to byte {at} (bytes that look like telegrams): read the file whole",
                        self.path.display(),
                        self.stop,
                    )));
                }
                self.done = true;
                break;
            }
            let telegram = &frame.telegram[..];
            // One message and no checks: straight into the columns when it has no repeats
            // (`None` goes the general way below, which also reports a dispatch failure).
            let direct = match (&self.checker, &self.name) {
                (None, Some(name)) => match schema.dispatch(telegram) {
                    Ok(info) if info.name() != name => continue,
                    Ok(info) => self.builder.push_telegram(&info, telegram),
                    Err(_) => None,
                },
                _ => None,
            };
            match direct {
                Some(Ok(())) => self.good(at),
                Some(Err(Error::Core(e))) => {
                    let name = self.name.clone();
                    self.bad(e.in_frame(at), at, name.as_deref())?;
                }
                Some(Err(e)) => return Err(e),
                None => self.general(schema, telegram, at)?,
            }
            if self.builder.rows() >= self.limits.rows || self.builder.bytes() >= self.limits.bytes
            {
                return Ok(true);
            }
        }
        // The end of the file: a batch left open fails, after the last record.
        if let Some(mut c) = self.checker.take() {
            let failures = c.finish();
            if !failures.is_empty() {
                let end = self.base + self.frames.stream_offset();
                self.bad_all(failures, end, None)?;
            }
        }
        self.done = true;
        Ok(self.builder.rows() > 0)
    }

    /// A good telegram's offset (and, when permissive, its empty error).
    fn good(&mut self, at: u64) {
        self.offsets
            .append_value(i64::try_from(at).unwrap_or(i64::MAX));
        if self.mode == Mode::Permissive {
            self.errors.append_null();
        }
    }

    /// A telegram decoded into a message, for the checks and then the columns (or kept as
    /// a bad one, by the mode).
    fn general(&mut self, schema: &Schema, telegram: &[u8], at: u64) -> Result<(), Error> {
        let decoded = match &self.name {
            // The checks need every record, whatever the target.
            Some(_) if self.checker.is_some() => schema.decode(telegram),
            Some(name) => match schema.dispatch(telegram) {
                Ok(info) if info.name() != name => return Ok(()),
                Ok(_) => schema.decode_message(name, telegram),
                Err(e) => Err(e),
            },
            None => schema.decode(telegram),
        };
        match decoded {
            Ok(msg) => {
                if let Some(c) = &mut self.checker {
                    let failures = c.record(at, &msg);
                    if !failures.is_empty() {
                        return self.bad_all(failures, at, Some(msg.name()));
                    }
                    if self.name.as_deref().is_some_and(|n| n != msg.name()) {
                        return Ok(());
                    }
                }
                self.builder.push(&msg, telegram.len())?;
                self.good(at);
                Ok(())
            }
            Err(e) => {
                if let Some(c) = &mut self.checker {
                    c.unreadable(at);
                }
                let name = schema.dispatch(telegram).ok().map(|m| m.name().to_owned());
                if self.checker.is_some() && self.name.is_some() && name != self.name {
                    // Another message's bad telegram, read for the checks only.
                    return Ok(());
                }
                self.bad(e.in_frame(at), at, name.as_deref())
            }
        }
    }

    fn finish(&mut self) -> Result<RecordBatch, Error> {
        let batch = self.builder.finish()?;
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        columns.push(Arc::new(self.offsets.finish()));
        if self.mode == Mode::Permissive {
            columns.push(Arc::new(self.errors.finish()));
        }
        RecordBatch::try_new(self.out_schema.clone(), columns)
            .map_err(|e| Error::Arrow(e.to_string()))
    }
}

impl Iterator for RangeBatches {
    type Item = Result<RecordBatch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.fill() {
            Ok(true) => Some(self.finish()),
            Ok(false) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

fn reader_at(
    schema: &Schema,
    path: &Path,
    at: u64,
) -> Result<TelegramReader<BufReader<File>>, Error> {
    let mut f = File::open(path).map_err(|e| io_at(e, path))?;
    f.seek(SeekFrom::Start(at)).map_err(|e| io_at(e, path))?;
    Ok(TelegramReader::new(schema, BufReader::with_capacity(0, f)).keep_going(true))
}

fn io_at(e: std::io::Error, path: &Path) -> Error {
    Error::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", path.display()),
    ))
}
