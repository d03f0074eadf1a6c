//! Streams: reading framed telegrams from any [`std::io::Read`] (a capture file of millions)
//! with constant memory, and writing them to any [`std::io::Write`].
//!
//! The reader holds one read chunk and at most one partial telegram (bounded by the
//! framer's maximum length), whatever the size of the stream. It can stop at the first bad
//! telegram or report each and go on (`keep_going`), as an analyst wants.

use std::collections::VecDeque;
use std::io::{Read, Write};

use bytes::{Bytes, BytesMut};

use crate::checks::BatchChecker;
use crate::error::{Error, Result};
use crate::framer::{Frame, Framer};
use crate::framing::LineEnding;
use crate::rejects::BoxedRejectWriter;
use crate::schema::Schema;
use crate::value::Message;

/// The size of one read from the underlying reader.
const CHUNK: usize = 64 * 1024;

/// Framed telegrams from a reader, each with its stream offset.
///
/// # Example
/// ```
/// let schema = fep_core::Schema::parse("encoding ascii\nframing lines\nmessage m 3 {\n a X(3)\n}\n")?;
/// let input = &b"abc\r\ndef\r\n"[..];
/// let telegrams: Vec<_> = fep_core::TelegramReader::new(&schema, input).collect::<Result<_, _>>()?;
/// assert_eq!(telegrams[1].offset, 5);
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Debug)]
pub struct TelegramReader<R> {
    inner: R,
    framer: Framer,
    buf: BytesMut,
    chunk: Box<[u8]>,
    eof: bool,
    done: bool,
    keep_going: bool,
    rejected: Option<Frame>,
    /// Bytes at the front of `buf` that [`TelegramReader::next_telegram`] lent out, taken
    /// at the next call.
    lent: usize,
    /// The frame [`TelegramReader::next_telegram`] lent out when it came the general way.
    last: Option<Frame>,
}

/// A telegram lent by [`TelegramReader::next_telegram`]: its offsets and bytes, valid until
/// the reader's next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelegramRef<'a> {
    /// Byte offset of the frame (its length prefix, if any) from the start of the stream.
    pub offset: u64,
    /// Byte offset of the telegram itself in the stream (after the prefix).
    pub telegram_offset: u64,
    /// The telegram, without its frame.
    pub telegram: &'a [u8],
}

impl<R: Read> TelegramReader<R> {
    /// Reads `inner` with the schema's framing.
    pub fn new(schema: &Schema, inner: R) -> TelegramReader<R> {
        TelegramReader::with_framer(Framer::new(schema), inner)
    }

    /// Reads `inner` with a configured framer (a maximum length, say).
    pub fn with_framer(framer: Framer, inner: R) -> TelegramReader<R> {
        TelegramReader {
            inner,
            framer,
            buf: BytesMut::with_capacity(CHUNK),
            chunk: vec![0u8; CHUNK].into_boxed_slice(),
            eof: false,
            done: false,
            keep_going: false,
            rejected: None,
            lent: 0,
            last: None,
        }
    }

