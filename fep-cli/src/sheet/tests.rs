//! Unit tests of the import without files.
