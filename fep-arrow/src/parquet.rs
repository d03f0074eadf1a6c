//! Telegrams to Parquet: one dataset per message in Hive-style folders,
//! `DIR/message=NAME/part-00000.parquet`, typed by [`crate::columns`], in row groups of
//! bounded size so that memory stays flat whatever the size of the capture.
//!
//! ```no_run
//! use fep_arrow::parquet::{Dataset, Options};
//! let schema = fep_core::Schema::load("layouts/firmbanking.layout")?;
//! let mut out = Dataset::create("out".as_ref(), &schema, Options::default())?;
//! for frame in fep_core::TelegramReader::new(&schema, std::fs::File::open("capture.bin")?) {
//!     let frame = frame?;
//!     out.push(&schema.decode(&frame.telegram)?, frame.telegram.len())?;
//! }
//! for part in out.finish()? {
//!     println!("{}: {} rows", part.path.display(), part.rows);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use fep_core::{Message, MessageInfo, Schema};
use parquet::arrow::{ArrowSchemaConverter, ArrowWriter};
use parquet::basic::{Compression, Type as PhysicalType, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::builder::BatchBuilder;
use crate::columns::{Column, Kind, Masking, Target};
use crate::error::Error;

/// How the files are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The page compression.
    pub codec: Codec,
    /// Rows per row group, at most (at least 1).
    pub row_group_rows: usize,
    /// Telegram bytes per row group, at most: what bounds memory when telegrams are long.
    pub row_group_bytes: usize,
    /// Hidden `mask`/`secret` values, or real ones.
    pub masking: Masking,
    /// Min/max statistics for text and bytes columns too (off by default). Numbers,
    /// decimals, dates, times and timestamps always carry them; text columns of telegrams
    /// (codes, names, memos) hold every value in every row group of a capture, so their
    /// minimum and maximum skip nothing, while computing them (a string comparison per
    /// value, twice) took more than half of the conversion's time. Turn them on for a
    /// layout that keeps values in text that rise with the capture (a date as `X(8)`).
    /// Columns of hidden values carry none either way.
    pub text_statistics: bool,
    /// The capture columns (`ts`, `src`, `dst`, `direction`) in every file, before the
    /// fields (see [`crate::capture`]): for telegrams read from a packet capture, pushed
    /// with [`Dataset::push_captured`].
    #[cfg(feature = "capture")]
    pub capture: bool,
}

impl Default for Options {
    /// zstd, row groups of 131,072 rows or 64 MiB of telegrams, sensitive fields hidden,
    /// no min/max statistics for text and bytes columns.
    fn default() -> Options {
        Options {
            codec: Codec::Zstd,
            row_group_rows: 128 * 1024,
            row_group_bytes: 64 << 20,
            masking: Masking::Hide,
            text_statistics: false,
            #[cfg(feature = "capture")]
            capture: false,
        }
    }
}

/// Page compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Codec {
    /// zstd at level 1 (the parquet crate's default): small files, fast to write and read.
    #[default]
    Zstd,
    /// Snappy: what older readers expect.
    Snappy,
    /// None.
    None,
}

/// A file written: its message, path and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The message.
    pub message: String,
    /// `DIR/message=NAME/part-00000.parquet`.
    pub path: PathBuf,
    /// Rows (telegrams).
    pub rows: u64,
}

/// The Parquet datasets being written under one folder, one per message, each file opened
/// at its message's first telegram.
///
/// A file is written under a hidden name (`.part-00000.parquet.inprogress`, which Parquet
/// readers pass over) and renamed when [`Dataset::finish`] closes it: a conversion that
/// stops half-way leaves no file that looks whole.
#[derive(Debug)]
pub struct Dataset<'s> {
    dir: PathBuf,
    schema: &'s Schema,
    options: Options,
    properties: WriterProperties,
    /// The open files in the order their messages first appeared (for a stable report),
    /// each with its message's name.
    parts: Vec<(String, Open)>,
    /// Where each message's file is in `parts`.
    index: HashMap<String, usize>,
    /// The file the last telegram went to: telegrams of one message come in runs, and a
    /// comparison of names is cheaper than hashing one (twice) for every telegram.
    last: usize,
}

#[derive(Debug)]
struct Open {
    builder: BatchBuilder,
    writer: ArrowWriter<BufWriter<File>>,
    temp: PathBuf,
    path: PathBuf,
    rows: u64,
}

