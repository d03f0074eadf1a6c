//! TCP reassembly of one direction of a connection: segments by sequence number into one
//! byte stream, each byte once and in order, with the bytes that never came reported as
//! holes.
//!
//! No crate at hand does this the way a telegram reader needs (bounded, reporting every
//! hole with its place and size, never guessing), so it is written here. A retransmission
//! or an overlap is taken once (the bytes already delivered win); a segment that comes
//! early waits, in order, until the bytes before it arrive; when the waiting segments pass
//! the window, or when the other side acknowledges bytes the capture does not hold (the
//! peer has them, so no retransmission will come), the bytes before the first of them are
//! declared lost and the stream goes on from there. Memory is the window, whatever the
//! capture's size.

use std::collections::BTreeMap;

use super::file::Timestamp;

/// What the reassembler hands on, in stream order.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Bytes of the stream, and when the segment that brought them was captured.
    Data(&'a [u8], Timestamp),
    /// Bytes that will never come: `len` bytes from stream offset `at`.
    Hole {
        at: u64,
        len: u64,
        /// True when the capture cut them from a packet (its snap length), false when no
        /// packet brought them.
        snaplen: bool,
    },
}

/// A segment waiting for the bytes before it.
#[derive(Debug)]
struct Early {
    data: Vec<u8>,
    ts: Timestamp,
    /// Payload bytes the capture cut from the end of the segment.
    cut: u64,
}

/// One direction's reassembler.
#[derive(Debug)]
pub(crate) struct Reassembler {
    /// Sequence number of stream offset 0, once known.
    base: Option<u32>,
    /// Stream offset of the next byte to hand on.
    next: u64,
    early: BTreeMap<u64, Early>,
    early_bytes: usize,
    window: usize,
    /// Bytes received again (retransmissions, overlaps), not handed on twice.
    pub duplicate_bytes: u64,
}

impl Reassembler {
    pub fn new(window: usize) -> Reassembler {
        Reassembler {
            base: None,
            next: 0,
            early: BTreeMap::new(),
            early_bytes: 0,
            window,
            duplicate_bytes: 0,
        }
    }

    /// A SYN: the stream starts after its sequence number.
    pub fn syn(&mut self, seq: u32) {
        if self.base.is_none() {
            self.base = Some(seq.wrapping_add(1));
        }
    }

    /// True once a first segment (or SYN) has fixed where the stream starts.
    pub fn started(&self) -> bool {
        self.base.is_some()
    }

    /// The stream offset of the next byte to hand on.
    #[cfg(test)]
    pub fn next_offset(&self) -> u64 {
        self.next
    }

    /// Bytes held waiting for earlier ones.
    pub fn held(&self) -> usize {
        self.early_bytes
    }

    /// The stream offset of sequence number `seq`: the one nearest the next expected byte
    /// (sequence numbers wrap at 4 GiB; a segment is never 2 GiB away).
    fn offset_of(&self, seq: u32, base: u32) -> Option<u64> {
        let expected = base.wrapping_add(self.next as u32);
        let delta = i64::from(seq.wrapping_sub(expected) as i32);
        u64::try_from(self.next as i64 + delta).ok()
    }

