//! Captures built here, packet by packet, to force what real captures hold now and then:
//! retransmissions, segments out of order, a lost segment, VLAN tags, IPv6, Linux cooked
//! headers, a snap length that cuts packets, a file cut short; in pcap (both byte orders,
//! micro- and nanoseconds) and pcapng.

use std::net::SocketAddr;

mod common {
    pub mod fuzz_capture;
    #[allow(dead_code)]
    pub mod fuzz_checks;
}

use etherparse::PacketBuilder;
use fep_core::capture::{
    CaptureEvent, CaptureOptions, CaptureReader, CapturedTelegram, Direction, Gap, GapCause,
};
use fep_core::{ErrorKind, Schema};

const LAYOUT: &str = r#"
encoding ascii
framing length-prefix 4 ascii
key seq
message request 12 {
  when kind = "REQ"
  kind X(3)
  seq  9(6)
  memo X(3)
}
message response 14 {
  when kind = "RES"
  kind X(3)
  seq  9(6)
  memo X(3)
  code X(2)
}
"#;

fn schema() -> Schema {
    Schema::parse(LAYOUT).expect("layout")
}

/// A framed request: 16 bytes.
fn req(n: u32) -> Vec<u8> {
    format!("0012REQ{n:06}abc").into_bytes()
}

/// A framed response: 18 bytes.
fn res(n: u32) -> Vec<u8> {
    format!("0014RES{n:06}abc00").into_bytes()
}

#[derive(Clone, Copy)]
enum Net {
    V4,
    V6,
}

#[derive(Clone, Copy, PartialEq)]
enum Link {
    Ethernet,
    Vlan,
    Sll,
    Sll2,
    Raw,
}

impl Link {
    fn number(self) -> u32 {
        match self {
            Link::Ethernet | Link::Vlan => 1,
            Link::Sll => 113,
            Link::Sll2 => 276,
            Link::Raw => 101,
        }
    }
}

const CLIENT_PORT: u16 = 40_000;
const SERVER_PORT: u16 = 9_000;
const CLIENT_ISN: u32 = 1_000;
const SERVER_ISN: u32 = 5_000;

/// One TCP packet of the test connection, as the link type frames it.
fn frame(link: Link, net: Net, to_server: bool, seq: u32, flags: &str, payload: &[u8]) -> Vec<u8> {
    let (sp, dp) = if to_server {
        (CLIENT_PORT, SERVER_PORT)
    } else {
        (SERVER_PORT, CLIENT_PORT)
    };
    let eth = PacketBuilder::ethernet2([1; 6], [2; 6])
        .single_vlan(etherparse::VlanId::try_new(7).expect("vlan"));
    let mut out = Vec::new();
    let (c4, s4) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let (c6, s6) = (
        [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
    );
    macro_rules! finish {
        ($b:expr) => {{
            let mut b = $b.tcp(sp, dp, seq, 65_000);
            for f in flags.chars() {
                b = match f {
                    'S' => b.syn(),
                    'A' => b.ack(1),
                    'F' => b.fin(),
                    'R' => b.rst(),
                    _ => b,
                };
            }
            b.write(&mut out, payload).expect("packet");
        }};
    }
    match (link, net, to_server) {
        (Link::Vlan, Net::V4, true) => finish!(eth.ipv4(c4, s4, 64)),
        (Link::Vlan, Net::V4, false) => finish!(eth.ipv4(s4, c4, 64)),
        (Link::Vlan, Net::V6, true) => finish!(eth.ipv6(c6, s6, 64)),
        (Link::Vlan, Net::V6, false) => finish!(eth.ipv6(s6, c6, 64)),
        (_, Net::V4, true) => finish!(PacketBuilder::ethernet2([1; 6], [2; 6]).ipv4(c4, s4, 64)),
        (_, Net::V4, false) => finish!(PacketBuilder::ethernet2([1; 6], [2; 6]).ipv4(s4, c4, 64)),
        (_, Net::V6, true) => finish!(PacketBuilder::ethernet2([1; 6], [2; 6]).ipv6(c6, s6, 64)),
        (_, Net::V6, false) => finish!(PacketBuilder::ethernet2([1; 6], [2; 6]).ipv6(s6, c6, 64)),
    }
    // The other link types carry the same IP packet behind their own headers.
    let ether_type = [out[12], out[13]];
    let ip = out[14..].to_vec();
    match link {
        Link::Ethernet | Link::Vlan => out,
        Link::Raw => ip,
        Link::Sll => {
            let mut h = vec![0, 0, 0, 1, 0, 6, 1, 1, 1, 1, 1, 1, 0, 0];
            h.extend_from_slice(&ether_type);
            h.extend_from_slice(&ip);
            h
        }
        Link::Sll2 => {
            let mut h = ether_type.to_vec();
            h.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 1, 1, 1, 1, 1, 0, 0]);
            h.extend_from_slice(&ip);
            h
        }
    }
}

