//! From a layout to an Arrow schema: one [`Column`] per field, in wire order, filler left
//! out; a [`Target`] is the columns of one read (one message, or what all have alike).

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema as ArrowSchema, SchemaRef, TimeUnit};
use fep_core::{FieldInfo, MessageInfo, Schema, Sensitivity, ValueKind};

use crate::error::Error;

/// Decimal columns take the widest precision: a precision is only an upper bound, and one
/// width for every decimal column keeps a layout change from changing the file's types.
pub const DECIMAL_PRECISION: u8 = 38;

/// The column naming each row's message when a read mixes messages.
pub const MESSAGE_COLUMN: &str = "message";

/// Whether `mask` and `secret` fields keep their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Masking {
    /// Real values, typed like any field (`decode_arrow`, Spark).
    #[default]
    Reveal,
    /// The text `fep decode` shows (`*********4005`, `****`) in a `utf8` column, whatever the
    /// field's type: what leaves the process for files and people.
    Hide,
}

/// What one column holds, from the field table.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) repeated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Text,
    Int,
    Decimal(u8),
    Date,
    Time,
    DateTime,
    Bytes,
    /// A hidden `mask`/`secret` value: its text, redacted.
    Hidden(Sensitivity),
    Record(Vec<Column>),
}

impl Column {
    /// The field's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn element_type(&self) -> DataType {
        match &self.kind {
            Kind::Text | Kind::Hidden(_) => DataType::Utf8,
            Kind::Int => DataType::Int64,
            Kind::Decimal(scale) => DataType::Decimal128(DECIMAL_PRECISION, *scale as i8),
            Kind::Date => DataType::Date32,
            Kind::Time => DataType::Time64(TimeUnit::Microsecond),
            Kind::DateTime => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::Bytes => DataType::Binary,
            Kind::Record(kids) => DataType::Struct(kids.iter().map(Column::field).collect()),
        }
    }

    /// The column's Arrow type.
    pub fn data_type(&self) -> DataType {
        if self.repeated {
            DataType::List(Arc::new(self.item_field()))
        } else {
            self.element_type()
        }
    }

    pub(crate) fn item_field(&self) -> Field {
        Field::new("item", self.element_type(), true)
    }

    /// The column as a nullable Arrow field.
    pub fn field(&self) -> Field {
        Field::new(&self.name, self.data_type(), true)
    }

    /// The columns of a message: its fields in wire order, filler left out.
    pub fn of_message(info: &MessageInfo<'_>, masking: Masking) -> Result<Vec<Column>, Error> {
        let fields: Vec<FieldInfo<'_>> = info.fields().collect();
        let mut i = 0;
        let mut out = Vec::new();
        build(&fields, &mut i, 0, Sensitivity::Plain, masking, &mut out)?;
        if let Some(f) = fields.get(i) {
            return Err(Error::Arrow(format!(
                "unexpected nesting at field {} of message {}",
                f.path(),
                info.name()
            )));
        }
        Ok(out)
    }

    /// The columns that every message has alike (same name, same type), in the first
    /// message's order: what a capture that mixes messages has in common, such as the header.
    pub fn common(all: &[Vec<Column>]) -> Vec<Column> {
        let Some((first, rest)) = all.split_first() else {
            return Vec::new();
        };
        first
            .iter()
            // The `message` column is added in front; a field of that name would clash with it.
            .filter(|s| s.name != MESSAGE_COLUMN)
            .filter(|s| rest.iter().all(|m| m.iter().any(|t| t == *s)))
            .cloned()
            .collect()
    }
}

