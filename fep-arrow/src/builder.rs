//! Arrow columns filled telegram by telegram: [`BatchBuilder`].

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, Decimal128Type, Int64Type, Time64MicrosecondType,
    TimestampMicrosecondType,
};
use arrow_array::{
    ArrayRef, BinaryArray, ListArray, PrimitiveArray, RecordBatch, StringArray, StructArray,
};
use arrow_buffer::{Buffer, NullBuffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{FieldRef, Fields, SchemaRef};
use fep_core::{Decimal, FlatSink, Message, MessageInfo, Record, Sensitivity, Value};

use crate::columns::{Column, DECIMAL_PRECISION, Kind, Target};
use crate::error::Error;

/// The rows of one read being built: push decoded messages, take a record batch with
/// [`BatchBuilder::finish`] whenever [`BatchBuilder::rows`] or [`BatchBuilder::bytes`]
/// reach the caller's bound, and go on with the same builder.
#[derive(Debug)]
pub struct BatchBuilder {
    schema: SchemaRef,
    mixed: bool,
    names: Vec<String>,
    cols: Vec<Node>,
    /// The columns' buffers.
    store: Store,
    /// True when a column is a list (a repeat): telegrams then take the message path.
    lists: bool,
    message: StringBuilder,
    /// A capture's columns (`ts`, `src`, `dst`, `direction`), when asked for.
    #[cfg(feature = "capture")]
    capture: Option<crate::capture::CaptureColumns>,
    rows: usize,
    bytes: usize,
    /// Korean text of a hidden column, decoded by [`BatchBuilder::push_telegram`] before
    /// it is masked: kept for its allocation.
    scratch: String,
    /// [`BatchBuilder::size_hint`]'s telegram bytes and rows, until the batch has the rows
    /// to judge sizes from.
    hint: Option<(u64, usize)>,
}

/// The rows of a batch from which [`BatchBuilder::size_hint`] judges its columns' sizes.
const HINT_SAMPLE: usize = 256;

impl BatchBuilder {
    /// An empty builder for the target's columns.
    pub fn new(target: &Target) -> BatchBuilder {
        let columns = target.columns();
        let mut store = Store::default();
        let cols: Vec<Node> = columns.iter().map(|c| Node::new(c, &mut store)).collect();
        BatchBuilder {
            schema: target.schema(),
            mixed: matches!(target, Target::Mixed { .. }),
            names: columns.iter().map(|c| c.name.clone()).collect(),
            lists: cols.iter().any(Node::is_list),
            cols,
            store,
            message: StringBuilder::new(),
            #[cfg(feature = "capture")]
            capture: None,
            rows: 0,
            bytes: 0,
            scratch: String::new(),
            hint: None,
        }
    }

    /// Tells the builder that the input holds about `input_bytes` bytes of telegrams (a
    /// file's size, a byte range's), of which a batch takes at most `max_bytes` in at most
    /// `max_rows` rows (its limits). When the batch has 256 rows, each column makes room at once for the rows that size
    /// makes, judged from its bytes per row so far: one allocation instead of a column
    /// grown by doubling, each growth a copy of what it held into memory touched for the
    /// first time. Only a hint: a batch that gets more rows grows as before, room not used
    /// is only reserved (and a reservation the allocator refuses is left out). Later
    /// batches start with the room of the batch before.
    pub fn size_hint(&mut self, input_bytes: u64, max_bytes: usize, max_rows: usize) {
        let max_bytes = u64::try_from(max_bytes).unwrap_or(u64::MAX);
        self.hint = Some((input_bytes.min(max_bytes), max_rows));
    }

    /// The room of [`BatchBuilder::size_hint`], once the batch has its sample of rows.
    #[inline]
    fn count_row(&mut self, len: usize) {
        self.rows += 1;
        self.bytes += len;
        if self.rows == HINT_SAMPLE
            && let Some((bytes, max_rows)) = self.hint.take()
        {
            let per_row = (self.bytes / self.rows).max(1) as u64;
            let rows = usize::try_from(bytes / per_row).map_or(max_rows, |r| r.min(max_rows));
            self.store.reserve_rows(rows, self.rows);
        }
    }

    /// An empty builder for the target's columns and a capture's (`ts`, `src`, `dst`,
    /// `direction`, after `message`, before the fields; see [`crate::capture`]). Rows go in
    /// with [`BatchBuilder::push_captured`].
    ///
    /// # Errors
    /// A field with the name of a capture column.
    #[cfg(feature = "capture")]
    pub fn captured(target: &Target) -> Result<BatchBuilder, Error> {
        use crate::capture::{CAPTURE_COLUMNS, CaptureColumns, capture_fields};
        if let Some(c) = target
            .columns()
            .iter()
            .find(|c| CAPTURE_COLUMNS.contains(&c.name()))
        {
            return Err(Error::Arrow(format!(
                "field {} has the name of a capture column ({}): a capture cannot be read \
                 into columns with this layout",
                c.name(),
                CAPTURE_COLUMNS.join(", ")
            )));
        }
        let mut b = BatchBuilder::new(target);
        let plain = target.schema();
        let at = usize::from(b.mixed);
        let mut fields: Vec<arrow_schema::Field> =
            plain.fields().iter().map(|f| f.as_ref().clone()).collect();
        for (i, f) in capture_fields().into_iter().enumerate() {
            fields.insert(at + i, f);
        }
        b.schema = std::sync::Arc::new(arrow_schema::Schema::new(fields));
        b.capture = Some(CaptureColumns::new());
        Ok(b)
    }

    /// Appends a decoded telegram of `len` bytes with where it was in a capture (`None`
    /// for a telegram of a file: its capture columns are null). For a builder made by
    /// [`BatchBuilder::new`], the same as [`BatchBuilder::push`].
    #[cfg(feature = "capture")]
    pub fn push_captured(
        &mut self,
        msg: &Message<'_>,
        len: usize,
        whence: Option<&fep_core::capture::Whence>,
    ) -> Result<(), Error> {
        if let Some(c) = &mut self.capture {
            c.push(whence);
        }
        self.push_fields(msg, len)
    }

    /// The schema of the batches.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Rows since the last batch.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Telegram bytes since the last batch (as counted by [`BatchBuilder::push`]).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Appends a decoded telegram of `len` bytes. For a one-message target, the caller
    /// passes only that message's telegrams.
    pub fn push(&mut self, msg: &Message<'_>, len: usize) -> Result<(), Error> {
        #[cfg(feature = "capture")]
        if let Some(c) = &mut self.capture {
            c.push(None);
        }
        self.push_fields(msg, len)
    }

    fn push_fields(&mut self, msg: &Message<'_>, len: usize) -> Result<(), Error> {
        if self.mixed {
            self.message.append_value(msg.name());
            for (name, col) in self.names.iter().zip(self.cols.iter_mut()) {
                col.push(&mut self.store, msg.fields().get(name))?;
            }
        } else {
            push_record(&self.names, &mut self.cols, &mut self.store, msg.fields())?;
        }
        self.count_row(len);
        Ok(())
    }

    /// Decodes a telegram of message `info` (the target's) straight into the columns, with
    /// no [`Message`] and no [`Value`] between: the fast path for a message without
    /// repeats. Each field is appended to its column as the decode finds it
    /// ([`MessageInfo::decode_to`]): text from the telegram's bytes, Korean text decoded
    /// straight into the column's bytes, numbers, dates and times into their buffers.
    /// `None` when it does not take the message (it has repeats, or the read mixes
    /// messages): decode the telegram and [`BatchBuilder::push`] it. The row, the values,
    /// their types and masking, and the errors are those of decode and push; a telegram
    /// that fails (`Error::Core` when it does not decode, without its offset in the
    /// stream) leaves the columns as they were: what its fields before the failure had
    /// written is taken back.
    pub fn push_telegram(
        &mut self,
        info: &MessageInfo<'_>,
        telegram: &[u8],
    ) -> Option<Result<(), Error>> {
        #[cfg(feature = "capture")]
        return self.push_telegram_at(info, telegram, None);
        #[cfg(not(feature = "capture"))]
        self.push_telegram_at(info, telegram)
    }

    /// [`BatchBuilder::push_telegram`] with where the telegram was in a capture, as
    /// [`BatchBuilder::push_captured`].
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
    ) -> Option<Result<(), Error>> {
        if self.mixed || self.lists {
            return None;
        }
        let mut sink = RowSink {
            leaves: &mut self.store.leaves,
            at: 0,
            scratch: &mut self.scratch,
            err: None,
        };
        let decoded = info.decode_to(telegram, &mut sink)?;
        let (at, err) = (sink.at, sink.err);
        let out = match (decoded, err) {
            (Err(e), _) => Err(Error::Core(e)),
            (Ok(()), Some(e)) => Err(e),
            (Ok(()), None) if at < self.store.leaves.len() => Err(Error::Arrow(
                "a telegram with fewer values than its message has columns".into(),
            )),
            (Ok(()), None) => Ok(()),
        };
        if let Err(e) = out {
            // Take back the part of the row written before the failure.
            self.store.truncate(self.rows);
            return Some(Err(e));
        }
        for n in &mut self.store.structs {
            n.append_non_null();
        }
        #[cfg(feature = "capture")]
        if let Some(c) = &mut self.capture {
            c.push(whence);
        }
        self.count_row(telegram.len());
        Some(Ok(()))
    }

    /// Appends a row of nulls: a telegram that did not decode (its message's name, if
    /// known, goes in the `message` column of a mixed read, else an empty text).
    pub fn push_null(&mut self, message: Option<&str>, len: usize) -> Result<(), Error> {
        if self.mixed {
            self.message.append_value(message.unwrap_or(""));
        }
        #[cfg(feature = "capture")]
        if let Some(c) = &mut self.capture {
            c.push(None);
        }
        for col in &mut self.cols {
            col.push(&mut self.store, None)?;
        }
        self.count_row(len);
        Ok(())
    }

    /// The rows so far as a record batch; the builder starts over, empty.
    pub fn finish(&mut self) -> Result<RecordBatch, Error> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.cols.len() + 1);
        if self.mixed {
            arrays.push(Arc::new(self.message.finish()));
        }
        #[cfg(feature = "capture")]
        if let Some(c) = &mut self.capture {
            arrays.extend(c.finish());
        }
        for c in self.cols.iter_mut() {
            arrays.push(c.finish(&mut self.store)?);
        }
        self.rows = 0;
        self.bytes = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| Error::Arrow(e.to_string()))
    }
}

