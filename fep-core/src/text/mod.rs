//! Text for a person at a terminal: how many cells a string takes, and tables whose
//! columns line up, Hangul (two cells wide) included.
//!
//! One width rule serves everything that lines text up: the explain table, the command
//! line's tables and its caret under a layout error, Python's `explain`. Two rules would
//! disagree on some character and one of the tables would come out ragged.

mod table;
mod width;

pub use table::{Align, Row, Table, Tone};
pub use width::{char_width, cut, display_width};