impl<'s> Dataset<'s> {
    /// Creates `dir` (and its parents) if needed. Refuses a folder that already holds a
    /// dataset of this layout's messages, rather than mix two conversions.
    pub fn create(dir: &Path, schema: &'s Schema, options: Options) -> Result<Dataset<'s>, Error> {
        if options.row_group_rows == 0 || options.row_group_bytes == 0 {
            return Err(Error::Arrow("a row group needs at least one row".into()));
        }
        fs::create_dir_all(dir).map_err(|e| at(e, dir))?;
        for m in schema.messages() {
            let part = part_path(dir, m.name());
            if part.exists() {
                return Err(Error::Io(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "{}: already exists; remove it or write to another folder",
                        part.display()
                    ),
                )));
            }
        }
        let compression = match options.codec {
            Codec::Zstd => Compression::ZSTD(ZstdLevel::default()),
            Codec::Snappy => Compression::SNAPPY,
            Codec::None => Compression::UNCOMPRESSED,
        };
        let properties = WriterProperties::builder()
            .set_compression(compression)
            // Row groups end where the builder ends a batch (rows or bytes); this is the
            // same bound, for a writer that is handed a larger batch.
            .set_max_row_group_row_count(Some(options.row_group_rows))
            .set_created_by(format!("fep {}", env!("CARGO_PKG_VERSION")))
            // Plain pages under zstd: faster to write than dictionary pages, and smaller on
            // telegram captures, whose repetition zstd finds by itself (measured on the
            // transfer telegram: 20% less CPU, 1.1 MB instead of 1.5 MB for 500,000 rows).
            .set_dictionary_enabled(false)
            .build();
        Ok(Dataset {
            dir: dir.to_owned(),
            schema,
            options,
            properties,
            parts: Vec::new(),
            index: HashMap::new(),
            last: 0,
        })
    }

    /// Appends a decoded telegram of `len` bytes to its message's file; a full row group
    /// goes to the file.
    pub fn push(&mut self, msg: &Message<'_>, len: usize) -> Result<(), Error> {
        let limits = (self.options.row_group_rows, self.options.row_group_bytes);
        let part = self.part(msg.name())?;
        part.builder.push(msg, len)?;
        part.flush_if_full(limits)
    }

    /// Decodes a telegram of message `info` straight into its file's columns, with no
    /// [`Message`] between (see [`BatchBuilder::push_telegram`]); `None` when that path
    /// does not take it (a message with repeats, or the first telegram of its message):
    /// decode it and [`Dataset::push`] it. A telegram that does not decode
    /// (`Error::Core`, without its offset in the stream) adds no row.
    pub fn push_telegram(
        &mut self,
        info: &MessageInfo<'_>,
        telegram: &[u8],
    ) -> Option<Result<(), Error>> {
        self.push_telegram_at(info, telegram, None)
    }

    /// [`Dataset::push_telegram`] with where the telegram was in a capture, as
    /// [`Dataset::push_captured`].
    #[cfg(feature = "capture")]
    pub fn push_telegram_captured(
        &mut self,
        info: &MessageInfo<'_>,
        telegram: &[u8],
        whence: Option<&fep_core::capture::Whence>,
    ) -> Option<Result<(), Error>> {
        self.push_telegram_at(info, telegram, whence)
    }

    fn push_telegram_at(
        &mut self,
        info: &MessageInfo<'_>,
        telegram: &[u8],
        #[cfg(feature = "capture")] whence: Option<&fep_core::capture::Whence>,
        #[cfg(not(feature = "capture"))] _whence: Option<std::convert::Infallible>,
    ) -> Option<Result<(), Error>> {
        let limits = (self.options.row_group_rows, self.options.row_group_bytes);
        let name = info.name();
        // A message's file is opened by the message path, so that a message whose
        // telegrams all fail leaves no file.
        let at = match self.parts.get(self.last) {
            Some((n, _)) if n == name => self.last,
            _ => *self.index.get(name)?,
        };
        self.last = at;
        let part = &mut self.parts[at].1;
        #[cfg(feature = "capture")]
        let pushed = part
            .builder
            .push_telegram_captured(info, telegram, whence)?;
        #[cfg(not(feature = "capture"))]
        let pushed = part.builder.push_telegram(info, telegram)?;
        Some(pushed.and_then(|()| part.flush_if_full(limits)))
    }

    /// Appends a decoded telegram of `len` bytes with where it was in a capture (`None`:
    /// a telegram of a file, its capture columns null).
    #[cfg(feature = "capture")]
    pub fn push_captured(
        &mut self,
        msg: &Message<'_>,
        len: usize,
        whence: Option<&fep_core::capture::Whence>,
    ) -> Result<(), Error> {
        let limits = (self.options.row_group_rows, self.options.row_group_bytes);
        let part = self.part(msg.name())?;
        part.builder.push_captured(msg, len, whence)?;
        part.flush_if_full(limits)
    }

    /// The open file of a message, opened at its first telegram.
    fn part(&mut self, name: &str) -> Result<&mut Open, Error> {
        let at = match self.parts.get(self.last) {
            Some((n, _)) if n == name => self.last,
            _ => match self.index.get(name) {
                Some(&i) => i,
                None => {
                    let open = self.open(name)?;
                    self.parts.push((name.to_owned(), open));
                    self.index.insert(name.to_owned(), self.parts.len() - 1);
                    self.parts.len() - 1
                }
            },
        };
        self.last = at;
        Ok(&mut self.parts[at].1)
    }

    fn open(&self, name: &str) -> Result<Open, Error> {
        let target = Target::one(self.schema, name, self.options.masking)?;
        let folder = self.dir.join(format!("message={name}"));
        fs::create_dir_all(&folder).map_err(|e| at(e, &folder))?;
        let path = part_path(&self.dir, name);
        let temp = folder.join(".part-00000.parquet.inprogress");
        let file = File::create(&temp).map_err(|e| at(e, &temp))?;
        #[cfg(feature = "capture")]
        let builder = if self.options.capture {
            BatchBuilder::captured(&target)?
        } else {
            BatchBuilder::new(&target)
        };
        #[cfg(not(feature = "capture"))]
        let builder = BatchBuilder::new(&target);
        let writer = ArrowWriter::try_new(
            BufWriter::with_capacity(1 << 20, file),
            builder.schema(),
            Some(file_properties(
                &self.properties,
                target.columns(),
                &builder.schema(),
                self.options.text_statistics,
            )?),
        )
        .map_err(|e| Error::Arrow(format!("{}: {e}", temp.display())))?;
        Ok(Open {
            builder,
            writer,
            temp,
            path,
            rows: 0,
        })
    }

    /// Writes what is left, closes every file and gives them under their final names, in
    /// the order their messages first appeared.
    pub fn finish(mut self) -> Result<Vec<Part>, Error> {
        let mut out = Vec::with_capacity(self.parts.len());
        for (name, mut part) in std::mem::take(&mut self.parts) {
            part.flush()?;
            part.writer
                .close()
                .map_err(|e| Error::Arrow(format!("{}: {e}", part.temp.display())))?;
            fs::rename(&part.temp, &part.path).map_err(|e| at(e, &part.path))?;
            out.push(Part {
                message: name,
                path: part.path,
                rows: part.rows,
            });
        }
        Ok(out)
    }
}

