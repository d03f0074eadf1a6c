//! What a capture reader yields: telegrams with their connection, direction and time, and
//! the gaps between them.

use std::net::SocketAddr;

use crate::error::Error;
use crate::framer::Frame;

use super::file::Timestamp;

/// A TCP connection: the side that opened it and the side that accepted it.
///
/// When the capture did not see the connection open (no SYN), the side with the higher
/// port number is taken for the client, as ephemeral ports are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Connection {
    /// The side that opened the connection.
    pub client: SocketAddr,
    /// The side that accepted it.
    pub server: SocketAddr,
}

impl std::fmt::Display for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} > {}", self.client, self.server)
    }
}

/// Which way a telegram went on its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client to the server.
    ToServer,
    /// From the server to the client.
    ToClient,
}

impl Direction {
    /// `to-server` or `to-client`, as the doors print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ToServer => "to-server",
            Direction::ToClient => "to-client",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }
}

/// A telegram read from a capture.
#[derive(Debug, Clone)]
pub struct CapturedTelegram {
    /// When the packet that completed it was captured (the last of its bytes, in stream
    /// order).
    pub ts: Timestamp,
    /// Its connection.
    pub connection: Connection,
    /// Which way it went.
    pub direction: Direction,
    /// The telegram, with its offsets in its direction's byte stream.
    pub frame: Frame,
}

impl CapturedTelegram {
    /// The address and port it came from.
    pub fn src(&self) -> SocketAddr {
        match self.direction {
            Direction::ToServer => self.connection.client,
            Direction::ToClient => self.connection.server,
        }
    }

    /// The address and port it went to.
    pub fn dst(&self) -> SocketAddr {
        match self.direction {
            Direction::ToServer => self.connection.server,
            Direction::ToClient => self.connection.client,
        }
    }
}

/// Why a stream lost step.
#[derive(Debug)]
#[non_exhaustive]
pub enum GapCause {
    /// Segments the capture never saw (dropped by the capturing host, or lost).
    Lost,
    /// The capture's snap length cut packets short.
    Snaplen,
    /// The bytes did not read as the layout's framing (the error says how).
    Unframed(Error),
    /// The capture started after the connection did, inside a telegram.
    MidStream,
    /// The stream (or the capture) ended inside a telegram.
    End,
}

/// Bytes of a stream that made no telegram: a hole in the capture, or bytes the framing
/// cannot read, and what was skipped before the stream could be read again.
#[derive(Debug)]
pub struct Gap {
    /// When it was found: the packet after the hole that brought the stream back in step,
    /// or the end of the stream.
    pub ts: Timestamp,
    /// Its connection.
    pub connection: Connection,
    /// Which direction of the connection.
    pub direction: Direction,
    /// Stream offset of the first byte that made no telegram.
    pub offset: u64,
    /// Bytes that no packet of the capture holds.
    pub missing: u64,
    /// Bytes captured but in no telegram: a telegram the hole cut short, and the bytes
    /// before the first telegram the reader could verify after it.
    pub skipped: u64,
    /// Why.
    pub cause: GapCause,
    /// True when the stream ended before a telegram could be verified again.
    pub at_end: bool,
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let (src, dst) = match self.direction {
            Direction::ToServer => (self.connection.client, self.connection.server),
            Direction::ToClient => (self.connection.server, self.connection.client),
        };
        write!(f, "{src} > {dst} at stream byte {}: ", self.offset)?;
        match &self.cause {
            GapCause::Lost => write!(
                f,
                "{} byte{} missing (segments the capture does not hold)",
                self.missing,
                plural(self.missing)
            )?,
            GapCause::Snaplen => write!(
                f,
                "{} byte{} missing (the capture's snap length cut packets; capture with -s 0)",
                self.missing,
                plural(self.missing)
            )?,
            GapCause::Unframed(e) => write!(f, "the bytes do not read as telegrams ({e})")?,
            GapCause::MidStream => {
                write!(f, "the capture starts inside the connection")?;
            }
            GapCause::End => write!(f, "the stream ends inside a telegram")?,
        }
        if self.skipped > 0 {
            write!(f, "; {} byte{} skipped", self.skipped, plural(self.skipped))?;
        }
        if self.at_end {
            write!(f, "; no telegram after it")
        } else {
            write!(
                f,
                "; back in step at stream byte {}",
                self.offset + self.missing + self.skipped
            )
        }
    }
}

/// What a capture yields, in capture order.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureEvent {
    /// A telegram.
    Telegram(CapturedTelegram),
    /// Bytes that made no telegram (boxed: rare, and larger than a telegram).
    Gap(Box<Gap>),
}