/// The buffers of the columns being built: each scalar column's (a leaf) and each record
/// column's validity, in wire order (depth first), so that a telegram decoded flat is
/// appended by position. They are vectors of their own rather than Arrow's builders so
/// that a row written in part can be taken back ([`Store::truncate`]).
#[derive(Debug, Default)]
struct Store {
    leaves: Vec<Leaf>,
    structs: Vec<NullBufferBuilder>,
}

impl Store {
    /// Makes room in every leaf for `rows` rows in all, each column's bytes judged from its
    /// bytes in the `now` rows so far.
    fn reserve_rows(&mut self, rows: usize, now: usize) {
        for l in &mut self.leaves {
            l.reserve_rows(rows, now);
        }
    }

    /// Takes back whatever was appended to the leaves after their first `rows` rows: the
    /// half-written row of a telegram that failed. Only for columns without lists (whose
    /// items have rows of their own).
    fn truncate(&mut self, rows: usize) {
        for l in &mut self.leaves {
            l.truncate(rows);
        }
    }
}

/// A column: where its values are in the [`Store`].
#[derive(Debug)]
enum Node {
    /// A scalar column, by its index in [`Store::leaves`].
    Leaf(usize),
    /// A record's column, its validity by its index in [`Store::structs`].
    Struct {
        fields: Fields,
        names: Vec<String>,
        kids: Vec<Node>,
        nulls: usize,
    },
    List {
        field: FieldRef,
        offsets: Vec<i32>,
        child: Box<Node>,
        nulls: NullBufferBuilder,
    },
}

