//! Captures as inputs: a pcap or pcapng file, told by its magic number, read through the
//! core's `CaptureReader`; each telegram with when it was captured, its connection and its
//! direction; the `--port` and `--host` filters.

use std::fs::File;
use std::io::{self, Read};
use std::net::IpAddr;
use std::path::Path;

use clap::Args;
use fep_core::Schema;
use fep_core::capture::{CaptureOptions, CaptureReader, CapturedTelegram, is_capture};

use crate::failure::Failure;

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

/// True when the file starts as a pcap or pcapng file does. A file that cannot be opened
/// is not one; opening it again reports why.
pub fn is_capture_file(path: &Path) -> bool {
    let mut head = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && is_capture(&head)
}

/// The telegrams of a capture file.
pub fn open(
    schema: &Schema,
    path: &Path,
    filters: &FilterArgs,
) -> Result<CaptureReader<Box<dyn Read>>, Failure> {
    let f = File::open(path).map_err(|e| Failure::io(&e, path))?;
    let reader: Box<dyn Read> = Box::new(io::BufReader::with_capacity(1 << 16, f));
    CaptureReader::with_options(schema, reader, filters.options())
        .map_err(|e| Failure::data(format!("{}: {e}", path.display())))
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
