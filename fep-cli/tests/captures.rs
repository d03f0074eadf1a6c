//! Captures at the command line: the committed fixtures (real tcpdump captures taken on lo
//! beside the relay example's counterpart simulator, see scripts/test-capture.sh) against
//! their expected output, and `fep pair` on files of framed telegrams.

mod common;

use common::{fep, read, root};

const LAYOUT: &str = "layouts/firmbanking.layout";

/// Each fixture: its name and the exit status of `fep pair` on it.
const FIXTURES: [(&str, i32); 3] = [
    // 24 requests: 2 dropped, 2 answered twice by the simulator.
    ("relay-faults", 1),
    // -i any (Linux cooked v2 headers), nanosecond timestamps, a clean exchange.
    ("relay-any-nano", 0),
    // -s 200: every packet cut, no telegram whole; two gaps.
    ("relay-snaplen", 1),
];

fn text(path: &str) -> String {
    String::from_utf8(read(path)).expect("UTF-8")
}

#[test]
fn fixtures_pair_as_expected() {
    for (name, code) in FIXTURES {
        let pcap = format!("fep-cli/tests/data/captures/{name}.pcap");
        let run = fep(&["pair", "-l", LAYOUT, "--format", "csv", &pcap]);
        run.code(code);
        let want = text(&format!("fep-cli/tests/data/captures/{name}.pair.csv"));
        assert_eq!(run.out(), want, "{name}");
    }
}

#[test]
fn fixtures_decode_as_expected() {
    for (name, _) in FIXTURES {
        let pcap = format!("fep-cli/tests/data/captures/{name}.pcap");
        let run = fep(&["decode", "-l", LAYOUT, "--format", "jsonl", &pcap]);
        let want = text(&format!("fep-cli/tests/data/captures/{name}.decode.jsonl"));
        assert_eq!(run.out(), want, "{name}");
    }
}

#[test]
fn pair_table_and_summary() {
    let run = fep(&[
        "pair",
        "-l",
        LAYOUT,
        "fep-cli/tests/data/captures/relay-faults.pcap",
    ]);
    run.code(1);
    let out = run.out();
    for want in [
        "time                         key                             request   response  code   latency  outcome",
        "24 requests: 20 answered, 2 unanswered, 2 answered twice; 0 responses matched no request",
        "transfer        22  11.1 ms  17.5 ms  22.7 ms  22.7 ms",
        "0000     22",
        "   8ms-16ms ████████████████████████████████████████ 12",
    ] {
        assert!(out.contains(want), "{want:?} not in\n{out}");
    }
    // The summary of JSON lines goes to standard error, the rows alone to standard output.
    let run = fep(&[
        "pair",
        "-l",
        LAYOUT,
        "--format",
        "jsonl",
        "fep-cli/tests/data/captures/relay-faults.pcap",
    ]);
    assert_eq!(run.out().lines().count(), 24);
    assert!(run.stderr.contains("24 requests: 20 answered"));
}

#[test]
fn pair_reports_gaps() {
    let run = fep(&[
        "pair",
        "-l",
        LAYOUT,
        "fep-cli/tests/data/captures/relay-snaplen.pcap",
    ]);
    run.code(1);
    assert!(
        run.stderr.contains("510 bytes missing (the capture's snap length cut packets; capture with -s 0); 402 bytes skipped; no telegram after it"),
        "{}",
        run.stderr
    );
    assert!(run.out().contains("2 gaps in the capture"));
}

#[test]
fn filters_choose_connections() {
    let pcap = "fep-cli/tests/data/captures/relay-any-nano.pcap";
    let all = fep(&["decode", "-l", LAYOUT, "--format", "jsonl", pcap]);
    assert_eq!(all.out().lines().count(), 16);
    let none = fep(&["decode", "-l", LAYOUT, "--port", "1", pcap]);
    assert!(none.stderr.contains("holds no telegram"), "{}", none.stderr);
    let host = fep(&[
        "decode",
        "-l",
        LAYOUT,
        "--host",
        "127.0.0.1",
        "--format",
        "jsonl",
        pcap,
    ]);
    assert_eq!(host.out().lines().count(), 16);
}

