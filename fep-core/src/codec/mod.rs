//! Field codecs: text in its encoding, numbers, dates and times. Each turns one field's
//! bytes into a value and back, exactly.

pub(crate) mod number;
pub(crate) mod temporal;
pub(crate) mod text;
