//! Telegrams decoded straight into the columns (`BatchBuilder::push_telegram`) give the
//! same batches and the same errors as telegrams decoded into a message and pushed, on
//! every bundled layout's samples, hidden and revealed, and on every one-byte corruption
//! of them.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use fep_arrow::{BatchBuilder, Masking, Target};
use fep_core::{Schema, TelegramReader};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every bundled layout with the telegrams of its samples (those with expected JSON).
fn samples() -> Vec<(String, Schema, Vec<Vec<u8>>)> {
    let mut out = Vec::new();
    let dir = root().join("layouts");
    let mut layouts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("layouts")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "layout"))
        .collect();
    layouts.sort();
    for layout in layouts {
        let schema = Schema::load(&layout).expect("layout compiles");
        let folder = layout.with_extension("");
        let mut bins: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map(|d| d.map(|e| e.expect("entry").path()).collect())
            .unwrap_or_default();
        bins.retain(|p| {
            p.extension().is_some_and(|e| e == "bin") && p.with_extension("json").exists()
        });
        bins.sort();
        let mut telegrams = Vec::new();
        for bin in bins {
            let bytes = std::fs::read(&bin).expect("sample");
            for frame in TelegramReader::new(&schema, &bytes[..]) {
                telegrams.push(frame.expect("sample frames").telegram.to_vec());
            }
        }
        out.push((layout.display().to_string(), schema, telegrams));
    }
    out
}

/// The batch of `telegrams` of message `name` by each path, or each path's first error;
/// and whether the direct path took them.
fn both(
    schema: &Schema,
    name: &str,
    masking: Masking,
    telegrams: &[&[u8]],
) -> (
    Result<RecordBatch, String>,
    Result<RecordBatch, String>,
    bool,
) {
    let target = Target::one(schema, name, masking).expect("target");
    let info = schema.message(name).expect("message");
    let mut old = BatchBuilder::new(&target);
    let mut new = BatchBuilder::new(&target);
    let mut taken = true;
    let mut old_err = None;
    let mut new_err = None;
    for t in telegrams {
        match schema.decode_message(name, t) {
            Ok(msg) => {
                if let Err(e) = old.push(&msg, t.len()) {
                    old_err.get_or_insert(e.to_string());
                }
            }
            Err(e) => {
                old_err.get_or_insert(e.to_string());
            }
        }
        match new.push_telegram(&info, t) {
            Some(Ok(())) => {}
            Some(Err(e)) => {
                new_err.get_or_insert(e.to_string());
            }
            None => taken = false,
        }
    }
    let finish = |b: &mut BatchBuilder, err: Option<String>| match err {
        Some(e) => Err(e),
        None => b.finish().map_err(|e| e.to_string()),
    };
    (finish(&mut old, old_err), finish(&mut new, new_err), taken)
}

#[test]
fn direct_batches_equal_the_message_path_on_every_sample() {
    let mut direct = 0;
    let mut all = 0;
    for (layout, schema, telegrams) in samples() {
        for t in &telegrams {
            let name = schema.dispatch(t).expect("dispatches").name().to_owned();
            all += 1;
            for masking in [Masking::Reveal, Masking::Hide] {
                // Three times over, so that the reused buffers are reused.
                let (old, new, taken) = both(&schema, &name, masking, &[t, t, t]);
                let old = old.unwrap_or_else(|e| panic!("{layout} {name}: {e}"));
                if !taken {
                    continue;
                }
                let new = new.unwrap_or_else(|e| panic!("{layout} {name} direct: {e}"));
                assert_eq!(old.num_rows(), 3);
                assert_eq!(old, new, "{layout} {name} {masking:?}");
                if masking == Masking::Hide {
                    direct += 1;
                }
            }
        }
    }
    // Most samples have no repeats and take the direct path; those with repeats do not.
    assert!(
        direct >= all / 2,
        "{direct} of {all} samples took the direct path"
    );
}

#[test]
fn direct_errors_equal_the_message_path_on_every_corruption() {
    let mut compared = 0;
    for (layout, schema, telegrams) in samples() {
        for t in &telegrams {
            let name = schema.dispatch(t).expect("dispatches").name().to_owned();
            let info = schema.message(&name).expect("message");
            if info.decode_values(t, &mut Vec::new()).is_none() {
                continue;
            }
            let mut cases: Vec<Vec<u8>> = Vec::new();
            for i in 0..t.len() {
                for b in [b'x', b'-', 0xff, b' ', 0xb0] {
                    let mut bad = t.clone();
                    bad[i] = b;
                    cases.push(bad);
                }
            }
            cases.push(t[..t.len() - 1].to_vec());
            let mut longer = t.clone();
            longer.push(b'0');
            cases.push(longer);
            for bad in &cases {
                for masking in [Masking::Reveal, Masking::Hide] {
                    // A good telegram, the bad one, a good one: a telegram that fails
                    // leaves no row behind.
                    let (old, new, taken) = both(&schema, &name, masking, &[t, bad, t]);
                    assert!(taken, "{layout} {name}");
                    assert_eq!(old, new, "{layout} {name} {masking:?} {bad:?}");
                    compared += 1;
                }
                for masking in [Masking::Reveal, Masking::Hide] {
                    let target = Target::one(&schema, &name, masking).expect("target");
                    let mut b = BatchBuilder::new(&target);
                    for t in [&t[..], bad, t] {
                        let _ = b.push_telegram(&info, t);
                    }
                    let mut good = BatchBuilder::new(&target);
                    for t in [&t[..], bad, t] {
                        if let Ok(m) = schema.decode_message(&name, t) {
                            good.push(&m, t.len()).expect("pushes");
                        }
                    }
                    assert_eq!(b.rows(), good.rows(), "{layout} {name} {bad:?}");
                    assert_eq!(
                        b.finish().expect("batch"),
                        good.finish().expect("batch"),
                        "{layout} {name} {masking:?} {bad:?}"
                    );
                }
            }
        }
    }
    assert!(compared > 1000, "{compared}");
}

