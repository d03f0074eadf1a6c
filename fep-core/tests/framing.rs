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

#[test]
fn every_split_of_every_sample_frames_the_same() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    let mut streams = 0;
    for entry in std::fs::read_dir(&dir).expect("layouts") {
        let p = entry.expect("entry").path();
        if p.extension().is_none_or(|e| e != "layout") {
            continue;
        }
        let schema = Schema::load(&p).expect("layout");
        // All samples of the layout back to back: several telegrams in one stream.
        let mut wire = Vec::new();
        for s in std::fs::read_dir(p.with_extension("")).expect("samples") {
            let s = s.expect("entry").path();
            if s.extension().is_some_and(|e| e == "bin") {
                wire.extend(std::fs::read(&s).expect("bin"));
            }
        }
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
