//! The layout language: `parse` turns text into a syntax tree, `compile` turns the tree
//! into a [`Schema`](crate::Schema). See `docs/layout-language.md` for the language.

pub(crate) mod ast;
pub(crate) mod compile;
pub(crate) mod parse;

pub use compile::{MAX_DEPTH, MAX_FIELDS, MAX_LAYOUT_BYTES, MAX_REPEAT, MAX_TABLE_TEXT, MAX_WIDTH};
