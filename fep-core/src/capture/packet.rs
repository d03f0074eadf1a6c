//! Packets: the TCP segment inside a captured frame, through its link layer (Ethernet with
//! or without VLAN tags, Linux cooked SLL and SLL2, raw IP, BSD loopback) and IP (v4 or v6).
//!
//! etherparse reads the headers; this file chooses the entry point by link type, reads the
//! SLL2 header (which etherparse does not know) and keeps what reassembly needs. The usual
//! packet, TCP in a whole unfragmented IPv4 packet, is read here at once (`plain`), as
//! etherparse reads it, at a tenth of the cost.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};

/// Link types (tcpdump.org/linktypes.html) this reader knows.
const NULL: i32 = 0;
const ETHERNET: i32 = 1;
const RAW: i32 = 101;
const LOOP: i32 = 108;
const LINUX_SLL: i32 = 113;
const IPV4: i32 = 228;
const IPV6: i32 = 229;
const LINUX_SLL2: i32 = 276;

/// The TCP segment of one packet.
#[derive(Debug)]
pub(crate) struct Segment<'a> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    /// The acknowledgment number, when the ACK flag is set.
    pub ack_no: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    /// The payload bytes captured.
    pub payload: &'a [u8],
    /// Payload bytes the capture did not keep (its snap length cut the packet).
    pub cut: usize,
}

/// Why a packet gives no segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    /// Not TCP over IP (ARP, UDP, ICMP, ...).
    NotTcp,
    /// A link type this reader does not know.
    Link,
    /// Headers cut short or malformed.
    Malformed,
    /// An IP fragment: TCP is not reassembled from fragments.
    Fragment,
}

/// The TCP segment of a captured frame of link type `link`; `orig_len` is the frame's length
/// on the wire.
pub(crate) fn segment(link: i32, data: &[u8], orig_len: usize) -> Result<Segment<'_>, Skip> {
    match plain(link, data) {
        Some(seg) => Ok(seg),
        None => sliced(link, data, orig_len),
    }
}

/// The usual packet read at once: TCP in a whole, unfragmented IPv4 packet, on Ethernet
/// without VLAN tags, Linux cooked (SLL, SLL2) or raw IP. `None` for anything else (IPv6,
/// VLAN tags, a packet the snap length cut, a header that does not read), which etherparse
/// reads in [`sliced`]; where this reads a packet, it reads it as etherparse does (a test
/// holds the two to it). etherparse cost about 660 instructions a packet, 250 of them moving
/// its slice structures; this about a tenth.
fn plain(link: i32, data: &[u8]) -> Option<Segment<'_>> {
    let be16 = |d: &[u8], at: usize| u16::from_be_bytes([d[at], d[at + 1]]);
    let ip = match link {
        ETHERNET if data.len() >= 14 && be16(data, 12) == 0x0800 => &data[14..],
        LINUX_SLL if data.len() >= 16 && be16(data, 14) == 0x0800 => &data[16..],
        LINUX_SLL2 if data.len() >= 20 && be16(data, 0) == 0x0800 => &data[20..],
        RAW | IPV4 => data,
        _ => return None,
    };
    // IPv4, its header whole, its total length covering the header and inside the bytes
    // captured (a longer one is a packet the snap length cut: etherparse says how much).
    if ip.len() < 20 || ip[0] >> 4 != 4 {
        return None;
    }
    let header = usize::from(ip[0] & 0x0f) * 4;
    let total = usize::from(be16(ip, 2));
    // Not a fragment (no more-fragments flag, offset 0), TCP.
    if header < 20 || total < header || total > ip.len() || be16(ip, 6) & 0x3fff != 0 || ip[9] != 6
    {
        return None;
    }
    let tcp = &ip[header..total];
    if tcp.len() < 20 {
        return None;
    }
    let offset = usize::from(tcp[12] >> 4) * 4;
    if offset < 20 || offset > tcp.len() {
        return None;
    }
    let addr = |at: usize| IpAddr::V4(Ipv4Addr::new(ip[at], ip[at + 1], ip[at + 2], ip[at + 3]));
    let be32 = |at: usize| u32::from_be_bytes([tcp[at], tcp[at + 1], tcp[at + 2], tcp[at + 3]]);
    let flags = tcp[13];
    Some(Segment {
        src: SocketAddr::new(addr(12), be16(tcp, 0)),
        dst: SocketAddr::new(addr(16), be16(tcp, 2)),
        seq: be32(4),
        ack_no: be32(8),
        syn: flags & 0x02 != 0,
        ack: flags & 0x10 != 0,
        fin: flags & 0x01 != 0,
        rst: flags & 0x04 != 0,
        payload: &tcp[offset..],
        cut: 0,
    })
}

