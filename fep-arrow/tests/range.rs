//! Ranges of a capture file: wherever a file is cut, every telegram is read exactly once,
//! and bad telegrams follow the mode.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use fep_arrow::range::{ERROR_COLUMN, Mode, OFFSET_COLUMN, Range, RangeBatches};
use fep_arrow::{Limits, Masking, Target};
use fep_core::Schema;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn load(layout: &str) -> Schema {
    Schema::load(root().join(layout)).expect("layout")
}

fn sample(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).expect("sample")
}

/// (offsets, errors) of every row of the ranges cut at `cuts`.
fn read_cut(
    schema: &Schema,
    target: &Target,
    file: &Path,
    cuts: &[u64],
    mode: Mode,
) -> Result<(Vec<i64>, Vec<Option<String>>), fep_arrow::Error> {
    let size = std::fs::metadata(file).expect("size").len();
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < size));
    let mut offsets = Vec::new();
    let mut errors = Vec::new();
    for (i, &start) in bounds.iter().enumerate() {
        let end = bounds.get(i + 1).copied();
        let limits = Limits {
            rows: 100,
            bytes: 1 << 20,
        };
        let batches = RangeBatches::open(schema, target, file, Range { start, end }, mode, limits)?;
        for b in batches {
            let b: RecordBatch = b?;
            let o = b
                .column_by_name(OFFSET_COLUMN)
                .expect("_offset")
                .as_primitive::<Int64Type>();
            offsets.extend(o.values().iter().copied());
            match b.column_by_name(ERROR_COLUMN) {
                Some(e) => {
                    let e = e.as_string::<i32>();
                    errors
                        .extend((0..e.len()).map(|i| e.is_valid(i).then(|| e.value(i).to_owned())));
                }
                None => errors.extend((0..b.num_rows()).map(|_| None)),
            }
        }
    }
    Ok((offsets, errors))
}

/// The firmbanking samples over and over: length-prefixed telegrams of several messages
/// and lengths.
fn firmbanking_capture(dir: &Path, copies: usize) -> (std::path::PathBuf, Vec<i64>) {
    let names = [
        "transfer-request",
        "balance-history",
        "transfer-response",
        "balance-inquiry-request",
        "balance-inquiry-response",
    ];
    let samples: Vec<Vec<u8>> = names
        .iter()
        .map(|n| sample(&format!("layouts/firmbanking/{n}.bin")))
        .collect();
    let mut bytes = Vec::new();
    let mut starts = Vec::new();
    for _ in 0..copies {
        for s in &samples {
            starts.push(bytes.len() as i64);
            bytes.extend(s);
        }
    }
    let path = dir.join("capture.bin");
    std::fs::write(&path, bytes).expect("writes");
    (path, starts)
}

#[test]
fn every_telegram_once_wherever_the_file_is_cut() {
    let dir = tempfile::tempdir().expect("dir");
    let schema = load("layouts/firmbanking.layout");
    let (file, starts) = firmbanking_capture(dir.path(), 200);
    let target = Target::new(&schema, None, Masking::Reveal).expect("target");
    for step in [1_000u64, 4_099, 10_007, 77_777] {
        let cuts: Vec<u64> = (1..)
            .map(|i| i * step)
            .take_while(|&c| c < 300_000)
            .collect();
        let (offsets, errors) =
            read_cut(&schema, &target, &file, &cuts, Mode::FailFast).expect("reads");
        assert_eq!(offsets, starts, "cut every {step} bytes");
        assert!(errors.iter().all(Option::is_none));
    }
    // One message: the others are passed over, each telegram still once.
    let target = Target::new(&schema, Some("transfer"), Masking::Reveal).expect("target");
    let (offsets, _) =
        read_cut(&schema, &target, &file, &[5_000, 9_999], Mode::FailFast).expect("reads");
    assert_eq!(offsets.len(), 400);
}

#[test]
fn lines_are_cut_after_a_line_ending() {
    let dir = tempfile::tempdir().expect("dir");
    let schema = load("layouts/cms-batch.layout");
    let one = sample("layouts/cms-batch/batch-file.bin");
    let mut bytes = Vec::new();
    for _ in 0..50 {
        bytes.extend(&one);
    }
    let file = dir.path().join("batch.txt");
    std::fs::write(&file, &bytes).expect("writes");
    let target = Target::new(&schema, None, Masking::Reveal).expect("target");
    let (whole, _) = read_cut(&schema, &target, &file, &[], Mode::FailFast).expect("reads");
    let cuts: Vec<u64> = (1..)
        .map(|i| i * 333)
        .take_while(|&c| c < bytes.len() as u64)
        .collect();
    let (cut, _) = read_cut(&schema, &target, &file, &cuts, Mode::FailFast).expect("reads");
    assert_eq!(cut, whole);
    assert!(whole.len() >= 50);
}

