//! Packets: the TCP segment inside a captured frame, through its link layer (Ethernet with
//! or without VLAN tags, Linux cooked SLL and SLL2, raw IP, BSD loopback) and IP (v4 or v6).
//!
//! etherparse reads the headers; this file chooses the entry point by link type, reads the
//! SLL2 header (which etherparse does not know) and keeps what reassembly needs.

use std::net::{IpAddr, SocketAddr};

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
