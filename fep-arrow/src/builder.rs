//! Arrow columns filled telegram by telegram: [`BatchBuilder`].

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, Date32Builder, Decimal128Builder, Int64Builder, StringBuilder,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_buffer::{NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, FieldRef, Fields, SchemaRef};
use fep_core::{Decimal, Message, MessageInfo, Record, Sensitivity, Value};

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
    cols: Vec<Col>,
    message: StringBuilder,
    /// A capture's columns (`ts`, `src`, `dst`, `direction`), when asked for.
    #[cfg(feature = "capture")]
    capture: Option<crate::capture::CaptureColumns>,
    rows: usize,
    bytes: usize,
    /// The flat values of the telegram being pushed by [`BatchBuilder::push_telegram`]:
    /// empty between telegrams, kept for its allocation.
    scratch: Vec<Value<'static>>,
}

impl BatchBuilder {
    /// An empty builder for the target's columns.
    pub fn new(target: &Target) -> BatchBuilder {
        let columns = target.columns();
        BatchBuilder {
            schema: target.schema(),
            mixed: matches!(target, Target::Mixed { .. }),
            names: columns.iter().map(|c| c.name.clone()).collect(),
            cols: columns.iter().map(Col::new).collect(),
            message: StringBuilder::new(),
            #[cfg(feature = "capture")]
            capture: None,
            rows: 0,
            bytes: 0,
            scratch: Vec::new(),
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
                col.push(msg.fields().get(name))?;
            }
        } else {
            push_record(&self.names, &mut self.cols, msg.fields())?;
        }
        self.rows += 1;
        self.bytes += len;
        Ok(())
    }

    /// Decodes a telegram of message `info` (the target's) straight into the columns, with
    /// no [`Message`] between: the fast path for a message without repeats (see
    /// [`MessageInfo::decode_values`]). `None` when it does not take the message (it has
    /// repeats, or the read mixes messages): decode the telegram and [`BatchBuilder::push`]
    /// it. The row, the values, their types and masking, and the errors are those of
    /// decode and push; a telegram that does not decode (`Error::Core`, without its
    /// offset in the stream) leaves the columns as they were.
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
        if self.mixed {
            return None;
        }
        let mut values = recycle(std::mem::take(&mut self.scratch));
        let out = match info.decode_values(telegram, &mut values) {
            None => None,
            Some(Err(e)) => Some(Err(Error::Core(e))),
            Some(Ok(())) => {
                #[cfg(feature = "capture")]
                if let Some(c) = &mut self.capture {
                    c.push(whence);
                }
                let mut it = values.iter();
                let pushed = self
                    .cols
                    .iter_mut()
                    .try_for_each(|c| c.push_flat(&mut it))
                    .and_then(|()| match it.next() {
                        None => Ok(()),
                        Some(_) => Err(Error::Arrow(
                            "a telegram with more values than its message has columns".into(),
                        )),
                    });
                self.rows += 1;
                self.bytes += telegram.len();
                Some(pushed)
            }
        };
        self.scratch = recycle(values);
        out
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
            col.push(None)?;
        }
        self.rows += 1;
        self.bytes += len;
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
            arrays.push(c.finish()?);
        }
        self.rows = 0;
        self.bytes = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| Error::Arrow(e.to_string()))
    }
}

/// A column being built.
#[derive(Debug)]
enum Col {
    Text(StringBuilder),
    Int(Int64Builder),
    Decimal(Decimal128Builder, u8),
    Date(Date32Builder),
    Time(Time64MicrosecondBuilder),
    DateTime(TimestampMicrosecondBuilder),
    Bytes(BinaryBuilder),
    Hidden(StringBuilder, Sensitivity),
    Struct {
        fields: Fields,
        names: Vec<String>,
        cols: Vec<Col>,
        nulls: NullBufferBuilder,
    },
    List {
        field: FieldRef,
        offsets: Vec<i32>,
        child: Box<Col>,
        nulls: NullBufferBuilder,
    },
}

