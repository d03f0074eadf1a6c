//! # fep-ffi
//!
//! The C ABI of fep: `libfep.so` / `libfep.a` and the header `include/fep.h`, which cbindgen
//! generates from this crate. Each function converts its arguments, calls `fep-core` and
//! maps the error; no telegram logic lives here.
//!
//! The handles, and when to use each:
//!
//! - `fep_schema`: a compiled layout (`fep_schema_load`, `fep_schema_parse`). Build it once
//!   and share it between threads.
//! - `fep_message`: a telegram with its message known. `fep_schema_decode` checks every
//!   field at once; `fep_schema_view` only chooses the message, for reading a few fields of
//!   a long telegram. Read fields by path (`fep_message_get_*`) or through a `fep_field`
//!   resolved once (`fep_message_field_*`); the whole message with `fep_message_to_json`.
//! - `fep_framer`: cuts telegrams out of a byte stream and frames telegrams for sending.
//! - `fep_correlator`: matches responses to their pending requests by the layout's
//!   correlation key, giving back each request's `uint64_t` token; thread-safe.
//! - `fep_checker`: runs the layout's `check` statements (batch files: trailer counts and
//!   totals, sequence numbers) over the records of a file, one at a time.
//! - `fep_buffer`: bytes the library allocated for the caller (JSON, telegrams).
//! - `fep_error`: why a call failed, with the field path and byte offset.
//!
//! Conventions (after rustls-ffi; see `docs/c-api.md`): fallible functions return a
//! [`fep_result`]; outputs are written only on success; every buffer is followed by its
//! length; every pointer is checked for NULL; every body runs inside a panic boundary.
//!
//! ```c
//! const fep_schema *schema = NULL;
//! fep_error *err = NULL;
//! if (fep_schema_load("bank.layout", FEP_NUL_TERMINATED, &schema, &err) != FEP_RESULT_OK) {
//!     fprintf(stderr, "%s\n", fep_error_message(err));
//!     fep_error_free(err);
//! }
//! ```
#![deny(missing_docs)]
// The C names are the ABI: `fep_schema`, `fep_result`, ...
#![allow(non_camel_case_types)]
// This crate is the one place where fep meets raw pointers; every `unsafe` block says why it
// is sound in a `// SAFETY:` comment.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

// The modules in the order the header lists their items (cbindgen keeps source order):
// schemas and fields, messages, encoding, framing, correlation, batch checks, buffers, errors.
mod schema;

mod message;

mod encode;

mod framer;

mod correlator;

mod checker;

mod buffer;

mod error;

mod boundary;

#[cfg(test)]
mod tests;

use std::ffi::c_char;

pub use buffer::{fep_buffer, fep_buffer_data, fep_buffer_free, fep_buffer_len};
pub use checker::{
    fep_checker, fep_checker_finish, fep_checker_free, fep_checker_new, fep_checker_next_failure,
    fep_checker_record, fep_checker_unreadable,
};
pub use correlator::{
    fep_correlator, fep_correlator_cancel, fep_correlator_complete, fep_correlator_drain,
    fep_correlator_expire, fep_correlator_free, fep_correlator_insert, fep_correlator_len,
    fep_correlator_new,
};
pub use encode::{fep_schema_encode_json, fep_schema_encode_json_alloc};
pub use error::{
    fep_category, fep_error, fep_error_category, fep_error_code, fep_error_column, fep_error_free,
    fep_error_length, fep_error_line, fep_error_message, fep_error_message_name, fep_error_offset,
    fep_error_path, fep_result, fep_result_name,
};
pub use framer::{
    FEP_LINE_ENDING_CRLF, FEP_LINE_ENDING_LF, fep_framer, fep_framer_buffered, fep_framer_feed,
    fep_framer_finish, fep_framer_frame, fep_framer_frame_alloc, fep_framer_free, fep_framer_new,
    fep_framer_next, fep_framer_set_line_ending, fep_framer_set_max_length,
};
pub use message::{
    FEP_JSON_PRETTY, FEP_JSON_REDACTED, fep_message, fep_message_field_decimal,
    fep_message_field_int, fep_message_field_is_null, fep_message_field_raw, fep_message_field_str,
    fep_message_free, fep_message_get_decimal, fep_message_get_int, fep_message_get_is_null,
    fep_message_get_raw, fep_message_get_str, fep_message_name, fep_message_to_json,
    fep_schema_decode, fep_schema_view,
};
pub use schema::{
    fep_field, fep_field_free, fep_field_path, fep_schema, fep_schema_field, fep_schema_free,
    fep_schema_key, fep_schema_load, fep_schema_parse,
};

/// A string length that means "up to the terminating NUL": pass it as the `_len` of a
/// string argument to give a C string instead of counting its bytes.
pub const FEP_NUL_TERMINATED: usize = -1isize as usize;

/// The library's version, such as `"0.1.0"`, NUL-terminated. Static: never freed, never
/// NULL.
#[unsafe(no_mangle)]
pub extern "C" fn fep_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
