//! `fep convert --to parquet`: Hive-style folders per message, types from the layout,
//! hidden sensitive fields, zstd, and flat memory on a large capture.

mod common;

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use common::{fep, read, root};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::reader::{FileReader, SerializedFileReader};

fn read_parquet(path: &Path) -> (Vec<RecordBatch>, usize) {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a Parquet file")
        .build()
        .expect("reader");
    let batches: Vec<RecordBatch> = reader.map(|b| b.expect("a batch")).collect();
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    (batches, rows)
}

fn convert(layout: &str, input: &Path, out: &Path, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "convert",
        "-l",
        layout,
        input.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        "--to",
        "parquet",
    ];
    args.extend_from_slice(extra);
    fep(&args)
}

fn samples(dir: &Path, layout_dir: &str, names: &[&str]) -> std::path::PathBuf {
    let mut bytes = Vec::new();
    for n in names {
        bytes.extend(read(&format!("layouts/{layout_dir}/{n}.bin")));
    }
    let path = dir.join("capture.bin");
    std::fs::write(&path, bytes).expect("writes capture");
    path
}

#[test]
fn one_dataset_per_message_typed_and_masked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = samples(
        dir.path(),
        "firmbanking",
        &[
            "transfer-request",
            "balance-history",
            "transfer-response",
            "balance-inquiry-request",
        ],
    );
    let out = dir.path().join("out");
    let run = convert("layouts/firmbanking.layout", &input, &out, &[]);
    run.code(0);
    assert!(
        run.stderr.starts_with("converted 4 telegrams (1,"),
        "{}",
        run.stderr
    );
    let mut folders: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(
        folders,
        [
            "message=balance_history",
            "message=balance_inquiry",
            "message=transfer"
        ]
    );
    let transfer = out.join("message=transfer/part-00000.parquet");
    let (batches, rows) = read_parquet(&transfer);
    assert_eq!(rows, 2);
    let b = &batches[0];
    let schema = b.schema();
    let ty = |name: &str| {
        schema
            .field_with_name(name)
            .expect(name)
            .data_type()
            .clone()
    };
    assert_eq!(ty("amount"), DataType::Int64);
    assert_eq!(ty("memo"), DataType::Utf8);
    // Hidden fields are text, as `fep decode` shows them.
    assert_eq!(ty("debit_acct"), DataType::Utf8);
    let col = |name: &str| b.column_by_name(name).expect(name);
    assert_eq!(
        col("debit_acct").as_string::<i32>().value(0),
        "*********4005"
    );
    assert_eq!(col("password").as_string::<i32>().value(0), "****");
    assert_eq!(col("amount").as_primitive::<Int64Type>().value(0), 10000);
    assert_eq!(col("memo").as_string::<i32>().value(0), "급여");
    let header = col("header").as_struct();
    let send_date = header.column_by_name("send_date").expect("send_date");
    assert_eq!(send_date.data_type(), &DataType::Date32);
    assert_eq!(
        header
            .column_by_name("send_time")
            .expect("send_time")
            .data_type(),
        &DataType::Time64(TimeUnit::Microsecond)
    );
    // 2024-03-15
    assert_eq!(
        send_date
            .as_primitive::<arrow_array::types::Date32Type>()
            .value(0),
        19797
    );

    // zstd by default, in every column chunk.
    let meta = SerializedFileReader::new(File::open(&transfer).expect("file"))
        .expect("reader")
        .metadata()
        .clone();
    for rg in meta.row_groups() {
        for c in rg.columns() {
            assert!(
                matches!(c.compression(), Compression::ZSTD(_)),
                "{:?}",
                c.compression()
            );
        }
    }

    // A list of records with a date and a time; the account is hidden.
    let (hist, rows) = read_parquet(&out.join("message=balance_history/part-00000.parquet"));
    assert_eq!(rows, 1);
    let items = hist[0].column_by_name("items").expect("items");
    let DataType::List(item) = items.data_type() else {
        panic!("items: {}", items.data_type());
    };
    assert_eq!(
        item.data_type().to_string(),
        "Struct(\"date\": Date32, \"time\": Time64(µs), \"kind\": Utf8, \"amount\": Int64, \"memo\": Utf8)",
    );
}

