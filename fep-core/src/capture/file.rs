//! Capture files: the packet records of a pcap or pcapng file, each with its timestamp and
//! link type, read in constant memory.
//!
//! pcap-parser reads the file formats (pcap in both byte orders, micro- and nanosecond
//! timestamps, and pcapng with its per-interface link types and timestamp resolutions);
//! this file turns its blocks into [`Record`]s and its errors into the crate's, with the
//! byte offset in the file.

use std::io::{self, Read};

use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError, PcapNGReader};

use crate::error::{Error, ErrorKind, Result};

/// The size of the file reader's buffer: large reads for speed, and room for any packet.
const BUFFER: usize = 1 << 20;

/// The largest block the reader grows its buffer for (a pcapng block can be larger than a
/// packet, with options): beyond it, the file is refused rather than read into memory.
const MAX_BLOCK: usize = 16 << 20;

/// The most interfaces a pcapng file may describe: each costs a few bytes, but the count
/// comes from the file and must be bounded.
const MAX_INTERFACES: usize = 65_536;

/// True when `head` (the first bytes of a file) starts as a pcap or pcapng file does.
///
/// # Example
/// ```
/// assert!(fep_core::capture::is_capture(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]));
/// assert!(!fep_core::capture::is_capture(b"0300..."));
/// ```
pub fn is_capture(head: &[u8]) -> bool {
    matches!(
        head.get(..4),
        Some(
            [0xa1, 0xb2, 0xc3, 0xd4]
                | [0xd4, 0xc3, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0x3c, 0x4d]
                | [0x4d, 0x3c, 0xb2, 0xa1]
                | [0x0a, 0x0d, 0x0d, 0x0a]
        )
    )
}

/// A stream whose first bytes were read to tell what it is, given back whole: those bytes,
/// then the rest of the stream.
pub type Sniffed<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

/// Reads the first bytes of a stream (a file, standard input, a pipe) to tell a capture
/// from a stream of telegrams, by [`is_capture`]; gives back whether it is one, and a
/// stream that yields every byte, the ones read here included. A stream shorter than a
/// capture's magic number is not a capture.
///
/// # Example
/// ```
/// use std::io::Read;
/// let (is, mut all) = fep_core::capture::sniff(&b"0300 a telegram"[..])?;
/// assert!(!is);
/// let mut text = String::new();
/// all.read_to_string(&mut text)?;
/// assert_eq!(text, "0300 a telegram");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn sniff<R: Read>(mut reader: R) -> io::Result<(bool, Sniffed<R>)> {
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match reader.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let is = is_capture(&head[..n]);
    Ok((is, io::Cursor::new(head[..n].to_vec()).chain(reader)))
}

/// When a packet was captured: nanoseconds since 1970-01-01 UTC, as the capture says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// A timestamp of `nanos` nanoseconds since the Unix epoch.
    pub fn from_unix_nanos(nanos: i64) -> Timestamp {
        Timestamp(nanos)
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(self) -> i64 {
        self.0
    }

    /// Seconds since the Unix epoch, with the fraction (Python's and Arrow's float form).
    pub fn unix_seconds(self) -> f64 {
        self.0 as f64 / 1e9
    }
}

/// RFC 3339 in UTC: `2026-12-02T14:30:32.123456Z`, with microseconds, or nanoseconds when
/// the capture has them.
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0.div_euclid(1_000_000_000);
        let nanos = self.0.rem_euclid(1_000_000_000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )?;
        if nanos % 1000 == 0 {
            write!(f, ".{:06}Z", nanos / 1000)
        } else {
            write!(f, ".{nanos:09}Z")
        }
    }
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01), after Howard
/// Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// One captured packet: its link type, its bytes as captured, and how long it was on the
/// wire (longer than the bytes when the capture's snap length cut it).
#[derive(Debug)]
pub(crate) struct Record<'a> {
    pub ts: Timestamp,
    pub link: i32,
    pub data: &'a [u8],
    pub orig_len: usize,
}

/// A pcapng interface: what its packets' link type and timestamps are.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: i32,
    /// Timestamp units per second.
    resolution: u64,
    /// Seconds added to every timestamp.
    offset: i64,
}

/// The file, its magic number read and put back in front.
type Input<R> = Filled<io::Chain<io::Cursor<[u8; 4]>, R>>;