impl Col {
    fn new(spec: &Column) -> Col {
        if spec.repeated {
            let element = Column {
                repeated: false,
                ..spec.clone()
            };
            return Col::List {
                field: Arc::new(spec.item_field()),
                offsets: vec![0],
                child: Box::new(Col::new(&element)),
                nulls: NullBufferBuilder::new(0),
            };
        }
        match &spec.kind {
            Kind::Text => Col::Text(StringBuilder::new()),
            Kind::Int => Col::Int(Int64Builder::new()),
            Kind::Decimal(scale) => Col::Decimal(
                Decimal128Builder::new()
                    .with_data_type(DataType::Decimal128(DECIMAL_PRECISION, *scale as i8)),
                *scale,
            ),
            Kind::Date => Col::Date(Date32Builder::new()),
            Kind::Time => Col::Time(Time64MicrosecondBuilder::new()),
            Kind::DateTime => Col::DateTime(TimestampMicrosecondBuilder::new()),
            Kind::Bytes => Col::Bytes(BinaryBuilder::new()),
            Kind::Hidden(sens) => Col::Hidden(StringBuilder::new(), *sens),
            Kind::Record(kids) => Col::Struct {
                fields: kids.iter().map(Column::field).collect(),
                names: kids.iter().map(|k| k.name.clone()).collect(),
                cols: kids.iter().map(Col::new).collect(),
                nulls: NullBufferBuilder::new(0),
            },
        }
    }

