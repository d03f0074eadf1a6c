//! Packet captures: the telegrams of a pcap or pcapng file, each with the time it was
//! captured, its TCP connection and its direction (the `capture` feature).
//!
//! A [`CaptureReader`] reads the file's packets (`file.rs`), finds the TCP segment in each
//! (`packet.rs`), puts each direction of each connection back into one byte stream
//! (`reassembly.rs`), and cuts that stream into telegrams with the layout's framer
//! (`side.rs`). Where bytes are missing (a segment the capture lost, a packet its snap
//! length cut), it says so with a [`Gap`] (where, how many bytes, what was skipped) and
//! starts again at the next telegram it can verify: it never makes one up and never drops
//! one without a word. Memory is bounded by the open connections times the window, never
//! by the size of the file.

mod event;
mod file;
mod packet;
mod pair;
mod reassembly;
mod side;

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};

pub use self::event::{CaptureEvent, CapturedTelegram, Connection, Direction, Gap, GapCause};
use self::file::{Record, Records};
pub use self::file::{Sniffed, Timestamp, is_capture, sniff};
use self::packet::Skip;
pub use self::pair::{Outcome, PairOptions, PairRow, Pairer, Whence};
use self::side::Side;
use crate::error::Result;
use crate::framer::{DEFAULT_MAX_FRAME, Framer};
use crate::framing::Framing;
use crate::schema::Schema;

/// Counts of what a capture held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Packet records read.
    pub packets: u64,
    /// TCP segments taken in (after the filters).
    pub segments: u64,
    /// Packets that are not TCP over IP (ARP, UDP, ...).
    pub not_tcp: u64,
    /// Packets of a link type the reader does not know.
    pub unknown_link: u64,
    /// Packets whose headers are cut short or malformed.
    pub malformed: u64,
    /// IP fragments (not reassembled).
    pub fragments: u64,
    /// TCP segments left out by the host and port filters.
    pub filtered: u64,
    /// Payload bytes received more than once (retransmissions, overlaps), taken once.
    pub duplicate_bytes: u64,
    /// Connections seen.
    pub connections: u64,
    /// Connections closed early because more than the maximum were open.
    pub evicted: u64,
}

/// How a [`CaptureReader`] reads: its bounds and filters.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// Bytes of early segments held per direction, waiting for a missing one, before the
    /// missing bytes are declared lost. 1 MiB: more than a TCP window of the usual sizes.
    pub window: usize,
    /// Connections open at once; beyond, the one idle longest is closed (and its
    /// incomplete telegram reported). 4,096.
    pub max_connections: usize,
    /// The largest telegram; the framer's maximum (64 KiB).
    pub max_frame: usize,
    /// Only connections with one of these ports at either end (none: all).
    pub ports: Vec<u16>,
    /// Only connections with one of these addresses at either end (none: all).
    pub hosts: Vec<IpAddr>,
}

impl Default for CaptureOptions {
    fn default() -> CaptureOptions {
        CaptureOptions {
            window: 1 << 20,
            max_connections: 4096,
            max_frame: DEFAULT_MAX_FRAME,
            ports: Vec::new(),
            hosts: Vec::new(),
        }
    }
}

impl CaptureOptions {
    fn keeps(&self, a: &SocketAddr, b: &SocketAddr) -> bool {
        (self.ports.is_empty() || self.ports.contains(&a.port()) || self.ports.contains(&b.port()))
            && (self.hosts.is_empty()
                || self.hosts.contains(&a.ip())
                || self.hosts.contains(&b.ip()))
    }
}

/// Telegrams read from a pcap or pcapng capture, with their timestamps, connections and
/// directions, and the gaps between them.
///
/// # Example
/// ```no_run
/// use fep_core::capture::{CaptureEvent, CaptureReader};
/// let schema = fep_core::Schema::load("layouts/firmbanking.layout")?;
/// let file = std::fs::File::open("x.pcap")?;
/// for event in CaptureReader::new(&schema, file)? {
///     match event? {
///         CaptureEvent::Telegram(t) => println!("{} {} {}", t.ts, t.src(), t.frame.telegram.len()),
///         CaptureEvent::Gap(g) => eprintln!("{g}"),
///         _ => {}
///     }
/// }
/// # Ok::<(), fep_core::Error>(())
/// ```
pub struct CaptureReader<R: Read> {
    records: Records<R>,
    engine: Engine,
    queue: VecDeque<Result<CaptureEvent>>,
    done: bool,
}

