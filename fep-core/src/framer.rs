//! The [`Framer`]: cuts telegrams out of a byte stream as the layout's `framing` directive
//! says ([`Framing`], in `framing.rs`), and frames telegrams for sending. It splits arriving bytes into whole telegrams and frames
//! telegrams for sending; it works on `bytes::BytesMut`, so it fits any I/O loop.
//!
//! Nothing is allocated from a length read off the wire before it is checked against the
//! framer's maximum.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::{Error, ErrorKind, Result};
use crate::framing::{Framing, LineEnding};
use crate::schema::Schema;

/// A telegram cut from a stream, with its offset (of the frame) in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Byte offset of the frame (its length prefix, if any) from the start of the stream.
    pub offset: u64,
    /// Byte offset of the telegram itself in the stream (after the prefix).
    pub telegram_offset: u64,
    /// The telegram, without its frame.
    pub telegram: Bytes,
}

/// Splits a byte stream into telegrams and frames telegrams for writing.
///
/// # Example
/// ```
/// use bytes::BytesMut;
/// let schema = fep_core::Schema::parse("encoding ascii\nframing length-prefix 4 ascii\nmessage m 3 {\n a X(3)\n}\n")?;
/// let mut framer = fep_core::Framer::new(&schema);
/// let mut buf = BytesMut::from(&b"0003ab"[..]);
/// assert!(framer.next_frame(&mut buf)?.is_none()); // a partial telegram waits
/// buf.extend_from_slice(b"c0003xyz");
/// assert_eq!(&framer.next_frame(&mut buf)?.unwrap().telegram[..], b"abc");
/// assert_eq!(framer.next_frame(&mut buf)?.unwrap().offset, 7);
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Framer {
    schema: Schema,
    framing: Framing,
    max_len: usize,
    line_ending: LineEnding,
    /// Stream offset of the first byte in the caller's buffer.
    offset: u64,
    /// The last frame refused for its length (a prefix that disagrees with its message, a
    /// stream that ends inside it), kept for whoever wants to show what it holds.
    rejected: Option<Frame>,
}

/// The default largest telegram a framer accepts: 64 KiB.
pub const DEFAULT_MAX_FRAME: usize = 64 * 1024;

impl Framer {
    /// A framer for the schema's framing, with the default maximum length (64 KiB).
    pub fn new(schema: &Schema) -> Framer {
        Framer {
            schema: schema.clone(),
            framing: schema.framing(),
            max_len: DEFAULT_MAX_FRAME,
            line_ending: LineEnding::default(),
            offset: 0,
            rejected: None,
        }
    }

    /// Sets the largest telegram accepted; a longer one is an error, never an allocation.
    pub fn max_length(mut self, max: usize) -> Framer {
        self.max_len = max;
        self
    }

    /// Sets the line ending written for `framing lines` (CRLF by default).
    pub fn line_ending(mut self, ending: LineEnding) -> Framer {
        self.line_ending = ending;
        self
    }

    /// The stream offset of the next byte the framer will look at.
    pub fn stream_offset(&self) -> u64 {
        self.offset
    }

    /// The frame of the last error that refused a whole frame, until taken: a frame whose
    /// length disagrees with its message ([`ErrorKind::FrameLengthMismatch`]), an overlong
    /// line ([`ErrorKind::FrameTooLong`]), or the incomplete last one, the bytes that came
    /// after its prefix ([`ErrorKind::FrameTruncated`]). Meant for showing what a bad frame
    /// holds, field by field (`fep explain` does), and for keeping rejected telegrams
    /// (`fep convert --rejects`); kept only on those errors, never for a good frame. `None`
    /// when the error skipped nothing (the stream cannot be framed on from there).
    pub fn take_rejected(&mut self) -> Option<Frame> {
        self.rejected.take()
    }

    fn err(kind: ErrorKind, at: u64, length: usize, raw: &[u8]) -> Error {
        Error::data(kind, at as usize, length, Some(raw)).in_frame(at)
    }

