//! The correlator's memory, measured with a counting allocator: bytes per pending request
//! for a table of capacity 100,000 (its maps are sized when it is made, so the bytes it
//! allocated divided by its capacity), and no allocation at all in steady state.
//!
//! One test function, so that no other test in this binary allocates meanwhile.
//! `cargo test --release -p fep-core --test correlate_memory -- --nocapture` prints the
//! figures.

// A global allocator is an unsafe trait; this one only counts and forwards to System.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use fep_core::{Correlator, Schema};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        LIVE.fetch_add(layout.size(), Relaxed);
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
        LIVE.fetch_add(new_size, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The token: a trace id, as a FEP would keep.
type Token = u64;

const CAPACITY: usize = 100_000;

/// The transfer telegram with its telegram number (`header.seq_no`, bytes 32..38) set.
fn number(t: &mut [u8], n: usize) {
    let mut n = n;
    for b in t[32..38].iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

#[test]
fn memory_per_pending_request_and_none_allocated_in_steady_state() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    let schema = Schema::load(root.join("firmbanking.layout")).expect("layout");
    let read =
        |name: &str| std::fs::read(root.join("firmbanking").join(name)).expect("bin")[4..].to_vec();
    let (mut req, mut resp) = (read("transfer-request.bin"), read("transfer-response.bin"));
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(30);

    // 1. Bytes per pending request: everything the table allocated, made and then filled
    // to its capacity, over the capacity.
    let before = LIVE.load(Relaxed);
    let table = Correlator::<Token>::new(&schema, CAPACITY, Duration::from_secs(30));
    let made = LIVE.load(Relaxed) - before;
    for i in 0..CAPACITY {
        number(&mut req, i);
        table
            .insert_at(&req, i as Token, t0, deadline)
            .expect("filed");
    }
    assert_eq!(table.len(), CAPACITY);
    let filled = LIVE.load(Relaxed) - before;
    let per_entry = filled as f64 / CAPACITY as f64;
    let token = size_of::<Token>();
    println!(
        "correlator of capacity {CAPACITY}: {made} bytes when made, {filled} bytes when full: \
         {per_entry:.1} bytes per pending request, with a token of {token} bytes"
    );
    assert!(
        per_entry < (256 + token) as f64,
        "{per_entry:.1} bytes per pending request (token {token} bytes)"
    );
    drop(table);

    // 2. Steady state: after a warm-up, insert + complete pairs with 1,000 requests
    // pending allocate nothing (keys inline, names shared).
    let table = Correlator::<Token>::new(&schema, 10_000, Duration::from_secs(30));
    let pair = |i: usize, req: &mut Vec<u8>, resp: &mut Vec<u8>| {
        number(req, (i + 1_000) % 1_000_000);
        table
            .insert_at(req, (i + 1_000) as Token, t0, deadline)
            .expect("filed");
        number(resp, i % 1_000_000);
        let done = table.complete_at(resp, t0).expect("matched");
        assert_eq!(done.token, i as Token);
    };
    for i in 0..1_000 {
        number(&mut req, i);
        table
            .insert_at(&req, i as Token, t0, deadline)
            .expect("filed");
    }
    for i in 0..10_000 {
        pair(i, &mut req, &mut resp);
    }
    let before = ALLOCS.load(Relaxed);
    for i in 10_000..20_000 {
        pair(i, &mut req, &mut resp);
    }
    let allocs = ALLOCS.load(Relaxed) - before;
    println!("10,000 insert + complete pairs after a warm-up: {allocs} allocations");
    assert_eq!(allocs, 0, "{allocs} allocations in 10,000 pairs");
    assert_eq!(table.len(), 1_000);
}