#[test]
fn reveal_decimals_and_lists() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = samples(dir.path(), "forex-remittance", &["remittance-five-charges"]);
    let out = dir.path().join("out");
    convert(
        "layouts/forex-remittance.layout",
        &input,
        &out,
        &["--reveal", "--compression", "snappy"],
    )
    .code(0);
    let path = out.join("message=remittance/part-00000.parquet");
    let (batches, rows) = read_parquet(&path);
    assert_eq!(rows, 1);
    let b = &batches[0];
    let col = |name: &str| b.column_by_name(name).expect(name);
    assert_eq!(
        col("remit_amount").data_type(),
        &DataType::Decimal128(38, 3)
    );
    assert_eq!(
        col("remit_amount")
            .as_primitive::<Decimal128Type>()
            .value(0),
        10
    );
    assert_eq!(
        col("rate").as_primitive::<Decimal128Type>().value(0),
        14_521_800
    );
    assert_eq!(
        col("timestamp").data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, None)
    );
    // Revealed: the real account.
    assert_eq!(
        col("bene_acct").as_string::<i32>().value(0),
        "DE89370400440532013000"
    );
    let addr = col("addr").as_list::<i32>().value(0);
    assert_eq!(addr.as_string::<i32>().value(2), "GERMANY");
    let charges = col("charges").as_list::<i32>().value(0);
    let charges = charges.as_struct();
    let amounts = charges
        .column_by_name("amount")
        .expect("amount")
        .as_primitive::<Decimal128Type>();
    assert_eq!(amounts.len(), 5);
    assert_eq!(amounts.value(3), -5_000_000);
    let meta = SerializedFileReader::new(File::open(&path).expect("file"))
        .expect("reader")
        .metadata()
        .clone();
    assert_eq!(
        meta.row_group(0).column(0).compression(),
        Compression::SNAPPY
    );
}

#[test]
fn refuses_what_it_cannot_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = samples(dir.path(), "firmbanking", &["transfer-request"]);
    let out = dir.path().join("out");
    let r = convert("layouts/firmbanking.layout", &input, Path::new("-"), &[]);
    r.code(2);
    assert!(r.stderr.contains("give -o DIR"), "{}", r.stderr);
    convert("layouts/firmbanking.layout", &input, &out, &[]).code(0);
    // A second conversion into the same folder would mix two captures.
    let r = convert("layouts/firmbanking.layout", &input, &out, &[]);
    r.code(2);
    assert!(
        r.stderr.contains("part-00000.parquet: already exists"),
        "{}",
        r.stderr
    );
    let r = convert(
        "layouts/firmbanking.layout",
        &input,
        &dir.path().join("new"),
        &["--row-group-rows", "0"],
    );
    r.code(2);
}

#[test]
fn a_bad_telegram_is_reported_and_the_rest_converted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = read("layouts/firmbanking/transfer-request.bin");
    let mut bad = good.clone();
    // The amount (telegram bytes 129..142, after the 4-byte prefix) with a letter in it.
    bad[4 + 130] = b'O';
    let mut bytes = good.clone();
    bytes.extend(&bad);
    bytes.extend(&good);
    let input = dir.path().join("capture.bin");
    std::fs::write(&input, bytes).expect("writes");
    let out = dir.path().join("out");
    let r = convert("layouts/firmbanking.layout", &input, &out, &[]);
    r.code(1);
    let error = format!(
        "error: {}: transfer.amount (frame at byte 304; field at bytes 129..142 of the telegram)",
        input.display()
    );
    assert!(r.stderr.contains(&error), "{}", r.stderr);
    // The same error text as the other formats give.
    let jsonl = dir.path().join("out.jsonl");
    let j = fep(&[
        "convert",
        "-l",
        "layouts/firmbanking.layout",
        input.to_str().expect("path"),
        "-o",
        jsonl.to_str().expect("path"),
        "-q",
    ]);
    j.code(1);
    let first = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("error:"))
            .map(str::to_owned)
    };
    assert_eq!(first(&r.stderr), first(&j.stderr));
    let (_, rows) = read_parquet(&out.join("message=transfer/part-00000.parquet"));
    assert_eq!(rows, 2);
}

#[test]
fn several_inputs_go_into_the_same_datasets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let transfer = read("layouts/firmbanking/transfer-request.bin");
    let a = dir.path().join("day1.bin");
    let b = dir.path().join("day2.bin");
    std::fs::write(&a, transfer.repeat(3)).expect("writes");
    std::fs::write(&b, transfer.repeat(4)).expect("writes");
    let out = dir.path().join("out");
    let r = fep(&[
        "convert",
        "-l",
        "layouts/firmbanking.layout",
        a.to_str().expect("path"),
        b.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        "--to",
        "parquet",
    ]);
    r.code(0);
    assert!(r.stderr.contains("converted 7 telegrams"), "{}", r.stderr);
    let (_, rows) = read_parquet(&out.join("message=transfer/part-00000.parquet"));
    assert_eq!(rows, 7);

    // A missing input is a usage error before anything is written.
    let missing = dir.path().join("missing.bin");
    let out2 = dir.path().join("out2");
    let r = fep(&[
        "convert",
        "-l",
        "layouts/firmbanking.layout",
        a.to_str().expect("path"),
        missing.to_str().expect("path"),
        "-o",
        out2.to_str().expect("path"),
        "--to",
        "parquet",
    ]);
    r.code(2);
    assert!(!out2.exists());
}

