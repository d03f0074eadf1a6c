//! Captures as inputs: a pcap or pcapng file, told by its magic number, read through the
//! core's `CaptureReader`; each telegram with when it was captured, its connection and its
//! direction; the `--port` and `--host` filters.

use std::io::{self, Read};
use std::net::IpAddr;

use clap::Args;
use fep_core::Frame;
use fep_core::Schema;
use fep_core::capture::{CaptureEvent, CaptureOptions, CaptureReader, CapturedTelegram};

use crate::args::ColorChoice;

use crate::failure::{Failure, print_note};
use crate::input::{FrameError, Source, Telegrams};

/// Which connections of a capture to read.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// In a capture (pcap, pcapng), only connections with this port at either end (may be
    /// given more than once)
    #[arg(long, value_name = "PORT")]
    pub port: Vec<u16>,

    /// In a capture, only connections with this address at either end (may be given more
    /// than once)
    #[arg(long, value_name = "ADDRESS")]
    pub host: Vec<IpAddr>,
}

impl FilterArgs {
    /// True when a filter is given.
    pub fn any(&self) -> bool {
        !self.port.is_empty() || !self.host.is_empty()
    }

    fn options(&self) -> CaptureOptions {
        CaptureOptions {
            ports: self.port.clone(),
            hosts: self.host.clone(),
            ..CaptureOptions::default()
        }
    }
}

/// An opened input: its reader, its size when it is a file, and whether it is a capture.
pub type Opened = (Box<dyn Read>, Option<u64>, bool);

/// Opens an input and tells whether it is a capture, by its first bytes
/// ([`fep_core::capture::sniff`]): a file and standard input are told apart the same way.
pub fn open_source(src: &Source) -> Result<Opened, Failure> {
    let (reader, size) = src.open()?;
    // Only files and standard input can be captures; hex text is telegrams.
    if !matches!(src, Source::File(_) | Source::Stdin) {
        return Ok((reader, size, false));
    }
    let (is, reader) = fep_core::capture::sniff(reader).map_err(|e| match src.file() {
        Some(p) => Failure::io(&e, p),
        None => Failure::usage(format!("cannot read standard input: {e}")),
    })?;
    Ok((Box::new(reader), size, is))
}

/// The telegrams of a capture, from an input [`open_source`] found to be one.
pub fn open(
    schema: &Schema,
    reader: Box<dyn Read>,
    label: &str,
    filters: &FilterArgs,
) -> Result<CaptureReader<Box<dyn Read>>, Failure> {
    let reader: Box<dyn Read> = Box::new(io::BufReader::with_capacity(1 << 16, reader));
    CaptureReader::with_options(schema, reader, filters.options())
        .map_err(|e| Failure::data(format!("{label}: {e}")))
}

/// Where a telegram of a capture was: for JSON, `{"ts": ..., "src": ..., "dst": ...,
/// "direction": ...}`.
pub fn json(t: &CapturedTelegram) -> String {
    format!(
        "{{\"ts\":\"{}\",\"src\":\"{}\",\"dst\":\"{}\",\"direction\":\"{}\"}}",
        t.ts,
        t.src(),
        t.dst(),
        t.direction.as_str()
    )
}

/// The CSV columns a capture adds, in order.
pub const CSV_COLUMNS: [&str; 4] = ["ts", "src", "dst", "direction"];

/// The values of [`CSV_COLUMNS`] for a telegram.
pub fn csv_values(t: &CapturedTelegram) -> [String; 4] {
    [
        t.ts.to_string(),
        t.src().to_string(),
        t.dst().to_string(),
        t.direction.as_str().to_owned(),
    ]
}

/// The telegrams of an input, framed or captured, as the framed reader yields them; for a
/// capture, the last telegram's capture data on the side and its gaps as notes.
pub enum Feed {
    /// A file of framed telegrams.
    Framed(Telegrams),
    /// A capture, the last telegram it gave, and how to label notes.
    Capture(
        Box<CaptureReader<Box<dyn Read>>>,
        Option<CapturedTelegram>,
        String,
        ColorChoice,
    ),
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed")
            .field("bytes_read", &self.bytes_read())
            .finish()
    }
}

impl Feed {
    /// Bytes of the input read so far.
    pub fn bytes_read(&self) -> u64 {
        match self {
            Feed::Framed(t) => t.bytes_read(),
            Feed::Capture(r, ..) => r.bytes_read(),
        }
    }

    /// The capture data of the telegram last given, when the input is a capture.
    pub fn captured(&self) -> Option<&CapturedTelegram> {
        match self {
            Feed::Framed(_) => None,
            Feed::Capture(_, t, ..) => t.as_ref(),
        }
    }
}

impl Iterator for Feed {
    type Item = Result<Frame, FrameError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Feed::Framed(t) => t.next(),
            Feed::Capture(reader, last, label, color) => loop {
                match reader.next()? {
                    Ok(CaptureEvent::Telegram(t)) => {
                        let frame = t.frame.clone();
                        *last = Some(t);
                        return Some(Ok(frame));
                    }
                    Ok(CaptureEvent::Gap(g)) => print_note(&format!("{label}: {g}"), *color),
                    Ok(_) => {}
                    Err(error) => {
                        return Some(Err(FrameError {
                            error,
                            fatal: true,
                            rejected: None,
                        }));
                    }
                }
            },
        }
    }
}
