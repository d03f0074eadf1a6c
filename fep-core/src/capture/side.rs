//! One direction of a connection: its reassembled bytes cut into telegrams by the layout's
//! framer, and the way back into step after a hole.
//!
//! After a hole (or bytes the framer cannot read), the bytes that follow may start inside a
//! telegram. The side then looks, byte by byte, for the first place where a whole frame
//! starts whose telegram decodes as one of the layout's messages, and goes on from there.
//! Every byte between is counted and reported with the hole: a telegram is never made up,
//! and never dropped without a word.

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::framer::{Frame, Framer};
use crate::schema::Schema;

use super::event::{CaptureEvent, CapturedTelegram, Connection, Direction, Gap, GapCause};
use super::file::Timestamp;
use super::reassembly::{Piece, Reassembler};

/// The most frames [`Cutter::in_place`] lists before handing them on.
const SPANS: usize = 64;

/// Where a side's events go: the reader's queue, in capture order.
pub(crate) type Queue = VecDeque<Result<CaptureEvent>>;

/// Why a side lost step, and what it cost.
#[derive(Debug, Default)]
pub(crate) struct Lost {
    /// Stream offset of the first byte that did not make a telegram.
    pub at: u64,
    /// Bytes no packet brought.
    pub missing: u64,
    /// Bytes of these that the capture cut from packets (its snap length).
    pub snapped: u64,
    /// Bytes captured but in no telegram: a telegram the hole cut short, then bytes before
    /// the next telegram the side could verify.
    pub skipped: u64,
    /// The framing error that made the side lose step, when it was not a hole.
    pub error: Option<Error>,
    /// True when the stream began inside the connection (the capture started after it).
    pub mid_stream: bool,
    /// True when the stream ended before the side found its step again.
    pub at_end: bool,
}

#[derive(Debug)]
pub(crate) struct Side {
    pub reasm: Reassembler,
    pub cutter: Cutter,
}

impl Side {
    pub fn new(
        schema: &Schema,
        framer: &Framer,
        lookahead: usize,
        window: usize,
        connection: Connection,
        direction: Direction,
    ) -> Side {
        Side {
            reasm: Reassembler::new(window),
            cutter: Cutter {
                template: framer.clone(),
                framer: framer.clone(),
                schema: schema.clone(),
                buf: BytesMut::new(),
                start: 0,
                lost: None,
                lookahead,
                ts: Timestamp::default(),
                now: Timestamp::default(),
                connection,
                direction,
                spans: Vec::new(),
                block: BytesMut::new(),
            },
        }
    }

    /// The first bytes of a stream whose start the capture did not see: look for a
    /// telegram to start from, as after a hole.
    pub fn start_mid_stream(&mut self) {
        self.cutter.lost = Some(Lost {
            mid_stream: true,
            ..Lost::default()
        });
    }

    /// Bytes held by this side (its partial telegram and the reassembler's early segments).
    pub fn held(&self) -> usize {
        self.cutter.buf.len() + self.reasm.held()
    }

    /// Takes one TCP segment in.
    pub fn segment(&mut self, seq: u32, payload: &[u8], cut: u64, ts: Timestamp, out: &mut Queue) {
        let cutter = &mut self.cutter;
        cutter.now = ts;
        self.reasm
            .segment(seq, payload, cut, ts, &mut |p| cutter.piece(p, out));
    }

    /// The other side acknowledged the stream up to `ack`, in a packet of time `ts`.
    pub fn acked(&mut self, ack: u32, ts: Timestamp, out: &mut Queue) {
        let cutter = &mut self.cutter;
        cutter.now = ts;
        self.reasm.acked(ack, &mut |p| cutter.piece(p, out));
    }

    /// The end of the stream, at time `ts`: what waits is handed on, and what is left
    /// reported.
    pub fn finish(&mut self, ts: Timestamp, out: &mut Queue) {
        let cutter = &mut self.cutter;
        cutter.now = ts;
        self.reasm.finish(&mut |p| cutter.piece(p, out));
        cutter.finish(out);
    }
}

/// The framing half of a side: bytes in order to telegrams.
#[derive(Debug)]
pub(crate) struct Cutter {
    template: Framer,
    framer: Framer,
    schema: Schema,
    buf: BytesMut,
    /// Stream offset of `buf[0]`.
    start: u64,
    /// Set while looking for the next verifiable telegram.
    lost: Option<Lost>,
    /// How far to look ahead at a candidate place: the longest frame.
    lookahead: usize,
    /// When the last bytes came.
    ts: Timestamp,
    /// The time of the packet being taken in (a gap found now is reported with it).
    now: Timestamp,
    connection: Connection,
    direction: Direction,
    /// The frames [`Cutter::in_place`] found in a segment (start, prefix and telegram
    /// lengths), kept to spare an allocation a segment.
    spans: Vec<(usize, usize, usize)>,
    /// Where [`Cutter::in_place`] copies a segment's telegrams (empty between segments).
    block: BytesMut,
}

