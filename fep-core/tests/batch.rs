//! Batch files: the layout's `check` statements when reading and writing.

use fep_core::{
    BatchChecker, Category, ErrorKind, Message, MessageReader, MessageWriter, Record, Schema, Value,
};

fn cms() -> Schema {
    Schema::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../layouts/cms-batch.layout"
    ))
    .expect("the bundled layout compiles")
}

fn sample() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../layouts/cms-batch/batch-file.bin"
    ))
    .expect("sample")
}

/// Small records, so that files are easy to write by hand.
const SMALL: &str = "encoding ascii
framing lines
message head 8 {
  when k = \"H\"
  k     X(1) = \"H\"
  seq   9(3)
  co    X(4)
}
message data 9 {
  when k = \"D\"
  k      X(1) = \"D\"
  seq    9(3)
  amount 9(5)
}
message tail 17 {
  when k = \"T\"
  k     X(1) = \"T\"
  seq   9(3)
  count 9(3)
  total 9(6)
  co    X(4)
}
check head.seq   = sequence
check data.seq   = sequence
check tail.seq   = sequence
check tail.count = count(data)
check tail.total = sum(data.amount)
check tail.co    = head.co
";

fn small() -> Schema {
    Schema::parse(SMALL).expect("compiles")
}

fn failures(schema: &Schema, input: &[u8]) -> Vec<String> {
    MessageReader::new(schema, input)
        .keep_going(true)
        .filter_map(Result::err)
        .map(|e| e.to_string())
        .collect()
}

fn lines(records: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        out.extend_from_slice(r.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

const GOOD: &[&str] = &["H001ACME", "D00200100", "D00300020", "T004002000120ACME"];

#[test]
fn the_bundled_sample_passes_its_checks() {
    let schema = cms();
    assert_eq!(schema.checks().count(), 6);
    assert_eq!(failures(&schema, &sample()), Vec::<String>::new());
    let lf = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../layouts/cms-batch/batch-file-lf.bin"
    ))
    .expect("sample");
    assert_eq!(failures(&schema, &lf), Vec::<String>::new());
}

#[test]
fn a_good_file_passes_every_kind_of_check() {
    let schema = small();
    let items: Vec<_> = MessageReader::new(&schema, &lines(GOOD)[..]).collect();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(Result::is_ok));
}

