//! A capture's memory, measured with a counting allocator: the peak of live bytes while a
//! generated capture is read is the same for 40 MB and for 120 MB of packets (bounded by the
//! open connections and the window, not by the file), and under a fixed bound.
//!
//! One test function, so that no other test in this binary allocates meanwhile.
//! `cargo test -p fep-core --features capture --test capture_memory -- --nocapture`
//! prints the figures.

// A global allocator is an unsafe trait; this one only counts and forwards to System.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use fep_core::Schema;
use fep_core::capture::{CaptureEvent, CaptureReader};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Relaxed);
        grew(new_size);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A pcap file made as it is read: `connections` connections carrying framed telegrams,
/// 1 to 10 to a segment, and every 50th segment left out (a hole the window must hold
/// the segments after, until it fills).
struct Generated {
    framed: Vec<u8>,
    left: usize,
    connections: u32,
    seqs: Vec<u32>,
    packet: u32,
    pending: Vec<u8>,
    at: usize,
}

impl Generated {
    fn new(framed: Vec<u8>, bytes: usize, connections: u32) -> Generated {
        let mut head = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
        head.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        head.extend_from_slice(&262_144u32.to_le_bytes());
        head.extend_from_slice(&101u32.to_le_bytes()); // raw IP
        Generated {
            framed,
            left: bytes,
            connections,
            seqs: vec![1; connections as usize],
            packet: 0,
            pending: head,
            at: 0,
        }
    }

    fn next_packet(&mut self) {
        let per = 1 + (self.packet % 10) as usize;
        let c = (self.packet % self.connections) as usize;
        let payload: Vec<u8> = self.framed.repeat(per);
        let seq = self.seqs[c];
        self.seqs[c] = seq.wrapping_add(payload.len() as u32);
        self.packet += 1;
        if self.packet.is_multiple_of(50) {
            return; // lost
        }
        let len = 20 + 20 + payload.len();
        let p = &mut self.pending;
        p.clear();
        self.at = 0;
        p.extend_from_slice(&(1_710_462_600 + self.packet / 1000).to_le_bytes());
        p.extend_from_slice(&0u32.to_le_bytes());
        p.extend_from_slice(&(len as u32).to_le_bytes());
        p.extend_from_slice(&(len as u32).to_le_bytes());
        p.extend_from_slice(&[0x45, 0]);
        p.extend_from_slice(&(len as u16).to_be_bytes());
        p.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        p.extend_from_slice(&(40_000 + c as u16).to_be_bytes());
        p.extend_from_slice(&9000u16.to_be_bytes());
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&1u32.to_be_bytes());
        p.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        p.extend_from_slice(&payload);
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.pending.len() {
            if self.left == 0 {
                return Ok(0);
            }
            self.next_packet();
        }
        let n = buf.len().min(self.pending.len() - self.at).min(self.left);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        self.left -= n;
        if self.left == 0 {
            // End on a whole record: the rest of this one is dropped from the stream.
            self.pending.clear();
            self.at = 0;
        }
        Ok(n)
    }
}

/// Reads a generated capture of `bytes`; the peak of live bytes while reading, and the
/// telegrams and gaps read.
fn peak_reading(schema: &Schema, framed: &[u8], bytes: usize) -> (usize, u64, u64) {
    let source = Generated::new(framed.to_vec(), bytes, 16);
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let (mut telegrams, mut gaps) = (0, 0);
    let reader = CaptureReader::new(schema, source).expect("capture");
    for e in reader {
        match e {
            Ok(CaptureEvent::Telegram(_)) => telegrams += 1,
            Ok(CaptureEvent::Gap(_)) => gaps += 1,
            Ok(_) => {}
            // The generated file ends inside a record.
            Err(e) => assert!(e.to_string().contains("truncated"), "{e}"),
        }
    }
    (PEAK.load(Relaxed) - base, telegrams, gaps)
}

#[test]
fn memory_is_bounded_by_connections_and_window_not_by_the_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    let schema = Schema::load(root.join("firmbanking.layout")).expect("layout");
    let framed = std::fs::read(root.join("firmbanking/transfer-request.bin")).expect("bin");
    // Large enough that every direction's window fills behind its holes.
    let (small, t1, g1) = peak_reading(&schema, &framed, 40 << 20);
    let (large, t2, g2) = peak_reading(&schema, &framed, 120 << 20);
    println!(
        "peak while reading: {small} bytes for 40 MiB ({t1} telegrams, {g1} gaps), \
         {large} bytes for 120 MiB ({t2} telegrams, {g2} gaps)"
    );
    assert!(t2 > 2 * t1 && g2 > 2 * g1, "the larger file is read whole");
    // The reader's buffer (1 MiB), and per direction of 16 connections its early segments
    // (no ACK here declares a hole: they wait up to the 1 MiB window) and one partial
    // telegram.
    let bound = (1 << 20) + 16 * ((1 << 20) + 64 * 1024) + (1 << 20);
    assert!(large <= bound, "{large} > {bound}");
    // Not growing with the file: three times the packets, about the same peak.
    assert!(
        large <= small + small / 4 + (1 << 20),
        "{small} then {large}"
    );
}
