//! The invariants the fuzz targets check, shared with `tests/fuzz_regressions.rs` so that
//! every input a fuzzer ever found is replayed by a normal `cargo test`.
//!
//! Each function takes arbitrary bytes and panics only when an invariant breaks; errors
//! are fine, panics and disagreements are not.

use bytes::BytesMut;
use fep_core::{Framer, Message, Schema};

/// The bundled layouts, compiled.
pub fn schemas() -> Vec<Schema> {
    [
        include_str!("../../../layouts/firmbanking.layout"),
        include_str!("../../../layouts/cms-batch.layout"),
        include_str!("../../../layouts/member-cp949.layout"),
        include_str!("../../../layouts/forex-remittance.layout"),
        include_str!("../../../layouts/card-utf8.layout"),
        include_str!("../../../layouts/securities.layout"),
    ]
    .iter()
    .map(|text| Schema::parse(text).expect("bundled layout"))
    .collect()
}

/// Layout text: parse and compile never panic; an error has a line and column.
pub fn layout_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Schema::parse(text) {
        Ok(schema) => {
            for m in schema.messages() {
                let _ = m.fields().count();
            }
        }
        Err(e) => assert!(
            e.line_column().is_some() || e.category() != fep_core::Category::Layout,
            "{e}"
        ),
    }
}

/// Telegram bytes against every layout: decode, explain, view and key never panic, and
/// explain agrees with decode.
pub fn telegram(schemas: &[Schema], data: &[u8]) {
    for schema in schemas {
        let decoded = schema.decode(data);
        let x = schema.explain(data);
        assert_eq!(
            decoded.is_ok(),
            x.error.is_none(),
            "explain and decode disagree"
        );
        let _ = schema.key(data);
        let _ = schema.telegram_length(data);
        if let Ok(view) = schema.view(data) {
            for m in schema.messages() {
                for f in m
                    .fields()
                    .filter(|f| !f.is_group() && !f.is_filler() && !f.path().contains("[]"))
                {
                    if let Ok(r) = schema.field(f.path()) {
                        let _ = view.value(&r);
                    }
                }
            }
        }
    }
}

/// Differential round trip: whatever decodes encodes to the same bytes and decodes to the
/// same value, directly and through JSON.
pub fn round_trip(schemas: &[Schema], data: &[u8]) {
    for schema in schemas {
        let Ok(m) = schema.decode(data) else { continue };
        let bytes = schema.encode(&m).expect("a decoded message encodes");
        assert_eq!(bytes, data, "encode(decode(b)) != b");
        let again = schema.decode(&bytes).expect("re-decodes");
        assert_eq!(again, m, "decode(encode(v)) != v");
        let json = serde_json::to_string(&m).expect("json");
        let parsed: Message<'static> = serde_json::from_str(&json).expect("json parses");
        assert_eq!(
            schema.encode(&parsed).expect("json encodes"),
            data,
            "through JSON"
        );
    }
}

/// The framer fed arbitrary chunks: never panics, never hands out more bytes than it got,
/// and any split of the input gives the same frames as the whole.
pub fn framer(schemas: &[Schema], data: &[u8]) {
    let Some((&cut, data)) = data.split_first() else {
        return;
    };
    // The maximum length varies too: small ones reach the refusal paths.
    let max = if cut & 0x80 != 0 {
        1 + usize::from(cut & 0x3F)
    } else {
        4096
    };
    for schema in schemas {
        let run = |chunks: &[&[u8]]| {
            let mut framer = Framer::new(schema).max_length(max);
            let mut buf = BytesMut::new();
            let mut out = Vec::new();
            for c in chunks {
                buf.extend_from_slice(c);
                loop {
                    match framer.next_frame(&mut buf) {
                        Ok(Some(f)) => out.push(Ok((f.offset, f.telegram.to_vec()))),
                        Ok(None) => break,
                        Err(e) => {
                            out.push(Err(e.to_string()));
                            return out;
                        }
                    }
                }
            }
            match framer.finish(&mut buf) {
                Ok(Some(f)) => out.push(Ok((f.offset, f.telegram.to_vec()))),
                Ok(None) => {}
                Err(e) => out.push(Err(e.to_string())),
            }
            out
        };
        let whole = run(&[data]);
        let total: usize = whole
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|(_, t)| t.len())
            .sum();
        assert!(total <= data.len());
        let k = usize::from(cut) % (data.len() + 1);
        assert_eq!(run(&[&data[..k], &data[k..]]), whole, "split at {k}");
    }
}

/// Encode from arbitrary JSON: never panics; what encodes decodes back as the same message.
pub fn encode_json(schemas: &[Schema], data: &[u8]) {
    let Ok(m) = serde_json::from_slice::<Message<'static>>(data) else {
        return;
    };
    for schema in schemas {
        if let Ok(bytes) = schema.encode(&m) {
            let back = schema.decode(&bytes).expect("what encodes decodes");
            assert_eq!(back.name(), m.name());
            assert_eq!(schema.encode(&back).expect("re-encodes"), bytes);
        }
    }
}
