//! A stream of framed telegrams to record batches: [`decode`] all at once, or [`Batches`]
//! one bounded batch at a time.

use std::io::Read;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use fep_core::{Schema, TelegramReader};

use crate::builder::BatchBuilder;
use crate::columns::Target;
use crate::error::Error;

/// Where a batch ends: after `rows` rows or `bytes` telegram bytes, whichever comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Rows per batch.
    pub rows: usize,
    /// Telegram bytes per batch.
    pub bytes: usize,
}

impl Default for Limits {
    /// 1,048,576 rows or 256 MiB of telegrams: every `utf8` column of a batch stays far below
    /// the 2 GiB its 32-bit offsets can address (text grows at most 1.5 times from EUC-KR to
    /// UTF-8).
    fn default() -> Limits {
        Limits {
            rows: 1 << 20,
            bytes: 256 << 20,
        }
    }
}

/// Decodes a stream of framed telegrams into record batches; at least one batch, empty
/// when no telegram is the target's. Stops at the first bad frame or telegram, whose error
/// carries its offset in the stream.
pub fn decode<R: Read>(
    schema: &Schema,
    target: &Target,
    input: R,
    limits: Limits,
) -> Result<Vec<RecordBatch>, Error> {
    let mut batches = Batches::new(schema, target, input, limits);
    let mut out = Vec::new();
    for b in &mut batches {
        out.push(b?);
    }
    if out.is_empty() {
        out.push(batches.builder.finish()?);
    }
    Ok(out)
}

/// Record batches of at most [`Limits`] each, decoded as they are asked for: memory holds
/// one batch whatever the size of the input.
#[derive(Debug)]
pub struct Batches<'s, R> {
    schema: &'s Schema,
    name: Option<String>,
    frames: TelegramReader<R>,
    builder: BatchBuilder,
    limits: Limits,
    done: bool,
}

impl<'s, R: Read> Batches<'s, R> {
    /// Batches of `target`'s telegrams in `input`.
    pub fn new(schema: &'s Schema, target: &Target, input: R, limits: Limits) -> Batches<'s, R> {
        Batches {
            schema,
            name: match target {
                Target::One { name, .. } => Some(name.clone()),
                Target::Mixed { .. } => None,
            },
            frames: TelegramReader::new(schema, input),
            builder: BatchBuilder::new(target),
            limits,
            done: false,
        }
    }

    /// Tells the batches that the input holds about `input_bytes` bytes (a file's size):
    /// the first batch then makes room in its columns once instead of growing them (see
    /// [`BatchBuilder::size_hint`]).
    #[must_use]
    pub fn size_hint(mut self, input_bytes: u64) -> Self {
        self.builder
            .size_hint(input_bytes, self.limits.bytes, self.limits.rows);
        self
    }

    /// The schema of the batches.
    pub fn schema(&self) -> SchemaRef {
        self.builder.schema()
    }

    fn fill(&mut self) -> Result<bool, Error> {
        let schema = self.schema;
        while let Some(frame) = self.frames.next_telegram() {
            let frame = frame?;
            let at = frame.offset;
            let telegram = frame.telegram;
            match &self.name {
                Some(name) => {
                    // Telegrams of other messages are passed over without being decoded.
                    let info = schema.dispatch(telegram).map_err(|e| e.in_frame(at))?;
                    if info.name() != name {
                        continue;
                    }
                    // Straight into the columns when the message has no repeats.
                    if let Some(r) = self.builder.push_telegram(&info, telegram) {
                        r.map_err(|e| in_frame(e, at))?;
                    } else {
                        let msg = schema
                            .decode_message(name, telegram)
                            .map_err(|e| e.in_frame(at))?;
                        self.builder.push(&msg, telegram.len())?;
                    }
                }
                None => {
                    let msg = schema.decode(telegram).map_err(|e| e.in_frame(at))?;
                    self.builder.push(&msg, telegram.len())?;
                }
            }
            if self.builder.rows() >= self.limits.rows || self.builder.bytes() >= self.limits.bytes
            {
                return Ok(true);
            }
        }
        Ok(self.builder.rows() > 0)
    }
}

/// A telegram's error with its offset in the stream.
pub(crate) fn in_frame(e: Error, at: u64) -> Error {
    match e {
        Error::Core(e) => Error::Core(e.in_frame(at)),
        e => e,
    }
}

impl<R: Read> Iterator for Batches<'_, R> {
    type Item = Result<RecordBatch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.fill() {
            Ok(true) => Some(self.builder.finish()),
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batches with a size hint (the capture's size, and one far beyond it) are the batches
    /// without one: several batches of 300 rows, the last one short.
    #[test]
    fn a_size_hint_changes_no_batch() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let schema = Schema::load(root.join("layouts/firmbanking.layout")).expect("layout");
        let telegram =
            std::fs::read(root.join("layouts/firmbanking/transfer-request.bin")).expect("sample");
        let input = telegram.repeat(1_000);
        let target = Target::one(&schema, "transfer", crate::Masking::Reveal).expect("target");
        let limits = Limits {
            rows: 300,
            ..Limits::default()
        };
        let read = |hint: Option<u64>| -> Vec<RecordBatch> {
            let mut b = Batches::new(&schema, &target, &input[..], limits);
            if let Some(h) = hint {
                b = b.size_hint(h);
            }
            b.map(|r| r.expect("batch")).collect()
        };
        let plain = read(None);
        assert_eq!(
            plain.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(),
            [300, 300, 300, 100]
        );
        assert_eq!(read(Some(input.len() as u64)), plain);
        assert_eq!(read(Some(u64::MAX)), plain);
    }
}
