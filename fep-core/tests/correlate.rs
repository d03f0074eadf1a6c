//! The correlator: responses matched to requests by key, nothing lost.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fep_core::{Correlator, ErrorKind, Schema};
use proptest::prelude::*;

fn firmbanking() -> (Schema, Vec<u8>, Vec<u8>) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../layouts/");
    let schema = Schema::load(format!("{root}firmbanking.layout")).expect("layout");
    let unframe = |name: &str| {
        let b = std::fs::read(format!("{root}firmbanking/{name}")).expect("sample");
        b[4..].to_vec()
    };
    (
        schema,
        unframe("transfer-request.bin"),
        unframe("transfer-response.bin"),
    )
}

/// The telegram with its telegram number (`header.seq_no`, bytes 32..38) set to `n`.
fn numbered(t: &[u8], n: u32) -> Vec<u8> {
    let mut t = t.to_vec();
    t[32..38].copy_from_slice(format!("{n:06}").as_bytes());
    t
}

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn a_response_gives_back_its_requests_token() {
    let (schema, req, res) = firmbanking();
    let c = Correlator::new(&schema, 100, SECOND);
    let t0 = Instant::now();
    let key = c
        .insert_at(&req, "trace-1", t0, t0 + SECOND)
        .expect("filed");
    assert_eq!(key.text(), schema.key(&req).expect("key"));
    assert_eq!(c.len(), 1);
    let m = c
        .complete_at(&res, t0 + Duration::from_millis(7))
        .expect("matched");
    assert_eq!(m.token, "trace-1");
    assert_eq!(m.request_message, "transfer");
    assert_eq!(m.elapsed, Duration::from_millis(7));
    assert_eq!(m.key, key);
    assert!(c.is_empty());
}

#[test]
fn duplicates_and_a_full_table_give_the_token_back() {
    let (schema, req, _) = firmbanking();
    let c = Correlator::new(&schema, 2, SECOND);
    c.insert(&req, 1).expect("filed");
    let r = c.insert(&req, 2).expect_err("same key");
    assert_eq!(r.token, 2);
    assert!(
        matches!(r.error.kind(), ErrorKind::DuplicateKey(_)),
        "{}",
        r.error
    );
    assert!(
        r.error
            .to_string()
            .contains("20240315|004|TESTCO0001|000123"),
        "{}",
        r.error
    );
    c.insert(&numbered(&req, 7), 3).expect("filed");
    let r = c.insert(&numbered(&req, 8), 4).expect_err("full");
    assert_eq!(r.token, 4);
    assert!(matches!(
        r.error.kind(),
        ErrorKind::CorrelatorFull { capacity: 2, .. }
    ));
    assert_eq!(c.len(), 2);
}

#[test]
fn an_unmatched_response_names_the_nearest_request() {
    let (schema, req, res) = firmbanking();
    let c = Correlator::new(&schema, 10, SECOND);
    // The request went out a day earlier (send_date, bytes 38..46).
    let mut earlier = req.clone();
    earlier[38..46].copy_from_slice(b"20240314");
    c.insert(&earlier, ()).expect("filed");
    let e = c.complete(&res).expect_err("no match");
    let ErrorKind::Unmatched { key, nearest } = e.kind() else {
        panic!("{e}");
    };
    assert_eq!(key, "20240315|004|TESTCO0001|000123");
    let nearest = nearest.as_deref().expect("a nearest request");
    assert!(
        nearest.contains("header.send_date: 20240314, the response has 20240315"),
        "{nearest}"
    );
    assert_eq!(c.unmatched().len(), 1);
    assert_eq!(c.len(), 1, "the pending request stays");
}

#[test]
fn deadlines_expire_each_request_once() {
    let (schema, req, _) = firmbanking();
    let c = Correlator::new(&schema, 10, SECOND);
    let t0 = Instant::now();
    for n in 0..5u32 {
        c.insert_at(&numbered(&req, n), n, t0, t0 + SECOND * n)
            .expect("filed");
    }
    assert_eq!(c.next_deadline(), Some(t0));
    let mut gone: Vec<u32> = c
        .expire(t0 + SECOND * 2)
        .into_iter()
        .map(|e| e.token)
        .collect();
    gone.sort_unstable();
    assert_eq!(gone, [0, 1, 2]);
    assert!(c.expire(t0 + SECOND * 2).is_empty());
    let cancelled = c
        .cancel_request(&numbered(&req, 4))
        .expect("key")
        .expect("pending");
    assert_eq!(cancelled.token, 4);
    let rest: Vec<u32> = c.drain().into_iter().map(|e| e.token).collect();
    assert_eq!(rest, [3]);
    assert!(c.is_empty());
}

