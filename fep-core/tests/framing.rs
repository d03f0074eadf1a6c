//! Framing over the samples of every layout: any split of the stream into chunks gives the
//! same telegrams; several telegrams in one chunk; bad prefixes and oversize lengths.

use std::path::Path;

use bytes::BytesMut;
use fep_core::{Framer, Schema};

fn frames(schema: &Schema, chunks: &[&[u8]]) -> Vec<(u64, Vec<u8>)> {
    let mut framer = Framer::new(schema);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for c in chunks {
        buf.extend_from_slice(c);
        while let Some(f) = framer.next_frame(&mut buf).expect("frames") {
            out.push((f.offset, f.telegram.to_vec()));
        }
    }
    while let Some(f) = framer.finish(&mut buf).expect("frames") {
        out.push((f.offset, f.telegram.to_vec()));
    }
    out
}

/// Every bundled layout with all its samples back to back (several telegrams in one
/// stream), and the layout's path.
fn streams() -> Vec<(std::path::PathBuf, Schema, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("layouts") {
        let p = entry.expect("entry").path();
        if p.extension().is_none_or(|e| e != "layout") {
            continue;
        }
        let schema = Schema::load(&p).expect("layout");
        let mut wire = Vec::new();
        for s in std::fs::read_dir(p.with_extension("")).expect("samples") {
            let s = s.expect("entry").path();
            if s.extension().is_some_and(|e| e == "bin") {
                wire.extend(std::fs::read(&s).expect("bin"));
            }
        }
        out.push((p, schema, wire));
    }
    out
}

#[test]
fn every_split_of_every_sample_frames_the_same() {
    let mut streams = 0;
    for (p, schema, wire) in self::streams() {
        let whole = frames(&schema, &[&wire]);
        assert!(whole.len() >= 3, "{}", p.display());
        for k in 0..=wire.len() {
            assert_eq!(
                frames(&schema, &[&wire[..k], &wire[k..]]),
                whole,
                "{} split at {k}",
                p.display()
            );
        }
        let bytewise: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(
            frames(&schema, &bytewise),
            whole,
            "{} byte by byte",
            p.display()
        );
        streams += 1;
    }
    assert_eq!(streams, 6);
}

fn ascii4() -> Schema {
    Schema::parse("encoding ascii\nframing length-prefix 4 ascii\nmessage m 3 {\n a X(3)\n}\n")
        .expect("layout")
}

#[test]
fn bad_prefix_names_the_stream_offset() {
    let mut framer = Framer::new(&ascii4());
    let mut buf = BytesMut::from(&b"0003abc0003def00x3ghi"[..]);
    assert!(framer.next_frame(&mut buf).expect("ok").is_some());
    assert!(framer.next_frame(&mut buf).expect("ok").is_some());
    let e = framer.next_frame(&mut buf).expect_err("bad prefix");
    assert_eq!(e.offset(), Some(14));
    assert_eq!(
        e.to_string(),
        "frame at byte 14: the length prefix is not digits, found \"00x3\""
    );
}

#[test]
fn oversize_lengths_are_refused_before_reading_them() {
    let mut framer = Framer::new(&ascii4()).max_length(100);
    let mut buf = BytesMut::from(&b"9999"[..]);
    let e = framer.next_frame(&mut buf).expect_err("oversize");
    assert_eq!(
        e.to_string(),
        "frame at byte 0: the length prefix says 9999 bytes, more than the maximum of 100"
    );
    let binary = Schema::parse("framing length-prefix 4 binary\nmessage m 3 {\n a X(3)\n}\n")
        .expect("layout");
    let mut framer = Framer::new(&binary);
    let mut buf = BytesMut::from(&b"\xFF\xFF\xFF\xFF"[..]);
    let e = framer.next_frame(&mut buf).expect_err("oversize");
    assert!(
        e.to_string()
            .contains("the length prefix says 4294967295 bytes, more than the maximum of 65536"),
        "{e}"
    );
    assert!(
        buf.capacity() < 1024,
        "nothing was reserved for the announced length"
    );
}

