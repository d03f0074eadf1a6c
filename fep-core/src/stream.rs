//! Streams: reading framed telegrams from any [`std::io::Read`] (a capture file of millions)
//! with constant memory, and writing them to any [`std::io::Write`].
//!
//! The reader holds one read chunk and at most one partial telegram (bounded by the
//! framer's maximum length), whatever the size of the stream. It can stop at the first bad
//! telegram or report each and go on (`keep_going`), as an analyst wants.

use std::io::{Read, Write};

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::framer::{Frame, Framer};
use crate::framing::LineEnding;
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
        }
    }

    /// The frame the last error refused, when its bytes are known: a frame whose length
    /// disagrees with its message, or the incomplete last one (see
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

    fn step(&mut self) -> Option<Result<Frame>> {
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
}

impl<R: Read> MessageReader<R> {
    /// Reads and decodes `inner` with the schema's framing.
    pub fn new(schema: &Schema, inner: R) -> MessageReader<R> {
        MessageReader {
            schema: schema.clone(),
            frames: TelegramReader::new(schema, inner),
            keep_going: false,
            done: false,
        }
    }

    /// Reads with a configured framer.
    pub fn with_framer(schema: &Schema, framer: Framer, inner: R) -> MessageReader<R> {
        MessageReader {
            schema: schema.clone(),
            frames: TelegramReader::with_framer(framer, inner),
            keep_going: false,
            done: false,
        }
    }

    /// Report a bad telegram and go on, rather than stop at it.
    pub fn keep_going(mut self, yes: bool) -> Self {
        self.keep_going = yes;
        self.frames = self.frames.keep_going(yes);
        self
    }

    /// The underlying telegram reader.
    pub fn telegrams(&self) -> &TelegramReader<R> {
        &self.frames
    }
}

impl<R: Read> Iterator for MessageReader<R> {
    type Item = Result<Decoded>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let frame = match self.frames.next()? {
            Ok(f) => f,
            Err(e) => {
                self.done = !self.keep_going;
                return Some(Err(e));
            }
        };
        match self.schema.decode(&frame.telegram) {
            Ok(m) => {
                let message = m.into_owned();
                Some(Ok(Decoded {
                    offset: frame.offset,
                    telegram: frame.telegram,
                    message,
                }))
            }
            Err(e) => {
                self.done = !self.keep_going;
                Some(Err(e.in_frame(frame.offset)))
            }
        }
    }
}

/// Encodes and frames messages onto a writer.
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
        }
    }

    /// Uses `ending` for `framing lines`.
    pub fn line_ending(mut self, ending: LineEnding) -> Self {
        self.framer = self.framer.line_ending(ending);
        self
    }

    /// Encodes, frames and writes one message.
    pub fn write(&mut self, message: &Message<'_>) -> Result<()> {
        self.telegram.clear();
        self.schema.encode_into(message, &mut self.telegram)?;
        self.framed.clear();
        self.framer.write(&self.telegram, &mut self.framed)?;
        self.out.write_all(&self.framed).map_err(Error::from)
    }

    /// Frames and writes an already encoded telegram.
    pub fn write_telegram(&mut self, telegram: &[u8]) -> Result<()> {
        self.framed.clear();
        self.framer.write(telegram, &mut self.framed)?;
        self.out.write_all(&self.framed).map_err(Error::from)
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