impl Node {
    fn new(spec: &Column, store: &mut Store) -> Node {
        if spec.repeated {
            let element = Column {
                repeated: false,
                ..spec.clone()
            };
            return Node::List {
                field: Arc::new(spec.item_field()),
                offsets: vec![0],
                child: Box::new(Node::new(&element, store)),
                nulls: NullBufferBuilder::new(0),
            };
        }
        let leaf = match &spec.kind {
            Kind::Text => Leaf::Text(Strings::default()),
            Kind::Int => Leaf::Int(Prims::default()),
            Kind::Decimal(scale) => Leaf::Decimal(Prims::default(), *scale),
            Kind::Date => Leaf::Date(Prims::default()),
            Kind::Time => Leaf::Time(Prims::default()),
            Kind::DateTime => Leaf::DateTime(Prims::default()),
            Kind::Bytes => Leaf::Bytes(Binary::default()),
            Kind::Hidden(sens) => Leaf::Hidden(Strings::default(), *sens),
            Kind::Record(kids) => {
                let nulls = store.structs.len();
                store.structs.push(NullBufferBuilder::new(0));
                return Node::Struct {
                    fields: kids.iter().map(Column::field).collect(),
                    names: kids.iter().map(|k| k.name.clone()).collect(),
                    kids: kids.iter().map(|k| Node::new(k, store)).collect(),
                    nulls,
                };
            }
        };
        store.leaves.push(leaf);
        Node::Leaf(store.leaves.len() - 1)
    }

    fn is_list(&self) -> bool {
        match self {
            Node::Leaf(_) => false,
            Node::Struct { kids, .. } => kids.iter().any(Node::is_list),
            Node::List { .. } => true,
        }
    }