/// What a look at one place of the stream finds.
enum Candidate {
    /// A whole frame whose telegram decodes.
    Verified,
    /// No telegram starts here.
    No,
    /// Not enough bytes yet to tell.
    More,
}

impl Cutter {
    fn telegram(&self, mut frame: Frame, out: &mut Queue) {
        frame.offset += self.start;
        frame.telegram_offset += self.start;
        self.push(frame, out);
    }

    /// A telegram whose offsets are already the stream's.
    fn push(&self, frame: Frame, out: &mut Queue) {
        out.push_back(Ok(CaptureEvent::Telegram(CapturedTelegram {
            ts: self.ts,
            connection: self.connection,
            direction: self.direction,
            frame,
        })));
    }

    /// Reports what a loss of step cost, unless it cost nothing (a capture that starts
    /// between two telegrams).
    fn gap(&self, lost: Lost, out: &mut Queue) {
        if lost.missing == 0 && lost.skipped == 0 && lost.error.is_none() {
            return;
        }
        let cause = match lost.error {
            Some(e) => GapCause::Unframed(e),
            None if lost.missing > 0 && lost.snapped == lost.missing => GapCause::Snaplen,
            None if lost.missing > 0 => GapCause::Lost,
            None if lost.mid_stream => GapCause::MidStream,
            None => GapCause::End,
        };
        out.push_back(Ok(CaptureEvent::Gap(Box::new(Gap {
            ts: self.now,
            connection: self.connection,
            direction: self.direction,
            offset: lost.at,
            missing: lost.missing,
            skipped: lost.skipped,
            cause,
            at_end: lost.at_end,
        }))));
    }

    fn piece(&mut self, p: Piece<'_>, out: &mut Queue) {
        match p {
            Piece::Data(d, ts) => {
                self.ts = ts;
                let rest = if self.buf.is_empty() && self.lost.is_none() {
                    self.in_place(d, out)
                } else {
                    d
                };
                if !rest.is_empty() {
                    self.buf.extend_from_slice(rest);
                    self.cut(out, false);
                }
            }
            Piece::Hole { at, len, snaplen } => {
                self.rebase();
                let lost = self.lost.get_or_insert_with(|| Lost {
                    at: self.start,
                    ..Lost::default()
                });
                // The bytes before the hole are a telegram cut short (in step), or bytes
                // that were being looked through (out of step): either way, no telegram.
                lost.skipped += self.buf.len() as u64;
                lost.missing += len;
                if snaplen {
                    lost.snapped += len;
                }
                self.buf.clear();
                self.start = at + len;
            }
        }
    }