impl<R: Read> std::fmt::Debug for CaptureReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("stats", &self.engine.stats)
            .field("open", &self.engine.conns.len())
            .finish_non_exhaustive()
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads a capture with the default options.
    ///
    /// # Errors
    /// An input that is not a pcap or pcapng file.
    pub fn new(schema: &Schema, inner: R) -> Result<CaptureReader<R>> {
        CaptureReader::with_options(schema, inner, CaptureOptions::default())
    }

    /// Reads a capture with the given bounds and filters.
    ///
    /// # Errors
    /// An input that is not a pcap or pcapng file.
    pub fn with_options(
        schema: &Schema,
        inner: R,
        options: CaptureOptions,
    ) -> Result<CaptureReader<R>> {
        let records = Records::new(inner)?;
        Ok(CaptureReader {
            records,
            engine: Engine::new(schema, options),
            queue: VecDeque::new(),
            done: false,
        })
    }

    /// Bytes of the capture file read so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.records.consumed()
    }

    /// What the capture held so far.
    pub fn stats(&self) -> &CaptureStats {
        &self.engine.stats
    }

    /// Bytes held now: partial telegrams and early segments of the open connections. The
    /// bound the options set: connections times twice the window and the longest frame.
    pub fn held_bytes(&self) -> usize {
        self.engine
            .conns
            .iter()
            .map(|c| c.sides.iter().map(Side::held).sum::<usize>())
            .sum()
    }
}

impl<R: Read> Iterator for CaptureReader<R> {
    type Item = Result<CaptureEvent>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Some(e);
            }
            if self.done {
                return None;
            }
            let engine = &mut self.engine;
            let queue = &mut self.queue;
            match self
                .records
                .next_with(&mut |record| engine.record(record, queue))
            {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    self.engine.close_all(&mut self.queue);
                }
                Err(e) => {
                    // What was read is handed on first, then the error.
                    self.done = true;
                    self.engine.close_all(&mut self.queue);
                    self.queue.push_back(Err(e));
                }
            }
        }
    }
}

/// A connection's addresses, the lower first: the same for both directions.
type Key = (SocketAddr, SocketAddr);

struct Conn {
    key: Key,
    connection: Connection,
    sides: [Side; 2],
    /// A SYN seen from the client (its sequence number), to tell a reused port pair.
    client_isn: Option<u32>,
    fin: [bool; 2],
    last_seen: u64,
}

/// The hash of a connection's key: its addresses and ports packed into five words, mixed
/// by three folded multiplications (the product's halves xored) with keys drawn at random
/// for each reader. A tenth of the instructions of SipHash on the same words, which cost
/// 290 a packet; without the keys, a capture cannot be made whose connections collide.
struct KeyHasher {
    keys: [u64; 6],
}

impl KeyHasher {
    fn new() -> KeyHasher {
        let random = std::collections::hash_map::RandomState::new();
        KeyHasher {
            keys: std::array::from_fn(|i| random.hash_one(i)),
        }
    }

    fn hash(&self, key: &Key) -> u64 {
        let bits = |a: &SocketAddr| match a.ip() {
            IpAddr::V4(v4) => u128::from(v4.to_bits()),
            IpAddr::V6(v6) => v6.to_bits() ^ (1 << 127),
        };
        let fold = |a: u64, b: u64| {
            let p = u128::from(a) * u128::from(b);
            p as u64 ^ (p >> 64) as u64
        };
        let (a, b) = (bits(&key.0), bits(&key.1));
        let ports = u64::from(key.0.port()) << 16 | u64::from(key.1.port());
        let k = &self.keys;
        let x = fold(a as u64 ^ k[0], (a >> 64) as u64 ^ k[1]);
        let y = fold(b as u64 ^ k[2], (b >> 64) as u64 ^ k[3]);
        fold(x ^ ports ^ k[4], y ^ k[5])
    }
}

struct Engine {
    schema: Schema,
    framer: Framer,
    options: CaptureOptions,
    lookahead: usize,
    /// The open connections, found by the hash of their key, computed once a packet (a
    /// map keyed by the addresses hashed them field by field, two or three times a packet:
    /// a tenth of the reader's instructions).
    conns: hashbrown::HashTable<Conn>,
    /// Keyed at random for each reader, so that a capture cannot be made to collide.
    hasher: KeyHasher,
    stats: CaptureStats,
    /// The time of the last packet: the end of the capture, for what ends with it.
    last_ts: Timestamp,
}

impl Engine {
    fn new(schema: &Schema, options: CaptureOptions) -> Engine {
        let framer = Framer::new(schema).max_length(options.max_frame);
        // The longest frame: the longest message and its frame, when every message has a
        // fixed length; else the framer's maximum.
        let longest = schema
            .messages()
            .map(|m| m.length())
            .try_fold(0usize, |acc, l| l.map(|l| acc.max(l)))
            .unwrap_or(options.max_frame)
            .min(options.max_frame);
        let frame_extra = match schema.framing() {
            Framing::LengthPrefix { width, .. } => width as usize,
            Framing::Lines => 2,
            Framing::None => 0,
        };
        Engine {
            schema: schema.clone(),
            framer,
            lookahead: longest + frame_extra,
            options,
            conns: hashbrown::HashTable::new(),
            hasher: KeyHasher::new(),
            stats: CaptureStats::default(),
            last_ts: Timestamp::default(),
        }
    }