    /// Appends one value (`None` when the record lacks the field: a null).
    fn push(&mut self, store: &mut Store, v: Option<&Value<'_>>) -> Result<(), Error> {
        let v = match v {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        };
        match (self, v) {
            (Node::Leaf(i), v) => match store.leaves.get_mut(*i) {
                Some(leaf) => leaf.push(v)?,
                None => return Err(Error::Arrow("a column without its buffers".into())),
            },
            (
                Node::Struct {
                    names, kids, nulls, ..
                },
                Some(Value::Record(r)),
            ) => {
                push_record(names, kids, store, r)?;
                struct_nulls(store, *nulls)?.append_non_null();
            }
            (Node::Struct { kids, nulls, .. }, None) => {
                for c in kids {
                    c.push(store, None)?;
                }
                struct_nulls(store, *nulls)?.append_null();
            }
            (
                Node::List {
                    offsets,
                    child,
                    nulls,
                    ..
                },
                Some(Value::List(items)),
            ) => {
                for item in items {
                    child.push(store, Some(item))?;
                }
                let last = offsets.last().copied().unwrap_or(0);
                let next = i32::try_from(items.len())
                    .ok()
                    .and_then(|n| last.checked_add(n))
                    .ok_or_else(|| Error::Arrow("a list column outgrew 32-bit offsets".into()))?;
                offsets.push(next);
                nulls.append_non_null();
            }
            (Node::List { offsets, nulls, .. }, None) => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
                nulls.append_null();
            }
            (_, Some(v)) => return Err(wrong_kind(v)),
        }
        Ok(())
    }

    fn finish(&mut self, store: &mut Store) -> Result<ArrayRef, Error> {
        Ok(match self {
            Node::Leaf(i) => match store.leaves.get_mut(*i) {
                Some(leaf) => leaf.finish()?,
                None => return Err(Error::Arrow("a column without its buffers".into())),
            },
            Node::Struct {
                fields,
                kids,
                nulls,
                ..
            } => {
                let arrays = kids
                    .iter_mut()
                    .map(|k| k.finish(store))
                    .collect::<Result<Vec<_>, _>>()?;
                let nulls = struct_nulls(store, *nulls)?.finish();
                Arc::new(
                    StructArray::try_new(fields.clone(), arrays, nulls)
                        .map_err(|e| Error::Arrow(e.to_string()))?,
                )
            }
            Node::List {
                field,
                offsets,
                child,
                nulls,
            } => {
                let offsets = std::mem::replace(offsets, vec![0]);
                Arc::new(
                    ListArray::try_new(
                        field.clone(),
                        OffsetBuffer::new(ScalarBuffer::from(offsets)),
                        child.finish(store)?,
                        nulls.finish(),
                    )
                    .map_err(|e| Error::Arrow(e.to_string()))?,
                )
            }
        })
    }
}

fn struct_nulls(store: &mut Store, i: usize) -> Result<&mut NullBufferBuilder, Error> {
    store
        .structs
        .get_mut(i)
        .ok_or_else(|| Error::Arrow("a record column without its validity".into()))
}

fn wrong_kind(v: &Value<'_>) -> Error {
    Error::Arrow(format!(
        "a value of the wrong kind for its column: {}",
        v.type_name()
    ))
}

/// The values of a scalar column.
#[derive(Debug)]
enum Leaf {
    Text(Strings),
    Int(Prims<Int64Type>),
    Decimal(Prims<Decimal128Type>, u8),
    Date(Prims<Date32Type>),
    Time(Prims<Time64MicrosecondType>),
    DateTime(Prims<TimestampMicrosecondType>),
    Bytes(Binary),
    Hidden(Strings, Sensitivity),
}

impl Leaf {
    /// See [`Store::reserve_rows`]; room the allocator refuses is left out.
    fn reserve_rows(&mut self, rows: usize, now: usize) {
        let more = rows.saturating_sub(now);
        // The bytes of `more` rows at the rate of the `now` so far (rounded up).
        let bytes = |len: usize| len.div_ceil(now.max(1)).saturating_mul(more);
        let _ = match self {
            Leaf::Text(b) | Leaf::Hidden(b, _) => b
                .spans
                .offsets
                .try_reserve(more)
                .and_then(|()| b.data.try_reserve(bytes(b.data.len()))),
            Leaf::Bytes(b) => b
                .spans
                .offsets
                .try_reserve(more)
                .and_then(|()| b.data.try_reserve(bytes(b.data.len()))),
            Leaf::Int(b) => b.values.try_reserve(more),
            Leaf::Decimal(b, _) => b.values.try_reserve(more),
            Leaf::Date(b) => b.values.try_reserve(more),
            Leaf::Time(b) => b.values.try_reserve(more),
            Leaf::DateTime(b) => b.values.try_reserve(more),
        };
    }