fn build(
    fields: &[FieldInfo<'_>],
    i: &mut usize,
    depth: usize,
    outer: Sensitivity,
    masking: Masking,
    out: &mut Vec<Column>,
) -> Result<(), Error> {
    while let Some(f) = fields.get(*i) {
        if f.depth() != depth {
            break;
        }
        *i += 1;
        // A marked record hides every field inside it.
        let sens = match outer {
            Sensitivity::Plain => f.sensitivity(),
            s => s,
        };
        let hidden = masking == Masking::Hide && sens != Sensitivity::Plain;
        let kind = match f.value_kind() {
            ValueKind::Record => {
                let mut kids = Vec::new();
                build(fields, i, depth + 1, sens, masking, &mut kids)?;
                Kind::Record(kids)
            }
            _ if hidden => Kind::Hidden(sens),
            ValueKind::Text => Kind::Text,
            ValueKind::Integer => Kind::Int,
            ValueKind::Decimal => Kind::Decimal(f.scale().unwrap_or(0)),
            ValueKind::Date => Kind::Date,
            ValueKind::Time => Kind::Time,
            ValueKind::DateTime => Kind::DateTime,
            ValueKind::Bytes => Kind::Bytes,
            other => {
                return Err(Error::Arrow(format!(
                    "field {}: no Arrow type for {other:?}",
                    f.path()
                )));
            }
        };
        if f.is_filler() {
            continue;
        }
        out.push(Column {
            name: f.name().to_owned(),
            kind,
            repeated: f.is_repeated(),
        });
    }
    Ok(())
}

/// What to decode: one message's columns, or the columns common to all with a `message`
/// column in front.
#[derive(Debug, Clone)]
pub enum Target {
    /// The telegrams of one message (others are passed over), all its fields.
    One {
        /// The message.
        name: String,
        /// Its columns.
        columns: Vec<Column>,
    },
    /// Every telegram, a `message` column and the fields that every message has alike.
    Mixed {
        /// The common columns.
        columns: Vec<Column>,
    },
}

impl Target {
    /// With `message`, that message; without, the layout's only message, or all of them
    /// mixed when it has several.
    pub fn new(schema: &Schema, message: Option<&str>, masking: Masking) -> Result<Target, Error> {
        if let Some(name) = message {
            return Target::one(schema, name, masking);
        }
        let all: Vec<_> = schema.messages().collect();
        if let [only] = all.as_slice() {
            return Ok(Target::One {
                name: only.name().to_owned(),
                columns: Column::of_message(only, masking)?,
            });
        }
        let each = all
            .iter()
            .map(|m| Column::of_message(m, masking))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Target::Mixed {
            columns: Column::common(&each),
        })
    }

    /// The telegrams of message `name`.
    pub fn one(schema: &Schema, name: &str, masking: Masking) -> Result<Target, Error> {
        let Some(info) = schema.message(name) else {
            let names: Vec<&str> = schema.messages().map(|m| m.name()).collect();
            return Err(Error::Arrow(format!(
                "unknown message \"{name}\"; the layout has {}",
                names.join(", ")
            )));
        };
        Ok(Target::One {
            name: name.to_owned(),
            columns: Column::of_message(&info, masking)?,
        })
    }

    /// The field columns (the `message` column of a mixed read is not among them).
    pub fn columns(&self) -> &[Column] {
        match self {
            Target::One { columns, .. } | Target::Mixed { columns } => columns,
        }
    }

    /// The Arrow schema of the read: `message` first when mixed, then the fields.
    pub fn schema(&self) -> SchemaRef {
        let mut fields: Vec<Field> = Vec::new();
        if matches!(self, Target::Mixed { .. }) {
            fields.push(Field::new(MESSAGE_COLUMN, DataType::Utf8, false));
        }
        fields.extend(self.columns().iter().map(Column::field));
        Arc::new(ArrowSchema::new(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: &str = "encoding ascii\nmessage m {\n a X(2)\n _ X(1)\n n 9(3)\n r 9(3)V9(2)\n acct 9(6) mask\n items[n, max=3] {\n  d 9(8) date\n  t 9(4) time(\"hhmm\")\n }\n}\n";

    fn types(masking: Masking) -> Vec<String> {
        let schema = fep_core::Schema::parse(LAYOUT).expect("compiles");
        let info = schema.message("m").expect("has m");
        Column::of_message(&info, masking)
            .expect("columns")
            .iter()
            .map(|s| format!("{}: {}", s.name, s.data_type()))
            .collect()
    }

    #[test]
    fn columns_of_a_layout() {
        assert_eq!(
            types(Masking::Reveal),
            [
                "a: Utf8",
                "n: Int64",
                "r: Decimal128(38, 2)",
                "acct: Int64",
                "items: List(Struct(\"d\": Date32, \"t\": Time64(µs)))",
            ]
        );
    }

    #[test]
    fn hidden_fields_are_text() {
        assert_eq!(types(Masking::Hide)[3], "acct: Utf8");
    }
}