impl Open {
    /// A full row group (`(rows, bytes)` reached) goes to the file.
    fn flush_if_full(&mut self, (rows, bytes): (usize, usize)) -> Result<(), Error> {
        if self.builder.rows() >= rows || self.builder.bytes() >= bytes {
            self.flush()?;
        }
        Ok(())
    }

    /// The rows built so far as one row group in the file.
    fn flush(&mut self) -> Result<(), Error> {
        let rows = self.builder.rows();
        if rows == 0 {
            return Ok(());
        }
        let batch = self.builder.finish()?;
        let fail = |e: parquet::errors::ParquetError| {
            Error::Arrow(format!("{}: {e}", self.temp.display()))
        };
        self.writer.write(&batch).map_err(fail)?;
        self.writer.flush().map_err(fail)?;
        self.rows += rows as u64;
        Ok(())
    }
}

/// The properties of one message's file: the dataset's, without statistics for the
/// columns of hidden values (`mask`, `secret`; their values are stars and at most the last
/// 4 characters, so their minimum and maximum can prune no query worth asking) and, unless
/// `text_statistics`, for every text and bytes column (see [`Options::text_statistics`]).
fn file_properties(
    base: &WriterProperties,
    columns: &[Column],
    arrow: &arrow_schema::Schema,
    text_statistics: bool,
) -> Result<WriterProperties, Error> {
    fn hidden(columns: &[Column], path: &mut Vec<String>, out: &mut Vec<ColumnPath>) {
        for c in columns {
            // A list's leaf has a path of the writer's own (its item field): left as is.
            if c.repeated {
                continue;
            }
            path.push(c.name.clone());
            match &c.kind {
                Kind::Hidden(_) => out.push(ColumnPath::new(path.clone())),
                Kind::Record(kids) => hidden(kids, path, out),
                _ => {}
            }
            path.pop();
        }
    }
    let mut paths = Vec::new();
    hidden(columns, &mut Vec::new(), &mut paths);
    if !text_statistics {
        // The leaves as the writer names them (lists' items included), by the converter
        // the writer itself uses; text and bytes are Parquet's BYTE_ARRAY.
        let leaves = ArrowSchemaConverter::new()
            .convert(arrow)
            .map_err(|e| Error::Arrow(e.to_string()))?;
        for leaf in leaves.columns() {
            if leaf.physical_type() == PhysicalType::BYTE_ARRAY {
                paths.push(leaf.path().clone());
            }
        }
    }
    let mut builder = base.clone().into_builder();
    for p in paths {
        builder = builder.set_column_statistics_enabled(p, EnabledStatistics::None);
    }
    Ok(builder.build())
}

