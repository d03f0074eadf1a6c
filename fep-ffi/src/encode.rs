//! Encoding JSON to a telegram: into the caller's buffer, or into a `fep_buffer`.
//!
//! The JSON is the message form that decoding produces (`{"message": NAME, "fields":
//! {...}}`), or, with a message name given, the object of fields alone.

use std::ffi::c_char;

use fep_core::{Message, Record, Schema};

use crate::boundary::{boundary, opt_str_arg, out_arg, out_buf, text_bytes_arg};
use crate::buffer::{fep_buffer, into_handle};
use crate::error::{Ctx, FfiError, fep_error, fep_result};
use crate::schema::{fep_schema, schema_arg};

fn encode_json(schema: &Schema, message: Option<&str>, json: &[u8]) -> Result<Vec<u8>, FfiError> {
    let telegram = match message {
        Some(name) => {
            let fields: Record<'static> =
                serde_json::from_slice(json).map_err(|e| FfiError::json(&e))?;
            schema.encode_record(name, &fields)
        }
        None => {
            let m: Message<'static> =
                serde_json::from_slice(json).map_err(|e| FfiError::json(&e))?;
            schema.encode(&m)
        }
    };
    telegram.map_err(|e| FfiError::core(&e, Ctx::Encode))
}

/// Encodes JSON into a telegram (without its frame), written to the caller's buffer.
///
/// With `message` NULL, `json` is a whole message as decoding writes it,
/// `{"message":"transfer","fields":{...}}`, and its `"message"` names the message. With
/// `message` given (`message_len` bytes, or NUL-terminated with `FEP_NUL_TERMINATED`),
/// `json` is the object of fields alone. `json` is `json_len` bytes of UTF-8 (or
/// NUL-terminated). Absent fields get their constant, default or blank; decimals are
/// strings or integers, never floats.
///
/// On success the telegram is written to `buf` and `*out_len` receives its length. When
/// `buf_len` is too small (pass NULL and 0 to ask), the call fails with
/// `FEP_RESULT_INSUFFICIENT_SIZE`, `*out_len` receives the size needed and `buf` is left
/// as is. `fep_schema_encode_json_alloc` does the same into a library-owned buffer.
///
/// Fails with `FEP_RESULT_JSON` (malformed JSON; line and column in the error),
/// `FEP_RESULT_UNKNOWN_MESSAGE`, `FEP_RESULT_UNKNOWN_FIELD` or `FEP_RESULT_ENCODING` (a value
/// that does not fit its field; message and field path in the error).
///
/// # Safety
/// Every pointer is NULL or valid as described; `message` and `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_schema_encode_json(
    schema: *const fep_schema,
    message: *const c_char,
    message_len: usize,
    json: *const c_char,
    json_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live schema, valid strings and writable slots, or
        // NULL (each checked; `message` may be NULL).
        let (schema, message, json, out) = unsafe {
            (
                schema_arg(schema)?,
                opt_str_arg(message, message_len, "message")?,
                text_bytes_arg(json, json_len, "json")?,
                out_buf(buf, buf_len, out_len, "buf")?,
            )
        };
        out.put_bytes(&encode_json(schema, message, json)?)
    })
}

/// As `fep_schema_encode_json`, into a new buffer: on success `*out_telegram` receives a
/// buffer that the caller frees with `fep_buffer_free`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `message` and `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_schema_encode_json_alloc(
    schema: *const fep_schema,
    message: *const c_char,
    message_len: usize,
    json: *const c_char,
    json_len: usize,
    out_telegram: *mut *mut fep_buffer,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live schema, valid strings and a writable slot, or
        // NULL (each checked; `message` may be NULL).
        let (schema, message, json, out) = unsafe {
            (
                schema_arg(schema)?,
                opt_str_arg(message, message_len, "message")?,
                text_bytes_arg(json, json_len, "json")?,
                out_arg(out_telegram, "out_telegram")?,
            )
        };
        out.put(into_handle(encode_json(schema, message, json)?));
        Ok(())
    })
}