    /// Appends one value (`None`: a null).
    fn push(&mut self, v: Option<&Value<'_>>) -> Result<(), Error> {
        match (self, v) {
            (Leaf::Text(b), Some(Value::Text(t))) => b.append(t)?,
            (Leaf::Int(b), Some(v)) => b.append(int(v)?),
            (Leaf::Decimal(b, scale), Some(v)) => b.append(mantissa(v, *scale)?),
            (Leaf::Date(b), Some(Value::Date(d))) => b.append(d.days_since_epoch()),
            (Leaf::Time(b), Some(Value::Time(t))) => b.append(t.micros_since_midnight()),
            (Leaf::DateTime(b), Some(Value::DateTime(dt))) => b.append(dt.micros_since_epoch()),
            (Leaf::Bytes(b), Some(Value::Bytes(x))) => b.append(x)?,
            // Text is written hidden straight into the column, with no string of its own.
            (Leaf::Hidden(b, sens), Some(Value::Text(t))) => b.append_redacted(*sens, t)?,
            (Leaf::Hidden(b, sens), Some(v)) => match v.to_text() {
                Some(text) => b.append_redacted(*sens, &text)?,
                None => {
                    return Err(Error::Arrow(format!(
                        "a {} in a hidden field's text column",
                        v.type_name()
                    )));
                }
            },
            (Leaf::Text(b) | Leaf::Hidden(b, _), None) => b.append_null(),
            (Leaf::Bytes(b), None) => b.append_null(),
            (Leaf::Int(b), None) => b.append_null(),
            (Leaf::Decimal(b, _), None) => b.append_null(),
            (Leaf::Date(b), None) => b.append_null(),
            (Leaf::Time(b), None) => b.append_null(),
            (Leaf::DateTime(b), None) => b.append_null(),
            (_, Some(v)) => return Err(wrong_kind(v)),
        }
        Ok(())
    }

