//! Telegrams as Arrow record batches, typed from the layout: the one mapping from a layout
//! to an Arrow schema, used by the Python package's `decode_arrow`, by Parquet output
//! (`fep convert --to parquet`, feature `parquet`) and by the Spark data source.
//!
//! The columns come from the schema's field table (`FieldInfo::value_kind`, `scale`,
//! `is_repeated`, `sensitivity`), not from the values seen, so that every capture of one
//! layout gives the same Arrow schema, an empty one included:
//!
//! | field | Arrow |
//! |---|---|
//! | text (`X`, `G`, ...) | `utf8` |
//! | integer (`9(n)`, n <= 18) | `int64` |
//! | decimal (a scale, or more than 18 digits) | `decimal128(38, scale)` |
//! | date / time / datetime | `date32` / `time64[us]` / `timestamp[us]` |
//! | `B(n)` | `binary` |
//! | record or group | `struct` |
//! | repeat | `list` of the above |
//! | `mask` / `secret`, when hidden ([`Masking::Hide`]) | `utf8`, as `fep decode` shows it |
//!
//! Every column is nullable: a blank number, date or time is null.
//!
//! ```
//! let schema = fep_core::Schema::parse("encoding ascii\nmessage m {\n a X(2)\n n 9(3)\n}\n")?;
//! let target = fep_arrow::Target::new(&schema, None, fep_arrow::Masking::Reveal)?;
//! let input: &[u8] = b"ab001cd002";
//! let batches = fep_arrow::decode(&schema, &target, input, fep_arrow::Limits::default())?;
//! assert_eq!(batches[0].num_rows(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod builder;
#[cfg(feature = "capture")]
pub mod capture;
pub mod columns;
pub mod decode;
pub mod error;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod range;

pub use builder::BatchBuilder;
pub use columns::{Column, MESSAGE_COLUMN, Masking, Target};
pub use decode::{Limits, decode};
pub use error::Error;
