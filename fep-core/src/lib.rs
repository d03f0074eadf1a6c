//! # fep-core
//!
//! Fixed-length financial telegrams (전문) to structured values and back, exactly.
//!
//! A *layout* file describes every telegram one counterpart exchanges: the encoding,
//! the framing, reusable records (a common header) and the messages with the conditions
//! that select them. See `docs/layout-language.md` for the language.
//!
//! The primary types:
//!
//! - [`Schema`]: a compiled layout. Build it once ([`Schema::load`], [`Schema::parse`]),
//!   share it between threads, and call [`Schema::decode`] / [`Schema::encode`].
//! - [`Message`]: a decoded telegram, its name and a [`Record`] of [`Value`]s.
//!   It serializes to JSON (`{"message": ..., "fields": {...}}`) with serde, exactly, and
//!   prints with `mask`/`secret` fields hidden ([`Message::redacted`]).
//! - [`Framer`]: cuts telegrams out of a byte stream (length prefixes, lines) and frames
//!   telegrams for sending; [`MessageReader`] / [`TelegramReader`] read capture files of
//!   any size in constant memory, [`MessageWriter`] writes.
//! - [`MessageView`] and [`FieldRef`]: typed access to single fields without decoding the
//!   rest, for a service that routes on three fields ([`Schema::view`], [`Schema::field`]);
//!   [`Schema::key`] for the correlation key.
//! - [`Schema::decode_into`]: the fast path, reusing the previous message's buffers;
//!   [`Schema::decode_as`] / [`Schema::encode_from`]: your own serde types.
//! - [`Schema::explain`]: a telegram field by field, for a person with a hex dump;
//!   [`Explanation::to_text`] draws it as a table, columns lined up by the one width rule
//!   of [`text::display_width`].
//! - [`Schema::diff`]: two messages compared field by field ([`MessageDiff`]), with
//!   paths, offsets in each telegram and both values, sensitive ones hidden when shown.
//! - [`Error`]: one small error type with a [`Category`], a [`ErrorKind`] and a
//!   [`Position`]: file:line:col for layouts; message, field path and byte offset for data.
//!
//! ```
//! use fep_core::{Schema, Value};
//!
//! let schema = Schema::parse(r#"
//! encoding euc-kr
//! message transfer 24 {
//!   msg_code  X(4)  = "2000"        "전문구분코드"
//!   amount    9(12)                 "금액"
//!   name      X(8)                  "예금주명"
//! }
//! "#)?;
//!
//! let telegram = b"2000000000010000\xC8\xAB\xB1\xE6\xB5\xBF  ";
//! let msg = schema.decode(telegram)?;
//! assert_eq!(msg.get("amount"), Some(&Value::Int(10000)));
//! assert_eq!(msg.get("name").and_then(Value::as_str), Some("홍길동"));
//!
//! let json = serde_json::to_string(&msg).unwrap();
//! assert_eq!(json, r#"{"message":"transfer","fields":{"msg_code":"2000","amount":10000,"name":"홍길동"}}"#);
//!
//! // And back, byte for byte.
//! let again: fep_core::Message = serde_json::from_str(&json).unwrap();
//! assert_eq!(schema.encode(&again)?, telegram);
//! # Ok::<(), fep_core::Error>(())
//! ```
#![deny(missing_docs)]

#[cfg(feature = "capture")]
pub mod capture;
mod checks;
mod codec;
mod correlate;
mod decode;
mod diff;
mod encode;
mod error;
mod explain;
mod framer;
mod framing;
pub mod hexdump;
mod layout;
mod path;
mod plan;
mod rejects;
mod schema;
mod sink;
mod stream;
pub mod text;
mod typed;
mod value;
mod view;
mod walk;

#[cfg(test)]
mod proptests;

pub use checks::BatchChecker;
pub use codec::text::TextEncoding;
pub use correlate::{Correlator, Expired, Key, Matched, Rejected, UNMATCHED_KEPT, Unmatched};
pub use diff::{Change, FieldDiff, MessageDiff};
pub use error::{
    Category, DataPosition, Error, ErrorKind, LayoutPosition, MAX_RELATED, Position, Result,
    TextPosition, ValuePosition, did_you_mean,
};
pub use explain::render::ExplainText;
pub use explain::{ExplainedField, Explanation};
#[cfg(feature = "tokio")]
pub use framer::FepCodec;
pub use framer::{DEFAULT_MAX_FRAME, Frame, Framer};
pub use framing::{Framing, LineEnding};
pub use layout::{
    MAX_CHECKS, MAX_DEPTH, MAX_FIELDS, MAX_LAYOUT_BYTES, MAX_REPEAT, MAX_TABLE_TEXT, MAX_WIDTH,
};
pub use path::{FieldPath, PathSegment, Segments};
pub use rejects::{BoxedRejectWriter, REJECTS_INDEX_HEADER, RejectWriter, rejects_index_path};
pub use schema::Schema;
pub use schema::dispatch::MAX_MESSAGES;
pub use schema::info::{FieldInfo, MessageInfo, RepeatInfo, ValueKind};
pub use schema::table::MAX_COUNTS;
pub use sink::{FlatSink, KoreanText};
pub use stream::{Decoded, MessageReader, MessageWriter, TelegramReader, TelegramRef};
pub use value::ParseDecimalError;
pub use value::envelope::{Envelope, EnvelopeError};
pub use value::redact::Redacted;
pub use value::{Date, DateTime, Decimal, Message, Record, RecordShape, Sensitivity, Time, Value};
pub use view::{FieldRef, MessageView};