    fn truncate(&mut self, rows: usize) {
        match self {
            Leaf::Text(b) | Leaf::Hidden(b, _) => b.truncate(rows),
            Leaf::Bytes(b) => b.truncate(rows),
            Leaf::Int(b) => b.truncate(rows),
            Leaf::Decimal(b, _) => b.truncate(rows),
            Leaf::Date(b) => b.truncate(rows),
            Leaf::Time(b) => b.truncate(rows),
            Leaf::DateTime(b) => b.truncate(rows),
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, Error> {
        let arrow = |e: arrow_schema::ArrowError| Error::Arrow(e.to_string());
        Ok(match self {
            Leaf::Text(b) | Leaf::Hidden(b, _) => {
                let (offsets, data, nulls) = b.take();
                // Checked in debug builds (the tests), so that they would see a broken
                // column; trusted in release builds, see `text_array`.
                if cfg!(debug_assertions) {
                    Arc::new(StringArray::try_new(offsets, data, nulls).map_err(arrow)?)
                } else {
                    Arc::new(text_array(offsets, data, nulls))
                }
            }
            Leaf::Bytes(b) => {
                let (offsets, data, nulls) = b.take();
                Arc::new(BinaryArray::try_new(offsets, data, nulls).map_err(arrow)?)
            }
            Leaf::Int(b) => Arc::new(b.take()),
            Leaf::Decimal(b, scale) => Arc::new(
                b.take()
                    .with_precision_and_scale(DECIMAL_PRECISION, *scale as i8)
                    .map_err(arrow)?,
            ),
            Leaf::Date(b) => Arc::new(b.take()),
            Leaf::Time(b) => Arc::new(b.take()),
            Leaf::DateTime(b) => Arc::new(b.take()),
        })
    }
}

/// The offset after a column's last value: its bytes so far, within the 2 GiB of Arrow's
/// 32-bit offsets.
#[inline]
fn offset(len: usize) -> Result<i32, Error> {
    i32::try_from(len)
        .map_err(|_| Error::Arrow("a text column outgrew 32-bit offsets (2 GiB a batch)".into()))
}

/// A text column's array from the buffers of [`Strings::take`], without checking them.
fn text_array(offsets: OffsetBuffer<i32>, data: Buffer, nulls: Option<NullBuffer>) -> StringArray {
    #[allow(unsafe_code)]
    // SAFETY: the buffers are those of a `Strings`: `data` was a `String` (valid UTF-8),
    // and each offset is the string's length after a whole `&str` (or text written through
    // `fmt::Write`) was appended, or the offset before it (a null), or a length the string
    // was truncated back to, which was such an offset: so the offsets start at 0, never
    // decrease, end within the bytes and fall on character boundaries, and there are as
    // many nulls as values. Checking it all again (`try_new`) cost about 4% of a decode to
    // Arrow, the UTF-8 check running over every byte of the batch.
    unsafe {
        StringArray::new_unchecked(offsets, data, nulls)
    }
}

/// The offsets of [`Spans::take`] as Arrow's buffer: checked in debug builds (the tests),
/// trusted in release builds.
fn offset_buffer(offsets: Vec<i32>) -> OffsetBuffer<i32> {
    let offsets = ScalarBuffer::from(offsets);
    if cfg!(debug_assertions) {
        return OffsetBuffer::new(offsets);
    }
    #[allow(unsafe_code)]
    // SAFETY: `Spans` makes the offsets so that they are what `OffsetBuffer::new` checks
    // (and panics without): never empty (a first 0, pushed again when taken), never
    // negative (lengths, by `offset`), never decreasing (each value's end is the column's
    // length after it was appended, or the last end again for a null, and `truncate`
    // takes back whole values only, the bytes with them). The check read every offset of
    // the batch again: in a decode to Arrow of 20,000 Hangul-heavy telegrams (the customer
    // bench message) after other work had left the caches cold, it cost 6-10% of the time.
    unsafe {
        OffsetBuffer::new_unchecked(offsets)
    }
}

/// Where the values of a text or bytes column end (after a first 0) and which are null:
/// what [`Strings`] and [`Binary`] share.
#[derive(Debug)]
struct Spans {
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
}

impl Default for Spans {
    fn default() -> Spans {
        Spans {
            offsets: vec![0],
            nulls: NullBufferBuilder::new(0),
        }
    }
}

impl Spans {
    /// Ends a value at `len` bytes of the column.
    #[inline(always)]
    fn end(&mut self, len: usize) -> Result<(), Error> {
        self.offsets.push(offset(len)?);
        self.nulls.append_non_null();
        Ok(())
    }

    fn null(&mut self) {
        // The last offset again: an empty value.
        let last = self.offsets.last().copied().unwrap_or(0);
        self.offsets.push(last);
        self.nulls.append_null();
    }

    /// Back to `rows` values; the length the bytes go back to, when there were more.
    fn truncate(&mut self, rows: usize) -> Option<usize> {
        if rows + 1 >= self.offsets.len() {
            return None;
        }
        self.offsets.truncate(rows + 1);
        self.nulls.truncate(rows);
        Some(usize::try_from(self.offsets.last().copied().unwrap_or(0)).unwrap_or(0))
    }

    /// The offsets and nulls so far; the spans start over, empty, with room for as many.
    fn take(&mut self) -> (OffsetBuffer<i32>, Option<NullBuffer>) {
        let rows = self.offsets.len();
        let offsets = std::mem::replace(&mut self.offsets, Vec::with_capacity(rows));
        self.offsets.push(0);
        (offset_buffer(offsets), self.nulls.finish())
    }
}

/// The values of a text column: their bytes one after the other, where each ends, and
/// which are null.
#[derive(Debug, Default)]
struct Strings {
    spans: Spans,
    data: String,
}

impl Strings {
    #[inline]
    fn append(&mut self, t: &str) -> Result<(), Error> {
        self.data.push_str(t);
        self.end_value()
    }

    /// Ends the value whose text was appended to `data`.
    #[inline(always)]
    fn end_value(&mut self) -> Result<(), Error> {
        self.spans.end(self.data.len())
    }

    /// Appends `t` as `sens` shows it, written straight into the column.
    fn append_redacted(&mut self, sens: Sensitivity, t: &str) -> Result<(), Error> {
        let start = self.data.len();
        if sens.write_redacted(t, &mut self.data).is_err() {
            self.data.truncate(start);
            return Err(Error::Arrow("a hidden value could not be written".into()));
        }
        self.end_value()
    }

    fn append_null(&mut self) {
        self.spans.null();
    }

    fn truncate(&mut self, rows: usize) {
        if let Some(end) = self.spans.truncate(rows) {
            self.data.truncate(end);
        }
    }

    /// The buffers of the values so far; the column starts over, empty, with room for as
    /// many.
    fn take(&mut self) -> (OffsetBuffer<i32>, Buffer, Option<NullBuffer>) {
        let bytes = self.data.len();
        let data = std::mem::replace(&mut self.data, String::with_capacity(bytes));
        let (offsets, nulls) = self.spans.take();
        (offsets, Buffer::from_vec(data.into_bytes()), nulls)
    }
}

/// The values of a bytes column, as [`Strings`].
#[derive(Debug, Default)]
struct Binary {
    spans: Spans,
    data: Vec<u8>,
}

impl Binary {
    fn append(&mut self, x: &[u8]) -> Result<(), Error> {
        self.data.extend_from_slice(x);
        self.spans.end(self.data.len())
    }

    fn append_null(&mut self) {
        self.spans.null();
    }

    fn truncate(&mut self, rows: usize) {
        if let Some(end) = self.spans.truncate(rows) {
            self.data.truncate(end);
        }
    }

    fn take(&mut self) -> (OffsetBuffer<i32>, Buffer, Option<NullBuffer>) {
        let bytes = self.data.len();
        let data = std::mem::replace(&mut self.data, Vec::with_capacity(bytes));
        let (offsets, nulls) = self.spans.take();
        (offsets, Buffer::from_vec(data), nulls)
    }
}

/// The values of a column of fixed-width values (numbers, dates, times).
#[derive(Debug)]
struct Prims<T: ArrowPrimitiveType> {
    values: Vec<T::Native>,
    nulls: NullBufferBuilder,
}

impl<T: ArrowPrimitiveType> Default for Prims<T> {
    fn default() -> Prims<T> {
        Prims {
            values: Vec::new(),
            nulls: NullBufferBuilder::new(0),
        }
    }
}

impl<T: ArrowPrimitiveType> Prims<T> {
    #[inline]
    fn append(&mut self, v: T::Native) {
        self.values.push(v);
        self.nulls.append_non_null();
    }

    fn append_null(&mut self) {
        self.values.push(T::Native::default());
        self.nulls.append_null();
    }

    fn truncate(&mut self, rows: usize) {
        if rows < self.values.len() {
            self.values.truncate(rows);
            self.nulls.truncate(rows);
        }
    }

    /// The values so far as an array; the column starts over, empty, with room for as
    /// many.
    fn take(&mut self) -> PrimitiveArray<T> {
        let rows = self.values.len();
        let values = std::mem::replace(&mut self.values, Vec::with_capacity(rows));
        PrimitiveArray::new(ScalarBuffer::from(values), self.nulls.finish())
    }
}

/// Takes a telegram's values from a flat decode ([`MessageInfo::decode_to`]) and appends
/// each to the next leaf column; the first thing it cannot append is kept as its error.
struct RowSink<'s> {
    leaves: &'s mut [Leaf],
    /// The next leaf.
    at: usize,
    /// Korean text for a column that is not plain text (a hidden one), decoded here first.
    scratch: &'s mut String,
    err: Option<Error>,
}

impl RowSink<'_> {
    /// The next leaf, `None` past the last.
    #[inline(always)]
    fn next(&mut self) -> Option<&mut Leaf> {
        let at = self.at;
        self.at += 1;
        self.leaves.get_mut(at)
    }

