//! Golden tests over every sample in `layouts/`: each `.bin` (framed telegrams, as on the
//! wire) decodes to exactly the text of its `.json`, and that JSON encodes and frames back
//! to exactly the bytes of the `.bin`.

use std::path::{Path, PathBuf};

use bytes::BytesMut;
use fep_core::{Framer, LineEnding, Message, Schema};

fn layouts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts")
}

/// Every (layout, sample stem) pair.
fn samples() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let mut layouts: Vec<_> = std::fs::read_dir(layouts_dir())
        .expect("layouts/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "layout"))
        .collect();
    layouts.sort();
    for layout in layouts {
        let dir = layout.with_extension("");
        let mut bins: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "bin"))
            .collect();
        bins.sort();
        assert!(!bins.is_empty(), "{} has no samples", layout.display());
        for b in bins {
            out.push((layout.clone(), b.with_extension("")));
        }
    }
    out
}

fn split(schema: &Schema, wire: &[u8]) -> Vec<Vec<u8>> {
    let mut framer = Framer::new(schema);
    let mut buf = BytesMut::from(wire);
    let mut out = Vec::new();
    while let Some(f) = framer.next_frame(&mut buf).expect("frames") {
        out.push(f.telegram.to_vec());
    }
    assert!(framer.finish(&mut buf).expect("nothing left").is_none());
    out
}

#[test]
fn every_sample_decodes_to_its_json() {
    let mut checked = 0;
    for (layout, stem) in samples() {
        let schema = Schema::load(&layout).unwrap_or_else(|e| panic!("{e}"));
        let wire = std::fs::read(stem.with_extension("bin")).expect("bin");
        let want = std::fs::read_to_string(stem.with_extension("json")).expect("json");
        let telegrams = split(&schema, &wire);
        let messages: Vec<Message<'_>> = telegrams
            .iter()
            .map(|t| {
                schema
                    .decode(t)
                    .unwrap_or_else(|e| panic!("{}: {e}", stem.display()))
            })
            .collect();
        let got = if want.trim_start().starts_with('[') {
            serde_json::to_string_pretty(&messages)
        } else {
            assert_eq!(messages.len(), 1, "{}", stem.display());
            serde_json::to_string_pretty(&messages[0])
        }
        .expect("serializes");
        assert_eq!(got.trim_end(), want.trim_end(), "{}", stem.display());
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} samples");
}

#[test]
fn every_json_encodes_to_its_bytes() {
    for (layout, stem) in samples() {
        let schema = Schema::load(&layout).unwrap_or_else(|e| panic!("{e}"));
        let wire = std::fs::read(stem.with_extension("bin")).expect("bin");
        let text = std::fs::read_to_string(stem.with_extension("json")).expect("json");
        let messages: Vec<Message<'static>> = if text.trim_start().starts_with('[') {
            serde_json::from_str(&text).expect("json array")
        } else {
            vec![serde_json::from_str(&text).expect("json object")]
        };
        let ending = if wire.windows(2).any(|w| w == b"\r\n") {
            LineEnding::CrLf
        } else {
            LineEnding::Lf
        };
        let framer = Framer::new(&schema).line_ending(ending);
        let mut out = Vec::new();
        for m in &messages {
            let telegram = schema
                .encode(m)
                .unwrap_or_else(|e| panic!("{}: {e}", stem.display()));
            framer.write(&telegram, &mut out).expect("frames");
        }
        assert_eq!(out, wire, "{}", stem.display());
    }
}

#[test]
fn decoded_messages_encode_to_the_same_bytes() {
    for (layout, stem) in samples() {
        let schema = Schema::load(&layout).unwrap_or_else(|e| panic!("{e}"));
        let wire = std::fs::read(stem.with_extension("bin")).expect("bin");
        for t in split(&schema, &wire) {
            let m = schema.decode(&t).expect("decodes");
            assert_eq!(schema.encode(&m).expect("encodes"), t, "{}", stem.display());
        }
    }
}