    fn record(&mut self, record: Record<'_>, queue: &mut VecDeque<Result<CaptureEvent>>) {
        self.stats.packets += 1;
        self.last_ts = record.ts;
        let seg = match packet::segment(record.link, record.data, record.orig_len) {
            Ok(s) => s,
            Err(Skip::NotTcp) => return self.stats.not_tcp += 1,
            Err(Skip::Link) => return self.stats.unknown_link += 1,
            Err(Skip::Malformed) => return self.stats.malformed += 1,
            Err(Skip::Fragment) => return self.stats.fragments += 1,
        };
        if !self.options.keeps(&seg.src, &seg.dst) {
            self.stats.filtered += 1;
            return;
        }
        self.stats.segments += 1;
        let key = if seg.src <= seg.dst {
            (seg.src, seg.dst)
        } else {
            (seg.dst, seg.src)
        };
        let opening = seg.syn && !seg.ack;
        let hash = self.hash(&key);
        // A new SYN on a pair of ports in use (not a retransmission of the one that opened
        // it): the old connection is over.
        if opening
            && let Some(c) = self.conns.find(hash, |c| c.key == key)
            && (c.client_isn != Some(seg.seq) || c.connection.client != seg.src)
        {
            self.close(key, record.ts, queue);
        }
        if self.conns.find(hash, |c| c.key == key).is_none() {
            if self.conns.len() >= self.options.max_connections.max(1) {
                self.evict(record.ts, queue);
            }
            let client = if opening || (!seg.syn && seg.src.port() > seg.dst.port()) {
                seg.src
            } else {
                seg.dst
            };
            let server = if client == seg.src { seg.dst } else { seg.src };
            let connection = Connection { client, server };
            let side = |d| {
                Side::new(
                    &self.schema,
                    &self.framer,
                    self.lookahead,
                    self.options.window,
                    connection,
                    d,
                )
            };
            let conn = Conn {
                key,
                connection,
                sides: [side(Direction::ToServer), side(Direction::ToClient)],
                client_isn: None,
                fin: [false; 2],
                last_seen: 0,
            };
            let hasher = &self.hasher;
            self.conns
                .insert_unique(hash, conn, |c| hasher.hash(&c.key));
            self.stats.connections += 1;
        }
        let Some(conn) = self.conns.find_mut(hash, |c| c.key == key) else {
            return;
        };
        conn.last_seen = self.stats.packets;
        let direction = if seg.src == conn.connection.client {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let d = direction.index();
        // What this packet acknowledges of the other direction goes first: a hole it
        // proves lost comes out before this packet's own data (a response after its
        // request).
        if seg.ack {
            conn.sides[1 - d].acked(seg.ack_no, record.ts, queue);
        }
        let side = &mut conn.sides[d];
        if seg.syn {
            if opening {
                conn.client_isn = Some(seg.seq);
            }
            side.reasm.syn(seg.seq);
        }
        let has_data = !seg.payload.is_empty() || seg.cut > 0;
        if has_data {
            if !side.reasm.started() {
                side.start_mid_stream();
            }
            // Data on a SYN starts after the SYN's sequence number.
            let seq = if seg.syn {
                seg.seq.wrapping_add(1)
            } else {
                seg.seq
            };
            let before = side.reasm.duplicate_bytes;
            side.segment(seq, seg.payload, seg.cut as u64, record.ts, queue);
            self.stats.duplicate_bytes += side.reasm.duplicate_bytes - before;
        }
        if seg.fin {
            conn.fin[d] = true;
        }
        let over =
            seg.rst || (conn.fin == [true, true] && conn.sides.iter().all(|s| s.reasm.held() == 0));
        if over {
            self.close(key, record.ts, queue);
        }
    }

    fn hash(&self, key: &Key) -> u64 {
        self.hasher.hash(key)
    }

    /// Closes a connection: both directions' streams end.
    fn close(&mut self, key: Key, ts: Timestamp, queue: &mut VecDeque<Result<CaptureEvent>>) {
        let hash = self.hash(&key);
        let Ok(entry) = self.conns.find_entry(hash, |c| c.key == key) else {
            return;
        };
        let (mut conn, _) = entry.remove();
        for side in &mut conn.sides {
            side.finish(ts, queue);
        }
    }

    /// Closes the connection idle longest, to make room.
    fn evict(&mut self, ts: Timestamp, queue: &mut VecDeque<Result<CaptureEvent>>) {
        let oldest = self.conns.iter().min_by_key(|c| c.last_seen).map(|c| c.key);
        if let Some(key) = oldest {
            self.stats.evicted += 1;
            self.close(key, ts, queue);
        }
    }

    /// The end of the capture: every open connection's streams end, in the order the
    /// connections were last seen.
    fn close_all(&mut self, queue: &mut VecDeque<Result<CaptureEvent>>) {
        let mut keys: Vec<_> = self.conns.iter().map(|c| (c.last_seen, c.key)).collect();
        keys.sort();
        for (_, key) in keys {
            self.close(key, self.last_ts, queue);
        }
    }
}