/// A transfer request sample with another telegram number (header.seq_no).
fn request(seq: &str) -> Vec<u8> {
    let mut t = read("layouts/firmbanking/transfer-request.bin");
    t[36..42].copy_from_slice(seq.as_bytes());
    t
}

fn response(seq: &str) -> Vec<u8> {
    let mut t = read("layouts/firmbanking/transfer-response.bin");
    t[36..42].copy_from_slice(seq.as_bytes());
    t
}

#[test]
fn pair_on_a_file_of_telegrams() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("t.bin");
    // Request 1 and its response, request 2 with none.
    let bytes = [request("000001"), response("000001"), request("000002")].concat();
    std::fs::write(&file, bytes).expect("write");
    let path = file.to_str().expect("path");
    let run = fep(&["pair", "-l", LAYOUT, "--format", "csv", path]);
    run.code(1);
    assert_eq!(
        run.out(),
        "offset,key,request,response,code,latency_ms,outcome,ts,src,dst,direction\n\
         0,20240315|004|TESTCO0001|000001,transfer,transfer,0000,,answered,,,,\n\
         608,20240315|004|TESTCO0001|000002,transfer,,,,unanswered,,,,\n"
    );
    // Told by a field: the second response is a second answer, not a new request.
    let bytes = [request("000001"), response("000001"), response("000001")].concat();
    std::fs::write(&file, bytes).expect("write");
    let run = fep(&[
        "pair",
        "-l",
        LAYOUT,
        "--format",
        "jsonl",
        "--response-when",
        "header.msg_code=2100",
        path,
    ]);
    run.code(1);
    assert!(
        run.out()
            .contains("\"outcome\":\"answered twice\",\"responses\":2"),
        "{}",
        run.out()
    );
    // Every request answered once: exit 0.
    let bytes = [
        request("000001"),
        request("000002"),
        response("000002"),
        response("000001"),
    ]
    .concat();
    std::fs::write(&file, bytes).expect("write");
    let run = fep(&["pair", "-l", LAYOUT, path]);
    run.code(0);
    assert!(run.out().contains("2 requests: 2 answered, 0 unanswered"));
}

#[test]
fn pair_refuses_what_it_cannot_do() {
    let run = fep(&[
        "pair",
        "-l",
        LAYOUT,
        "--port",
        "9000",
        "layouts/firmbanking/transfer-request.bin",
    ]);
    run.code(2);
    assert!(
        run.stderr.contains("--port and --host filter captures"),
        "{}",
        run.stderr
    );
    let run = fep(&[
        "pair",
        "-l",
        LAYOUT,
        "--response-when",
        "header.msg_code",
        "x.pcap",
    ]);
    run.code(2);
    assert!(run.stderr.contains("give PATH=VALUE"), "{}", run.stderr);
    let _ = root();
}

#[test]
fn convert_and_explain_read_captures() {
    let pcap = "fep-cli/tests/data/captures/relay-any-nano.pcap";
    let run = fep(&[
        "convert", "-l", LAYOUT, pcap, "-o", "-", "--to", "csv", "-q",
    ]);
    run.code(0);
    let out = run.out();
    let mut lines = out.lines();
    let header = lines.next().expect("header");
    assert!(
        header.starts_with("source,offset,message,ts,src,dst,direction,header.system_id,"),
        "{header}"
    );
    let first = lines.next().expect("a row");
    assert!(first.contains(",to-server,"), "{first}");
    assert_eq!(out.lines().count(), 17);
    let run = fep(&[
        "convert", "-l", LAYOUT, pcap, "-o", "-", "--to", "jsonl", "-q",
    ]);
    let first = run.out().lines().next().expect("a line").to_owned();
    assert!(first.ends_with("\"direction\":\"to-server\"}}"), "{first}");
    let run = fep(&["explain", "-l", LAYOUT, "--port", "1", pcap]);
    assert!(run.stderr.contains("holds no telegram"), "{}", run.stderr);
    let run = fep(&["explain", "-l", LAYOUT, pcap]);
    run.code(0);
    let heading = run.out().lines().next().expect("heading").to_owned();
    assert!(
        heading.starts_with("transfer (300 bytes, frame at byte 0 of the 127.0.0.1:"),
        "{heading}"
    );
    // A file that is no capture and no telegrams: the framer's error, as before.
    let run = fep(&[
        "convert",
        "-l",
        LAYOUT,
        "--port",
        "9000",
        "layouts/firmbanking/transfer-request.bin",
        "-o",
        "-",
        "--to",
        "csv",
    ]);
    run.code(2);
}

