//! Batch files from the command line: `fep check -l`, the checks in `decode` and
//! `convert`, `convert --rejects`, and `encode` filling in trailers.

mod common;

use common::{fep, fep_in, read};

const CMS: &str = "layouts/cms-batch.layout";
const SAMPLE: &str = "layouts/cms-batch/batch-file.bin";

/// The sample's records, without their line ends.
fn records() -> Vec<Vec<u8>> {
    read(SAMPLE)
        .split(|&b| b == b'\n')
        .filter(|r| !r.is_empty())
        .map(|r| r.strip_suffix(b"\r").unwrap_or(r).to_vec())
        .collect()
}

fn file(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        out.extend_from_slice(r);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn set(record: &mut [u8], at: usize, text: &str) {
    record[at..at + text.len()].copy_from_slice(text.as_bytes());
}

#[test]
fn check_l_passes_the_samples_and_prints_every_failure_of_a_bad_file() {
    let r = fep(&[
        "check",
        "-l",
        CMS,
        SAMPLE,
        "layouts/cms-batch/batch-file-lf.bin",
    ]);
    r.code(0);
    assert_eq!(
        r.out(),
        "layouts/cms-batch/batch-file.bin: ok (5 records read)\n\
         layouts/cms-batch/batch-file-lf.bin: ok (4 records read)\n"
    );

    let mut recs = records();
    // A record that fails a check is still in the batch: the count counts it.
    set(&mut recs[2], 1, "0000009"); // a data record's sequence number
    set(&mut recs[4], 18, "0000004"); // the trailer's count
    set(&mut recs[4], 8, "HANBIT0002"); // the trailer's company
    let r = fep_in(&["check", "-l", CMS, "-"], &file(&recs));
    r.code(1);
    assert_eq!(
        r.out(),
        "standard input: record 3 (byte 244): data_record.seq is 9, the record's sequence number is 2\n\
         standard input: record 5 (byte 488): file_trailer.total_count is 4, the batch has 3 data_record records\n\
         standard input: record 5 (byte 488): file_trailer.company_id is \"HANBIT0002\", file_header.company_id of the batch is \"HANBIT0001\"\n\
         standard input: 3 failures (5 records read)\n"
    );
}

#[test]
fn check_needs_one_layout_or_l_and_files() {
    let r = fep(&["check"]);
    r.code(2);
    assert_eq!(
        r.stderr,
        "error: give one layout file to check, or -l LAYOUT and the files to validate\n"
    );
    let r = fep(&["check", CMS, SAMPLE]);
    r.code(2);
}

#[test]
fn decode_reports_check_failures_and_no_checks_turns_them_off() {
    let mut recs = records();
    recs.pop(); // no trailer
    let input = file(&recs);
    let r = fep_in(
        &["decode", "-l", CMS, "-k", "--format", "jsonl", "-"],
        &input,
    );
    r.code(1);
    assert_eq!(r.out().lines().count(), 4);
    assert!(
        r.stderr.contains(
            "standard input: record 4 (byte 366): the input ends in a batch without its file_trailer record (4 records after the last one)"
        ),
        "{}",
        r.stderr
    );
    let r = fep_in(
        &["decode", "-l", CMS, "--no-checks", "--format", "jsonl", "-"],
        &input,
    );
    r.code(0);
    // One telegram from a hex dump is not a batch file: no checks.
    let trailer = read(SAMPLE)[488..608].to_vec();
    let hex: String = trailer.iter().map(|b| format!("{b:02x}")).collect();
    let r = fep(&["decode", "-l", CMS, "--no-frame", "--hex", &hex]);
    r.code(0);
}

#[test]
fn convert_checks_each_input_as_its_own_batch_file_and_names_it_in_the_rejects_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut recs = records();
    set(&mut recs[2], 27, "X");
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, file(&recs)).expect("writes");
    let out = dir.path().join("out.jsonl");
    let rejects = dir.path().join("rejects.bin");
    // The good sample after the bad file: its batch starts afresh and passes.
    let r = fep(&[
        "convert",
        "-l",
        CMS,
        bad.to_str().expect("path"),
        SAMPLE,
        "-o",
        out.to_str().expect("path"),
        "--rejects",
        rejects.to_str().expect("path"),
    ]);
    r.code(1);
    assert!(
        r.stderr
            .contains("read 10 telegrams: 8 converted + 2 rejected"),
        "{}",
        r.stderr
    );
    let rows = std::fs::read_to_string(&out).expect("output");
    assert_eq!(rows.lines().count(), 8);
    assert_eq!(
        rows.lines().filter(|l| l.contains(SAMPLE)).count(),
        5,
        "every record of the good file converted: {rows}"
    );
    let index = std::fs::read_to_string(dir.path().join("rejects.bin.index.csv")).expect("index");
    let lines: Vec<&str> = index.lines().collect();
    assert_eq!(lines.len(), 3, "{index}");
    let label = bad.display().to_string();
    assert!(
        lines[1].starts_with(&format!(
            "244,120,0,\"{label}: data_record.amount (frame at byte 244; field at bytes 27..40 of the telegram)"
        )),
        "{index}"
    );
    assert!(
        lines[2].starts_with(&format!("488,120,122,\"{label}: record 5 (byte 488): ")),
        "{index}"
    );
}