#[test]
fn a_message_may_have_its_own_key() {
    let schema = Schema::parse(
        r#"
encoding ascii
key req.seq
record number 7 {
  seq 9(7)
}
message request 10 {
  when kind = "REQ"
  kind X(3)
  req  number
}
message response 12 {
  when kind = "RES"
  key  ans.seq
  kind X(3)
  code X(2)
  ans  number
}
"#,
    )
    .expect("layout");
    let c = Correlator::new(&schema, 10, SECOND);
    c.insert(b"REQ0000042", 42).expect("filed");
    assert_eq!(schema.key(b"RES000000042").expect("key"), "0000042");
    assert_eq!(c.complete(b"RES000000042").expect("matched").token, 42);
}

#[test]
fn own_keys_are_checked_when_the_layout_compiles() {
    let base = |own: &str| {
        format!(
            "encoding ascii\nkey a b\nmessage m 4 {{\n  when t = \"M\"\n  t X(1)\n  a X(1)\n  b X(2)\n}}\nmessage n 4 {{\n  when t = \"N\"\n  {own}\n  t X(1)\n  c X(3)\n}}\n"
        )
    };
    let e = Schema::parse(&base("key c")).expect_err("one part against two");
    assert!(
        e.to_string()
            .contains("has a key of 1 fields, the other keys have 2"),
        "{e}"
    );
    assert_eq!(e.line_column(), Some((11, 7)));
    let e = Schema::parse(&base("key c d")).expect_err("no field d");
    assert!(
        e.to_string()
            .contains("message \"n\" has no field \"d\" for its key"),
        "{e}"
    );
    Schema::parse(&base("key t c")).expect("two parts");
}

#[test]
fn threads_share_one_correlator() {
    let (schema, req, res) = firmbanking();
    let c = Correlator::new(&schema, 10_000, SECOND * 60);
    std::thread::scope(|s| {
        for t in 0..8u32 {
            let (c, req, res) = (&c, &req, &res);
            s.spawn(move || {
                for i in 0..500 {
                    let n = t * 1000 + i;
                    c.insert(&numbered(req, n), n).expect("filed");
                    let m = c.complete(&numbered(res, n)).expect("matched");
                    assert_eq!(m.token, n);
                }
            });
        }
    });
    assert!(c.is_empty());
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u8, u8),
    Complete(u8),
    Cancel(u8),
    Expire(u8),
    Drain,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..16, 0u8..8).prop_map(|(k, d)| Op::Insert(k, d)),
        3 => (0u8..16).prop_map(Op::Complete),
        1 => (0u8..16).prop_map(Op::Cancel),
        1 => (0u8..8).prop_map(Op::Expire),
        1 => Just(Op::Drain),
    ]
}

proptest! {
    /// Every request taken in leaves exactly once (matched, expired, cancelled or drained),
    /// every refused one gets its token back, and the count says what is pending.
    #[test]
    fn nothing_is_lost(ops in proptest::collection::vec(op(), 1..200)) {
        let (schema, req, res) = firmbanking();
        let c = Correlator::new(&schema, 8, SECOND);
        let t0 = Instant::now();
        let mut next = 0u64;
        // token -> how many times it left (or came back)
        let mut out: HashMap<u64, u32> = HashMap::new();
        let mut taken = 0u64;
        let leave = |t: u64, out: &mut HashMap<u64, u32>| *out.entry(t).or_default() += 1;
        for op in ops {
            match op {
                Op::Insert(k, d) => {
                    next += 1;
                    match c.insert_at(&numbered(&req, k.into()), next, t0, t0 + SECOND * d.into()) {
                        Ok(_) => taken += 1,
                        Err(r) => leave(r.token, &mut out),
                    }
                }
                Op::Complete(k) => {
                    if let Ok(m) = c.complete_at(&numbered(&res, k.into()), t0) {
                        leave(m.token, &mut out);
                    }
                }
                Op::Cancel(k) => {
                    if let Some(e) = c.cancel_request(&numbered(&req, k.into())).expect("key") {
                        leave(e.token, &mut out);
                    }
                }
                Op::Expire(d) => {
                    for e in c.expire(t0 + SECOND * d.into()) {
                        leave(e.token, &mut out);
                    }
                }
                Op::Drain => {
                    for e in c.drain() {
                        leave(e.token, &mut out);
                    }
                }
            }
            prop_assert!(c.len() <= 8);
        }
        for e in c.drain() {
            leave(e.token, &mut out);
        }
        prop_assert!(c.is_empty());
        prop_assert_eq!(out.len() as u64, next, "every token came back");
        prop_assert!(out.values().all(|&n| n == 1), "each exactly once: {:?}", out);
        prop_assert!(taken <= next);
    }
}

