//! Replays every input in `fuzz/regressions/<target>/` (crashes the fuzzers once found, and
//! the seed samples) through the same checks the fuzz targets run.

mod common;

use common::fuzz_checks as checks;

fn replay(target: &str, check: impl Fn(&[u8])) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let p = e.expect("entry").path();
        let data = std::fs::read(&p).expect("input");
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&data)));
        assert!(r.is_ok(), "{} fails again", p.display());
        n += 1;
    }
    n
}

#[test]
fn every_fuzz_regression_passes() {
    let schemas = checks::schemas();
    let mut n = 0;
    n += replay("layout", checks::layout_text);
    n += replay("telegram", |d| checks::telegram(&schemas, d));
    n += replay("round_trip", |d| checks::round_trip(&schemas, d));
    n += replay("framer", |d| checks::framer(&schemas, d));
    n += replay("encode_json", |d| checks::encode_json(&schemas, d));
    assert!(n >= 5, "only {n} regression inputs");
}

#[test]
fn the_samples_pass_every_check() {
    let schemas = checks::schemas();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    for entry in std::fs::read_dir(&dir).expect("layouts") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "layout") {
            checks::layout_text(&std::fs::read(&p).expect("layout"));
            for s in std::fs::read_dir(p.with_extension("")).expect("samples") {
                let s = s.expect("entry").path();
                let data = std::fs::read(&s).expect("sample");
                if s.extension().is_some_and(|e| e == "bin") {
                    checks::framer(&schemas, &[[7u8].as_slice(), &data].concat());
                    let telegram = if data.len() > 4 {
                        &data[4..]
                    } else {
                        &data[..]
                    };
                    checks::telegram(&schemas, telegram);
                    checks::round_trip(&schemas, telegram);
                } else if s.extension().is_some_and(|e| e == "json") {
                    checks::encode_json(&schemas, &data);
                }
            }
        }
    }
}