#[test]
fn a_wrong_count_names_record_offset_expected_and_found() {
    let schema = small();
    let input = lines(&["H001ACME", "D00200100", "D00300020", "T004003000120ACME"]);
    let errs: Vec<_> = MessageReader::new(&schema, &input[..])
        .keep_going(true)
        .filter_map(Result::err)
        .collect();
    assert_eq!(errs.len(), 1);
    let e = &errs[0];
    assert_eq!(
        e.to_string(),
        "record 4 (byte 32): tail.count is 3, the batch has 2 data records"
    );
    assert_eq!(e.category(), Category::Data);
    assert_eq!(e.offset(), Some(32));
    assert_eq!(e.message_name(), Some("tail"));
    assert_eq!(e.path(), Some("count"));
    match e.kind() {
        ErrorKind::CheckFailed {
            record,
            expected,
            found,
            ..
        } => {
            assert_eq!((*record, &**expected, &**found), (4, "2", "3"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_wrong_sum_a_wrong_sequence_and_a_wrong_header_copy_fail() {
    let schema = small();
    let input = lines(&["H001ACME", "D00200100", "D00900020", "T004002000121ACNE"]);
    assert_eq!(
        failures(&schema, &input),
        [
            "record 3 (byte 21): data.seq is 9, the record's sequence number is 3",
            "record 4 (byte 32): tail.total is 121, the data.amount of the batch add up to 120",
            "record 4 (byte 32): tail.co is \"ACNE\", head.co of the batch is \"ACME\"",
        ]
    );
}

#[test]
fn without_keep_going_the_first_failure_ends_the_stream() {
    let schema = small();
    let input = lines(&["H001ACME", "D00200100", "D00900020", "T004002000121ACNE"]);
    let items: Vec<_> = MessageReader::new(&schema, &input[..]).collect();
    assert_eq!(items.len(), 3);
    assert!(items[2].is_err());
}

#[test]
fn a_missing_header_and_a_missing_trailer_fail() {
    let schema = small();
    let input = lines(&["D00100100", "T002001000100ACME", "H003ACME", "D00400001"]);
    assert_eq!(
        failures(&schema, &input),
        [
            "record 2 (byte 11): tail.co cannot be compared: the batch has no head record before it",
            "record 4 (byte 40): the input ends in a batch without its tail record (2 records after the last one)",
        ]
    );
}

#[test]
fn several_batches_in_one_file_are_checked_each_on_its_own() {
    let schema = small();
    let input = lines(&[
        "H001ACME",
        "D00200100",
        "T003001000100ACME",
        "H004BETA",
        "D00500005",
        "D00600006",
        "D00700007",
        "T008003000018BETA",
        "H009GAMA",
        "D01000001",
        "T011002000001GAMA",
    ]);
    assert_eq!(
        failures(&schema, &input),
        ["record 11 (byte 123): tail.count is 2, the batch has 1 data record"]
    );
}

#[test]
fn a_sum_that_overflows_its_field_fails_and_says_so() {
    let schema = small();
    let mut records = vec!["H001ACME".to_owned()];
    for i in 0..11 {
        records.push(format!("D{:03}99999", i + 2));
    }
    records.push("T013011999999ACME".to_owned());
    let refs: Vec<&str> = records.iter().map(String::as_str).collect();
    let f = failures(&schema, &lines(&refs));
    assert_eq!(
        f,
        [
            "record 13 (byte 131): the data.amount of the batch add up to 1099989, more than tail.total can hold; split the batch"
        ]
    );
}

#[test]
fn an_unreadable_record_counts_in_the_numbering_and_is_named_in_the_totals() {
    let schema = small();
    let input = lines(&["H001ACME", "D002001X0", "D00300020", "T004002000120ACME"]);
    assert_eq!(
        failures(&schema, &input),
        [
            "data.amount (frame at byte 10; field at bytes 4..9 of the telegram): expected digits, found \"001X0\" (byte 3 of the field, 'X')",
            "record 4 (byte 32): tail.count is 2, the batch has 1 data record (and 1 record that could not be read)",
            "record 4 (byte 32): tail.total is 120, the data.amount of the batch add up to 20 (and 1 record that could not be read)",
        ]
    );
}

#[test]
fn checks_can_be_turned_off() {
    let schema = small();
    let input = lines(&["H001ACME", "D00900100"]);
    let items: Vec<_> = MessageReader::new(&schema, &input[..])
        .checks(false)
        .collect();
    assert!(items.iter().all(Result::is_ok));
}

#[test]
fn the_checker_alone_gives_the_same_failures() {
    let schema = small();
    let mut c = BatchChecker::new(&schema).expect("checks");
    let mut out = Vec::new();
    let mut offset = 0u64;
    for r in ["H001ACME", "D00200100", "T003002000100ACME"] {
        let m = schema.decode(r.as_bytes()).expect("decodes");
        out.extend(c.record(offset, &m).into_iter().map(|e| e.to_string()));
        offset += r.len() as u64 + 2;
    }
    out.extend(c.finish().into_iter().map(|e| e.to_string()));
    assert_eq!(
        out,
        ["record 3 (byte 21): tail.count is 2, the batch has 1 data record"]
    );
    assert_eq!(c.records(), 3);
    assert!(
        BatchChecker::new(&Schema::parse("message m 1 {\n a X(1)\n}\n").expect("ok")).is_none()
    );
}

fn data(amount: i64) -> Message<'static> {
    let mut r = Record::new();
    r.push("amount", Value::Int(amount));
    Message::new("data", r)
}

fn head(co: &str) -> Message<'static> {
    let mut r = Record::new();
    r.push("co", Value::Text(co.to_owned().into()));
    Message::new("head", r)
}

#[test]
fn the_writer_fills_in_sequence_numbers_totals_and_the_trailer() {
    let schema = small();
    let mut out = Vec::new();
    let mut w = MessageWriter::new(&schema, &mut out);
    w.write(&head("ACME")).expect("head");
    w.write(&data(100)).expect("data");
    w.write(&data(20)).expect("data");
    // A second header closes the first batch with its trailer.
    w.write(&head("BETA")).expect("head");
    w.write(&data(7)).expect("data");
    w.finish().expect("finish");
    assert_eq!(
        String::from_utf8(out.clone()).expect("ascii"),
        "H001ACME\r\nD00200100\r\nD00300020\r\nT004002000120ACME\r\n\
         H005BETA\r\nD00600007\r\nT007001000007BETA\r\n"
    );
    // Round trip: what the writer wrote passes every check, and reads back the same.
    assert_eq!(failures(&schema, &out), Vec::<String>::new());
    let mut again = Vec::new();
    let mut w = MessageWriter::new(&schema, &mut again);
    for d in MessageReader::new(&schema, &out[..]) {
        w.write(&d.expect("reads").message).expect("writes");
    }
    w.finish().expect("finish");
    assert_eq!(again, out);
}

#[test]
fn the_writer_checks_the_values_it_is_given() {
    let schema = small();
    let mut out = Vec::new();
    let mut w = MessageWriter::new(&schema, &mut out);
    w.write(&head("ACME")).expect("head");
    w.write(&data(100)).expect("data");
    let mut r = Record::new();
    r.push("count", Value::Int(5));
    let e = w
        .write(&Message::new("tail", r))
        .expect_err("a wrong count");
    assert_eq!(
        e.to_string(),
        "record 3 (byte 21): tail.count is 5, the batch has 1 data record"
    );
    assert_eq!(e.category(), Category::Encoding);
    // Nothing of the refused trailer was written; the batch is still open.
    w.finish().expect("finish writes the right trailer");
    assert_eq!(
        String::from_utf8(out).expect("ascii"),
        "H001ACME\r\nD00200100\r\nT003001000100ACME\r\n"
    );
}

#[test]
fn the_writer_makes_a_valid_cms_file_from_a_header_and_data_records() {
    let schema = cms();
    let original: Vec<Message<'static>> = MessageReader::new(&schema, &sample()[..])
        .map(|d| d.expect("reads").message)
        .collect();
    let mut out = Vec::new();
    let mut w = MessageWriter::new(&schema, &mut out);
    for m in &original {
        if m.name() == "file_trailer" {
            continue;
        }
        let mut m = m.clone();
        m.fields_mut().remove("seq");
        w.write(&m).expect("writes");
    }
    w.finish().expect("finish");
    assert_eq!(failures(&schema, &out), Vec::<String>::new());
    // Header and data are as they were; the trailer has the totals and the company.
    let sample = sample();
    let n = sample.len() - 122;
    assert_eq!(out[..n], sample[..n]);
    let trailer = schema.decode(&out[n..n + 120]).expect("trailer");
    assert_eq!(trailer.get("total_count"), Some(&Value::Int(3)));
    assert_eq!(
        trailer.get("company_id").and_then(Value::as_str),
        Some("HANBIT0001")
    );
    assert_eq!(trailer.get("seq"), Some(&Value::Int(4)));
}

#[test]
fn a_bad_record_in_the_middle_of_100000_is_reported_and_the_rest_read() {
    // Wider sequence numbers and totals than SMALL's, for 100,000 records in one batch.
    let wide = Schema::parse(
        &SMALL
            .replace("seq   9(3)", "seq   9(6)")
            .replace("seq    9(3)", "seq    9(6)")
            .replace("count 9(3)", "count 9(6)")
            .replace("total 9(6)", "total 9(10)")
            .replace("head 8", "head 11")
            .replace("data 9", "data 12")
            .replace("tail 17", "tail 27"),
    )
    .expect("compiles");
    let mut input = Vec::with_capacity(100_000 * 14);
    input.extend_from_slice(b"H000001ACME\r\n");
    let mut total = 0u64;
    for i in 0..99_998u64 {
        total += i % 1000;
        let amount = if i == 50_001 {
            "0000Z".to_owned()
        } else {
            format!("{:05}", i % 1000)
        };
        input.extend_from_slice(format!("D{:06}{amount}\r\n", i + 2).as_bytes());
    }
    input.extend_from_slice(format!("T{:06}{:06}{total:010}ACME\r\n", 100_000, 99_998).as_bytes());
    let mut read = 0u64;
    let mut bad = Vec::new();
    let mut reader = MessageReader::new(&wide, &input[..]).keep_going(true);
    for item in reader.by_ref() {
        match item {
            Ok(_) => read += 1,
            Err(e) => bad.push(e.to_string()),
        }
    }
    assert_eq!(read, 99_998);
    assert_eq!(
        bad,
        [
            "data.amount (frame at byte 700027; field at bytes 7..12 of the telegram): expected digits, found \"0000Z\" (byte 4 of the field, 'Z')".to_owned(),
            "record 100000 (byte 1399985): tail.count is 99998, the batch has 99997 data records (and 1 record that could not be read)".to_owned(),
            format!(
                "record 100000 (byte 1399985): tail.total is {total}, the data.amount of the batch add up to {} (and 1 record that could not be read)",
                total - 50_001 % 1000
            ),
        ]
    );
    assert_eq!(read + bad.len() as u64 - 1, 100_000);
    assert!(reader.telegrams().buffered_capacity() < 1 << 20);
}

/// The layout error of `SMALL` with its checks replaced by `checks`.
fn layout_error(checks: &str) -> String {
    let base = &SMALL[..SMALL.find("check ").expect("checks")];
    let text = format!("{base}{checks}\n");
    let e = Schema::parse_named("b.layout", &text).expect_err("should not compile");
    assert_eq!(e.category(), Category::Layout, "{e}");
    e.to_string()
}

#[test]
fn checks_are_checked_at_compile_time_with_file_line_and_column() {
    // The checks start on line 23.
    let cases: &[(&str, &str)] = &[
        (
            "check tail.count = count(dat)",
            "b.layout:23:26: no message \"dat\"; did you mean \"data\"?",
        ),
        (
            "check tail.count = count(xyz)",
            "b.layout:23:26: no message \"xyz\"; the layout has head, data, tail",
        ),
        (
            "check tail.cnt = count(data)",
            "b.layout:23:7: message \"tail\" has no single field \"cnt\" (a repeated field cannot be checked)",
        ),
        (
            "check tail.co = count(data)",
            "b.layout:23:7: tail.co is text; a count goes into a number field",
        ),
        (
            "check tail.total = sum(data.k)",
            "b.layout:23:24: data.k is text; only numbers can be summed",
        ),
        (
            "check tail.count = sum(data.amount)",
            "b.layout:23:7: tail.count has 3 digits, fewer than the 5 of the data.amount it sums",
        ),
        (
            "check tail.co = head.seq",
            "b.layout:23:17: tail.co is text, head.seq is a number; they cannot be compared",
        ),
        (
            "check tail.count = count(tail)",
            "b.layout:23:26: a batch ends at each tail record, so it cannot count them",
        ),
        (
            "check data.seq = sequence\ncheck data.seq = sequence from 0",
            "b.layout:24:7: data.seq is checked twice (first on line 23)",
        ),
        (
            "check count = count(data)",
            "b.layout:23:7: expected MESSAGE.FIELD, found \"count\"",
        ),
        (
            "check tail.count == count(data)",
            "b.layout:23:19: expected `count(MESSAGE)`, `sum(MESSAGE.FIELD)`, `sequence` or `MESSAGE.FIELD`",
        ),
        (
            "check tail.count = count(data",
            "b.layout:23:30: expected `)`",
        ),
        (
            "check tail.count count(data)",
            "b.layout:23:18: expected `=` after the checked field",
        ),
        (
            "check tail.count = sequence from 1000",
            "b.layout:23:20: tail.count cannot hold 1000",
        ),
    ];
    for (checks, want) in cases {
        assert_eq!(layout_error(checks), *want, "{checks}");
    }
}

#[test]
fn every_wrong_check_is_reported_in_one_run() {
    let base = &SMALL[..SMALL.find("check ").expect("checks")];
    let text = format!(
        "{base}check tail.count = count(dat)\ncheck tail.total = sum(data.amount)\n\
         check tail.nope = sequence\ncheck tail.total = count(data)\n"
    );
    let e = Schema::parse_named("b.layout", &text).expect_err("should not compile");
    assert_eq!(e.category(), Category::Layout, "{e}");
    assert_eq!(
        e.alone().to_string(),
        "b.layout:23:26: no message \"dat\"; did you mean \"data\"?"
    );
    let more: Vec<String> = e.related().iter().map(|r| r.alone().to_string()).collect();
    assert_eq!(more.len(), 2, "{more:?}");
    assert!(more[0].starts_with("b.layout:25:7: "), "{more:?}");
    assert!(
        more[1].starts_with("b.layout:26:7: tail.total is checked twice (first on line 24)"),
        "{more:?}"
    );
    assert!(e.to_string().ends_with("(and 2 more errors)"), "{e}");
}

#[test]
fn a_signed_sum_needs_a_signed_field_and_decimals_must_agree() {
    let text = "encoding ascii\nframing lines\nmessage d 6 {\n when k = \"D\"\n k X(1) = \"D\"\n a S9(4) sign trailing\n}\n\
                message t 11 {\n when k = \"T\"\n k X(1) = \"T\"\n s 9(8)V9(2)\n}\n\
                check t.s = sum(d.a)\n";
    let e = Schema::parse(text).expect_err("should not compile");
    assert_eq!(
        e.to_string(),
        "<layout>:13:7: t.s has 2 decimals, d.a has 0; a sum keeps the decimals"
    );
    let text = text.replace("s 9(8)V9(2)", "s 9(10)");
    let e = Schema::parse(&text).expect_err("should not compile");
    assert_eq!(
        e.to_string(),
        "<layout>:13:7: t.s is unsigned, but d.a is signed and its sum can be negative"
    );
    let text = text.replace("s 9(10)", "s S9(9) sign leading");
    let schema = Schema::parse(&text).expect("compiles");
    let input = b"D0012-\nD0005+\nT-000000007\n";
    assert_eq!(failures(&schema, input), Vec::<String>::new());
    assert_eq!(schema.checks().collect::<Vec<_>>(), ["t.s = sum(d.a)"]);
}

mod property {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the batches, the writer's file passes every check; changing one data
        /// record's amount makes exactly its batch's total fail, at its trailer.
        #[test]
        fn written_files_pass_and_a_changed_amount_fails_its_batch(
            batches in prop::collection::vec(prop::collection::vec(0i64..100_000, 0..8), 1..5),
            pick in any::<prop::sample::Index>(),
            delta in 1i64..99_999,
        ) {
            let schema = small();
            let mut out = Vec::new();
            let mut w = MessageWriter::new(&schema, &mut out);
            for (b, amounts) in batches.iter().enumerate() {
                w.write(&head(["ACME", "BETA", "GAMA", "DELT", "EPSI"][b])).expect("head");
                for a in amounts {
                    w.write(&data(*a)).expect("data");
                }
                if amounts.iter().sum::<i64>() > 999_999 {
                    // Too much for one trailer: the writer refuses to close the batch.
                    prop_assert!(w.finish().is_err());
                    return Ok(());
                }
            }
            w.finish().expect("finish");
            prop_assert_eq!(failures(&schema, &out), Vec::<String>::new());

            let text = String::from_utf8(out).expect("ascii");
            let records: Vec<&str> = text.split_terminator("\r\n").collect();
            let data_at: Vec<usize> = (0..records.len()).filter(|&i| records[i].starts_with('D')).collect();
            prop_assume!(!data_at.is_empty());
            let i = data_at[pick.index(data_at.len())];
            let old: i64 = records[i][4..].parse().expect("digits");
            let new = (old + delta) % 100_000;
            let changed = format!("{}{new:05}", &records[i][..4]);
            let mut edited: Vec<&str> = records.clone();
            edited[i] = &changed;
            let f = failures(&schema, &lines(&edited));
            let trailer = (i..records.len()).find(|&j| records[j].starts_with('T')).expect("trailer");
            prop_assert_eq!(f.len(), 1);
            let want = format!("record {} ", trailer + 1);
            prop_assert!(f[0].starts_with(&want), "{}", f[0]);
            prop_assert!(f[0].contains("tail.total is "), "{}", f[0]);
        }
    }
}

/// A writer whose bytes the test reads afterwards.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_reader_keeps_every_rejected_telegram_and_the_counts_add_up() {
    let schema = small();
    let (data, index) = (Shared::default(), Shared::default());
    let rejects = fep_core::RejectWriter::new(
        &schema,
        Box::new(data.clone()) as Box<dyn std::io::Write + Send>,
        Box::new(index.clone()) as Box<dyn std::io::Write + Send>,
    )
    .expect("index header");
    // A bad amount, a line too short for its message, and a trailer with a wrong total.
    let input = lines(&[
        "H001ACME",
        "D002001X0",
        "D003",
        "D00400020",
        "T005002000121ACME",
    ]);
    let mut reader = MessageReader::new(&schema, &input[..])
        .keep_going(true)
        .rejects(rejects);
    let items: Vec<_> = reader.by_ref().collect();
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 2);
    assert_eq!((reader.converted(), reader.rejected()), (2, 3));
    assert_eq!(
        String::from_utf8(data.0.lock().expect("lock").clone()).expect("ascii"),
        "D002001X0\r\nD003\r\nT005002000121ACME\r\n"
    );
    let index = String::from_utf8(index.0.lock().expect("lock").clone()).expect("utf-8");
    let rows: Vec<&str> = index.lines().collect();
    assert_eq!(rows[0], fep_core::REJECTS_INDEX_HEADER);
    assert_eq!(
        rows[1],
        "10,9,0,\"data.amount (frame at byte 10; field at bytes 4..9 of the telegram): expected digits, found \"\"001X0\"\" (byte 3 of the field, 'X')\""
    );
    assert!(rows[2].starts_with("21,4,11,"), "{}", rows[2]);
    assert!(
        rows[3].starts_with("38,17,17,\"record 5 (byte 38): tail.count is 2, the batch has 1 data record (and 2 records that could not be read); record 5"),
        "{}",
        rows[3]
    );
    assert_eq!(rows.len(), 4);
}

#[test]
fn last_telegram_gives_the_bytes_of_a_failing_item() {
    let schema = small();
    let input = lines(&["H001ACME", "D002001X0", "D00300020"]);
    let mut reader = MessageReader::new(&schema, &input[..]).keep_going(true);
    assert!(reader.next().is_some_and(|i| i.is_ok()));
    assert_eq!(reader.last_telegram(), None);
    assert!(reader.next().is_some_and(|i| i.is_err()));
    assert_eq!(reader.last_telegram(), Some((10, &b"D002001X0"[..])));
    assert!(reader.next().is_some_and(|i| i.is_ok()));
    assert_eq!(reader.last_telegram(), None);
}