#[test]
fn a_capture_on_standard_input_is_told_by_its_magic_number() {
    use common::fep_in;
    for (name, code) in FIXTURES {
        let path = format!("fep-cli/tests/data/captures/{name}.pcap");
        let pcap = read(&path);
        // decode: the same rows as from the file, labelled as standard input.
        let run = fep_in(&["decode", "-l", LAYOUT, "--format", "jsonl", "-"], &pcap);
        let want = text(&format!("fep-cli/tests/data/captures/{name}.decode.jsonl")).replace(
            &format!("\"source\":\"{path}\""),
            "\"source\":\"standard input\"",
        );
        assert_eq!(run.out(), want, "{name}");
        // Without a file name, standard input too.
        let run = fep_in(&["decode", "-l", LAYOUT, "--format", "jsonl"], &pcap);
        assert_eq!(run.out(), want, "{name}");
        // pair: the same rows as from the file.
        let run = fep_in(&["pair", "-l", LAYOUT, "--format", "csv", "-"], &pcap);
        run.code(code);
        let want = text(&format!("fep-cli/tests/data/captures/{name}.pair.csv"));
        assert_eq!(run.out(), want, "{name}");
    }
    // convert to CSV: the capture columns.
    let pcap = read("fep-cli/tests/data/captures/relay-any-nano.pcap");
    let run = fep_in(
        &["convert", "-l", LAYOUT, "-", "-o", "-", "--to", "csv", "-q"],
        &pcap,
    );
    run.code(0);
    assert!(
        run.out()
            .starts_with("source,offset,message,ts,src,dst,direction,"),
        "{}",
        run.out()
    );
    // explain names the stream.
    let run = fep_in(&["explain", "-l", LAYOUT, "-"], &pcap);
    run.code(0);
    assert!(
        run.out().contains("stream of standard input"),
        "{}",
        run.out()
    );
    // A few bytes that are not a capture are still read as telegrams.
    let run = fep_in(&["decode", "-l", LAYOUT, "-"], b"03");
    run.code(1);
    assert!(run.stderr.contains("frame at byte 0"), "{}", run.stderr);
}

#[test]
fn pair_says_where_a_bad_telegram_is_as_the_other_commands_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("t.bin");
    // A telegram no message matches (msg_code 9999) between two good ones, then a frame
    // cut short.
    let mut bad = request("000002");
    bad[28..32].copy_from_slice(b"9999");
    let mut bytes = [request("000001"), bad.clone(), response("000001")].concat();
    bytes.extend_from_slice(&request("000003")[..100]);
    std::fs::write(&file, &bytes).expect("write");
    let path = file.to_str().expect("path");
    let pair = fep(&["pair", "-l", LAYOUT, "--format", "csv", path]);
    pair.code(1);
    let decode = fep(&[
        "decode",
        "-l",
        LAYOUT,
        "--keep-going",
        "--format",
        "jsonl",
        path,
    ]);
    // Every error line of decode's is pair's, word for word.
    let errors = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("error: "))
            .map(str::to_owned)
            .collect()
    };
    let (p, d) = (errors(&pair.stderr), errors(&decode.stderr));
    assert_eq!(p.len(), 2, "{}", pair.stderr);
    assert_eq!(p, d, "pair:\n{}\ndecode:\n{}", pair.stderr, decode.stderr);
    assert!(p[0].contains("(frame at byte 304; "), "{}", p[0]);
    assert!(p[1].contains(": frame at byte 912: "), "{}", p[1]);
    assert!(pair.stderr.contains("1 telegram could not be paired"));
}