    /// Appends one value (`None` when the record lacks the field: a null).
    fn push(&mut self, v: Option<&Value<'_>>) -> Result<(), Error> {
        let v = match v {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        };
        match (self, v) {
            (Col::Text(b), Some(Value::Text(t))) => b.append_value(t),
            (Col::Text(b), None) => b.append_null(),
            (Col::Int(b), Some(v)) => b.append_value(int(v)?),
            (Col::Int(b), None) => b.append_null(),
            (Col::Decimal(b, scale), Some(v)) => b.append_value(mantissa(v, *scale)?),
            (Col::Decimal(b, _), None) => b.append_null(),
            (Col::Date(b), Some(Value::Date(d))) => b.append_value(d.days_since_epoch()),
            (Col::Date(b), None) => b.append_null(),
            (Col::Time(b), Some(Value::Time(t))) => b.append_value(t.micros_since_midnight()),
            (Col::Time(b), None) => b.append_null(),
            (Col::DateTime(b), Some(Value::DateTime(dt))) => {
                b.append_value(dt.micros_since_epoch())
            }
            (Col::DateTime(b), None) => b.append_null(),
            (Col::Bytes(b), Some(Value::Bytes(x))) => b.append_value(x),
            (Col::Bytes(b), None) => b.append_null(),
            // Text is written hidden straight into the column, with no string of its own.
            (Col::Hidden(b, sens), Some(Value::Text(t))) => {
                sens.write_redacted(t, b)
                    .map_err(|_| Error::Arrow("a hidden value could not be written".into()))?;
                b.append_value("");
            }
            (Col::Hidden(b, sens), Some(v)) => match v.to_text() {
                Some(text) => b.append_value(sens.redact(&text)),
                None => {
                    return Err(Error::Arrow(format!(
                        "a {} in a hidden field's text column",
                        v.type_name()
                    )));
                }
            },
            (Col::Hidden(b, _), None) => b.append_null(),
            (
                Col::Struct {
                    names, cols, nulls, ..
                },
                Some(Value::Record(r)),
            ) => {
                push_record(names, cols, r)?;
                nulls.append_non_null();
            }
            (Col::Struct { cols, nulls, .. }, None) => {
                for c in cols {
                    c.push(None)?;
                }
                nulls.append_null();
            }
            (
                Col::List {
                    offsets,
                    child,
                    nulls,
                    ..
                },
                Some(Value::List(items)),
            ) => {
                for item in items {
                    child.push(Some(item))?;
                }
                let last = offsets.last().copied().unwrap_or(0);
                let next = i32::try_from(items.len())
                    .ok()
                    .and_then(|n| last.checked_add(n))
                    .ok_or_else(|| Error::Arrow("a list column outgrew 32-bit offsets".into()))?;
                offsets.push(next);
                nulls.append_non_null();
            }
            (Col::List { offsets, nulls, .. }, None) => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
                nulls.append_null();
            }
            (_, Some(v)) => {
                return Err(Error::Arrow(format!(
                    "a value of the wrong kind for its column: {}",
                    v.type_name()
                )));
            }
        }
        Ok(())
    }

    /// Appends the next values of a telegram decoded flat (see
    /// [`MessageInfo::decode_values`]): one for a scalar column, one for each field of a
    /// record's.
    fn push_flat(&mut self, it: &mut std::slice::Iter<'_, Value<'_>>) -> Result<(), Error> {
        match self {
            Col::Struct { cols, nulls, .. } => {
                for c in cols {
                    c.push_flat(it)?;
                }
                nulls.append_non_null();
                Ok(())
            }
            Col::List { .. } => Err(Error::Arrow(
                "a list column for a message decoded without repeats".into(),
            )),
            _ => match it.next() {
                // The commonest pairs here, the rest (nulls included) by `push`.
                Some(v) => match (self, v) {
                    (Col::Text(b), Value::Text(t)) => {
                        b.append_value(t);
                        Ok(())
                    }
                    (Col::Int(b), Value::Int(i)) => {
                        b.append_value(*i);
                        Ok(())
                    }
                    (col, v) => col.push(Some(v)),
                },
                None => Err(Error::Arrow(
                    "a telegram with fewer values than its message has columns".into(),
                )),
            },
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, Error> {
        Ok(match self {
            Col::Text(b) | Col::Hidden(b, _) => Arc::new(b.finish()),
            Col::Int(b) => Arc::new(b.finish()),
            Col::Decimal(b, _) => Arc::new(b.finish()),
            Col::Date(b) => Arc::new(b.finish()),
            Col::Time(b) => Arc::new(b.finish()),
            Col::DateTime(b) => Arc::new(b.finish()),
            Col::Bytes(b) => Arc::new(b.finish()),
            Col::Struct {
                fields,
                cols,
                nulls,
                ..
            } => {
                let arrays = cols
                    .iter_mut()
                    .map(Col::finish)
                    .collect::<Result<Vec<_>, _>>()?;
                Arc::new(
                    StructArray::try_new(fields.clone(), arrays, nulls.finish())
                        .map_err(|e| Error::Arrow(e.to_string()))?,
                )
            }
            Col::List {
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
                        child.finish()?,
                        nulls.finish(),
                    )
                    .map_err(|e| Error::Arrow(e.to_string()))?,
                )
            }
        })
    }
}

/// Appends a record's fields to the columns of its group. The record has the group's shape
/// (its fields in the same order), so fields are matched by position and checked by name.
fn push_record(names: &[String], cols: &mut [Col], r: &Record<'_>) -> Result<(), Error> {
    let mut it = r.iter();
    for (name, col) in names.iter().zip(cols) {
        let v = match it.next() {
            Some((n, v)) if n == name => Some(v),
            _ => r.get(name),
        };
        col.push(v)?;
    }
    Ok(())
}

/// An empty vector of values of any lifetime, in the allocation of `v`: the values of a
/// telegram borrow from that telegram, and the vector is kept from one telegram to the next
/// (collecting an empty vector into one of the same element type, but for the lifetime,
/// reuses its allocation; the closure never runs).
fn recycle<'b>(mut v: Vec<Value<'_>>) -> Vec<Value<'b>> {
    v.clear();
    v.into_iter().map(|_| Value::Null).collect()
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
}