    /// Frames the whole telegrams at the front of `d`, bytes in order that begin where the
    /// stream is (the buffer is empty and in step), where they lie: they are copied once,
    /// into one block shared by the packet's telegrams, rather than into the buffer and
    /// split off it. Returns what is left (a telegram the next segment completes, or bytes
    /// the framer must look at itself, an error among them), for the buffer.
    fn in_place<'d>(&mut self, d: &'d [u8], out: &mut Queue) -> &'d [u8] {
        let mut end = 0;
        loop {
            // A few frames at a time: the list is bounded whatever the segment holds.
            let from = end;
            self.spans.clear();
            while self.spans.len() < SPANS
                && let Some((prefix, len, trailer)) = self.framer.peek_frame(&d[end..])
            {
                self.spans.push((end, prefix, len));
                end += prefix + len + trailer;
            }
            if end == from {
                return &d[end..];
            }
            let base = self.framer.stream_offset();
            self.framer.took(end - from);
            let start = self.start + base;
            let frame = |at: usize, prefix: usize, telegram: Bytes| Frame {
                offset: start + (at - from) as u64,
                telegram_offset: start + (at - from + prefix) as u64,
                telegram,
            };
            // One copy into the block, whose allocation comes back for the next segment's
            // once its telegrams are let go of.
            self.block.extend_from_slice(&d[from..end]);
            let block = self.block.split().freeze();
            for &(at, prefix, len) in &self.spans {
                let telegram = block.slice(at - from + prefix..at - from + prefix + len);
                self.push(frame(at, prefix, telegram), out);
            }
        }
    }

    /// Cuts what the buffer holds.
    fn cut(&mut self, out: &mut Queue, at_end: bool) {
        loop {
            if self.lost.is_some() && !self.resync(out, at_end) {
                return;
            }
            let before = self.framer.stream_offset();
            match self.framer.next_frame(&mut self.buf) {
                Ok(Some(frame)) => self.telegram(frame, out),
                Ok(None) => return,
                Err(e) => {
                    // Out of step: the bytes the framer took with the error are skipped, and
                    // the next place to try is the one after where the bad frame started.
                    let taken = self.framer.stream_offset() - before;
                    let base = self.start;
                    let at = base + before;
                    self.rebase();
                    self.lost = Some(Lost {
                        at,
                        skipped: taken,
                        error: Some(e.shift_offset(base as usize)),
                        ..Lost::default()
                    });
                }
            }
        }
    }

    /// Makes `buf[0]` the framer's offset 0 again (after bytes were taken out of step).
    fn rebase(&mut self) {
        self.start += self.framer.stream_offset();
        self.framer = self.template.clone();
    }

    /// Looks for the first place in the buffer where a verifiable telegram starts; true
    /// when found (the buffer then starts there and the gap is reported).
    fn resync(&mut self, out: &mut Queue, at_end: bool) -> bool {
        self.rebase();
        let mut pos = 0;
        let found = loop {
            if pos >= self.buf.len() {
                break false;
            }
            match self.candidate(pos) {
                Candidate::Verified => break true,
                Candidate::No => pos += 1,
                Candidate::More if at_end => pos += 1,
                Candidate::More => break false,
            }
        };
        // The bytes before `pos` start no telegram: skipped, and let go of.
        self.buf.advance(pos);
        self.start += pos as u64;
        if let Some(lost) = &mut self.lost {
            lost.skipped += pos as u64;
        }
        if found && let Some(lost) = self.lost.take() {
            self.gap(lost, out);
        }
        found
    }

    fn candidate(&self, pos: usize) -> Candidate {
        // The probe starts small and doubles while the framer asks for more: most places
        // fail on their first bytes (a length prefix that is not digits), and copying the
        // longest frame at every byte of a long unreadable stretch would cost its length
        // times the stretch's.
        let limit = self.buf.len().min(pos + self.lookahead);
        let mut size = 64;
        loop {
            let end = limit.min(pos + size);
            let mut probe = BytesMut::from(&self.buf[pos..end]);
            let mut framer = self.template.clone();
            match framer.next_frame(&mut probe) {
                Ok(Some(frame)) => {
                    return if self.schema.decode(&frame.telegram).is_ok() {
                        Candidate::Verified
                    } else {
                        Candidate::No
                    };
                }
                Ok(None) if end < limit => size *= 2,
                Ok(None) if end == self.buf.len() => return Candidate::More,
                Ok(None) | Err(_) => return Candidate::No,
            }
        }
    }

    /// The end of the stream: the last telegram if the framing has one without its end,
    /// else what is left is reported.
    fn finish(&mut self, out: &mut Queue) {
        self.cut(out, true);
        if self.lost.is_none() {
            let left = self.buf.len() as u64;
            let at = self.start + self.framer.stream_offset();
            match self.framer.finish(&mut self.buf) {
                Ok(Some(frame)) => {
                    self.telegram(frame, out);
                    return;
                }
                Ok(None) => return,
                Err(_) => {
                    // The stream ends inside a telegram: reported as skipped bytes.
                    self.lost = Some(Lost {
                        at,
                        skipped: left,
                        ..Lost::default()
                    });
                }
            }
        }
        if let Some(mut lost) = self.lost.take() {
            lost.skipped += self.buf.len() as u64;
            lost.at_end = true;
            self.buf.clear();
            self.gap(lost, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events of one direction whose bytes come in segments of `size` bytes (all at the
    /// same time), as text.
    fn events(schema: &Schema, stream: &[u8], size: usize) -> Vec<String> {
        let framer = Framer::new(schema);
        let connection = Connection {
            client: "10.0.0.1:40000".parse().expect("address"),
            server: "10.0.0.2:9000".parse().expect("address"),
        };
        let mut side = Side::new(schema, &framer, 8, 1 << 20, connection, Direction::ToServer);
        side.reasm.syn(0);
        let mut out = Queue::new();
        let ts = Timestamp::from_unix_nanos(7);
        for (i, chunk) in stream.chunks(size).enumerate() {
            side.segment((1 + i * size) as u32, chunk, 0, ts, &mut out);
        }
        side.finish(ts, &mut out);
        out.into_iter()
            .map(|e| match e.expect("event") {
                CaptureEvent::Telegram(t) => format!("{:?}", t.frame),
                CaptureEvent::Gap(g) => g.to_string(),
            })
            .collect()
    }

    /// Framing where a segment brings the telegrams gives what framing through the buffer
    /// gives, however the stream is cut: the same telegrams at the same offsets, and the
    /// same gaps (a frame whose length disagrees with its message, a prefix that is not
    /// digits, a telegram the stream ends inside).
    #[test]
    fn framing_in_place_is_framing_through_the_buffer() {
        let schema = Schema::parse(
            "encoding ascii\nframing length-prefix 4 ascii\nmessage m 3 {\n a X(3)\n}\n",
        )
        .expect("layout");
        let stream = b"0003abc0003def0004wxyz0003ghix0003jkl0003mno0003pq";
        // One byte a segment never frames in place: every telegram goes through the buffer.
        let buffered = events(&schema, stream, 1);
        assert_eq!(
            buffered.iter().filter(|e| e.starts_with("Frame")).count(),
            5
        );
        assert_eq!(buffered.len(), 8, "{buffered:#?}");
        for size in 2..=stream.len() {
            assert_eq!(
                events(&schema, stream, size),
                buffered,
                "segments of {size}"
            );
        }
    }
}
