//! The layout language: `parse` turns text into a syntax tree, `compile` turns the tree
//! into a [`Schema`](crate::Schema). See `docs/layout-language.md` for the language.

pub(crate) mod ast;
pub(crate) mod attrs;
pub(crate) mod compile;
pub(crate) mod parse;
pub(crate) mod source;

pub use source::{
    MAX_CHECKS, MAX_DEPTH, MAX_FIELDS, MAX_LAYOUT_BYTES, MAX_REPEAT, MAX_TABLE_TEXT, MAX_WIDTH,
};

use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::schema::Schema;

impl Schema {
    /// Compiles a layout from its text.
    ///
    /// # Example
    /// ```
    /// let e = fep_core::Schema::parse("message m {\n  f Q(3)\n}\n").unwrap_err();
    /// assert_eq!(e.line_column(), Some((2, 5)));
    /// ```
    pub fn parse(text: &str) -> Result<Schema> {
        compile::compile(text, None)
    }

    /// Compiles a layout from its text, naming it `name` in error messages.
    pub fn parse_named(name: &str, text: &str) -> Result<Schema> {
        compile::compile(text, Some(Arc::from(name)))
    }

    /// Reads and compiles a layout file. Errors name the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Schema> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|e| {
            Error::from(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        })?;
        source::check_size(text.len())?;
        let name: Arc<str> = Arc::from(path.display().to_string());
        let text = match String::from_utf8(text) {
            Ok(t) => t,
            Err(e) => {
                // A layout error at the first bad byte, with its line and column.
                let good = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let before = String::from_utf8_lossy(&bytes[..good]).into_owned();
                return Err(source::not_utf8(&before, name));
            }
        };
        compile::compile(&text, Some(name))
    }
}