enum Reader<R: Read> {
    Pcap(LegacyPcapReader<Input<R>>),
    Ng(PcapNGReader<Input<R>>),
}

/// A reader whose every read fills the buffer unless the input ends: pcap-parser reads
/// the file header with one read, and a pipe may hand over a few bytes at a time.
struct Filled<R>(R);

impl<R: Read> Read for Filled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.0.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }
}

/// The packet records of a capture file, in file order.
pub(crate) struct Records<R: Read> {
    reader: Reader<R>,
    /// The pcap file's link type and timestamp unit (nanoseconds per unit).
    pcap_link: i32,
    pcap_unit: i64,
    interfaces: Vec<Interface>,
    last_ts: Timestamp,
    done: bool,
}

impl<R: Read> std::fmt::Debug for Records<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("interfaces", &self.interfaces.len())
            .finish_non_exhaustive()
    }
}

fn capture_error(msg: String, at: usize) -> Error {
    Error::data(ErrorKind::Capture(msg), at, 0, None)
}

fn describe<I>(e: &PcapError<I>) -> String {
    match e {
        PcapError::Eof | PcapError::UnexpectedEof | PcapError::Incomplete(_) => {
            "the capture file ends inside a packet record (a truncated file)".into()
        }
        PcapError::BufferTooSmall => {
            format!("a block of the capture is larger than {MAX_BLOCK} bytes")
        }
        PcapError::ReadError => "the capture file cannot be read".into(),
        PcapError::HeaderNotRecognized => "not a pcap or pcapng file".into(),
        PcapError::NomError(_, k) | PcapError::OwnedNomError(_, k) => {
            format!("a malformed block ({})", k.description())
        }
    }
}

impl<R: Read> Records<R> {
    /// Opens a capture: reads its magic number and header.
    ///
    /// # Errors
    /// An input that is not a pcap or pcapng file, or whose header is cut short.
    pub fn new(mut inner: R) -> Result<Records<R>> {
        let mut magic = [0u8; 4];
        let n = Filled(&mut inner).read(&mut magic)?;
        if n < 4 || !is_capture(&magic) {
            return Err(capture_error(
                "not a pcap or pcapng file (its first bytes are no capture's magic number)".into(),
                0,
            ));
        }
        // `chain` ends a read at the end of the magic number; `Filled` reads on.
        let chained = Filled(io::Cursor::new(magic).chain(inner));
        let reader = if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
            PcapNGReader::new(BUFFER, chained)
                .map(Reader::Ng)
                .map_err(|e| capture_error(describe(&e), 0))?
        } else {
            LegacyPcapReader::new(BUFFER, chained)
                .map(Reader::Pcap)
                .map_err(|e| capture_error(describe(&e), 0))?
        };
        Ok(Records {
            reader,
            pcap_link: 1,
            pcap_unit: 1000,
            interfaces: Vec::new(),
            last_ts: Timestamp::default(),
            done: false,
        })
    }

    /// Bytes of the file read and parsed so far.
    pub fn consumed(&self) -> u64 {
        match &self.reader {
            Reader::Pcap(r) => r.consumed() as u64,
            Reader::Ng(r) => r.consumed() as u64,
        }
    }

    /// Calls `each` with the next packet record; false at the end of the file.
    ///
    /// # Errors
    /// A truncated or malformed file, with the byte offset where it goes wrong; nothing is
    /// read after an error.
    pub fn next_with(&mut self, each: &mut dyn FnMut(Record<'_>)) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        loop {
            let reader: &mut dyn PcapReaderIterator = match &mut self.reader {
                Reader::Pcap(r) => r,
                Reader::Ng(r) => r,
            };
            let at = reader.consumed();
            let failed = match reader.next() {
                Ok((len, block)) => {
                    let r = handle(
                        block,
                        &mut self.pcap_link,
                        &mut self.pcap_unit,
                        &mut self.interfaces,
                        &mut self.last_ts,
                        each,
                        at,
                    );
                    // No shift here: the buffer is shifted when it is refilled, with only a
                    // partial record left to move (a shift at every half buffer moved up to
                    // half a megabyte each time).
                    reader.consume_noshift(len);
                    match r {
                        Ok(true) => return Ok(true),
                        Ok(false) => continue,
                        Err(e) => {
                            self.done = true;
                            return Err(e);
                        }
                    }
                }
                Err(PcapError::Eof) => {
                    self.done = true;
                    return Ok(false);
                }
                Err(PcapError::Incomplete(_)) => Failed::Incomplete,
                Err(PcapError::BufferTooSmall) => Failed::TooSmall,
                Err(e) => Failed::Other(describe(&e)),
            };
            let retry = match failed {
                Failed::Incomplete if !reader.reader_exhausted() => {
                    reader.refill().map_err(|e| describe(&e))
                }
                Failed::TooSmall => {
                    let size = reader.data().len().max(BUFFER) * 2;
                    if size <= MAX_BLOCK && reader.grow(size) {
                        reader.refill().map_err(|e| describe(&e))
                    } else {
                        Err(describe(&PcapError::<()>::BufferTooSmall))
                    }
                }
                Failed::Incomplete => Err(describe(&PcapError::<()>::UnexpectedEof)),
                Failed::Other(msg) => Err(msg),
            };
            if let Err(msg) = retry {
                self.done = true;
                return Err(capture_error(msg, at));
            }
        }
    }
}