/// The text of a JSON string member `"name":"..."` in a line (the capture object's members
/// hold no quotes).
fn member<'a>(line: &'a str, name: &str) -> &'a str {
    let tag = format!("\"{name}\":\"");
    let at = line
        .rfind(&tag)
        .unwrap_or_else(|| panic!("{name} in {line}"))
        + tag.len();
    let rest = &line[at..];
    &rest[..rest.find('"').expect("closing quote")]
}

#[test]
fn a_packet_capture_converts_with_its_capture_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let pcap = root().join("fep-cli/tests/data/captures/relay-faults.pcap");
    let r = convert("layouts/firmbanking.layout", &pcap, &out, &[]);
    r.code(0);
    let (batches, rows) = read_parquet(&out.join("message=transfer/part-00000.parquet"));
    // The same telegrams, in the same order, as `fep decode` gives with their capture
    // objects (the committed expected output).
    let want = String::from_utf8(read(
        "fep-cli/tests/data/captures/relay-faults.decode.jsonl",
    ))
    .expect("UTF-8");
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(rows, want.len());
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names[..5], ["ts", "src", "dst", "direction", "header"]);
    assert_eq!(
        schema.field(0).data_type(),
        &DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
    );
    for name in ["src", "dst", "direction"] {
        assert_eq!(
            schema.field_with_name(name).expect(name).data_type(),
            &DataType::Utf8
        );
    }
    let mut i = 0;
    for b in &batches {
        let ts = b
            .column(0)
            .as_primitive::<arrow_array::types::TimestampNanosecondType>();
        let text = |c: usize, row: usize| b.column(c).as_string::<i32>().value(row).to_owned();
        for row in 0..b.num_rows() {
            let line = want[i];
            let at = fep_core::capture::Timestamp::from_unix_nanos(ts.value(row));
            assert_eq!(at.to_string(), member(line, "ts"), "row {i}");
            assert_eq!(text(1, row), member(line, "src"), "row {i}");
            assert_eq!(text(2, row), member(line, "dst"), "row {i}");
            assert_eq!(text(3, row), member(line, "direction"), "row {i}");
            i += 1;
        }
    }
    // Filters apply as for the other formats; on a file of telegrams they are refused.
    let out2 = dir.path().join("out2");
    let r = convert("layouts/firmbanking.layout", &pcap, &out2, &["--port", "1"]);
    r.code(0);
    assert!(!out2.join("message=transfer/part-00000.parquet").exists());
    let bin = samples(dir.path(), "firmbanking", &["transfer-request"]);
    let r = convert(
        "layouts/firmbanking.layout",
        &bin,
        &dir.path().join("out3"),
        &["--port", "9000"],
    );
    r.code(2);
    assert!(r.stderr.contains("no input is one"), "{}", r.stderr);
}

/// Runs `fep` and returns its exit code and peak resident memory in KiB (`None` where the
/// system does not show it).
fn peak_memory(args: &[&str]) -> (i32, Option<u64>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fep"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs fep");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = None;
    let status = loop {
        // VmHWM is the peak so far; the last reading before exit is the peak of the run.
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && let Some(kib) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = Some(kib);
        }
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status.code().expect("exited"), peak)
}

