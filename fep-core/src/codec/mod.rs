//! Field codecs. `text`, `number` and `temporal` are the byte formats of one scalar (text in
//! its encoding, numbers, dates and times); `field` puts them together for one field of the
//! table, its decode and its encode side by side. Each turns one field's bytes into a value
//! and back, exactly; none knows of records, messages or schemas.

pub(crate) mod field;
pub(crate) mod number;
pub(crate) mod temporal;
pub(crate) mod text;