/// A pcap file being written.
struct Pcap {
    out: Vec<u8>,
    big_endian: bool,
    nanos: bool,
}

impl Pcap {
    fn new(link: Link, big_endian: bool, nanos: bool) -> Pcap {
        let mut p = Pcap {
            out: Vec::new(),
            big_endian,
            nanos,
        };
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        p.u32(magic);
        p.u16(2);
        p.u16(4);
        p.u32(0);
        p.u32(0);
        p.u32(262_144);
        p.u32(link.number());
        p
    }
    fn u16(&mut self, v: u16) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    /// A packet at `ms` milliseconds past 2024-03-15 00:30:00 UTC, keeping `snap` bytes.
    fn packet(&mut self, ms: u32, data: &[u8], snap: usize) {
        let kept = &data[..data.len().min(snap)];
        self.u32(1_710_462_600 + ms / 1000);
        let frac = (ms % 1000) * if self.nanos { 1_000_000 } else { 1000 };
        self.u32(frac);
        self.u32(kept.len() as u32);
        self.u32(data.len() as u32);
        self.out.extend_from_slice(kept);
    }
}

/// The test conversation: a handshake, then segments of the client's and server's streams
/// as (to_server, stream offset, bytes), sent in the order given.
struct Conversation {
    link: Link,
    net: Net,
    pcap: Pcap,
    ms: u32,
    snap: usize,
}

impl Conversation {
    fn new(link: Link, net: Net) -> Conversation {
        Conversation {
            link,
            net,
            pcap: Pcap::new(link, false, false),
            ms: 0,
            snap: usize::MAX,
        }
    }
    fn raw(&mut self, to_server: bool, seq: u32, flags: &str, payload: &[u8]) {
        let f = frame(self.link, self.net, to_server, seq, flags, payload);
        self.ms += 10;
        self.pcap.packet(self.ms, &f, self.snap);
    }
    fn handshake(&mut self) {
        self.raw(true, CLIENT_ISN, "S", b"");
        self.raw(false, SERVER_ISN, "SA", b"");
        self.raw(true, CLIENT_ISN + 1, "A", b"");
    }
    /// Bytes of a stream from `offset`.
    fn send(&mut self, to_server: bool, offset: u32, bytes: &[u8]) {
        let isn = if to_server { CLIENT_ISN } else { SERVER_ISN };
        self.raw(to_server, isn + 1 + offset, "A", bytes);
    }
    fn bytes(self) -> Vec<u8> {
        self.pcap.out
    }
}

fn read(bytes: &[u8]) -> (Vec<CapturedTelegram>, Vec<Gap>, Option<fep_core::Error>) {
    read_with(bytes, CaptureOptions::default())
}

fn read_with(
    bytes: &[u8],
    options: CaptureOptions,
) -> (Vec<CapturedTelegram>, Vec<Gap>, Option<fep_core::Error>) {
    let schema = schema();
    let reader = CaptureReader::with_options(&schema, bytes, options).expect("a capture");
    let (mut t, mut g, mut e) = (Vec::new(), Vec::new(), None);
    for ev in reader {
        match ev {
            Ok(CaptureEvent::Telegram(x)) => t.push(x),
            Ok(CaptureEvent::Gap(x)) => g.push(*x),
            Ok(_) => {}
            Err(x) => e = Some(x),
        }
    }
    (t, g, e)
}

