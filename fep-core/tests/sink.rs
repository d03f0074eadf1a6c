//! A telegram decoded into a sink (`MessageInfo::decode_to`) gives the values and the
//! errors of `MessageInfo::decode_values` (itself held to the message path by the golden
//! and error tests), on every bundled layout's samples and on one-byte corruptions of
//! every byte of them: the values taken before an error included.

use std::path::{Path, PathBuf};

use fep_core::{Schema, TelegramReader, Value};

/// Every bundled layout with the telegrams of its samples.
fn samples() -> Vec<(String, Schema, Vec<Vec<u8>>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    let mut layouts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("layouts")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "layout"))
        .collect();
    layouts.sort();
    let mut out = Vec::new();
    for layout in layouts {
        let schema = Schema::load(&layout).expect("layout compiles");
        let mut bins: Vec<PathBuf> = std::fs::read_dir(layout.with_extension(""))
            .map(|d| d.map(|e| e.expect("entry").path()).collect())
            .unwrap_or_default();
        bins.retain(|p| p.extension().is_some_and(|e| e == "bin"));
        bins.sort();
        let mut telegrams = Vec::new();
        for bin in bins {
            let bytes = std::fs::read(&bin).expect("sample");
            for frame in TelegramReader::new(&schema, &bytes[..]).flatten() {
                telegrams.push(frame.telegram.to_vec());
            }
        }
        out.push((layout.display().to_string(), schema, telegrams));
    }
    out
}

/// The values a decode gave, and its error.
type Outcome<'a> = (Vec<Value<'a>>, Result<(), String>);

/// Both decodes of `t` as message `name`: `None` when neither takes it.
fn both<'a>(schema: &Schema, name: &str, t: &'a [u8]) -> Option<(Outcome<'a>, Outcome<'a>)> {
    let info = schema.message(name)?;
    let mut values = Vec::new();
    let old = info.decode_values(t, &mut values);
    let mut sunk = Vec::new();
    let new = info.decode_to(t, &mut sunk);
    assert_eq!(old.is_some(), new.is_some(), "{name}: one path took it");
    Some((
        (values, old?.map_err(|e| e.to_string())),
        (sunk, new?.map_err(|e| e.to_string())),
    ))
}

#[test]
fn the_sink_takes_the_values_and_errors_of_decode_values() {
    let (mut taken, mut errors) = (0, 0);
    for (layout, schema, telegrams) in samples() {
        for t in &telegrams {
            let Ok(name) = schema.dispatch(t).map(|m| m.name().to_owned()) else {
                continue;
            };
            let Some((old, new)) = both(&schema, &name, t) else {
                continue;
            };
            assert_eq!(old, new, "{layout} {name}");
            taken += 1;
            // Every byte set to a space, a digit, a letter, a KS X 1001 lead byte, a CP949
            // lead byte and bytes no text takes: digits, text and Korean text broken in
            // every field, and the values before each error compared too.
            for at in 0..t.len() {
                for b in [b' ', b'7', b'x', 0xA1, 0xB0, 0x81, 0xFF, 0x00] {
                    let mut bad = t.clone();
                    bad[at] = b;
                    if let Some((old, new)) = both(&schema, &name, &bad) {
                        assert_eq!(old, new, "{layout} {name}: byte {at} set to {b:#04x}");
                        errors += usize::from(old.1.is_err());
                    }
                }
            }
            // The wrong length: the error, and nothing taken.
            let short = &t[..t.len() - 1];
            if let Some((old, new)) = both(&schema, &name, short) {
                assert_eq!(old, new, "{layout} {name}: one byte short");
                assert!(new.0.is_empty());
            }
        }
    }
    assert!(taken >= 10, "{taken} samples decoded into the sink");
    assert!(errors >= 1000, "only {errors} corruptions failed");
}

/// A sink that keeps `korean_text` strings in one buffer: what was appended is kept,
/// what was undone is gone, and the text equals the values'.
#[derive(Default)]
struct Joined {
    buf: String,
    ends: Vec<usize>,
}

impl<'a> fep_core::FlatSink<'a> for Joined {
    fn text(&mut self, text: &'a str) {
        self.buf.push_str(text);
        self.ends.push(self.buf.len());
    }
    fn korean_text(&mut self, text: fep_core::KoreanText<'a>) -> bool {
        let len = self.buf.len();
        let ok = text.decode_into(&mut self.buf);
        if ok {
            self.ends.push(self.buf.len());
        } else {
            assert_eq!(self.buf.len(), len, "a failed decode left text behind");
        }
        ok
    }
    fn int(&mut self, v: i64) {
        self.value(Value::Int(v));
    }
    fn decimal(&mut self, mantissa: i128, scale: u8) {
        self.value(Value::Decimal(fep_core::Decimal::new(mantissa, scale)));
    }
    fn date(&mut self, d: fep_core::Date) {
        self.value(Value::Date(d));
    }
    fn time(&mut self, t: fep_core::Time) {
        self.value(Value::Time(t));
    }
    fn value(&mut self, v: Value<'a>) {
        self.buf.push_str(&v.to_text().unwrap_or_default());
        self.ends.push(self.buf.len());
    }
}

#[test]
fn korean_text_goes_into_the_sinks_string() {
    let schema = Schema::parse(
        "encoding euc-kr\nmessage m 16 {\n  name X(6)\n  g G(4)\n  n 9(3)\n  _ X(3)\n}\n",
    )
    .expect("layout");
    let info = schema.message("m").expect("m");
    // 김철, 이 in full width (a `G` field), 42.
    let t = b"\xb1\xe8\xc3\xb6  \xc0\xcc\xa1\xa1042   ";
    let mut j = Joined::default();
    info.decode_to(t, &mut j).expect("flat").expect("decodes");
    assert_eq!(j.buf, "김철이42");
    assert_eq!(j.ends, [6, 9, 11]);
    // A lead byte without its trail byte: the error of the message path, the text before
    // it undone in the sink's string.
    let bad = b"\xb1\xe8\xc3   \xc0\xcc\xa1\xa1042   ";
    let mut j = Joined::default();
    let e = info
        .decode_to(bad, &mut j)
        .expect("flat")
        .expect_err("a split pair");
    assert_eq!(
        e.to_string(),
        schema
            .decode_message("m", bad)
            .expect_err("a split pair")
            .to_string()
    );
    assert_eq!(j.buf, "");
    assert!(j.ends.is_empty());
}
