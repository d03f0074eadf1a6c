//! Rejected telegrams, kept: [`RejectWriter`] writes every telegram a reader could not
//! convert, byte for byte, framed as the layout frames telegrams (so that the file reads
//! back with the same layout), and an index beside it: where each one stood in the input,
//! where it is in the rejects file, and what was wrong.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::framer::Framer;
use crate::schema::Schema;

/// The index's header line.
pub const REJECTS_INDEX_HEADER: &str = "offset,length,rejects_offset,error";

/// Writes rejected telegrams and their index (CSV: `offset,length,rejects_offset,error`).
///
/// `offset` is the telegram's frame offset in the input, `length` the telegram's length
/// (empty when its bytes are unknown: a framing error after which the input cannot be
/// framed on, which keeps no bytes), `rejects_offset` where its frame starts in the
/// rejects file, `error` every failure of the telegram, joined by `; `.
///
/// # Example
/// ```
/// let schema = fep_core::Schema::parse("encoding ascii\nframing lines\nmessage m 3 {\n n 9(3)\n}\n")?;
/// let (mut data, mut index) = (Vec::new(), Vec::new());
/// let mut w = fep_core::RejectWriter::new(&schema, &mut data, &mut index)?;
/// w.reject(4, Some(b"x02"), "m.n (bytes 4..7): expected digits")?;
/// w.flush()?;
/// assert_eq!(w.count(), 1);
/// drop(w);
/// assert_eq!(data, b"x02\r\n");
/// assert_eq!(
///     String::from_utf8(index).unwrap(),
///     "offset,length,rejects_offset,error\n4,3,0,m.n (bytes 4..7): expected digits\n"
/// );
/// # Ok::<(), fep_core::Error>(())
/// ```
pub struct RejectWriter<W, I> {
    framer: Framer,
    data: W,
    index: I,
    written: u64,
    count: u64,
    framed: Vec<u8>,
    line: String,
}

impl<W, I> std::fmt::Debug for RejectWriter<W, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RejectWriter")
            .field("written", &self.written)
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

/// A rejects writer over any writers that can move between threads, as
/// [`MessageReader::rejects`](crate::MessageReader::rejects) takes it.
pub type BoxedRejectWriter = RejectWriter<Box<dyn Write + Send>, Box<dyn Write + Send>>;

impl<W: Write, I: Write> RejectWriter<W, I> {
    /// Writes rejected telegrams to `data` and the index to `index` (its header at once).
    pub fn new(schema: &Schema, data: W, mut index: I) -> Result<RejectWriter<W, I>> {
        writeln!(index, "{REJECTS_INDEX_HEADER}")?;
        Ok(RejectWriter {
            framer: Framer::new(schema),
            data,
            index,
            written: 0,
            count: 0,
            framed: Vec::new(),
            line: String::new(),
        })
    }

    /// Keeps one rejected telegram from `offset` in the input (`None` when its bytes are
    /// not known), with what was wrong.
    pub fn reject(&mut self, offset: u64, telegram: Option<&[u8]>, error: &str) -> Result<()> {
        let (length, at) = match telegram {
            Some(t) => {
                self.framed.clear();
                if self.framer.write(t, &mut self.framed).is_err() {
                    // Too long for the frame: kept bare; the index says where it starts.
                    self.framed.clear();
                    self.framed.extend_from_slice(t);
                }
                self.data.write_all(&self.framed)?;
                let at = self.written;
                self.written += self.framed.len() as u64;
                (t.len().to_string(), at.to_string())
            }
            None => (String::new(), String::new()),
        };
        self.count += 1;
        self.line.clear();
        self.line
            .push_str(&format!("{offset},{length},{at},{}\n", csv_field(error)));
        self.index
            .write_all(self.line.as_bytes())
            .map_err(Error::from)
    }

    /// Telegrams kept so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Flushes both writers.
    pub fn flush(&mut self) -> Result<()> {
        self.data.flush()?;
        self.index.flush().map_err(Error::from)
    }
}

impl RejectWriter<BufWriter<File>, BufWriter<File>> {
    /// Creates `path` for the telegrams and [`rejects_index_path`]`(path)` beside it.
    pub fn create(
        schema: &Schema,
        path: impl AsRef<Path>,
    ) -> Result<RejectWriter<BufWriter<File>, BufWriter<File>>> {
        let path = path.as_ref();
        let index = rejects_index_path(path);
        let open = |p: &Path| {
            File::create(p).map(BufWriter::new).map_err(|e| {
                Error::from(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", p.display()),
                ))
            })
        };
        RejectWriter::new(schema, open(path)?, open(&index)?)
    }

    /// The same writer behind boxes, for [`MessageReader::rejects`](crate::MessageReader::rejects).
    pub fn boxed(self) -> BoxedRejectWriter {
        RejectWriter {
            framer: self.framer,
            data: Box::new(self.data),
            index: Box::new(self.index),
            written: self.written,
            count: self.count,
            framed: self.framed,
            line: self.line,
        }
    }
}

/// The index beside a rejects file: `FILE.index.csv`.
pub fn rejects_index_path(path: impl AsRef<Path>) -> PathBuf {
    let mut s = path.as_ref().as_os_str().to_owned();
    s.push(".index.csv");
    PathBuf::from(s)
}

/// A CSV field: quoted when it holds a comma, a quote or a line end.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