fn texts(t: &[CapturedTelegram]) -> Vec<String> {
    t.iter()
        .map(|t| {
            format!(
                "{} {}",
                t.direction.as_str(),
                String::from_utf8_lossy(&t.frame.telegram)
            )
        })
        .collect()
}

/// Two requests and two responses, the first request split over two segments.
fn exchange(link: Link, net: Net) -> Vec<u8> {
    let mut c = Conversation::new(link, net);
    c.handshake();
    let (r1, r2) = (req(1), req(2));
    c.send(true, 0, &r1[..5]);
    c.send(true, 5, &[&r1[5..], &r2[..]].concat());
    c.send(false, 0, &[res(2), res(1)].concat());
    c.bytes()
}

const EXCHANGE: [&str; 4] = [
    "to-server REQ000001abc",
    "to-server REQ000002abc",
    "to-client RES000002abc00",
    "to-client RES000001abc00",
];

#[test]
fn every_link_and_ip_version() {
    for (link, net) in [
        (Link::Ethernet, Net::V4),
        (Link::Ethernet, Net::V6),
        (Link::Vlan, Net::V4),
        (Link::Vlan, Net::V6),
        (Link::Sll, Net::V4),
        (Link::Sll2, Net::V6),
        (Link::Raw, Net::V4),
        (Link::Raw, Net::V6),
    ] {
        let (t, g, e) = read(&exchange(link, net));
        let name = format!("{:?} {}", link.number(), matches!(net, Net::V6));
        assert_eq!(texts(&t), EXCHANGE, "{name}");
        assert!(g.is_empty() && e.is_none(), "{name}: {g:?} {e:?}");
        let client: SocketAddr = match net {
            Net::V4 => "10.0.0.1:40000".parse().expect("addr"),
            Net::V6 => "[fd00::1]:40000".parse().expect("addr"),
        };
        assert_eq!(t[0].connection.client, client, "{name}");
        assert_eq!(t[2].src().port(), SERVER_PORT, "{name}");
        assert_eq!(t[2].dst(), client, "{name}");
    }
}

#[test]
fn timestamps_are_the_completing_segment() {
    let (t, _, _) = read(&exchange(Link::Ethernet, Net::V4));
    // The handshake is packets 1-3 (10, 20, 30 ms); request 1 completes in packet 5.
    assert_eq!(t[0].ts.to_string(), "2024-03-15T00:30:00.050000Z");
    assert_eq!(t[1].ts, t[0].ts);
    assert_eq!(t[2].ts.to_string(), "2024-03-15T00:30:00.060000Z");
    assert_eq!(t[0].frame.offset, 0);
    assert_eq!(t[1].frame.offset, 16);
    assert_eq!(t[3].frame.telegram_offset, 22);
}

#[test]
fn byte_orders_and_nanoseconds() {
    for (big, nanos) in [(false, false), (true, false), (false, true), (true, true)] {
        let mut c = Conversation::new(Link::Ethernet, Net::V4);
        c.pcap = Pcap::new(Link::Ethernet, big, nanos);
        c.handshake();
        c.send(true, 0, &req(7));
        let (t, g, e) = read(&c.bytes());
        assert_eq!(texts(&t), ["to-server REQ000007abc"], "{big} {nanos}");
        assert!(g.is_empty() && e.is_none());
        assert_eq!(
            t[0].ts.unix_nanos(),
            1_710_462_600_040_000_000,
            "{big} {nanos}"
        );
    }
}