#[test]
fn sensitive_key_parts_are_hidden_whole() {
    let schema = Schema::parse(
        "encoding ascii\nkey acct seq\nmessage m 12 {\n  acct X(8) mask\n  seq  9(4)\n}\n",
    )
    .expect("layout");
    let c = Correlator::new(&schema, 10, SECOND);
    c.insert(b"123456780042", ()).expect("filed");
    let r = c.insert(b"123456780042", ()).expect_err("same key");
    let text = r.error.to_string();
    assert!(text.contains("****|0042"), "{text}");
    assert!(!text.contains("5678"), "{text}");
}

#[test]
fn a_message_without_a_key_says_so() {
    let schema = Schema::parse(
        "encoding ascii\nmessage a 4 {\n  when t = \"A\"\n  key n\n  t X(1)\n  n X(3)\n}\nmessage b 4 {\n  when t = \"B\"\n  t X(1)\n  n X(3)\n}\n",
    )
    .expect("layout");
    assert_eq!(schema.key(b"A123").expect("a key"), "123");
    let e = schema.key(b"B123").expect_err("no key");
    assert!(matches!(e.kind(), ErrorKind::NoKey(_)), "{e}");
    assert!(e.to_string().contains("message \"b\" has no key"), "{e}");
    let c = Correlator::new(&schema, 10, SECOND);
    let r = c.insert(b"B123", 7).expect_err("no key");
    assert_eq!(r.token, 7);
    assert!(matches!(r.error.kind(), ErrorKind::NoKey(_)));
}

/// A layout whose responses say which requests they answer: an inquiry and a transfer
/// share their telegram numbers, as counterparts that number each kind apart do.
const ANSWERS: &str = r#"
encoding ascii
key seq
message inquiry 10 {
  when kind = "INQ"
  kind X(3)
  seq  9(7)
}
message transfer 10 {
  when kind = "TRF"
  kind X(3)
  seq  9(7)
}
message transfer_result 12 {
  when kind = "TRR"
  answers transfer
  kind X(3)
  seq  9(7)
  code X(2)
}
"#;

#[test]
fn a_response_matches_only_the_requests_it_answers() {
    let schema = Schema::parse(ANSWERS).expect("layout");
    let info = schema.message("transfer_result").expect("message");
    assert_eq!(info.answers().collect::<Vec<_>>(), ["transfer"]);
    let c = Correlator::new(&schema, 10, SECOND);
    c.insert(b"INQ0000042", "inquiry-42").expect("filed");
    // Same key, but a transfer result does not answer an inquiry: no match, and the
    // operator is told why; the inquiry stays pending for its own response.
    let e = c.complete(b"TRR000004200").expect_err("another message");
    let ErrorKind::Unmatched { key, nearest } = e.kind() else {
        panic!("{e}");
    };
    assert_eq!(key, "0000042");
    assert_eq!(
        nearest.as_deref(),
        Some(
            "request \"inquiry\" 0000042 has the same key, but \"transfer_result\" answers \
             \"transfer\""
        )
    );
    assert_eq!(c.len(), 1);
    assert_eq!(c.unmatched()[0].nearest, nearest.clone());
    c.cancel_request(b"INQ0000042")
        .expect("key")
        .expect("pending");
    c.insert(b"TRF0000042", "transfer-42").expect("filed");
    let m = c.complete(b"TRR000004200").expect("matched");
    assert_eq!((m.token, m.request_message), ("transfer-42", "transfer"));
    // A message without `answers` matches any request with its key.
    c.insert(b"INQ0000043", "inquiry-43").expect("filed");
    assert_eq!(
        c.complete(b"INQ0000043").expect("matched").token,
        "inquiry-43"
    );
}