/// The telegram of a sample file, without its frame.
fn telegram(schema: &Schema, path: &str) -> Vec<u8> {
    let bytes = std::fs::read(root().join(path)).expect("sample");
    let mut frames = TelegramReader::new(schema, &bytes[..]);
    frames
        .next()
        .expect("a frame")
        .expect("frames")
        .telegram
        .to_vec()
}

#[test]
fn a_mixed_read_and_a_message_with_repeats_are_left_to_the_message_path() {
    let schema = Schema::load(root().join("layouts/firmbanking.layout")).expect("layout");
    let history = telegram(&schema, "layouts/firmbanking/balance-history.bin");
    let info = schema.dispatch(&history).expect("dispatches");
    let target = Target::one(&schema, info.name(), Masking::Reveal).expect("target");
    let mut b = BatchBuilder::new(&target);
    assert!(b.push_telegram(&info, &history).is_none());
    assert_eq!(b.rows(), 0);

    let transfer = telegram(&schema, "layouts/firmbanking/transfer-request.bin");
    let info = schema.dispatch(&transfer).expect("dispatches");
    let mixed = Target::new(&schema, None, Masking::Reveal).expect("target");
    assert!(matches!(mixed, Target::Mixed { .. }));
    let mut b = BatchBuilder::new(&mixed);
    assert!(b.push_telegram(&info, &transfer).is_none());
    assert_eq!(b.rows(), 0);
}

/// A layout with every kind of column the direct path writes: Korean text (plain, hidden
/// and full width), a record, a decimal, a signed number, a date, a time, a date-time and
/// bytes, the last field a number.
const KINDS: &str = "encoding euc-kr
message m 65 {
  name X(8)
  card X(8) mask
  g G(4)
  r {
    amount 9(5)V9(2)
    delta S9(3) sign leading
  }
  day 9(8) date
  at 9(6) time
  stamp 9(14) datetime
  raw X(2) raw
  _ X(1)
  n 9(3)
}
";

#[test]
fn a_telegram_that_fails_in_its_last_field_leaves_nothing_of_its_row() {
    let schema = Schema::parse(KINDS).expect("layout");
    let info = schema.message("m").expect("m");
    // 김철수 in EUC-KR, a card number, 이 and a full-width space, 123.45, -7, a date, a
    // time, a date-time, two bytes, the filler, 42.
    let good = b"\xb1\xe8\xc3\xb6\xbc\xf6  12345678\xc0\xcc\xa1\xa10012345-0072024010212345920240102123459ab 042".to_vec();
    assert_eq!(good.len(), 65, "the telegram's length");
    let mut blank = good.clone();
    // The date-time blank: a null, by the general codec.
    blank[45..59].copy_from_slice(b"              ");
    for bad_last in [b"04x", b"\xb0\xb0 "] {
        let mut bad = good.clone();
        bad[62..].copy_from_slice(bad_last);
        for masking in [Masking::Reveal, Masking::Hide] {
            let target = Target::one(&schema, "m", masking).expect("target");
            let mut direct = BatchBuilder::new(&target);
            let mut path = BatchBuilder::new(&target);
            let mut failed = 0;
            for t in [&good, &bad, &blank, &bad, &good] {
                match direct.push_telegram(&info, t).expect("taken") {
                    Ok(()) => {}
                    Err(e) => {
                        failed += 1;
                        let old = schema.decode_message("m", t).expect_err("fails");
                        assert_eq!(e.to_string(), fep_arrow::Error::Core(old).to_string());
                    }
                }
                if let Ok(m) = schema.decode_message("m", t) {
                    path.push(&m, t.len()).expect("pushes");
                }
            }
            assert_eq!(failed, 2);
            assert_eq!(direct.rows(), 3);
            let (direct, path) = (
                direct.finish().expect("batch"),
                path.finish().expect("batch"),
            );
            assert_eq!(direct, path, "{masking:?}");
            assert_eq!(direct.num_rows(), 3);
        }
    }
    // The Korean text went into the column (the direct path wrote it, then took back the
    // rows that failed).
    let target = Target::one(&schema, "m", Masking::Reveal).expect("target");
    let mut b = BatchBuilder::new(&target);
    b.push_telegram(&info, &good)
        .expect("taken")
        .expect("decodes");
    let batch = b.finish().expect("batch");
    let names = batch
        .column(0)
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .expect("text");
    assert_eq!(names.value(0), "김철수");
}