fn part_path(dir: &Path, message: &str) -> PathBuf {
    dir.join(format!("message={message}"))
        .join("part-00000.parquet")
}

fn at(e: std::io::Error, path: &Path) -> Error {
    Error::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", path.display()),
    ))
}

/// Converts a stream of framed telegrams into datasets under `dir`; stops at the first bad
/// frame or telegram (its error carries its offset in the stream), leaving no file that
/// looks whole.
pub fn convert<R: std::io::Read>(
    schema: &Schema,
    input: R,
    dir: &Path,
    options: Options,
) -> Result<Vec<Part>, Error> {
    let mut out = Dataset::create(dir, schema, options)?;
    let mut frames = fep_core::TelegramReader::new(schema, input);
    while let Some(frame) = frames.next_telegram() {
        let frame = frame?;
        let info = schema
            .dispatch(frame.telegram)
            .map_err(|e| e.in_frame(frame.offset))?;
        match out.push_telegram(&info, frame.telegram) {
            Some(r) => r.map_err(|e| crate::decode::in_frame(e, frame.offset))?,
            None => {
                let msg = schema
                    .decode_message(info.name(), frame.telegram)
                    .map_err(|e| e.in_frame(frame.offset))?;
                out.push(&msg, frame.telegram.len())?;
            }
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    /// Which columns of each file carry min/max statistics, by dotted path: a conversion
    /// of a transfer request and a balance history (repeats) with `options`.
    fn statistics(options: Options) -> Vec<(String, bool)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let schema = Schema::load(root.join("layouts/firmbanking.layout")).expect("layout");
        let mut input = Vec::new();
        for sample in ["transfer-request.bin", "balance-history.bin"] {
            let telegram = fs::read(root.join("layouts/firmbanking").join(sample)).expect("sample");
            input.extend(telegram.repeat(3));
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let parts = convert(&schema, &input[..], dir.path(), options).expect("converts");
        assert_eq!(parts.len(), 2);
        let mut out = Vec::new();
        for part in parts {
            assert_eq!(part.rows, 3);
            let reader =
                SerializedFileReader::new(File::open(&part.path).expect("file")).expect("parquet");
            let group = reader.metadata().row_group(0);
            for c in group.columns() {
                let has = c
                    .statistics()
                    .is_some_and(|s| s.min_bytes_opt().is_some() && s.max_bytes_opt().is_some());
                out.push((
                    format!("{}:{}", part.message, c.column_path().string()),
                    has,
                ));
            }
        }
        out
    }

    fn has(stats: &[(String, bool)], path: &str) -> bool {
        stats
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("no column {path} in {stats:?}"))
            .1
    }

    const HIDDEN: [&str; 5] = [
        "transfer:debit_acct",
        "transfer:password",
        "transfer:credit_acct",
        "transfer:holder_id",
        "balance_history:account",
    ];
    const TEXT: [&str; 6] = [
        "transfer:verify_code",
        "transfer:memo",
        "transfer:header.company_id",
        "transfer:header.reserved",
        "balance_history:items.list.item.kind",
        "balance_history:items.list.item.memo",
    ];
    const TYPED: [&str; 7] = [
        "transfer:amount",
        "transfer:credit_bank",
        "transfer:header.bank_code",
        "transfer:header.send_date",
        "transfer:header.send_time",
        "balance_history:items.list.item.date",
        "balance_history:items.list.item.amount",
    ];

    #[test]
    fn text_and_hidden_columns_carry_no_statistics_by_default() {
        let stats = statistics(Options::default());
        for path in HIDDEN.iter().chain(&TEXT) {
            assert!(!has(&stats, path), "{path}: {stats:?}");
        }
        for path in TYPED {
            assert!(has(&stats, path), "{path}: {stats:?}");
        }
    }

    #[test]
    fn text_statistics_are_there_when_asked_for() {
        let stats = statistics(Options {
            text_statistics: true,
            ..Options::default()
        });
        for path in TEXT.iter().chain(&TYPED) {
            assert!(has(&stats, path), "{path}: {stats:?}");
        }
        // Hidden values still carry none.
        for path in HIDDEN {
            assert!(!has(&stats, path), "{path} hidden: {stats:?}");
        }
        // Revealed, they are ordinary text columns.
        let revealed = statistics(Options {
            text_statistics: true,
            masking: Masking::Reveal,
            ..Options::default()
        });
        for path in HIDDEN {
            assert!(has(&revealed, path), "{path} revealed: {revealed:?}");
        }
    }
}