#[test]
fn answers_lines_are_checked_when_the_layout_compiles() {
    let e = Schema::parse(&ANSWERS.replace("answers transfer", "answers transfr"))
        .expect_err("no such message");
    assert!(
        e.to_string().contains(
            "`answers` names no message \"transfr\" (the messages: \"inquiry\", \"transfer\", \
             \"transfer_result\")"
        ),
        "{e}"
    );
    assert_eq!(e.line_column(), Some((16, 11)));
    let e =
        Schema::parse(&ANSWERS.replace("answers transfer", "answers transfer\n  answers inquiry"))
            .expect_err("twice");
    assert!(e.to_string().contains("`answers` is given twice"), "{e}");
    let e = Schema::parse(&ANSWERS.replace("answers transfer", "answers")).expect_err("no names");
    assert!(
        e.to_string()
            .contains("expected one or more message names after `answers`"),
        "{e}"
    );
    // A field named `answers` is still a field, first in its message too.
    let schema = Schema::parse("encoding ascii\nmessage m 5 {\n  answers X(2)\n  seq 9(3)\n}\n")
        .expect("a field named answers");
    let m = schema.message("m").expect("m");
    assert_eq!(m.answers().count(), 0);
    assert_eq!(m.fields().next().expect("a field").name(), "answers");
    // Both sides need a key: the answering message, and the requests it answers.
    let keyless = "encoding ascii\nkey seq\nmessage a 4 {\n  when t = \"A\"\n  t X(1)\n  seq X(3)\n}\n\
                   message b 2 {\n  when t = \"B\"\n  answers a\n  t X(1)\n  z X(1)\n}\n";
    let e = Schema::parse(keyless).expect_err("b has no key");
    assert!(
        e.to_string()
            .contains("message \"b\" answers requests but has no key"),
        "{e}"
    );
    let keyless = "encoding ascii\nkey seq\nmessage a 2 {\n  when t = \"A\"\n  t X(1)\n  z X(1)\n}\n\
                   message b 4 {\n  when t = \"B\"\n  answers a\n  t X(1)\n  seq X(3)\n}\n";
    let e = Schema::parse(keyless).expect_err("a has no key");
    assert!(
        e.to_string()
            .contains("message \"a\" has no key, so none of its requests"),
        "{e}"
    );
}

/// The capacity is exact however the keys fall into the shards: every insert up to it is
/// taken, the next is refused, and a request leaving makes room for exactly one more.
#[test]
fn the_capacity_is_exact_across_shards() {
    let (schema, req, res) = firmbanking();
    for capacity in [1, 2, 17, 100, 1000] {
        let c = Correlator::new(&schema, capacity, SECOND);
        for n in 0..capacity as u32 {
            c.insert(&numbered(&req, n), n).expect("room");
        }
        assert_eq!(c.len(), capacity);
        let r = c.insert(&numbered(&req, 99_999), 0).expect_err("full");
        assert!(
            matches!(r.error.kind(), ErrorKind::CorrelatorFull { .. }),
            "{}",
            r.error
        );
        // Completing one in one shard makes room for a key in any other.
        c.complete(&numbered(&res, 0)).expect("matched");
        c.insert(&numbered(&req, 99_999), 0).expect("room again");
        c.insert(&numbered(&req, 99_998), 0)
            .expect_err("full again");
        assert_eq!(c.drain().len(), capacity);
        assert!(c.is_empty());
        for n in 0..capacity as u32 {
            c.insert(&numbered(&req, n + 500_000), n)
                .expect("all the room is back");
        }
    }
}

/// Many threads filling one table: exactly `capacity` inserts are taken in all.
#[test]
fn threads_filling_a_table_take_exactly_its_capacity() {
    let (schema, req, _) = firmbanking();
    let capacity = 1000;
    let c = Correlator::new(&schema, capacity, SECOND * 60);
    let taken: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8u32)
            .map(|t| {
                let (c, req) = (&c, &req);
                s.spawn(move || {
                    (0..500)
                        .filter(|i| c.insert(&numbered(req, t * 1000 + i), *i).is_ok())
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    assert_eq!(taken, capacity);
    assert_eq!(c.len(), capacity);
}

/// The nearest pending request is looked for among the requests the response answers:
/// a balance inquiry a day older is not the transfer response's near miss.
#[test]
fn the_nearest_request_is_one_the_response_answers() {
    let (schema, req, res) = firmbanking();
    let mut inquiry = req[..200].to_vec();
    inquiry[24..31].copy_from_slice(b"3000200");
    inquiry[38..46].copy_from_slice(b"20240314");
    let mut transfer = req.clone();
    transfer[38..46].copy_from_slice(b"20240313");
    let c = Correlator::new(&schema, 10, SECOND);
    c.insert(&inquiry, "inquiry").expect("filed");
    let e = c.complete(&res).expect_err("no match");
    let ErrorKind::Unmatched { nearest, .. } = e.kind() else {
        panic!("{e}");
    };
    assert_eq!(nearest, &None, "{e}");
    c.insert(&transfer, "transfer").expect("filed");
    let e = c.complete(&res).expect_err("no match");
    let ErrorKind::Unmatched { nearest, .. } = e.kind() else {
        panic!("{e}");
    };
    let nearest = nearest.as_deref().expect("the older transfer");
    assert!(
        nearest.starts_with("request \"transfer\" 20240313|"),
        "{nearest}"
    );
}