/// Four times the telegrams, the same peak memory: row groups are written as they fill.
#[test]
fn memory_stays_flat_as_the_capture_grows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sample = read("layouts/firmbanking/transfer-request.bin");
    let mut peaks = Vec::new();
    for count in [50_000usize, 200_000] {
        let input = dir.path().join(format!("capture-{count}.bin"));
        let mut bytes = Vec::with_capacity(sample.len() * count);
        for i in 0..count {
            let start = bytes.len();
            bytes.extend_from_slice(&sample);
            bytes[start + 36..start + 42]
                .copy_from_slice(format!("{:06}", i % 1_000_000).as_bytes());
        }
        std::fs::write(&input, &bytes).expect("writes capture");
        drop(bytes);
        let out = dir.path().join(format!("out-{count}"));
        let (code, peak) = peak_memory(&[
            "convert",
            "-l",
            "layouts/firmbanking.layout",
            input.to_str().expect("path"),
            "-o",
            out.to_str().expect("path"),
            "--to",
            "parquet",
            "--row-group-rows",
            "10000",
        ]);
        assert_eq!(code, 0);
        let (batches, rows) = read_parquet(&out.join("message=transfer/part-00000.parquet"));
        assert_eq!(rows, count);
        // Every row, in order.
        let mut i = 0;
        for b in &batches {
            let seq = b
                .column_by_name("header")
                .expect("header")
                .as_struct()
                .column_by_name("seq_no")
                .expect("seq_no")
                .as_primitive::<Int64Type>()
                .clone();
            for s in seq.values() {
                assert_eq!(*s, i as i64);
                i += 1;
            }
        }
        std::fs::remove_file(&input).expect("removes capture");
        peaks.push(peak);
    }
    if let [Some(small), Some(large)] = peaks[..] {
        // The large capture is 60 MB: holding it, or its rows, would show here.
        assert!(
            large < small + 8 * 1024,
            "peak memory {small} KiB for 50,000 telegrams, {large} KiB for 200,000"
        );
        eprintln!("peak memory: {small} KiB, {large} KiB");
        assert!(large < 48 * 1024, "peak memory {large} KiB");
    }
}

#[test]
fn checks_and_rejects_as_for_the_other_formats() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sample = "layouts/cms-batch/batch-file.bin";
    let mut bytes = read(sample);
    // The second data record (frame at byte 244): a letter in its amount.
    bytes[244 + 27] = b'X';
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, &bytes).expect("writes");
    let out = dir.path().join("out");
    let rejects = dir.path().join("rejects.bin");
    let r = fep(&[
        "convert",
        "-l",
        "layouts/cms-batch.layout",
        bad.to_str().expect("path"),
        sample,
        "-o",
        out.to_str().expect("path"),
        "--to",
        "parquet",
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
    let (_, rows) = read_parquet(&out.join("message=data_record/part-00000.parquet"));
    // Three data records a file; the bad one is left out (and the bad file's trailer, whose
    // totals no longer add up).
    assert_eq!(rows, 5);
    let index = std::fs::read_to_string(dir.path().join("rejects.bin.index.csv")).expect("index");
    let label = bad.display().to_string();
    assert!(
        index.lines().nth(1).is_some_and(|l| l.starts_with(&format!(
            "244,120,0,\"{label}: data_record.amount (frame at byte 244; field at bytes 27..40 of the telegram)"
        ))),
        "{index}"
    );

    // Without the checks, only the bad telegram is left out.
    let out = dir.path().join("out2");
    let r = fep(&[
        "convert",
        "-l",
        "layouts/cms-batch.layout",
        bad.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        "--to",
        "parquet",
        "--no-checks",
    ]);
    r.code(1);
    let (_, rows) = read_parquet(&out.join("message=data_record/part-00000.parquet"));
    assert_eq!(rows, 2);
}

/// Whether column `path` of the file carries a minimum and a maximum.
fn has_statistics(file: &Path, path: &str) -> bool {
    let reader = SerializedFileReader::new(File::open(file).expect("file")).expect("parquet");
    let group = reader.metadata().row_group(0);
    let column = group
        .columns()
        .iter()
        .find(|c| c.column_path().string() == path)
        .unwrap_or_else(|| panic!("no column {path}"));
    column
        .statistics()
        .is_some_and(|s| s.min_bytes_opt().is_some() && s.max_bytes_opt().is_some())
}

#[test]
fn text_statistics_only_when_asked_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = samples(dir.path(), "firmbanking", &["transfer-request"]);
    let file = |out: &Path| out.join("message=transfer/part-00000.parquet");
    let plain = dir.path().join("plain");
    convert("layouts/firmbanking.layout", &input, &plain, &[]).code(0);
    assert!(has_statistics(&file(&plain), "amount"));
    assert!(has_statistics(&file(&plain), "header.send_date"));
    assert!(!has_statistics(&file(&plain), "memo"));
    assert!(!has_statistics(&file(&plain), "header.company_id"));
    let text = dir.path().join("text");
    convert(
        "layouts/firmbanking.layout",
        &input,
        &text,
        &["--text-statistics"],
    )
    .code(0);
    assert!(has_statistics(&file(&text), "amount"));
    assert!(has_statistics(&file(&text), "memo"));
    assert!(has_statistics(&file(&text), "header.company_id"));
    // Hidden values carry none either way.
    assert!(!has_statistics(&file(&text), "debit_acct"));
}