/// A failed read, let go of the reader's buffer.
enum Failed {
    Incomplete,
    TooSmall,
    Other(String),
}

/// One block: a packet goes to `each` (true), a header or interface updates the state.
fn handle(
    block: PcapBlockOwned<'_>,
    pcap_link: &mut i32,
    pcap_unit: &mut i64,
    interfaces: &mut Vec<Interface>,
    last_ts: &mut Timestamp,
    each: &mut dyn FnMut(Record<'_>),
    at: usize,
) -> Result<bool> {
    match block {
        PcapBlockOwned::LegacyHeader(h) => {
            *pcap_link = h.network.0;
            *pcap_unit = if h.is_nanosecond_precision() { 1 } else { 1000 };
            Ok(false)
        }
        PcapBlockOwned::Legacy(b) => {
            let ts =
                Timestamp(i64::from(b.ts_sec) * 1_000_000_000 + i64::from(b.ts_usec) * *pcap_unit);
            *last_ts = ts;
            let data = &b.data[..(b.caplen as usize).min(b.data.len())];
            each(Record {
                ts,
                link: *pcap_link,
                data,
                orig_len: (b.origlen as usize).max(data.len()),
            });
            Ok(true)
        }
        PcapBlockOwned::NG(Block::SectionHeader(_)) => {
            // Interface numbers start again in every section.
            interfaces.clear();
            Ok(false)
        }
        PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
            if interfaces.len() >= MAX_INTERFACES {
                return Err(capture_error(
                    format!("more than {MAX_INTERFACES} interfaces in one section"),
                    at,
                ));
            }
            interfaces.push(Interface {
                link: idb.linktype.0,
                resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                offset: idb.ts_offset(),
            });
            Ok(false)
        }
        PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
            let Some(iface) = interfaces.get(epb.if_id as usize).copied() else {
                return Err(capture_error(
                    format!(
                        "a packet of interface {}, which no block describes",
                        epb.if_id
                    ),
                    at,
                ));
            };
            let units = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
            let nanos = u128::from(units) * 1_000_000_000 / u128::from(iface.resolution);
            let nanos = i64::try_from(nanos)
                .unwrap_or(i64::MAX)
                .saturating_add(iface.offset.saturating_mul(1_000_000_000));
            let ts = Timestamp(nanos);
            *last_ts = ts;
            let data = epb.packet_data();
            each(Record {
                ts,
                link: iface.link,
                data,
                orig_len: (epb.orig_len() as usize).max(data.len()),
            });
            Ok(true)
        }
        PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
            // A simple packet has no timestamp: it takes the one before it.
            let Some(iface) = interfaces.first().copied() else {
                return Err(capture_error(
                    "a simple packet before any interface description".into(),
                    at,
                ));
            };
            let data = spb.packet_data();
            each(Record {
                ts: *last_ts,
                link: iface.link,
                data,
                orig_len: (spb.orig_len() as usize).max(data.len()),
            });
            Ok(true)
        }
        // Name resolution, statistics, journal entries, secrets: nothing for telegrams.
        PcapBlockOwned::NG(_) => Ok(false),
    }
}