#[test]
fn a_bad_telegram_in_each_mode() {
    let dir = tempfile::tempdir().expect("dir");
    let schema = load("layouts/firmbanking.layout");
    let good = sample("layouts/firmbanking/transfer-request.bin");
    let mut bad = good.clone();
    bad[4 + 130] = b'O'; // a letter in the amount
    let mut bytes = Vec::new();
    for i in 0..30 {
        bytes.extend(if i == 17 { &bad } else { &good });
    }
    let file = dir.path().join("capture.bin");
    std::fs::write(&file, &bytes).expect("writes");
    let target = Target::new(&schema, None, Masking::Reveal).expect("target");
    let at = 17 * good.len() as i64;
    let cuts = [1_000, 5_000];

    let (offsets, errors) =
        read_cut(&schema, &target, &file, &cuts, Mode::Permissive).expect("reads");
    assert_eq!(offsets.len(), 30);
    let bad_rows: Vec<(i64, &String)> = offsets
        .iter()
        .zip(&errors)
        .filter_map(|(o, e)| e.as_ref().map(|e| (*o, e)))
        .collect();
    assert_eq!(bad_rows.len(), 1);
    assert_eq!(bad_rows[0].0, at);
    assert!(
        bad_rows[0].1.contains("transfer.amount")
            && bad_rows[0].1.contains(&format!(
                "(frame at byte {at}; field at bytes 129..142 of the telegram)"
            )),
        "{}",
        bad_rows[0].1
    );

    let (offsets, _) =
        read_cut(&schema, &target, &file, &cuts, Mode::DropMalformed).expect("reads");
    assert_eq!(offsets.len(), 29);
    assert!(!offsets.contains(&at));

    let e = read_cut(&schema, &target, &file, &cuts, Mode::FailFast).expect_err("fails");
    assert!(e.to_string().contains("transfer.amount"), "{e}");
}

#[test]
fn a_lost_frame_is_found_again() {
    let dir = tempfile::tempdir().expect("dir");
    let schema = load("layouts/firmbanking.layout");
    let good = sample("layouts/firmbanking/transfer-request.bin");
    let mut bytes = Vec::new();
    for i in 0..20 {
        if i == 5 {
            // A length prefix that is not digits: the framer cannot tell where it ends.
            bytes.extend(b"XXXXgarbage");
        }
        bytes.extend(&good);
    }
    let file = dir.path().join("capture.bin");
    std::fs::write(&file, &bytes).expect("writes");
    let target = Target::new(&schema, None, Masking::Reveal).expect("target");
    let (offsets, errors) =
        read_cut(&schema, &target, &file, &[], Mode::Permissive).expect("reads");
    assert_eq!(offsets.len(), 21, "20 telegrams and the error");
    assert_eq!(errors.iter().filter(|e| e.is_some()).count(), 1);
    let (offsets, _) = read_cut(&schema, &target, &file, &[], Mode::DropMalformed).expect("reads");
    assert_eq!(offsets.len(), 20);
}

/// One message without checks goes from the bytes straight into the columns: the rows, the
/// values and the error text are those of decoding each telegram into a message and pushing
/// it (the way a read with checks, or of every message, goes).
#[test]
fn one_message_reads_as_through_decoded_messages() {
    use fep_arrow::BatchBuilder;

    let dir = tempfile::tempdir().expect("dir");
    let schema = load("layouts/firmbanking.layout");
    let (file, _) = firmbanking_capture(dir.path(), 40);
    let mut bytes = std::fs::read(&file).expect("reads");
    // Spoil the amount of the 7th transfer (the first of every five samples).
    let transfer = sample("layouts/firmbanking/transfer-request.bin");
    let at = bytes
        .windows(transfer.len())
        .enumerate()
        .filter(|(_, w)| *w == &transfer[..])
        .nth(6)
        .map(|(i, _)| i)
        .expect("a 7th transfer");
    bytes[at + 4 + 130] = b'O';
    std::fs::write(&file, &bytes).expect("writes");

    for masking in [Masking::Reveal, Masking::Hide] {
        let target = Target::new(&schema, Some("transfer"), masking).expect("target");
        let limits = Limits {
            rows: 1_000,
            bytes: 1 << 20,
        };
        let range = Range {
            start: 0,
            end: None,
        };
        let batches: Vec<RecordBatch> =
            RangeBatches::open(&schema, &target, &file, range, Mode::Permissive, limits)
                .expect("opens")
                .collect::<Result<_, _>>()
                .expect("reads");
        assert_eq!(batches.len(), 1);
        let got = &batches[0];

        // The same telegrams through decoded messages.
        let mut want = BatchBuilder::new(&target);
        let mut errors = Vec::new();
        for frame in fep_core::TelegramReader::new(&schema, &bytes[..]) {
            let frame = frame.expect("frames");
            if schema.dispatch(&frame.telegram).expect("dispatch").name() != "transfer" {
                continue;
            }
            match schema.decode_message("transfer", &frame.telegram) {
                Ok(m) => {
                    want.push(&m, frame.telegram.len()).expect("pushes");
                    errors.push(None);
                }
                Err(e) => {
                    want.push_null(Some("transfer"), 0).expect("pushes");
                    errors.push(Some(e.in_frame(frame.offset).to_string()));
                }
            }
        }
        let want = want.finish().expect("batch");
        // Requests and responses are both `transfer`.
        assert_eq!((got.num_rows(), want.num_rows()), (80, 80));
        for (i, field) in want.schema().fields().iter().enumerate() {
            let column = got.column_by_name(field.name()).expect("column");
            assert_eq!(column.as_ref(), want.column(i).as_ref(), "{}", field.name());
        }
        let e = got
            .column_by_name(ERROR_COLUMN)
            .expect("_error")
            .as_string::<i32>();
        let got_errors: Vec<Option<String>> = (0..e.len())
            .map(|i| e.is_valid(i).then(|| e.value(i).to_owned()))
            .collect();
        assert_eq!(got_errors, errors);
        assert_eq!(errors.iter().flatten().count(), 1);
    }
}
