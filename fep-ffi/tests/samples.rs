//! Every bundled sample, through the C functions: framed, decoded (whole and as a view),
//! turned into JSON and encoded back to the same bytes.

// These tests call the C ABI through raw pointers, as a C program would; every `unsafe`
// block says why it is sound.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::path::PathBuf;

use fep::*;

mod common;
use common::*;

/// Every (layout file name, sample stem) pair of `layouts/`.
fn samples() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(layouts()).expect("layouts/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "layout") {
            continue;
        }
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for bin in std::fs::read_dir(path.with_extension("")).expect("samples") {
            let bin = bin.expect("entry").path();
            if bin.extension().is_some_and(|e| e == "bin") {
                out.push((name.clone(), bin.with_extension("")));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 10, "only {} samples", out.len());
    out
}

#[test]
fn every_sample_decodes_to_its_json_and_encodes_back() {
    for (layout, stem) in samples() {
        let schema = load(&layout);
        let wire = std::fs::read(stem.with_extension("bin")).expect("bin");
        let want: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(stem.with_extension("json")).expect("json"),
        )
        .expect("valid JSON");
        let telegrams = frames(&schema, &wire);
        let mut got = Vec::new();
        let mut again = Vec::new();
        for t in &telegrams {
            for view in [false, true] {
                let msg = decode(&schema, t, view).unwrap_or_else(|e| panic!("{}", e.message()));
                let j = json(&msg, 0).unwrap_or_else(|e| panic!("{}", e.message()));
                let bytes = encode(&schema, None, &j).unwrap_or_else(|e| panic!("{}", e.message()));
                assert_eq!(&bytes, t, "{}", stem.display());
                if !view {
                    got.push(serde_json::from_str::<serde_json::Value>(&j).expect("JSON"));
                    again.push(bytes);
                }
            }
        }
        let got = if want.is_array() {
            serde_json::Value::Array(got)
        } else {
            got.pop().expect("one message")
        };
        assert_eq!(got, want, "{}", stem.display());
        assert_eq!(again, telegrams);
    }
}

#[test]
fn pretty_json_is_the_sample_file() {
    let schema = load("firmbanking.layout");
    let stem = layouts().join("firmbanking/transfer-request");
    let wire = std::fs::read(stem.with_extension("bin")).expect("bin");
    let want = std::fs::read_to_string(stem.with_extension("json")).expect("json");
    let msg = decode(&schema, &frames(&schema, &wire)[0], false)
        .ok()
        .expect("decodes");
    assert_eq!(
        json(&msg, FEP_JSON_PRETTY).ok().expect("json"),
        want.trim_end()
    );
    let redacted = json(&msg, FEP_JSON_REDACTED).ok().expect("json");
    assert!(
        redacted.contains(r#""debit_acct":"*********4005""#),
        "{redacted}"
    );
    assert!(redacted.contains(r#""password":"****""#), "{redacted}");
    assert!(!redacted.contains("4321"), "{redacted}");
    let e = json(&msg, 4).expect_err("unknown flag");
    assert_eq!(e.code(), fep_result::InvalidParameter);
    assert_eq!(e.category(), fep_category::Usage);
}