/// Any packet, read by etherparse.
fn sliced(link: i32, data: &[u8], orig_len: usize) -> Result<Segment<'_>, Skip> {
    let sliced = match link {
        ETHERNET => LaxSlicedPacket::from_ethernet(data).map_err(|_| Skip::Malformed)?,
        RAW | IPV4 | IPV6 => LaxSlicedPacket::from_ip(data).map_err(|_| Skip::Malformed)?,
        LINUX_SLL => {
            // 16 bytes: packet type, ARPHRD type, address length, 8 address bytes, protocol.
            let head = data.get(..16).ok_or(Skip::Malformed)?;
            let proto = u16::from_be_bytes([head[14], head[15]]);
            LaxSlicedPacket::from_ether_type(EtherType(proto), &data[16..])
        }
        LINUX_SLL2 => {
            // 20 bytes: protocol, reserved, interface index, ARPHRD type, packet type,
            // address length, 8 address bytes.
            let head = data.get(..20).ok_or(Skip::Malformed)?;
            let proto = u16::from_be_bytes([head[0], head[1]]);
            LaxSlicedPacket::from_ether_type(EtherType(proto), &data[20..])
        }
        NULL | LOOP => {
            // A 4-byte address family, in the capturing host's byte order (NULL) or in
            // network order (LOOP): 2 is IPv4; IPv6 has several numbers. The IP header says.
            let rest = data.get(4..).ok_or(Skip::Malformed)?;
            LaxSlicedPacket::from_ip(rest).map_err(|_| Skip::Malformed)?
        }
        _ => return Err(Skip::Link),
    };
    let (src, dst, payload) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                v4.payload(),
            )
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                v6.payload(),
            )
        }
        _ => return Err(Skip::NotTcp),
    };
    if payload.fragmented {
        return Err(Skip::Fragment);
    }
    if payload.ip_number != etherparse::IpNumber::TCP {
        return Err(Skip::NotTcp);
    }
    let Some(TransportSlice::Tcp(tcp)) = &sliced.transport else {
        return Err(Skip::Malformed);
    };
    let body = tcp.payload();
    // What the snap length cut: the bytes the frame had on the wire and the capture did not
    // keep. They belong to the TCP payload when the headers are whole (they are here).
    // An Ethernet frame padded to its minimum has trailing bytes in neither count.
    let cut = if payload.incomplete {
        orig_len.saturating_sub(data.len())
    } else {
        0
    };
    Ok(Segment {
        src: SocketAddr::new(src, tcp.source_port()),
        dst: SocketAddr::new(dst, tcp.destination_port()),
        seq: tcp.sequence_number(),
        ack_no: tcp.acknowledgment_number(),
        syn: tcp.syn(),
        ack: tcp.ack(),
        fin: tcp.fin(),
        rst: tcp.rst(),
        payload: body,
        cut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ethernet, IPv4 and TCP headers (ACK and PSH) before `payload`.
    fn packet(payload: &[u8]) -> Vec<u8> {
        let mut p = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        let total = (40 + payload.len()) as u16;
        p.extend_from_slice(&[0x45, 0]);
        p.extend_from_slice(&total.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        p.extend_from_slice(&[0x9c, 0x40, 0x23, 0x28, 0, 0, 3, 0xe8, 0, 0, 0, 1]);
        p.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        p.extend_from_slice(payload);
        p
    }

    /// The fast reading and etherparse's agree on every packet the fast one reads: the
    /// usual packet, and each of its header bytes (and each length) changed in turn, over
    /// every link type the fast reading knows.
    #[test]
    fn the_plain_reading_is_etherparses() {
        let base = packet(b"0004abcd");
        let mut read = 0;
        let mut check = |link: i32, data: &[u8]| {
            if let Some(fast) = plain(link, data) {
                read += 1;
                let slow = sliced(link, data, data.len());
                assert_eq!(
                    format!("{:?}", Ok::<_, Skip>(fast)),
                    format!("{slow:?}"),
                    "{data:?}"
                );
            }
        };
        let mut variants = vec![base.clone()];
        for at in 0..54 {
            for value in [
                0u8, 1, 2, 4, 5, 6, 0x0f, 0x10, 0x1f, 0x20, 0x3f, 0x40, 0x45, 0x46, 0x4f, 0x50,
                0x60, 0x80, 0xf0, 0xff,
            ] {
                let mut p = base.clone();
                p[at] = value;
                variants.push(p);
            }
        }
        for cut in 0..base.len() {
            variants.push(base[..cut].to_vec());
        }
        let mut padded = base.clone();
        padded.extend_from_slice(&[0; 6]);
        variants.push(padded);
        for p in &variants {
            check(ETHERNET, p);
            let ip = p.get(14..).unwrap_or_default();
            check(RAW, ip);
            check(IPV4, ip);
            let mut sll = vec![0, 0, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
            sll.extend_from_slice(ip);
            check(LINUX_SLL, &sll);
            let mut sll2 = vec![
                0x08, 0x00, 0, 0, 0, 0, 0, 1, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0,
            ];
            sll2.extend_from_slice(ip);
            check(LINUX_SLL2, &sll2);
        }
        assert!(read > 1000, "the fast reading read only {read} packets");
        // The usual packet is read fast, and with what it holds.
        let seg = plain(ETHERNET, &base).expect("read");
        assert_eq!(
            (seg.src.port(), seg.dst.port(), seg.seq, seg.payload),
            (40_000, 9000, 1000, &b"0004abcd"[..])
        );
    }
}