    /// Takes the next whole telegram from the front of `buf`, or `None` when more bytes are
    /// needed. Consumed bytes are removed from `buf`.
    ///
    /// # Errors
    /// A length prefix that is not digits, a length over the maximum, or a length that
    /// disagrees with the message's declared length; the error carries the stream offset.
    /// After an error about one frame whose end is known (a length mismatch, a bad line), the
    /// frame has been skipped and the next call goes on with the next one.
    pub fn next_frame(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>> {
        match self.framing {
            Framing::LengthPrefix {
                width,
                binary,
                inclusive,
            } => self.prefixed(buf, width as usize, binary, inclusive),
            Framing::Lines => self.line(buf, false),
            Framing::None => self.unframed(buf),
        }
    }

    /// The whole, good frame at the front of `data`, as (prefix, telegram, trailer) lengths,
    /// without taking it: `Some` exactly when [`Framer::next_frame`] on a buffer holding
    /// `data` would return that frame (not an error, not a wait for more bytes). `None`
    /// says nothing more: the caller hands the bytes to `next_frame`, which says what
    /// they are. A reader that holds the bytes elsewhere (a captured packet) frames them in
    /// place with it, then accounts for the frame with [`Framer::took`].
    pub(crate) fn peek_frame(&self, data: &[u8]) -> Option<(usize, usize, usize)> {
        match self.framing {
            Framing::LengthPrefix {
                width,
                binary,
                inclusive,
            } => {
                let width = width as usize;
                let head = data.get(..width)?;
                let value: u64 = if binary {
                    head.iter().fold(0u64, |a, &b| a << 8 | u64::from(b))
                } else if let Ok(four) = <[u8; 4]>::try_from(head) {
                    // The usual prefix, four ASCII digits, read as one word.
                    crate::codec::number::four_digits(four)?
                } else {
                    crate::codec::number::all_digits(head)? as u64
                };
                let len = if inclusive {
                    value.checked_sub(width as u64)?
                } else {
                    value
                };
                if len > self.max_len as u64 || data.len() - width < len as usize {
                    return None;
                }
                let len = len as usize;
                self.declared_agrees(&data[width..width + len])
                    .then_some((width, len, 0))
            }
            Framing::None => match self.schema.telegram_length(data) {
                Ok(Some(len)) if len <= self.max_len && len > 0 && data.len() >= len => {
                    Some((0, len, 0))
                }
                _ => None,
            },
            // Lines: an empty line, a carriage return and the overlong line each take their
            // own turn in `line`; it does all of them.
            Framing::Lines => None,
        }
    }

    /// True when the telegram's message (if one matches) has no fixed length, or the
    /// telegram's: what [`Framer::check_declared`] lets through.
    fn declared_agrees(&self, telegram: &[u8]) -> bool {
        match self.schema.inner.dispatch.choose(telegram) {
            Some(i) => self.schema.inner.messages[i]
                .fixed_len
                .is_none_or(|l| l == telegram.len()),
            None => true,
        }
    }

    /// Accounts for a frame of `n` bytes that [`Framer::peek_frame`] found and the caller
    /// took itself: the stream offset moves past it.
    pub(crate) fn took(&mut self, n: usize) {
        self.offset += n as u64;
    }

    /// At the end of the stream: the last telegram if the framing allows one without its
    /// terminator (a last line without a newline), else an error if bytes are left over.
    pub fn finish(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>> {
        if buf.is_empty() {
            return Ok(None);
        }
        if self.framing == Framing::Lines {
            return self.line(buf, true);
        }
        // What the frame promised and what came: worked out here, on the error path only.
        let n = buf.len();
        let (needed, prefix, message) = match self.framing {
            Framing::LengthPrefix { width, .. } if n < width as usize => {
                (None, width as usize, None)
            }
            Framing::LengthPrefix {
                width,
                binary,
                inclusive,
            } => {
                let width = width as usize;
                match self.prefix_length(&buf[..width], binary, inclusive) {
                    Ok(l) => (usize::try_from(l).ok(), width, None),
                    Err(e) => {
                        // Nothing after a bad prefix can be read: the stream is done.
                        self.offset += n as u64;
                        buf.clear();
                        return Err(e);
                    }
                }
            }
            _ => {
                let needed = self.schema.telegram_length(buf).ok().flatten();
                let message = self.schema.dispatch(buf).ok().map(|m| m.name().to_owned());
                (needed, 0, message)
            }
        };
        let prefixed = matches!(self.framing, Framing::LengthPrefix { .. });
        let kind = ErrorKind::FrameTruncated {
            needed,
            // Inside the prefix, the bytes of the prefix that came.
            found: if n < prefix { n } else { n - prefix },
            prefix: prefixed.then_some(prefix),
            message,
        };
        let e = Framer::err(kind, self.offset, n, &buf[..n.min(16)]);
        let offset = self.offset;
        let bytes = buf.split().freeze();
        self.rejected = Some(Frame {
            offset,
            telegram_offset: offset + prefix.min(n) as u64,
            telegram: bytes.slice(prefix.min(n)..),
        });
        self.offset += n as u64;
        Err(e)
    }

    /// The telegram length a whole length prefix says, or the error for a bad one.
    fn prefix_length(&self, head: &[u8], binary: bool, inclusive: bool) -> Result<u64> {
        let width = head.len();
        let value: u64 = if binary {
            head.iter().fold(0u64, |a, &b| a << 8 | u64::from(b))
        } else {
            match crate::codec::number::all_digits(head) {
                Some(v) => v as u64,
                None => {
                    return Err(Framer::err(
                        ErrorKind::BadLengthPrefix("the length prefix is not digits".into()),
                        self.offset,
                        width,
                        head,
                    ));
                }
            }
        };
        if !inclusive {
            return Ok(value);
        }
        match value.checked_sub(width as u64) {
            Some(l) => Ok(l),
            None => Err(Framer::err(
                ErrorKind::BadLengthPrefix(format!(
                    "the length prefix {value} is shorter than the prefix itself"
                )),
                self.offset,
                width,
                head,
            )),
        }
    }

    fn take(&mut self, buf: &mut BytesMut, prefix: usize, len: usize, trailer: usize) -> Frame {
        let offset = self.offset;
        // The whole frame split off at once, then cut down to its telegram: one split and
        // one advance where there were two advances and a split.
        let mut telegram = buf.split_to(prefix + len + trailer);
        if prefix > 0 {
            telegram.advance(prefix);
        }
        telegram.truncate(len);
        let telegram = telegram.freeze();
        self.offset += (prefix + len + trailer) as u64;
        Frame {
            offset,
            telegram_offset: offset + prefix as u64,
            telegram,
        }
    }

    fn prefixed(
        &mut self,
        buf: &mut BytesMut,
        width: usize,
        binary: bool,
        inclusive: bool,
    ) -> Result<Option<Frame>> {
        if buf.len() < width {
            return Ok(None);
        }
        let len = self.prefix_length(&buf[..width], binary, inclusive)?;
        if len > self.max_len as u64 {
            return Err(Framer::err(
                ErrorKind::FrameTooLong {
                    length: Some(len),
                    max: self.max_len,
                    prefixed: true,
                },
                self.offset,
                width,
                &buf[..width],
            ));
        }
        let len = len as usize;
        if buf.len() < width + len {
            return Ok(None);
        }
        let frame = self.take(buf, width, len, 0);
        self.check_declared(frame, true).map(Some)
    }

    /// The frame, or an error when its length disagrees with its message's declared
    /// length (the frame is then kept for [`Framer::take_rejected`]).
    fn check_declared(&mut self, frame: Frame, prefixed: bool) -> Result<Frame> {
        let Ok(m) = self.schema.dispatch(&frame.telegram) else {
            return Ok(frame);
        };
        match m.length() {
            Some(l) if l != frame.telegram.len() => {
                let n = frame.telegram.len();
                let e = Framer::err(
                    ErrorKind::FrameLengthMismatch {
                        frame: n,
                        message: m.name().to_owned(),
                        length: l,
                        prefixed,
                    },
                    frame.offset,
                    (frame.telegram_offset - frame.offset) as usize + n,
                    &frame.telegram[..n.min(16)],
                );
                self.rejected = Some(frame);
                Err(e)
            }
            _ => Ok(frame),
        }
    }

    /// A line over the maximum, the same error whether its end has arrived or not (so that
    /// how the bytes were cut into reads changes nothing): its first bytes, up to 16.
    fn long_line(&self, buf: &[u8]) -> Error {
        let shown = (self.max_len + 1).min(16).min(buf.len());
        Framer::err(
            ErrorKind::FrameTooLong {
                length: None,
                max: self.max_len,
                prefixed: false,
            },
            self.offset,
            shown,
            &buf[..shown],
        )
    }

    fn line(&mut self, buf: &mut BytesMut, at_end: bool) -> Result<Option<Frame>> {
        loop {
            let nl = buf.iter().position(|&b| b == b'\n');
            let (end, term) = match nl {
                Some(i) => (i, 1),
                None if at_end && !buf.is_empty() => (buf.len(), 0),
                None => {
                    if buf.len() > self.max_len + 1 {
                        return Err(self.long_line(buf));
                    }
                    return Ok(None);
                }
            };
            let (len, trailer) = if end > 0 && buf[end - 1] == b'\r' {
                (end - 1, term + 1)
            } else {
                (end, term)
            };
            if len == 0 {
                // An empty line separates nothing; skip it.
                self.take(buf, 0, 0, trailer);
                if buf.is_empty() {
                    return Ok(None);
                }
                continue;
            }
            if len > self.max_len {
                // The line's end is known: report it, skip it, go on with the next.
                let e = self.long_line(buf);
                self.rejected = Some(self.take(buf, 0, len, trailer));
                return Err(e);
            }
            let frame = self.take(buf, 0, len, trailer);
            return self.check_declared(frame, false).map(Some);
        }
    }

    fn unframed(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>> {
        if buf.is_empty() {
            return Ok(None);
        }
        let at = self.offset as usize;
        match self
            .schema
            .telegram_length(buf)
            .map_err(|e| e.shift_offset(at))?
        {
            // No bytes shown: how many have arrived depends on how the stream was read.
            Some(len) if len > self.max_len => Err(Framer::err(
                ErrorKind::FrameTooLong {
                    length: Some(len as u64),
                    max: self.max_len,
                    prefixed: false,
                },
                self.offset,
                0,
                &[],
            )),
            Some(len) if buf.len() >= len => Ok(Some(self.take(buf, 0, len, 0))),
            _ => Ok(None),
        }
    }

    /// Appends `telegram` to `out` with its frame.
    ///
    /// # Errors
    /// A telegram too long for the prefix (or over the maximum).
    pub fn write(&self, telegram: &[u8], out: &mut impl BufMut) -> Result<()> {
        let len = telegram.len();
        if len > self.max_len {
            return Err(Error::value(ErrorKind::OutOfRange(format!(
                "a telegram of {len} bytes, more than the maximum of {}",
                self.max_len
            ))));
        }
        match self.framing {
            Framing::None => out.put_slice(telegram),
            Framing::Lines => {
                out.put_slice(telegram);
                out.put_slice(match self.line_ending {
                    LineEnding::CrLf => b"\r\n",
                    LineEnding::Lf => b"\n",
                });
            }
            Framing::LengthPrefix {
                width,
                binary,
                inclusive,
            } => {
                let width = width as usize;
                let value = (len + if inclusive { width } else { 0 }) as u64;
                let fits = if binary {
                    width >= 8 || value < 1u64 << (8 * width)
                } else {
                    value < 10u64.pow(width as u32)
                };
                if !fits {
                    return Err(Error::value(ErrorKind::OutOfRange(format!(
                        "a telegram of {len} bytes does not fit a {width}-{} length prefix",
                        if binary { "byte" } else { "digit" }
                    ))));
                }
                if binary {
                    for i in (0..width).rev() {
                        out.put_u8((value >> (8 * i)) as u8);
                    }
                } else {
                    let digits = format!("{value:0width$}");
                    out.put_slice(digits.as_bytes());
                }
                out.put_slice(telegram);
            }
        }
        Ok(())
    }

    /// Frames a telegram into a new vector.
    pub fn frame(&self, telegram: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(telegram.len() + 4);
        self.write(telegram, &mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(framing: &str) -> Schema {
        Schema::parse(&format!(
            "encoding ascii\nframing {framing}\nmessage m 3 {{\n a X(3)\n}}\n"
        ))
        .expect("layout")
    }

    fn all(framer: &mut Framer, input: &[u8]) -> Result<Vec<Vec<u8>>> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for &b in input {
            buf.put_u8(b);
            while let Some(f) = framer.next_frame(&mut buf)? {
                out.push(f.telegram.to_vec());
            }
        }
        while let Some(f) = framer.finish(&mut buf)? {
            out.push(f.telegram.to_vec());
        }
        Ok(out)
    }

    #[test]
    fn ascii_prefix_byte_by_byte() {
        let s = schema("length-prefix 4 ascii");
        let got = all(&mut Framer::new(&s), b"0003abc0003def").expect("frames");
        assert_eq!(got, vec![b"abc".to_vec(), b"def".to_vec()]);
    }

    #[test]
    fn framing_prints_as_the_layout_spells_it() {
        assert_eq!(
            schema("length-prefix 4 ascii inclusive")
                .framing()
                .to_string(),
            "length-prefix 4 ascii inclusive"
        );
        assert_eq!(
            schema("length-prefix 2 binary").framing().to_string(),
            "length-prefix 2 binary"
        );
        assert_eq!(schema("lines").framing().to_string(), "lines");
    }

    #[test]
    fn inclusive_and_binary() {
        let s = schema("length-prefix 4 ascii inclusive");
        assert_eq!(
            all(&mut Framer::new(&s), b"0007abc").expect("ok"),
            vec![b"abc".to_vec()]
        );
        let s = schema("length-prefix 2 binary");
        assert_eq!(
            all(&mut Framer::new(&s), b"\x00\x03abc").expect("ok"),
            vec![b"abc".to_vec()]
        );
        assert_eq!(Framer::new(&s).frame(b"abc").expect("ok"), b"\x00\x03abc");
    }

    #[test]
    fn lines_crlf_and_lf() {
        let s = schema("lines");
        let got = all(&mut Framer::new(&s), b"abc\r\ndef\nghi").expect("frames");
        assert_eq!(got, vec![b"abc".to_vec(), b"def".to_vec(), b"ghi".to_vec()]);
    }

    #[test]
    fn bad_prefixes() {
        let s = schema("length-prefix 4 ascii");
        let e = all(&mut Framer::new(&s), b"0003abc00x3def").expect_err("bad digits");
        assert_eq!(
            e.to_string(),
            "frame at byte 7: the length prefix is not digits, found \"00x3\""
        );
        assert!(matches!(e.kind(), ErrorKind::BadLengthPrefix(_)));
        assert_eq!((e.offset(), e.frame_offset()), (Some(7), Some(7)));
        let e = all(&mut Framer::new(&s).max_length(2), b"9999").expect_err("oversize");
        assert_eq!(
            e.to_string(),
            "frame at byte 0: the length prefix says 9999 bytes, more than the maximum of 2"
        );
        assert!(matches!(
            e.kind(),
            ErrorKind::FrameTooLong {
                length: Some(9999),
                max: 2,
                prefixed: true
            }
        ));
        let e = all(&mut Framer::new(&s), b"0003abc0004abcd").expect_err("mismatch");
        assert_eq!(
            e.to_string(),
            "frame at byte 7: the length prefix says 4 bytes but message \"m\" is 3 bytes"
        );
        assert!(matches!(
            e.kind(),
            ErrorKind::FrameLengthMismatch {
                frame: 4,
                length: 3,
                prefixed: true,
                ..
            }
        ));
    }

    #[test]
    fn a_mismatched_frame_is_kept_for_showing() {
        let s = schema("length-prefix 4 ascii");
        let mut framer = Framer::new(&s);
        let mut buf = BytesMut::from(&b"0003abc0004abcd0003xyz"[..]);
        assert!(framer.next_frame(&mut buf).expect("good").is_some());
        assert!(
            framer.take_rejected().is_none(),
            "nothing kept for a good frame"
        );
        framer.next_frame(&mut buf).expect_err("mismatch");
        let f = framer.take_rejected().expect("the refused frame");
        assert_eq!(
            (f.offset, f.telegram_offset, &f.telegram[..]),
            (7, 11, &b"abcd"[..])
        );
        assert!(framer.take_rejected().is_none(), "taken once");
        let f = framer.next_frame(&mut buf).expect("next").expect("frame");
        assert_eq!(&f.telegram[..], b"xyz");
    }

    #[test]
    fn a_stream_that_ends_inside_a_frame_says_what_the_prefix_promised() {
        let s = schema("length-prefix 4 ascii");
        let mut framer = Framer::new(&s);
        let e = all(&mut framer, b"0003abc0003xy").expect_err("short");
        assert_eq!(
            e.to_string(),
            "frame at byte 7: the length prefix says 3 bytes; 2 follow"
        );
        assert!(matches!(
            e.kind(),
            ErrorKind::FrameTruncated {
                needed: Some(3),
                found: 2,
                prefix: Some(4),
                message: None
            }
        ));
        let f = framer.take_rejected().expect("what came");
        assert_eq!(
            (f.offset, f.telegram_offset, &f.telegram[..]),
            (7, 11, &b"xy"[..])
        );

        let e = all(&mut Framer::new(&s), b"0003abc00").expect_err("inside the prefix");
        assert_eq!(
            e.to_string(),
            "frame at byte 7: the stream ends inside a length prefix: it is 4 bytes; 2 follow"
        );
        let e = all(&mut Framer::new(&s), b"0003abc0003x").expect_err("one byte");
        assert_eq!(
            e.to_string(),
            "frame at byte 7: the length prefix says 3 bytes; 1 follows"
        );
    }

    #[test]
    fn unframed_uses_message_length() {
        let s = schema("none");
        assert_eq!(
            all(&mut Framer::new(&s), b"abcdef").expect("ok"),
            vec![b"abc".to_vec(), b"def".to_vec()]
        );
        let e = all(&mut Framer::new(&s), b"abcde").expect_err("leftover");
        assert_eq!(
            e.to_string(),
            "frame at byte 3: the stream ends inside a telegram: message \"m\" is 3 bytes; 2 follow"
        );
    }

    #[test]
    fn lines_that_disagree_with_their_message() {
        let s = schema("lines");
        let e = all(&mut Framer::new(&s), b"abc\r\nabcd\r\n").expect_err("long line");
        assert_eq!(
            e.to_string(),
            "frame at byte 5: the line holds 4 bytes but message \"m\" is 3 bytes"
        );
        let e = all(&mut Framer::new(&s).max_length(2), b"abcdef").expect_err("over");
        assert_eq!(
            e.to_string(),
            "frame at byte 0: a line longer than the maximum of 2 bytes, found \"abc\""
        );
    }
}

/// A tokio-util codec over the [`Framer`]: `FramedRead::new(socket, FepCodec::new(&schema))`
/// yields [`Frame`]s; `FramedWrite` takes telegrams (`&[u8]`) and frames them.
///
/// Enabled by the `tokio` feature.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone)]
pub struct FepCodec {
    framer: Framer,
}

#[cfg(feature = "tokio")]
impl FepCodec {
    /// A codec with the schema's framing.
    pub fn new(schema: &Schema) -> FepCodec {
        FepCodec {
            framer: Framer::new(schema),
        }
    }

    /// A codec with a configured framer.
    pub fn with_framer(framer: Framer) -> FepCodec {
        FepCodec { framer }
    }
}

#[cfg(feature = "tokio")]
impl tokio_util::codec::Decoder for FepCodec {
    type Item = Frame;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>> {
        self.framer.next_frame(src)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>> {
        match self.framer.next_frame(src)? {
            Some(f) => Ok(Some(f)),
            None => self.framer.finish(src),
        }
    }
}

#[cfg(feature = "tokio")]
impl tokio_util::codec::Encoder<&[u8]> for FepCodec {
    type Error = Error;

    fn encode(&mut self, telegram: &[u8], dst: &mut BytesMut) -> Result<()> {
        self.framer.write(telegram, dst)
    }
}

#[cfg(all(test, feature = "tokio"))]
mod codec_tests {
    use super::*;
    use tokio_util::codec::{Decoder, Encoder};

    #[test]
    fn codec_frames_both_ways() {
        let schema = Schema::parse(
            "encoding ascii\nframing length-prefix 4 ascii\nmessage m 3 {\n a X(3)\n}\n",
        )
        .expect("layout");
        let mut codec = FepCodec::new(&schema);
        let mut buf = BytesMut::new();
        codec.encode(&b"abc"[..], &mut buf).expect("encodes");
        codec.encode(&b"def"[..], &mut buf).expect("encodes");
        assert_eq!(&buf[..], b"0003abc0003def");
        let a = codec.decode(&mut buf).expect("ok").expect("frame");
        let b = codec.decode_eof(&mut buf).expect("ok").expect("frame");
        assert_eq!(
            (&a.telegram[..], &b.telegram[..], b.offset),
            (&b"abc"[..], &b"def"[..], 7)
        );
        assert!(codec.decode_eof(&mut buf).expect("ok").is_none());
    }
}
