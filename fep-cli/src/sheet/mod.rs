//! Spec sheets (전문 레이아웃 정의서): layouts from spreadsheets and back.
//!
//! Everything here but `read` and `write` works on cells as text and can be tested
//! without files: `grid` holds a sheet's cells, `columns` recognises header rows,
//! `tables` finds the spec tables and the settings above them, `types` turns the type
//! spellings of Korean specs into layout types, `import` reads each row into fields with
//! every doubt, `text` writes them as layout text, `export` draws a schema as spec
//! tables. `read` fills grids from .xlsx, .xls, .ods and .csv; `write` writes tables as
//! .xlsx, .csv, Markdown and HTML.

pub mod columns;
pub mod export;
pub mod grid;
pub mod import;
pub mod read;
pub mod tables;
pub mod text;
pub mod types;
pub mod write;