#[test]
fn retransmission_and_overlap_are_taken_once() {
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    c.handshake();
    let stream = [req(1), req(2), req(3)].concat();
    c.send(true, 0, &stream[..20]);
    c.send(true, 0, &stream[..20]); // retransmitted whole
    c.send(true, 10, &stream[10..40]); // overlapping both ways
    c.send(true, 40, &stream[40..]);
    c.send(true, 40, &stream[40..]);
    let schema = schema();
    let bytes = c.bytes();
    let mut reader = CaptureReader::new(&schema, &bytes[..]).expect("capture");
    let t: Vec<_> = reader
        .by_ref()
        .map(|e| match e.expect("event") {
            CaptureEvent::Telegram(t) => t,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        texts(&t),
        [
            "to-server REQ000001abc",
            "to-server REQ000002abc",
            "to-server REQ000003abc"
        ]
    );
    assert_eq!(reader.stats().duplicate_bytes, 20 + 10 + 8);
}

#[test]
fn out_of_order_segments_are_put_in_order() {
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    c.handshake();
    let stream = [req(1), req(2), req(3)].concat();
    c.send(true, 32, &stream[32..]);
    c.send(true, 16, &stream[16..32]);
    c.send(true, 0, &stream[..16]);
    let (t, g, e) = read(&c.bytes());
    assert_eq!(
        texts(&t),
        [
            "to-server REQ000001abc",
            "to-server REQ000002abc",
            "to-server REQ000003abc"
        ]
    );
    assert!(g.is_empty() && e.is_none());
    // Each telegram has the time of the segment that brought it, sent in reverse order.
    assert!(t[0].ts > t[1].ts && t[1].ts > t[2].ts);
}

#[test]
fn a_lost_segment_is_a_gap_and_the_stream_resynchronises() {
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    c.handshake();
    let stream = [req(1), req(2), req(3), req(4)].concat();
    c.send(true, 0, &stream[..20]); // request 1 and 4 bytes of request 2
    // bytes 20..30 never captured
    c.send(true, 30, &stream[30..40]); // the end of request 2, the start of request 3
    c.send(true, 40, &stream[40..]);
    let (t, g, e) = read(&c.bytes());
    // Requests 2 and 3 could be cut at byte 32... request 2 lost its middle, so it is not a
    // telegram; request 3 starts at 32 and is verified; request 4 follows.
    assert_eq!(
        texts(&t),
        [
            "to-server REQ000001abc",
            "to-server REQ000003abc",
            "to-server REQ000004abc"
        ]
    );
    assert!(e.is_none());
    assert_eq!(g.len(), 1, "{g:?}");
    let gap = &g[0];
    assert!(matches!(gap.cause, GapCause::Lost));
    assert_eq!((gap.offset, gap.missing, gap.skipped), (16, 10, 4 + 2));
    assert_eq!(gap.direction, Direction::ToServer);
    assert_eq!(
        gap.to_string(),
        "10.0.0.1:40000 > 10.0.0.2:9000 at stream byte 16: 10 bytes missing (segments the \
         capture does not hold); 6 bytes skipped; back in step at stream byte 32"
    );
}

#[test]
fn a_lost_segment_past_the_window_is_declared_at_once() {
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    c.handshake();
    let stream: Vec<u8> = (1..=20).flat_map(req).collect();
    c.send(true, 0, &stream[..16]);
    for i in 2..20 {
        c.send(
            true,
            i * 16,
            &stream[i as usize * 16..(i as usize + 1) * 16],
        );
    }
    let options = CaptureOptions {
        window: 64,
        ..CaptureOptions::default()
    };
    let (t, g, _) = read_with(&c.bytes(), options);
    assert_eq!(t.len(), 19); // all but request 2, never sent
    assert_eq!(g.len(), 1);
    assert_eq!((g[0].offset, g[0].missing, g[0].skipped), (16, 16, 0));
    // Declared when the window filled, not at the end: request 3 came out before 19.
    assert!(t[1].ts < t[18].ts);
}

#[test]
fn a_capture_that_starts_inside_a_telegram() {
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    // No handshake: the capture started late, 5 bytes into a request.
    let stream = [req(1), req(2)].concat();
    c.send(true, 5, &stream[5..]);
    let (t, g, _) = read(&c.bytes());
    assert_eq!(texts(&t), ["to-server REQ000002abc"]);
    assert!(matches!(g[0].cause, GapCause::MidStream));
    assert_eq!(g[0].skipped, 11);
    // The client is told by its ephemeral port.
    assert_eq!(t[0].connection.server.port(), SERVER_PORT);
}

#[test]
fn a_snap_length_that_cuts_a_packet() {
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    c.handshake();
    let stream = [req(1), req(2), req(3)].concat();
    // Ethernet 14 + IPv4 20 + TCP 20 = 54 bytes of headers; keep 10 payload bytes.
    c.snap = 54 + 10;
    c.send(true, 0, &stream[..32]);
    c.snap = usize::MAX;
    c.send(true, 32, &stream[32..]);
    let (t, g, _) = read(&c.bytes());
    assert_eq!(texts(&t), ["to-server REQ000003abc"]);
    assert!(matches!(g[0].cause, GapCause::Snaplen), "{:?}", g[0]);
    assert_eq!((g[0].offset, g[0].missing, g[0].skipped), (0, 22, 10));
    assert!(g[0].to_string().contains("capture with -s 0"));
}

#[test]
fn a_truncated_file_gives_what_it_holds_then_an_error() {
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    c.handshake();
    c.send(true, 0, &req(1));
    c.send(true, 16, &req(2));
    let mut bytes = c.bytes();
    let whole = bytes.len();
    bytes.truncate(whole - 7);
    let (t, g, e) = read(&bytes);
    assert_eq!(texts(&t), ["to-server REQ000001abc"]);
    assert!(g.is_empty());
    let e = e.expect("an error");
    assert!(matches!(e.kind(), ErrorKind::Capture(_)));
    assert!(e.to_string().contains("truncated"), "{e}");
    // The record that is cut starts after the 24-byte header and five packets.
    assert!(e.offset().is_some_and(|o| o > 24 && o < whole), "{e}");
}

#[test]
fn a_file_that_is_no_capture() {
    let schema = schema();
    let e = CaptureReader::new(&schema, &b"0012REQ000001abc"[..]).expect_err("no capture");
    assert!(e.to_string().contains("not a pcap or pcapng file"), "{e}");
    assert!(CaptureReader::new(&schema, &b""[..]).is_err());
}

#[test]
fn reset_and_fin_close_the_connection_and_report_a_cut_telegram() {
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    c.handshake();
    let r = req(1);
    c.send(true, 0, &[&r[..], &req(2)[..9]].concat());
    c.raw(true, CLIENT_ISN + 1 + 25, "R", b"");
    // The same ports again, a new connection.
    c.handshake();
    c.send(true, 0, &req(3));
    let (t, g, _) = read(&c.bytes());
    assert_eq!(
        texts(&t),
        ["to-server REQ000001abc", "to-server REQ000003abc"]
    );
    assert_eq!(g.len(), 1);
    assert!(matches!(g[0].cause, GapCause::End));
    assert_eq!((g[0].offset, g[0].skipped, g[0].at_end), (16, 9, true));
}

#[test]
fn bytes_that_do_not_frame_are_reported_and_skipped() {
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    c.handshake();
    c.send(true, 0, &[&req(1)[..], b"garbage!", &req(2)[..]].concat());
    let (t, g, _) = read(&c.bytes());
    assert_eq!(
        texts(&t),
        ["to-server REQ000001abc", "to-server REQ000002abc"]
    );
    assert!(matches!(&g[0].cause, GapCause::Unframed(_)));
    assert_eq!((g[0].offset, g[0].missing, g[0].skipped), (16, 0, 8));
}

#[test]
fn filters_by_port_and_host() {
    let bytes = exchange(Link::Ethernet, Net::V4);
    let only = |ports: Vec<u16>, hosts: Vec<&str>| {
        let options = CaptureOptions {
            ports,
            hosts: hosts.iter().map(|h| h.parse().expect("ip")).collect(),
            ..CaptureOptions::default()
        };
        read_with(&bytes, options).0.len()
    };
    assert_eq!(only(vec![9000], vec![]), 4);
    assert_eq!(only(vec![9001], vec![]), 0);
    assert_eq!(only(vec![], vec!["10.0.0.2"]), 4);
    assert_eq!(only(vec![], vec!["10.0.0.3"]), 0);
}

/// pcapng: a section, an interface with nanosecond timestamps, enhanced packets.
#[test]
fn pcapng() {
    let pcap = exchange(Link::Ethernet, Net::V4);
    // Take the packets back out of the pcap file and write them as pcapng.
    let mut ng = Vec::new();
    let block = |ng: &mut Vec<u8>, kind: u32, body: &[u8]| {
        let padded = body.len().div_ceil(4) * 4;
        let len = (12 + padded) as u32;
        ng.extend_from_slice(&kind.to_le_bytes());
        ng.extend_from_slice(&len.to_le_bytes());
        ng.extend_from_slice(body);
        ng.resize(ng.len() + padded - body.len(), 0);
        ng.extend_from_slice(&len.to_le_bytes());
    };
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&u64::MAX.to_le_bytes());
    block(&mut ng, 0x0a0d_0d0a, &shb);
    let mut idb = vec![1, 0, 0, 0, 0, 0, 4, 0];
    // if_tsresol = 9 (nanoseconds), then the end of options.
    idb.extend_from_slice(&[9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    block(&mut ng, 1, &idb);
    let mut at = 24;
    while at < pcap.len() {
        let u = |i: usize| u32::from_le_bytes(pcap[i..i + 4].try_into().expect("4"));
        let (sec, usec, caplen, orig) = (u(at), u(at + 4), u(at + 8), u(at + 12));
        let data = &pcap[at + 16..at + 16 + caplen as usize];
        let ns = u64::from(sec) * 1_000_000_000 + u64::from(usec) * 1000 + 7;
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((ns >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ns as u32).to_le_bytes());
        epb.extend_from_slice(&caplen.to_le_bytes());
        epb.extend_from_slice(&orig.to_le_bytes());
        epb.extend_from_slice(data);
        epb.resize(20 + data.len().div_ceil(4) * 4, 0);
        block(&mut ng, 6, &epb);
        at += 16 + caplen as usize;
    }
    let (t, g, e) = read(&ng);
    assert_eq!(texts(&t), EXCHANGE);
    assert!(g.is_empty() && e.is_none(), "{g:?} {e:?}");
    assert_eq!(t[0].ts.to_string(), "2024-03-15T00:30:00.050000007Z");
}

#[test]
fn memory_is_held_by_the_window_not_the_file() {
    // A long stream with a segment lost early: everything after it waits in the window,
    // which is declared lost when full; what is held never passes the bound.
    let mut c = Conversation::new(Link::Ethernet, Net::V4);
    c.handshake();
    let n = 5_000;
    let stream: Vec<u8> = (1..=n).flat_map(req).collect();
    for (i, chunk) in stream.chunks(160).enumerate() {
        if i % 100 != 1 {
            c.send(true, (i * 160) as u32, chunk);
        }
    }
    let window = 4096;
    let schema = schema();
    let options = CaptureOptions {
        window,
        ..CaptureOptions::default()
    };
    let bytes = c.bytes();
    let mut reader = CaptureReader::with_options(&schema, &bytes[..], options).expect("c");
    let (mut telegrams, mut gaps, mut peak) = (0, 0, 0);
    while let Some(e) = reader.next() {
        peak = peak.max(reader.held_bytes());
        match e.expect("event") {
            CaptureEvent::Telegram(_) => telegrams += 1,
            CaptureEvent::Gap(g) => {
                assert_eq!(g.missing, 160);
                gaps += 1
            }
            _ => {}
        }
    }
    // 500 segments of 10 requests; 5 of them lost.
    assert_eq!(gaps, 5);
    assert_eq!(telegrams, n as usize - 5 * 10);
    assert!(peak <= window + 160 + 16, "held {peak}");
}

#[test]
fn fuzz_regressions_and_fixtures_pass_the_fuzz_check() {
    let schemas = common::fuzz_checks::schemas();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut n = 0;
    for dir in ["fuzz/regressions/capture", "fep-cli/tests/data/captures"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries {
            let p = e.expect("entry").path();
            let data = std::fs::read(&p).expect("input");
            let data = if p.extension().is_some_and(|e| e == "pcap") {
                [&[0u8][..], &data].concat()
            } else if p.extension().is_some_and(|e| e == "csv" || e == "jsonl") {
                continue;
            } else {
                data
            };
            common::fuzz_capture::capture(&schemas, &data);
            n += 1;
        }
    }
    // And the captures built here, in every mode.
    let built = exchange(Link::Ethernet, Net::V4);
    for mode in 0..8u8 {
        let body = if mode % 4 == 0 {
            &built[..]
        } else {
            &built[24..]
        };
        common::fuzz_capture::capture(&schemas, &[&[mode][..], body].concat());
        n += 1;
    }
    assert!(n >= 11, "{n}");
}
