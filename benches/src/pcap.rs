//! Packet captures for the capture benchmark: a pcap file in memory of TCP connections
//! carrying framed transfer telegrams (304 bytes with their length prefix), 1 to 10 to a
//! segment, with Ethernet, IPv4 and TCP headers as tcpdump writes them.

use std::io::{self, Write};

/// A capture of about `bytes` bytes over `connections` connections (each one direction,
/// client to server), and the number of telegrams in it.
pub fn tcp_capture(framed: &[u8], bytes: usize, connections: u16) -> (Vec<u8>, u64) {
    let mut out = Vec::with_capacity(bytes + 65_536);
    let telegrams =
        write_tcp_capture(&mut out, framed, bytes, connections).expect("writing to memory");
    (out, telegrams)
}

/// The same capture written to `w` as it is made (a file of a gigabyte needs no gigabyte of
/// memory): at least `bytes` bytes; returns the number of telegrams.
pub fn write_tcp_capture(
    w: &mut impl Write,
    framed: &[u8],
    bytes: usize,
    connections: u16,
) -> io::Result<u64> {
    let mut written = 0usize;
    let mut out = Vec::with_capacity(1 << 20);
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    let mut seqs = vec![1_000u32; usize::from(connections)];
    let mut telegrams = 0u64;
    let mut packet = 0u32;
    let mut payload = Vec::new();
    while written + out.len() < bytes {
        if out.len() >= 1 << 20 {
            w.write_all(&out)?;
            written += out.len();
            out.clear();
        }
        let per = 1 + (packet % 10) as usize;
        let c = (packet % u32::from(connections)) as usize;
        payload.clear();
        for _ in 0..per {
            payload.extend_from_slice(framed);
        }
        telegrams += per as u64;
        let frame_len = 14 + 20 + 20 + payload.len();
        out.extend_from_slice(&(1_710_462_600 + packet / 1000).to_le_bytes());
        out.extend_from_slice(&((packet % 1000) * 1000).to_le_bytes());
        out.extend_from_slice(&(frame_len as u32).to_le_bytes());
        out.extend_from_slice(&(frame_len as u32).to_le_bytes());
        // Ethernet: destination, source, IPv4.
        out.extend_from_slice(&[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
        // IPv4: no options, don't fragment, TCP, 10.0.0.1 to 10.0.0.2.
        let total = (20 + 20 + payload.len()) as u16;
        out.extend_from_slice(&[0x45, 0]);
        out.extend_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        // TCP: an ephemeral port per connection to 9000, ACK and PSH, no options.
        out.extend_from_slice(&(40_000 + c as u16).to_be_bytes());
        out.extend_from_slice(&9000u16.to_be_bytes());
        out.extend_from_slice(&seqs[c].to_be_bytes());
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        out.extend_from_slice(&payload);
        seqs[c] = seqs[c].wrapping_add(payload.len() as u32);
        packet += 1;
    }
    w.write_all(&out)?;
    Ok(telegrams)
}