    #[cold]
    #[inline(never)]
    fn fail(&mut self, e: Error) {
        self.err.get_or_insert(e);
    }

    /// Appends `v` to the next leaf the general way.
    #[inline(never)]
    fn push(&mut self, v: &Value<'_>) {
        let r = match self.next() {
            Some(leaf) => leaf.push(match v {
                Value::Null => None,
                v => Some(v),
            }),
            None => Err(too_many()),
        };
        if let Err(e) = r {
            self.fail(e);
        }
    }
}

#[cold]
fn too_many() -> Error {
    Error::Arrow("a telegram with more values than its message has columns".into())
}

impl<'a> FlatSink<'a> for RowSink<'_> {
    #[inline]
    fn text(&mut self, text: &'a str) {
        let r = match self.leaves.get_mut(self.at) {
            Some(Leaf::Text(b)) => b.append(text),
            Some(Leaf::Hidden(b, sens)) => b.append_redacted(*sens, text),
            _ => return self.push(&Value::Text(text.into())),
        };
        self.at += 1;
        if let Err(e) = r {
            self.fail(e);
        }
    }

    // Always: left to the compiler, it was not inlined into the decode's loop of fields,
    // and a decode to Arrow cost 3% more instructions.
    #[inline(always)]
    fn korean_text(&mut self, text: fep_core::KoreanText<'a>) -> bool {
        if let Some(Leaf::Text(b)) = self.leaves.get_mut(self.at) {
            // Straight into the column's bytes (left as they were when it fails).
            if !text.decode_into(&mut b.data) {
                return false;
            }
            let r = b.end_value();
            self.at += 1;
            if let Err(e) = r {
                self.fail(e);
            }
            return true;
        }
        let mut scratch = std::mem::take(self.scratch);
        scratch.clear();
        let ok = text.decode_into(&mut scratch);
        if ok {
            self.push(&Value::Text(scratch.as_str().into()));
        }
        *self.scratch = scratch;
        ok
    }

    #[inline]
    fn int(&mut self, v: i64) {
        match self.leaves.get_mut(self.at) {
            Some(Leaf::Int(b)) => {
                b.append(v);
                self.at += 1;
            }
            _ => self.push(&Value::Int(v)),
        }
    }

    #[inline]
    fn decimal(&mut self, m: i128, scale: u8) {
        match self.leaves.get_mut(self.at) {
            Some(Leaf::Decimal(b, s)) if *s == scale => {
                b.append(m);
                self.at += 1;
            }
            _ => self.push(&Value::Decimal(Decimal::new(m, scale))),
        }
    }

    #[inline]
    fn date(&mut self, d: fep_core::Date) {
        match self.leaves.get_mut(self.at) {
            Some(Leaf::Date(b)) => {
                b.append(d.days_since_epoch());
                self.at += 1;
            }
            _ => self.push(&Value::Date(d)),
        }
    }

    #[inline]
    fn time(&mut self, t: fep_core::Time) {
        match self.leaves.get_mut(self.at) {
            Some(Leaf::Time(b)) => {
                b.append(t.micros_since_midnight());
                self.at += 1;
            }
            _ => self.push(&Value::Time(t)),
        }
    }

    #[inline]
    fn value(&mut self, v: Value<'a>) {
        self.push(&v);
    }
}

