//! The compiled layout: [`Schema`], which holds the flat field table (`table.rs`), the
//! dispatch table (`dispatch.rs`) and each message's flat plan (`plan.rs`, above the table).
//! Introspection for people and bindings is in `info.rs`.
//!
//! Compiling (in `layout/`) resolves records, computes every offset and width once and
//! builds all of this; nothing here parses layout text or looks a field up by name while a
//! telegram is decoded. The walks that use a schema (decode, encode, view, explain) are
//! `impl Schema` blocks in their own files above this one.

use std::ops::Deref;
use std::sync::Arc;

use crate::codec::text::TextEncoding;
use crate::framing::Framing;
use crate::plan::Plan;

pub(crate) mod checks;
pub(crate) mod dispatch;
pub(crate) mod info;
pub(crate) mod table;
#[cfg(test)]
mod tests;

use self::dispatch::Dispatch;
use self::table::Table;

/// A compiled layout: immutable, `Send + Sync`, cheap to clone (an `Arc`).
///
/// Build one with [`Schema::parse`] or [`Schema::load`], keep it for the life of the
/// process, and share it between threads.
///
/// # Example
/// ```
/// let schema = fep_core::Schema::parse(r#"
/// encoding ascii
/// message ping 10 {
///   kind   X(4) = "PING"
///   seq    9(6)          "일련번호"
/// }
/// "#)?;
/// let msg = schema.decode(b"PING000042")?;
/// assert_eq!(msg.name(), "ping");
/// assert_eq!(msg.get("seq").and_then(|v| v.as_i64()), Some(42));
/// assert_eq!(schema.encode(&msg)?, b"PING000042");
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Schema {
    pub(crate) inner: Arc<SchemaInner>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema")
            .field("source", &self.inner.source)
            .field("encoding", &self.inner.encoding)
            .field("framing", &self.inner.framing)
            .field(
                "messages",
                &self
                    .inner
                    .messages
                    .iter()
                    .map(|m| &*m.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What a [`Schema`] shares between its clones: the field table (which it derefs to, so
/// that `s.fields` reads as before), and what is built over it.
#[derive(Debug)]
pub(crate) struct SchemaInner {
    pub source: Option<Arc<str>>,
    pub framing: Framing,
    pub table: Table,
    /// The flat plan of each message (by index), for those of fixed length without repeats.
    pub plans: Box<[Option<Plan>]>,
    pub dispatch: Dispatch,
    pub key_paths: Vec<Box<str>>,
    /// The `check` statements, in the order written.
    pub checks: Vec<checks::CheckDef>,
}

impl Deref for SchemaInner {
    type Target = Table;
    #[inline]
    fn deref(&self) -> &Table {
        &self.table
    }
}

impl Schema {
    /// The layout's text encoding.
    pub fn encoding(&self) -> TextEncoding {
        self.inner.encoding
    }

    /// The layout's framing.
    pub fn framing(&self) -> Framing {
        self.inner.framing
    }

    /// The layout's `check` statements, as written after `check`
    /// (`file_trailer.total_count = count(data_record)`).
    pub fn checks(&self) -> impl Iterator<Item = &str> {
        self.inner.checks.iter().map(|c| &*c.text)
    }

    /// The `key` directive's paths.
    pub fn key_paths(&self) -> impl Iterator<Item = &str> {
        self.inner.key_paths.iter().map(|p| &**p)
    }
}