#[test]
fn a_length_that_disagrees_with_the_message_is_skipped_with_an_error() {
    let mut framer = Framer::new(&ascii4());
    let mut buf = BytesMut::from(&b"0004abcd0003xyz"[..]);
    let e = framer.next_frame(&mut buf).expect_err("mismatch");
    assert_eq!(
        e.to_string(),
        "frame at byte 0: the length prefix says 4 bytes but message \"m\" is 3 bytes"
    );
    let f = framer.next_frame(&mut buf).expect("next").expect("frame");
    assert_eq!((f.offset, &f.telegram[..]), (8, &b"xyz"[..]));
}

#[test]
fn lines_with_crlf_and_lf() {
    let lines = Schema::parse("encoding ascii\nframing lines\nmessage m 3 {\n a X(3)\n}\n")
        .expect("layout");
    let got = frames(&lines, &[b"abc\r\ndef\n\nghi\r\n"]);
    assert_eq!(
        got,
        vec![
            (0, b"abc".to_vec()),
            (5, b"def".to_vec()),
            (10, b"ghi".to_vec())
        ]
    );
}

/// A reader that gives at most `step` bytes a read: frames then straddle reads.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// What a reader gives, as (offsets, telegram or error, rejected frame) per item; `lend`
/// reads by `next_telegram`, else by the iterator; `mix` alternates the two.
type Item = (Result<(u64, u64, Vec<u8>), String>, Option<(u64, Vec<u8>)>);

fn read_all(schema: &Schema, wire: &[u8], step: usize, keep_going: bool, how: usize) -> Vec<Item> {
    let inner = Trickle { data: wire, step };
    let mut r = fep_core::TelegramReader::new(schema, inner).keep_going(keep_going);
    let mut out = Vec::new();
    for i in 0.. {
        let lend = match how {
            0 => false,
            1 => true,
            _ => i % 2 == 0,
        };
        let item = if lend {
            match r.next_telegram() {
                None => break,
                Some(t) => t
                    .map(|t| (t.offset, t.telegram_offset, t.telegram.to_vec()))
                    .map_err(|e| e.to_string()),
            }
        } else {
            match r.next() {
                None => break,
                Some(f) => f
                    .map(|f| (f.offset, f.telegram_offset, f.telegram.to_vec()))
                    .map_err(|e| e.to_string()),
            }
        };
        let rejected = r.take_rejected().map(|f| (f.offset, f.telegram.to_vec()));
        out.push((item, rejected));
    }
    out
}

#[test]
fn lent_telegrams_are_the_iterators() {
    // Every layout's samples back to back, whole and spoiled (a prefix that is not digits,
    // a length that disagrees with its message, a stream cut short), read in reads of
    // several sizes, stopping at the first error and going on: `next_telegram` gives what
    // `next` gives, alone or taking turns with it.
    let mut compared = 0;
    for (p, schema, wire) in streams() {
        let mut spoiled = vec![wire.clone(), wire[..wire.len() - 3].to_vec()];
        for at in [0, 1, 2, wire.len() / 2] {
            for b in [b'x', b'9', b'0'] {
                let mut w = wire.clone();
                w[at] = b;
                spoiled.push(w);
            }
        }
        for w in &spoiled {
            for step in [1, 7, 300, 1 << 20] {
                for keep_going in [false, true] {
                    let by_next = read_all(&schema, w, step, keep_going, 0);
                    assert!(!by_next.is_empty(), "{}", p.display());
                    for how in [1, 2] {
                        assert_eq!(
                            read_all(&schema, w, step, keep_going, how),
                            by_next,
                            "{} step {step} keep_going {keep_going} how {how}",
                            p.display()
                        );
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(compared >= 6 * 14 * 16, "{compared}");
}