/// 100,000 records: a header, 99,998 data records and a trailer, with the data record at
/// `bad` holding a letter in its amount.
fn big_file(bad: usize) -> (Vec<u8>, Vec<u8>) {
    let recs = records();
    let mut out = Vec::with_capacity(100_000 * 122);
    out.extend_from_slice(&recs[0]);
    out.extend_from_slice(b"\r\n");
    let mut bad_bytes = Vec::new();
    let mut total = 0u64;
    for i in 0..99_998u64 {
        let mut d = recs[1].clone();
        set(&mut d, 1, &format!("{:07}", i + 1));
        let amount = 1000 + i % 500;
        total += amount;
        set(&mut d, 27, &format!("{amount:013}"));
        if i as usize == bad {
            set(&mut d, 30, "X");
            bad_bytes = d.clone();
        }
        out.extend_from_slice(&d);
        out.extend_from_slice(b"\r\n");
    }
    let mut t = recs[4].clone();
    set(&mut t, 1, "0099999");
    set(&mut t, 18, "0099998");
    set(&mut t, 25, &format!("{total:015}"));
    out.extend_from_slice(&t);
    out.extend_from_slice(b"\r\n");
    (out, bad_bytes)
}

#[test]
fn convert_rejects_a_bad_record_of_100000_byte_for_byte_and_the_counts_add_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (input, bad) = big_file(50_000);
    let path = dir.path().join("batch.bin");
    std::fs::write(&path, &input).expect("writes");
    let out = dir.path().join("out.jsonl");
    let rejects = dir.path().join("rejects.bin");
    let r = fep(&[
        "convert",
        "-l",
        CMS,
        path.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        "--rejects",
        rejects.to_str().expect("path"),
    ]);
    r.code(1);
    // The bad record, and the trailer whose totals count it but cannot add its amount.
    assert!(
        r.stderr
            .contains("read 100,000 telegrams: 99,998 converted + 2 rejected"),
        "{}",
        r.stderr
    );
    let converted = std::fs::read_to_string(&out).expect("output");
    assert_eq!(converted.lines().count(), 99_998);
    let kept = std::fs::read(&rejects).expect("rejects");
    let mut want = bad.clone();
    want.extend_from_slice(b"\r\n");
    assert_eq!(&kept[..122], &want[..]);
    assert_eq!(&kept[122..], &input[input.len() - 122..]);
    let index = std::fs::read_to_string(dir.path().join("rejects.bin.index.csv")).expect("index");
    let lines: Vec<&str> = index.lines().collect();
    assert_eq!(lines[0], "offset,length,rejects_offset,error");
    let at = 122 + 50_000 * 122;
    assert!(
        lines[1].starts_with(&format!(
            "{at},120,0,\"data_record.amount (frame at byte {at}; field at bytes 27..40 of the telegram)"
        )),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(&format!("{},120,122,\"record 100000 ", input.len() - 122)),
        "{}",
        lines[2]
    );
    assert_eq!(lines.len(), 3);
    // The rejects file reads back with the same layout.
    let r = fep(&[
        "decode",
        "-l",
        CMS,
        "--no-checks",
        "-k",
        rejects.to_str().expect("path"),
    ]);
    assert!(
        r.stderr.contains("1 telegram decoded, 1 error"),
        "{}",
        r.stderr
    );
}

#[test]
fn encode_writes_a_complete_valid_file_from_a_header_and_data_records() {
    let json = fep(&["decode", "-l", CMS, "--reveal", "--format", "jsonl", SAMPLE]);
    json.code(0);
    // Header and data records without their sequence numbers, no trailer.
    let input: String = json
        .out()
        .lines()
        .filter(|l| !l.contains("file_trailer"))
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("json");
            v["fields"].as_object_mut().expect("fields").remove("seq");
            format!("{v}\n")
        })
        .collect();
    let r = fep_in(&["encode", "-l", CMS, "-"], input.as_bytes());
    r.code(0);
    let sample = read(SAMPLE);
    assert_eq!(r.stdout[..488], sample[..488]);
    let r2 = fep_in(&["check", "-l", CMS, "-"], &r.stdout);
    r2.code(0);
    let t = fep_in(
        &["decode", "-l", CMS, "--reveal", "--format", "jsonl", "-"],
        &r.stdout,
    );
    let last = t.out().lines().last().expect("trailer").to_owned();
    assert!(last.contains("\"total_count\":3"), "{last}");
    assert!(last.contains("\"total_amount\":5050500"), "{last}");
    assert!(last.contains("\"company_id\":\"HANBIT0001\""), "{last}");

    // A given total that disagrees is refused, with the field and the record.
    let mut with_trailer = input.clone();
    with_trailer.push_str(r#"{"message":"file_trailer","fields":{"total_count":7}}"#);
    let r = fep_in(&["encode", "-l", CMS, "-"], with_trailer.as_bytes());
    r.code(1);
    assert!(
        r.stderr
            .contains("file_trailer.total_count is 7, the batch has 3 data_record records"),
        "{}",
        r.stderr
    );
}