/// Appends a record's fields to the columns of its group. The record has the group's shape
/// (its fields in the same order), so fields are matched by position and checked by name.
fn push_record(
    names: &[String],
    cols: &mut [Node],
    store: &mut Store,
    r: &Record<'_>,
) -> Result<(), Error> {
    let mut it = r.iter();
    for (name, col) in names.iter().zip(cols) {
        let v = match it.next() {
            Some((n, v)) if n == name => Some(v),
            _ => r.get(name),
        };
        col.push(store, v)?;
    }
    Ok(())
}

fn int(v: &Value<'_>) -> Result<i64, Error> {
    v.as_i64()
        .ok_or_else(|| Error::Arrow(format!("{} in an integer column", v.type_name())))
}

/// A number as the mantissa of a decimal column of `scale`, exactly.
fn mantissa(v: &Value<'_>, scale: u8) -> Result<i128, Error> {
    let d = match v {
        Value::Int(i) => Decimal::new(i128::from(*i), 0),
        Value::UInt(u) => Decimal::new(i128::from(*u), 0),
        Value::Decimal(d) => *d,
        other => {
            return Err(Error::Arrow(format!(
                "{} in a decimal column",
                other.type_name()
            )));
        }
    };
    d.rescale(scale).ok_or_else(|| {
        Error::Arrow(format!(
            "{d} does not fit a decimal column of scale {scale} (38 digits) exactly"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_rescaled() {
        let d = Value::Decimal(fep_core::Decimal::new(125, 1));
        assert_eq!(mantissa(&d, 3).ok(), Some(12_500));
        assert_eq!(mantissa(&Value::Int(7), 2).ok(), Some(700));
        assert!(mantissa(&d, 0).is_err());
    }

    /// The bytes a text column has room for.
    fn text_room(b: &BatchBuilder, leaf: usize) -> usize {
        match &b.store.leaves[leaf] {
            Leaf::Text(s) | Leaf::Hidden(s, _) => s.data.capacity(),
            _ => panic!("leaf {leaf} is not text"),
        }
    }

    #[test]
    fn a_size_hint_makes_room_once_and_changes_no_value() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let schema =
            fep_core::Schema::load(root.join("layouts/securities.layout")).expect("layout");
        let framed =
            std::fs::read(root.join("layouts/securities/customer-register.bin")).expect("sample");
        let telegram = &framed[4..];
        let target = Target::one(&schema, "customer", crate::Masking::Reveal).expect("target");
        let info = schema.dispatch(telegram).expect("dispatches");
        let rows = 1_000;
        let mut plain = BatchBuilder::new(&target);
        let mut hinted = BatchBuilder::new(&target);
        hinted.size_hint((telegram.len() * rows) as u64, usize::MAX, 1 << 20);
        let name = (0..hinted.store.leaves.len())
            .find(|&l| matches!(hinted.store.leaves[l], Leaf::Text(_)))
            .expect("a text column");
        let mut at_sample = 0;
        for i in 0..rows {
            for b in [&mut plain, &mut hinted] {
                b.push_telegram(&info, telegram)
                    .expect("takes it")
                    .expect("decodes");
            }
            if i + 1 == HINT_SAMPLE {
                // The room for every row, made at once: the text's bytes per row so far
                // times the rows the hint makes.
                let per_row = hinted.store.leaves.iter().find_map(|l| match l {
                    Leaf::Text(s) => Some(s.data.len().div_ceil(HINT_SAMPLE)),
                    _ => None,
                });
                assert!(
                    text_room(&hinted, name) >= per_row.expect("text") * rows,
                    "room {} after {HINT_SAMPLE} rows",
                    text_room(&hinted, name)
                );
                assert!(text_room(&plain, name) < text_room(&hinted, name));
                at_sample = text_room(&hinted, name);
            }
        }
        // No growth after the sample: the room made was enough.
        assert_eq!(text_room(&hinted, name), at_sample);
        assert_eq!(
            plain.finish().expect("batch"),
            hinted.finish().expect("batch")
        );
        // A hint far beyond the rows that come is only room: the same batch.
        let mut wide = BatchBuilder::new(&target);
        wide.size_hint(u64::MAX, usize::MAX, 2_000);
        for _ in 0..300 {
            wide.push_telegram(&info, telegram)
                .expect("takes it")
                .expect("decodes");
        }
        let mut few = BatchBuilder::new(&target);
        for _ in 0..300 {
            few.push_telegram(&info, telegram)
                .expect("takes it")
                .expect("decodes");
        }
        assert_eq!(wide.finish().expect("batch"), few.finish().expect("batch"));
    }
}