    /// The next telegram, lent from the reader's buffer until the next call: what
    /// [`Iterator::next`] gives, the same telegrams, offsets and errors, without a
    /// [`Frame`] (and its shared buffer's reference count) made for each whole frame
    /// already read. For a loop that is done with each telegram before the next.
    ///
    /// # Example
    /// ```
    /// let schema = fep_core::Schema::parse("encoding ascii\nframing length-prefix 4 ascii\nmessage m 3 {\n a X(3)\n}\n")?;
    /// let mut reader = fep_core::TelegramReader::new(&schema, &b"0003abc0003def"[..]);
    /// let mut seen = Vec::new();
    /// while let Some(t) = reader.next_telegram() {
    ///     let t = t?;
    ///     seen.push((t.offset, t.telegram.to_vec()));
    /// }
    /// assert_eq!(seen, [(0, b"abc".to_vec()), (7, b"def".to_vec())]);
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn next_telegram(&mut self) -> Option<Result<TelegramRef<'_>>> {
        self.take_lent();
        // The frame lent last shares the buffer's memory: let it go, so that the buffer
        // can grow in place.
        self.last = None;
        if !self.done
            && let Some((prefix, len, trailer)) = self.framer.peek_frame(&self.buf)
        {
            let offset = self.framer.stream_offset();
            self.framer.took(prefix + len + trailer);
            self.lent = prefix + len + trailer;
            return Some(Ok(TelegramRef {
                offset,
                telegram_offset: offset + prefix as u64,
                telegram: &self.buf[prefix..prefix + len],
            }));
        }
        match self.step()? {
            Ok(f) => {
                let f = self.last.insert(f);
                Some(Ok(TelegramRef {
                    offset: f.offset,
                    telegram_offset: f.telegram_offset,
                    telegram: &f.telegram,
                }))
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// The frame the last error refused, when its bytes are known: a frame whose length
    /// disagrees with its message, an overlong line, or the incomplete last one (see
    /// [`Framer::take_rejected`]). `None` after any other error; taking it leaves `None`.
    pub fn take_rejected(&mut self) -> Option<Frame> {
        self.rejected.take()
    }

    /// After a bad frame whose end is known (a length that disagrees with its message, an
    /// overlong line), report it and go on with the next instead of stopping.
    pub fn keep_going(mut self, yes: bool) -> Self {
        self.keep_going = yes;
        self
    }

    /// The stream offset of the next byte not yet framed.
    pub fn stream_offset(&self) -> u64 {
        self.framer.stream_offset()
    }

    /// Bytes held for a partial telegram and the next read (bounded, whatever the stream).
    pub fn buffered_capacity(&self) -> usize {
        self.buf.capacity()
    }

    fn fill(&mut self) -> Result<()> {
        loop {
            match self.inner.read(&mut self.chunk) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.buf.extend_from_slice(&self.chunk[..n]);
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Takes the bytes of the telegram [`TelegramReader::next_telegram`] lent last.
    fn take_lent(&mut self) {
        if self.lent > 0 {
            bytes::Buf::advance(&mut self.buf, self.lent);
            self.lent = 0;
        }
    }

    fn step(&mut self) -> Option<Result<Frame>> {
        self.take_lent();
        if self.done {
            return None;
        }
        loop {
            let before = self.framer.stream_offset();
            let r = if self.eof {
                self.framer.finish(&mut self.buf)
            } else {
                self.framer.next_frame(&mut self.buf)
            };
            match r {
                Ok(Some(f)) => return Some(Ok(f)),
                Ok(None) if self.eof => {
                    self.done = true;
                    return None;
                }
                Ok(None) => {
                    if let Err(e) = self.fill() {
                        self.done = true;
                        return Some(Err(e));
                    }
                }
                Err(e) => {
                    self.rejected = self.framer.take_rejected();
                    // The framer skipped the bad frame when it knew where it ended.
                    let skipped = self.framer.stream_offset() > before;
                    if !(self.keep_going && skipped) {
                        self.done = true;
                    }
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<R: Read> Iterator for TelegramReader<R> {
    type Item = Result<Frame>;

    fn next(&mut self) -> Option<Self::Item> {
        self.step()
    }
}

/// A decoded telegram from a stream.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Stream offset of the frame.
    pub offset: u64,
    /// The telegram's bytes (without the frame).
    pub telegram: Bytes,
    /// The decoded message.
    pub message: Message<'static>,
}

/// Decoded messages from a reader, with constant memory.
///
/// Data errors say which frame of the stream they are about ([`Error::frame_offset`]) and
/// where in its telegram the field is ([`Error::offset`]). With [`MessageReader::keep_going`] a bad telegram is
/// reported (an `Err` item) and reading goes on; without, the first error ends the stream.
///
/// When the layout has `check` statements (batch files: trailer totals, sequence numbers),
/// every record is checked as it goes by (see [`BatchChecker`]): a record that fails a
/// check comes as one `Err` item per failure instead of its message, and a batch left
/// open at the end of the input is a failure after the last record.
///
/// # Example
/// ```
/// let schema = fep_core::Schema::parse("encoding ascii\nframing lines\nmessage m 3 {\n n 9(3)\n}\n")?;
/// let input = &b"001\nx02\n003\n"[..];
/// let items: Vec<_> = fep_core::MessageReader::new(&schema, input).keep_going(true).collect();
/// assert_eq!(items.len(), 3);
/// assert_eq!(
///     items[1].as_ref().unwrap_err().to_string(),
///     "m.n (frame at byte 4; field at bytes 0..3 of the telegram): expected digits, found \"x02\" (byte 0 of the field, 'x')"
/// );
/// assert_eq!(items[2].as_ref().unwrap().offset, 8);
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Debug)]
pub struct MessageReader<R> {
    schema: Schema,
    frames: TelegramReader<R>,
    keep_going: bool,
    done: bool,
    /// The layout's checks, when it has some and they are wanted.
    checker: Option<Box<BatchChecker>>,
    /// Failures of one record (or of the end of input) not yet handed out.
    pending: VecDeque<Error>,
    finished: bool,
    /// The offset and bytes of the telegram the last item came from.
    last: Option<(u64, Bytes)>,
    /// Where rejected telegrams are kept, when asked.
    rejects: Option<Box<BoxedRejectWriter>>,
    /// Telegrams handed out decoded, and telegrams rejected.
    converted: u64,
    rejected: u64,
}

impl<R: Read> MessageReader<R> {
    /// Reads and decodes `inner` with the schema's framing.
    pub fn new(schema: &Schema, inner: R) -> MessageReader<R> {
        MessageReader::with_framer(schema, Framer::new(schema), inner)
    }

    /// Reads with a configured framer.
    pub fn with_framer(schema: &Schema, framer: Framer, inner: R) -> MessageReader<R> {
        MessageReader {
            schema: schema.clone(),
            frames: TelegramReader::with_framer(framer, inner),
            keep_going: false,
            done: false,
            checker: BatchChecker::new(schema).map(Box::new),
            pending: VecDeque::new(),
            finished: false,
            last: None,
            rejects: None,
            converted: 0,
            rejected: 0,
        }
    }

    /// Keep every rejected telegram (one that does not frame, does not decode or fails a
    /// check), byte for byte, with its index entry (see [`RejectWriter`](crate::RejectWriter)).
    /// A write error of the rejects ends the stream with an I/O error.
    pub fn rejects(mut self, writer: BoxedRejectWriter) -> Self {
        self.rejects = Some(Box::new(writer));
        self
    }

    /// Telegrams handed out decoded so far.
    pub fn converted(&self) -> u64 {
        self.converted
    }

    /// Telegrams rejected so far: with [`MessageReader::converted`], every telegram read.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Counts a rejected telegram and keeps it when asked; an error of the rejects file.
    fn reject(&mut self, offset: u64, telegram: Option<Bytes>, errors: &[Error]) -> Option<Error> {
        self.rejected += 1;
        let w = self.rejects.as_mut()?;
        let text: Vec<String> = errors.iter().map(Error::to_string).collect();
        w.reject(offset, telegram.as_deref(), &text.join("; "))
            .err()
    }

    /// Report a bad telegram and go on, rather than stop at it.
    pub fn keep_going(mut self, yes: bool) -> Self {
        self.keep_going = yes;
        self.frames = self.frames.keep_going(yes);
        self
    }

    /// Run the layout's `check` statements (the default), or not.
    pub fn checks(mut self, yes: bool) -> Self {
        self.checker = if yes {
            BatchChecker::new(&self.schema).map(Box::new)
        } else {
            None
        };
        self
    }

    /// The underlying telegram reader.
    pub fn telegrams(&self) -> &TelegramReader<R> {
        &self.frames
    }

    /// The stream offset and bytes (without the frame) of the telegram the last `Err` item
    /// came from, for keeping rejected telegrams. `None` after a good item, after a framing
    /// error that skipped nothing (the stream cannot be framed on from there) and after the
    /// failures of the end of input.
    pub fn last_telegram(&self) -> Option<(u64, &[u8])> {
        self.last.as_ref().map(|(o, b)| (*o, &b[..]))
    }

    /// Hands out the first pending failure; without `keep_going` it ends the stream.
    fn failure(&mut self) -> Option<Result<Decoded>> {
        let e = self.pending.pop_front()?;
        if !self.keep_going {
            self.pending.clear();
            self.done = true;
        }
        Some(Err(e))
    }
}

impl<R: Read> Iterator for MessageReader<R> {
    type Item = Result<Decoded>;

    fn next(&mut self) -> Option<Self::Item> {
        if !self.pending.is_empty() {
            return self.failure();
        }
        if self.done {
            return None;
        }
        let frame = match self.frames.next() {
            Some(Ok(f)) => f,
            Some(Err(e)) => {
                let offset = e.frame_offset().or(e.offset()).map_or(0, |o| o as u64);
                self.last = self.frames.take_rejected().map(|f| (f.offset, f.telegram));
                if let Some(c) = &mut self.checker {
                    c.unreadable(offset);
                }
                let bytes = self.last.as_ref().map(|(_, b)| b.clone());
                if let Some(io) = self.reject(offset, bytes, std::slice::from_ref(&e)) {
                    self.done = true;
                    return Some(Err(io));
                }
                self.done = !self.keep_going;
                return Some(Err(e));
            }
            None => {
                self.last = None;
                if !self.finished {
                    self.finished = true;
                    if let Some(c) = &mut self.checker {
                        self.pending.extend(c.finish());
                    }
                    if let Some(Err(e)) = self.rejects.as_mut().map(|w| w.flush()) {
                        self.pending.push_back(e);
                    }
                }
                self.done = true;
                return self.failure();
            }
        };
        // Kept for the failing items only: the good path pays nothing for it.
        self.last = None;
        // Detached at once: a message borrowing the telegram must be gone before the
        // telegram moves into the item (or the rejects), and its drop runs at the end of
        // the `match`.
        match self.schema.decode(&frame.telegram).map(Message::into_owned) {
            Ok(m) => {
                if let Some(c) = &mut self.checker {
                    let failures = c.record(frame.offset, &m);
                    if !failures.is_empty() {
                        self.last = Some((frame.offset, frame.telegram.clone()));
                        if let Some(io) =
                            self.reject(frame.offset, Some(frame.telegram.clone()), &failures)
                        {
                            self.done = true;
                            return Some(Err(io));
                        }
                        self.pending.extend(failures);
                        return self.failure();
                    }
                }
                self.converted += 1;
                Some(Ok(Decoded {
                    offset: frame.offset,
                    telegram: frame.telegram,
                    message: m,
                }))
            }
            Err(e) => {
                self.last = Some((frame.offset, frame.telegram.clone()));
                if let Some(c) = &mut self.checker {
                    c.unreadable(frame.offset);
                }
                let e = e.in_frame(frame.offset);
                if let Some(io) =
                    self.reject(frame.offset, Some(frame.telegram), std::slice::from_ref(&e))
                {
                    self.done = true;
                    return Some(Err(io));
                }
                self.done = !self.keep_going;
                Some(Err(e))
            }
        }
    }
}

/// Encodes and frames messages onto a writer.
///
/// When the layout has `check` statements, the writer keeps the batch's counts and sums:
/// a field a check computes (a trailer's count or total, a sequence number, a copy of a
/// header field) is filled in when the message leaves it out or blank, and checked when
/// it gives it. [`MessageWriter::finish`] writes the trailer of a batch left open, so that
/// a header and data records make a complete file.
///
/// # Example
/// ```
/// let schema = fep_core::Schema::parse("encoding ascii\nframing length-prefix 4 ascii\nmessage m 3 {\n n 9(3)\n}\n")?;
/// let mut out = Vec::new();
/// let mut w = fep_core::MessageWriter::new(&schema, &mut out);
/// let msg = schema.decode(b"007")?;
/// w.write(&msg)?;
/// w.write(&msg)?;
/// assert_eq!(out, b"00030070003007");
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Debug)]
pub struct MessageWriter<W> {
    schema: Schema,
    framer: Framer,
    out: W,
    telegram: Vec<u8>,
    framed: Vec<u8>,
    checker: Option<Box<BatchChecker>>,
    /// Bytes written, for the offsets of failures.
    written: u64,
}

impl<W: Write> MessageWriter<W> {
    /// Writes with the schema's framing.
    pub fn new(schema: &Schema, out: W) -> MessageWriter<W> {
        MessageWriter::with_framer(schema, Framer::new(schema), out)
    }

    /// Writes with a configured framer (LF line endings, say).
    pub fn with_framer(schema: &Schema, framer: Framer, out: W) -> MessageWriter<W> {
        MessageWriter {
            schema: schema.clone(),
            framer,
            out,
            telegram: Vec::new(),
            framed: Vec::new(),
            checker: BatchChecker::new(schema).map(Box::new),
            written: 0,
        }
    }

    /// Uses `ending` for `framing lines`.
    pub fn line_ending(mut self, ending: LineEnding) -> Self {
        self.framer = self.framer.line_ending(ending);
        self
    }

    /// Fill in and check the fields of the layout's `check` statements (the default), or
    /// write messages as they are.
    pub fn checks(mut self, yes: bool) -> Self {
        self.checker = if yes {
            BatchChecker::new(&self.schema).map(Box::new)
        } else {
            None
        };
        self
    }

    /// Encodes, frames and writes one message.
    ///
    /// With checks, a header record while the batch already has one first closes the
    /// batch with its trailer; a given value that disagrees with its check is an error
    /// (kind [`ErrorKind::CheckFailed`](crate::ErrorKind::CheckFailed)) and nothing is
    /// written.
    pub fn write(&mut self, message: &Message<'_>) -> Result<()> {
        let Some(mut checker) = self.checker.take() else {
            return self.write_plain(message);
        };
        let r = self.write_checked(&mut checker, message);
        self.checker = Some(checker);
        r
    }

    fn write_checked(&mut self, c: &mut BatchChecker, message: &Message<'_>) -> Result<()> {
        if c.closes_batch(message) {
            self.close_batch(c)?;
        }
        let message = c.prepare(self.written, message)?;
        let offset = self.written;
        self.write_plain(&message)?;
        c.written(offset, &message);
        Ok(())
    }

    /// Writes the trailer of the open batch, its fields computed.
    fn close_batch(&mut self, c: &mut BatchChecker) -> Result<()> {
        match c.trailer() {
            Some(trailer) => self.write_checked(c, &trailer?),
            None => Ok(()),
        }
    }

    fn write_plain(&mut self, message: &Message<'_>) -> Result<()> {
        self.telegram.clear();
        self.schema.encode_into(message, &mut self.telegram)?;
        self.framed.clear();
        self.framer.write(&self.telegram, &mut self.framed)?;
        self.out.write_all(&self.framed).map_err(Error::from)?;
        self.written += self.framed.len() as u64;
        Ok(())
    }

    /// Frames and writes an already encoded telegram (as it is: no check fills it in).
    pub fn write_telegram(&mut self, telegram: &[u8]) -> Result<()> {
        self.framed.clear();
        self.framer.write(telegram, &mut self.framed)?;
        self.out.write_all(&self.framed).map_err(Error::from)?;
        self.written += self.framed.len() as u64;
        Ok(())
    }

    /// Ends the file: with checks, writes the trailer of a batch left open (records after
    /// the last trailer), then flushes. Call it once, after the last message.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(mut c) = self.checker.take() {
            let r = self.close_batch(&mut c);
            self.checker = Some(c);
            r?;
        }
        self.flush()
    }

    /// Flushes the writer.
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(Error::from)
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}
