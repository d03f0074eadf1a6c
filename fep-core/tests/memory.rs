//! Memory, measured with a counting allocator (never with timings): a stream of 100,000
//! telegrams is read in constant memory, and `decode_into` and views allocate nothing per
//! telegram once warmed up.
//!
//! One test function, so that no other test in this binary allocates meanwhile.

// A global allocator is an unsafe trait; this one only counts and forwards to System.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use fep_core::{Message, MessageReader, Schema};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
            PEAK.fetch_max(live, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn layouts() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts")
}

/// A capture generated on the fly: `n` framed transfer telegrams with rising `seq_no`.
struct Capture {
    template: Vec<u8>,
    left: usize,
    seq: u32,
    pending: Vec<u8>,
    at: usize,
}

impl Read for Capture {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.pending.len() {
            if self.left == 0 {
                return Ok(0);
            }
            self.left -= 1;
            self.seq = (self.seq + 1) % 1_000_000;
            self.pending.clear();
            self.pending.extend_from_slice(&self.template);
            // seq_no sits at bytes 32..38 of the telegram, after the 4-byte prefix.
            let digits = format!("{:06}", self.seq);
            self.pending[4 + 32..4 + 38].copy_from_slice(digits.as_bytes());
            self.at = 0;
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn memory_is_bounded_and_reuse_allocates_nothing() {
    let schema = Schema::load(layouts().join("firmbanking.layout")).expect("layout");
    let req = std::fs::read(layouts().join("firmbanking/transfer-request.bin")).expect("bin");
    let resp = std::fs::read(layouts().join("firmbanking/transfer-response.bin")).expect("bin");

    // 1. A stream of 100,000 telegrams (30 MB) in constant memory.
    let capture = Capture {
        template: req.clone(),
        left: 100_000,
        seq: 0,
        pending: Vec::new(),
        at: 0,
    };
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let mut count = 0u64;
    let mut last_seq = 0;
    for item in MessageReader::new(&schema, capture) {
        let d = item.expect("decodes");
        last_seq = d
            .message
            .get("header.seq_no")
            .and_then(|v| v.as_i64())
            .expect("seq");
        count += 1;
    }
    let peak = PEAK.load(Relaxed) - base;
    assert_eq!(count, 100_000);
    assert_eq!(last_seq, 100_000);
    assert!(
        peak < 512 * 1024,
        "peak live memory {peak} bytes while reading 30 MB"
    );

    // 2. decode_into: nothing allocated per telegram once warmed up.
    let (req, resp) = (&req[4..], &resp[4..]);
    let mut msg = Message::default();
    schema.decode_into(req, &mut msg).expect("decodes");
    schema.decode_into(resp, &mut msg).expect("decodes");
    let before = ALLOCS.load(Relaxed);
    for i in 0..10_000 {
        schema
            .decode_into(if i % 2 == 0 { req } else { resp }, &mut msg)
            .expect("decodes");
    }
    let allocs = ALLOCS.load(Relaxed) - before;
    assert_eq!(
        allocs, 0,
        "decode_into allocated {allocs} times in 10,000 telegrams"
    );
    assert_eq!(
        msg.get("holder_name").and_then(|v| v.as_str()),
        Some("홍길동")
    );

    // 3. Views with resolved handles: nothing allocated.
    let fields = [
        schema.field("header.msg_code").expect("path"),
        schema.field("header.seq_no").expect("path"),
        schema.field("amount").expect("path"),
    ];
    let before = ALLOCS.load(Relaxed);
    let mut sum = 0i64;
    for i in 0..10_000 {
        let view = schema
            .view(if i % 2 == 0 { req } else { resp })
            .expect("view");
        let code = view.str(&fields[0]).expect("code");
        sum += i64::from(code.as_bytes()[1] - b'0');
        sum += view.int(&fields[1]).expect("seq").unwrap_or(0);
        sum += view.int(&fields[2]).expect("amount").unwrap_or(0);
    }
    let allocs = ALLOCS.load(Relaxed) - before;
    assert_eq!(
        allocs, 0,
        "views allocated {allocs} times in 10,000 telegrams"
    );
    assert_eq!(sum, 5_000 * (10_123 + 10_124));

    // 4. decode_into of the four bench messages of every shape (ASCII, Hangul with `G`
    // fields, numbers, 20 counted rows): nothing allocated once warmed up.
    let schema = Schema::load(layouts().join("securities.layout")).expect("layout");
    let read = |name: &str| {
        std::fs::read(layouts().join("securities").join(name)).expect("bin")[4..].to_vec()
    };
    let pairs = [
        [read("order-request.bin"), read("order-request.bin")],
        [read("customer-register.bin"), read("customer-register.bin")],
        [read("settlement.bin"), read("settlement.bin")],
        // Two messages of plain values in turns: the values vector is reused across them.
        [read("order-request.bin"), read("settlement.bin")],
        // (Fewer rows drop the entries past them, so a shorter page allocates them anew.)
        [read("history-20.bin"), read("history-20.bin")],
    ];
    for [a, b] in &pairs {
        let mut msg = Message::default();
        schema.decode_into(a, &mut msg).expect("decodes");
        schema.decode_into(b, &mut msg).expect("decodes");
        schema.decode_into(a, &mut msg).expect("decodes");
        let before = ALLOCS.load(Relaxed);
        for i in 0..1_000 {
            schema
                .decode_into(if i % 2 == 0 { b } else { a }, &mut msg)
                .expect("decodes");
        }
        let allocs = ALLOCS.load(Relaxed) - before;
        assert_eq!(
            allocs,
            0,
            "decode_into of {} allocated {allocs} times in 1,000 telegrams",
            msg.name()
        );
        assert_eq!(msg, schema.decode(a).expect("decodes"));
        schema.decode_into(b, &mut msg).expect("decodes");
        assert_eq!(msg, schema.decode(b).expect("decodes"));
    }

    // 5. Nothing leaks: a message whose values own nothing is dropped without looking at
    // them, and one that may own (Hangul text, a field set by hand, a message that held
    // Hangul before) is dropped value by value. Whatever the order, the memory comes back.
    let firm = Schema::load(layouts().join("firmbanking.layout")).expect("layout");
    let flat =
        Schema::parse("message m 16 {\n  name X(10)\n  n 9(4)\n  code X(2)\n}\n").expect("layout");
    let ascii = b"HONG      000100";
    // 홍길동 in EUC-KR.
    let hangul = b"\xc8\xab\xb1\xe6\xb5\xbf    000200";
    let [order, customer, settlement, history] = [
        "order-request.bin",
        "customer-register.bin",
        "settlement.bin",
        "history-3.bin",
    ]
    .map(read);
    let all = [&order, &customer, &settlement, &history];
    let round = || {
        for t in all {
            drop(schema.decode(t).expect("decodes"));
            drop(schema.decode(t).expect("decodes").into_owned());
        }
        let mut msg = Message::default();
        for t in [
            &order,
            &customer,
            &settlement,
            &customer,
            &order,
            &history,
            &order,
        ] {
            schema.decode_into(t, &mut msg).expect("decodes");
        }
        drop(msg);
        // A plain message given an owned string by hand.
        let mut msg = schema.decode(&settlement).expect("decodes");
        msg.fields_mut().set(
            "isin",
            fep_core::Value::Text("KR7005930003".to_string().into()),
        );
        drop(msg);
        let mut msg = Message::default();
        schema.decode_into(&order, &mut msg).expect("decodes");
        msg.fields_mut().set(
            "resp_code",
            fep_core::Value::Text("0000".to_string().into()),
        );
        schema.decode_into(&settlement, &mut msg).expect("decodes");
        drop(msg);
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Settlement {
            isin: String,
        }
        let _: Settlement = schema.decode_as(&settlement).expect("decodes");
        // Hangul in `X` fields (no `G` field): the transfer, after and before ASCII ones;
        // and a message of scalars only (no record, no `G` field), where the pass over the
        // telegram alone tells whether its text owns strings.
        let mut msg = Message::default();
        for t in [req, resp, req] {
            drop(firm.decode(t).expect("decodes"));
            firm.decode_into(t, &mut msg).expect("decodes");
        }
        let mut msg = Message::default();
        for t in [&ascii[..], hangul, hangul, ascii, hangul] {
            drop(flat.decode(t).expect("decodes"));
            flat.decode_into(t, &mut msg).expect("decodes");
        }
    };
    round();
    let live = LIVE.load(Relaxed);
    for _ in 0..100 {
        round();
    }
    let leaked = LIVE.load(Relaxed) as isize - live as isize;
    assert_eq!(leaked, 0, "{leaked} bytes not freed after 100 rounds");
}