    /// Takes one segment in and hands on what can now be delivered, in order.
    pub fn segment(
        &mut self,
        seq: u32,
        payload: &[u8],
        cut: u64,
        ts: Timestamp,
        out: &mut dyn FnMut(Piece<'_>),
    ) {
        if payload.is_empty() && cut == 0 {
            return;
        }
        let base = *self.base.get_or_insert(seq);
        let Some(mut at) = self.offset_of(seq, base) else {
            // Before the start of the stream: only a retransmission of a SYN's data can be.
            self.duplicate_bytes += payload.len() as u64;
            return;
        };
        let mut payload = payload;
        let total = payload.len() as u64 + cut;
        if at + total <= self.next {
            self.duplicate_bytes += payload.len() as u64;
            return;
        }
        let mut cut = cut;
        if at < self.next {
            // An overlap: the bytes already handed on win.
            let skip = self.next - at;
            let from_data = skip.min(payload.len() as u64);
            self.duplicate_bytes += from_data;
            payload = &payload[from_data as usize..];
            cut -= skip - from_data;
            at = self.next;
        }
        if at == self.next {
            self.deliver(payload, cut, ts, out);
            self.release(out);
        } else {
            self.hold(at, payload, cut, ts);
            while self.early_bytes > self.window {
                self.skip_to_first(out);
            }
        }
    }

    fn deliver(&mut self, payload: &[u8], cut: u64, ts: Timestamp, out: &mut dyn FnMut(Piece<'_>)) {
        if !payload.is_empty() {
            out(Piece::Data(payload, ts));
            self.next += payload.len() as u64;
        }
        if cut > 0 {
            out(Piece::Hole {
                at: self.next,
                len: cut,
                snaplen: true,
            });
            self.next += cut;
        }
    }

    fn hold(&mut self, at: u64, payload: &[u8], cut: u64, ts: Timestamp) {
        let len = payload.len() as u64 + cut;
        if let Some(old) = self.early.get(&at) {
            // A retransmission of a waiting segment: keep the longer.
            if old.data.len() as u64 + old.cut >= len {
                self.duplicate_bytes += payload.len() as u64;
                return;
            }
            self.early_bytes -= old.data.len();
        }
        self.early_bytes += payload.len();
        self.early.insert(
            at,
            Early {
                data: payload.to_vec(),
                ts,
                cut,
            },
        );
    }

    /// Hands on the waiting segments that now follow the stream.
    fn release(&mut self, out: &mut dyn FnMut(Piece<'_>)) {
        while let Some(entry) = self.early.first_entry() {
            let at = *entry.key();
            if at > self.next {
                break;
            }
            let early = entry.remove();
            self.early_bytes -= early.data.len();
            let end = at + early.data.len() as u64 + early.cut;
            if end <= self.next {
                self.duplicate_bytes += early.data.len() as u64;
                continue;
            }
            let skip = self.next - at;
            let from_data = skip.min(early.data.len() as u64);
            self.duplicate_bytes += from_data;
            let cut = early.cut - (skip - from_data);
            self.deliver(&early.data[from_data as usize..], cut, early.ts, out);
        }
    }

    /// Declares the bytes before the first waiting segment lost and goes on from it.
    fn skip_to_first(&mut self, out: &mut dyn FnMut(Piece<'_>)) {
        let Some((&at, _)) = self.early.first_key_value() else {
            return;
        };
        out(Piece::Hole {
            at: self.next,
            len: at - self.next,
            snaplen: false,
        });
        self.next = at;
        self.release(out);
    }

    /// The other side acknowledges the stream up to sequence number `ack`: bytes before it
    /// that wait behind a hole will not be retransmitted (the peer has them), so the holes
    /// up to it are declared now rather than when the window fills.
    pub fn acked(&mut self, ack: u32, out: &mut dyn FnMut(Piece<'_>)) {
        let Some(base) = self.base else {
            return;
        };
        let Some(acked) = self.offset_of(ack, base) else {
            return;
        };
        while acked > self.next
            && self
                .early
                .first_key_value()
                .is_some_and(|(&at, _)| at < acked)
        {
            self.skip_to_first(out);
        }
    }

    /// The end of the stream (the connection closed, or the capture ended): every waiting
    /// segment is handed on, each hole before it reported.
    pub fn finish(&mut self, out: &mut dyn FnMut(Piece<'_>)) {
        while !self.early.is_empty() {
            self.skip_to_first(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(segments: &[(u32, &[u8])], window: usize) -> (Vec<u8>, Vec<(u64, u64)>) {
        let mut r = Reassembler::new(window);
        let mut data = Vec::new();
        let mut holes = Vec::new();
        let mut out = |p: Piece<'_>| match p {
            Piece::Data(d, _) => data.extend_from_slice(d),
            Piece::Hole { at, len, .. } => holes.push((at, len)),
        };
        r.syn(99);
        for (seq, payload) in segments {
            r.segment(*seq, payload, 0, Timestamp::default(), &mut out);
        }
        r.finish(&mut out);
        (data, holes)
    }

    #[test]
    fn cases() {
        // name, segments, window, stream, holes
        type Case<'a> = (
            &'a str,
            Vec<(u32, &'a [u8])>,
            usize,
            &'a [u8],
            Vec<(u64, u64)>,
        );
        let cases: Vec<Case<'_>> = vec![
            (
                "in order",
                vec![(100, b"abc"), (103, b"def")],
                64,
                b"abcdef",
                vec![],
            ),
            (
                "retransmission",
                vec![(100, b"abc"), (100, b"abc"), (103, b"def")],
                64,
                b"abcdef",
                vec![],
            ),
            (
                "overlap",
                vec![(100, b"abc"), (102, b"cdef")],
                64,
                b"abcdef",
                vec![],
            ),
            (
                "out of order",
                vec![(103, b"def"), (100, b"abc")],
                64,
                b"abcdef",
                vec![],
            ),
            (
                "early overlap",
                vec![(104, b"ef"), (103, b"def"), (100, b"abc")],
                64,
                b"abcdef",
                vec![],
            ),
            (
                "lost, found at the end",
                vec![(100, b"abc"), (106, b"ghi")],
                64,
                b"abcghi",
                vec![(3, 3)],
            ),
            (
                "lost, window full",
                vec![(100, b"ab"), (104, b"efgh"), (108, b"ijkl")],
                6,
                b"abefghijkl",
                vec![(2, 2)],
            ),
        ];
        for (name, segs, window, stream, holes) in cases {
            let (d, h) = run(&segs, window);
            assert_eq!(d, stream, "{name}");
            assert_eq!(h, holes, "{name}");
        }
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut r = Reassembler::new(64);
        let mut data = Vec::new();
        r.syn(u32::MAX - 2);
        let mut out = |p: Piece<'_>| {
            if let Piece::Data(d, _) = p {
                data.extend_from_slice(d)
            }
        };
        r.segment(u32::MAX - 1, b"ab", 0, Timestamp::default(), &mut out);
        r.segment(0, b"cd", 0, Timestamp::default(), &mut out);
        assert_eq!(data, b"abcd");
        assert_eq!(r.next_offset(), 4);
    }

    #[test]
    fn snaplen_cut_is_a_hole() {
        let mut r = Reassembler::new(64);
        let mut pieces = Vec::new();
        r.syn(0);
        let ts = Timestamp::default();
        r.segment(1, b"ab", 3, ts, &mut |p| pieces.push(format!("{p:?}")));
        r.segment(6, b"fg", 0, ts, &mut |p| pieces.push(format!("{p:?}")));
        assert_eq!(
            pieces,
            [
                "Data([97, 98], Timestamp(0))",
                "Hole { at: 2, len: 3, snaplen: true }",
                "Data([102, 103], Timestamp(0))"
            ]
        );
    }

    #[test]
    fn an_acknowledged_hole_is_declared_at_once() {
        let mut r = Reassembler::new(1 << 20);
        let mut pieces = Vec::new();
        r.syn(0);
        let ts = Timestamp::default();
        r.segment(1, b"ab", 0, ts, &mut |p| pieces.push(format!("{p:?}")));
        r.segment(5, b"ef", 0, ts, &mut |p| pieces.push(format!("{p:?}")));
        r.acked(3, &mut |p| pieces.push(format!("{p:?}")));
        assert_eq!(
            pieces.len(),
            1,
            "an ack short of the early segment changes nothing"
        );
        r.acked(7, &mut |p| pieces.push(format!("{p:?}")));
        assert_eq!(
            pieces[1..],
            [
                "Hole { at: 2, len: 2, snaplen: false }",
                "Data([101, 102], Timestamp(0))"
            ]
        );
    }
}
