//! `fep_message`: a telegram with its message known. Made by `fep_schema_decode` (every
//! field checked) or `fep_schema_view` (only the message chosen; fields checked as they are
//! read). Fields are read by path or through a `fep_field`, as text, integer, exact decimal,
//! raw bytes or null; the whole message as JSON.
//!
//! The handle owns a copy of the telegram, so the caller's bytes may go away. Single fields
//! are read through the core's zero-copy view of that copy; the decoded message (for JSON)
//! is kept once made.

use std::borrow::Cow;
use std::ffi::{CString, c_char};
use std::sync::{Arc, OnceLock};

use fep_core::{FieldRef, Message, MessageView, Schema};

use crate::boundary::{Out, boundary, bytes_arg, guard, out_arg, out_buf, str_arg};
use crate::buffer::{fep_buffer, into_handle};
use crate::error::{Ctx, FfiError, fep_error, fep_result};
use crate::schema::{FieldHandle, fep_field, fep_schema, field_arg, schema_arc};

/// JSON flag: hide `mask` fields but their last 4 characters and `secret` fields whole, as
/// logs and people should see them. Without it the JSON holds the real values (and encodes
/// back to the same telegram).
pub const FEP_JSON_REDACTED: u32 = 1;

/// JSON flag: indent the JSON over several lines (as the bundled samples' `.json` files).
pub const FEP_JSON_PRETTY: u32 = 2;

/// A telegram with its message known: decoded (`fep_schema_decode`) or viewed
/// (`fep_schema_view`).
///
/// Freed with `fep_message_free`. It owns a copy of the telegram and a reference to its
/// schema. Immutable as far as the caller can tell: any number of threads may read one
/// message at once.
#[derive(Debug)]
pub struct fep_message {
    _private: [u8; 0],
}

/// What a `fep_message *` points to.
#[derive(Debug)]
pub(crate) struct MessageHandle {
    schema: Arc<Schema>,
    telegram: Box<[u8]>,
    name: CString,
    /// The whole message, decoded: at once by `fep_schema_decode`, on the first request for
    /// JSON after `fep_schema_view`.
    decoded: OnceLock<Message<'static>>,
}

impl MessageHandle {
    fn view(&self) -> Result<MessageView<'_, '_>, FfiError> {
        self.schema
            .view(&self.telegram)
            .map_err(|e| FfiError::core(&e, Ctx::Decode))
    }

    pub(crate) fn decoded(&self) -> Result<&Message<'static>, FfiError> {
        if let Some(m) = self.decoded.get() {
            return Ok(m);
        }
        let m = self
            .schema
            .decode(&self.telegram)
            .map_err(|e| FfiError::core(&e, Ctx::Decode))?
            .into_owned();
        Ok(self.decoded.get_or_init(|| m))
    }

    fn name(&self) -> &str {
        self.name.to_str().unwrap_or_default()
    }
}

/// # Safety
/// `message` is NULL or a live message handle.
pub(crate) unsafe fn message_arg<'a>(
    message: *const fep_message,
) -> Result<&'a MessageHandle, FfiError> {
    // SAFETY: a non-NULL `fep_message *` comes from `Box::into_raw(Box<MessageHandle>)` and
    // is live per this function's contract.
    unsafe { message.cast::<MessageHandle>().as_ref() }.ok_or_else(|| FfiError::null("message"))
}

fn new_message(
    schema: Arc<Schema>,
    telegram: &[u8],
    full: bool,
) -> Result<*const fep_message, FfiError> {
    let (name, decoded) = if full {
        let m = schema
            .decode(telegram)
            .map_err(|e| FfiError::core(&e, Ctx::Decode))?
            .into_owned();
        (m.name().to_owned(), OnceLock::from(m))
    } else {
        let v = schema
            .view(telegram)
            .map_err(|e| FfiError::core(&e, Ctx::Decode))?;
        (v.message_name().to_owned(), OnceLock::new())
    };
    let handle = MessageHandle {
        schema,
        telegram: telegram.into(),
        name: CString::new(name).unwrap_or_default(),
        decoded,
    };
    Ok(Box::into_raw(Box::new(handle)).cast())
}

/// Decodes a telegram (without its frame): chooses the message by the layout's `when`
/// conditions and checks every field.
///
/// The telegram is copied; the caller's bytes may be reused at once. On success
/// `*out_message` receives a new message that the caller frees with `fep_message_free`.
/// Fails with `FEP_RESULT_DATA` when no message matches or a field is wrong; the error
/// names the message, the field path and the byte offset.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_schema_decode(
    schema: *const fep_schema,
    telegram: *const u8,
    telegram_len: usize,
    out_message: *mut *const fep_message,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live schema or NULL (checked).
        let schema = unsafe { schema_arc(schema) }?;
        // SAFETY: the caller passes a readable buffer or NULL (checked).
        let telegram = unsafe { bytes_arg(telegram, telegram_len, "telegram") }?;
        // SAFETY: the caller passes a writable slot or NULL (checked).
        let out = unsafe { out_arg(out_message, "out_message") }?;
        out.put(new_message(schema, telegram, true)?);
        Ok(())
    })
}

/// Views a telegram (without its frame): chooses the message and checks the telegram's
/// length, nothing more. Fields are checked as they are read, so a router that reads three
/// fields of a long telegram pays for three; `fep_message_to_json` decodes the rest then.
///
/// The telegram is copied. On success `*out_message` receives a new message that the
/// caller frees with `fep_message_free`. Fails with `FEP_RESULT_DATA` when no message
/// matches or the length is wrong.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_schema_view(
    schema: *const fep_schema,
    telegram: *const u8,
    telegram_len: usize,
    out_message: *mut *const fep_message,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live schema or NULL (checked).
        let schema = unsafe { schema_arc(schema) }?;
        // SAFETY: the caller passes a readable buffer or NULL (checked).
        let telegram = unsafe { bytes_arg(telegram, telegram_len, "telegram") }?;
        // SAFETY: the caller passes a writable slot or NULL (checked).
        let out = unsafe { out_arg(out_message, "out_message") }?;
        out.put(new_message(schema, telegram, false)?);
        Ok(())
    })
}

/// The message's name in the layout (`transfer`), NUL-terminated; valid until
/// `fep_message_free`. An empty string (never NULL) for a NULL message.
///
/// # Safety
/// `message` is NULL or a message from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_name(message: *const fep_message) -> *const c_char {
    guard(c"".as_ptr(), || {
        // SAFETY: per this function's contract.
        unsafe { message_arg(message) }.map_or(c"".as_ptr(), |m| m.name.as_ptr())
    })
}

/// The whole message as JSON (UTF-8): `{"message":"transfer","fields":{...}}`, with exact
/// numbers (decimals as strings), ISO dates and times, and raw bytes in hex.
///
/// `flags` is 0 or a combination of `FEP_JSON_REDACTED` and `FEP_JSON_PRETTY`. On success
/// `*out_json` receives a new buffer (NUL-terminated) that the caller frees with
/// `fep_buffer_free`. For a viewed message this decodes every field and may fail with
/// `FEP_RESULT_DATA`; unknown flags give `FEP_RESULT_INVALID_PARAMETER`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_to_json(
    message: *const fep_message,
    flags: u32,
    out_json: *mut *mut fep_buffer,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live message or NULL (checked).
        let message = unsafe { message_arg(message) }?;
        // SAFETY: the caller passes a writable slot or NULL (checked).
        let out = unsafe { out_arg(out_json, "out_json") }?;
        if flags & !(FEP_JSON_REDACTED | FEP_JSON_PRETTY) != 0 {
            return Err(FfiError::invalid(format!("unknown JSON flags {flags:#x}")));
        }
        let m = message.decoded()?;
        let pretty = flags & FEP_JSON_PRETTY != 0;
        let json = match (flags & FEP_JSON_REDACTED != 0, pretty) {
            (false, false) => serde_json::to_vec(m),
            (false, true) => serde_json::to_vec_pretty(m),
            (true, false) => serde_json::to_vec(&m.redacted()),
            (true, true) => serde_json::to_vec_pretty(&m.redacted()),
        }
        .map_err(|e| FfiError::json(&e))?;
        out.put(into_handle(json));
        Ok(())
    })
}

/// Frees a message. NULL is a no-op.
///
/// # Safety
/// `message` is NULL or a message from this library, freed exactly once, and no other
/// thread is using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_free(message: *const fep_message) {
    guard((), || {
        if !message.is_null() {
            // SAFETY: a non-NULL `fep_message *` comes from
            // `Box::into_raw(Box<MessageHandle>)` and is freed once per this function's
            // contract.
            drop(unsafe { Box::from_raw(message.cast::<MessageHandle>().cast_mut()) });
        }
    })
}

// ------------------------------------------------------------------ reading fields

/// A field argument: a path to resolve now, or a handle resolved before.
enum FieldArg<'a> {
    Path(&'a str),
    Handle(&'a FieldHandle),
}

impl FieldArg<'_> {
    fn path(&self) -> &str {
        match self {
            FieldArg::Path(p) => p,
            FieldArg::Handle(h) => h.field.path(),
        }
    }
}

/// # Safety
/// `path` is NULL or a valid string of `path_len` bytes (or NUL-terminated).
unsafe fn path_field<'a>(path: *const c_char, path_len: usize) -> Result<FieldArg<'a>, FfiError> {
    // SAFETY: per this function's contract.
    unsafe { str_arg(path, path_len, "path") }.map(FieldArg::Path)
}

/// # Safety
/// `field` is NULL or a live field handle.
unsafe fn handle_field<'a>(field: *const fep_field) -> Result<FieldArg<'a>, FfiError> {
    // SAFETY: per this function's contract.
    unsafe { field_arg(field) }.map(FieldArg::Handle)
}

/// Reads one field of a message through the core's view.
fn read<'m, T>(
    message: &'m MessageHandle,
    field: &FieldArg<'_>,
    get: impl FnOnce(&MessageView<'m, 'm>, &FieldRef) -> fep_core::Result<T>,
) -> Result<T, FfiError> {
    let resolved: Cow<'_, FieldRef> = match field {
        FieldArg::Path(p) => Cow::Owned(
            message
                .schema
                .field(p)
                .map_err(|e| FfiError::core(&e, Ctx::Read))?,
        ),
        FieldArg::Handle(h) => {
            if !Arc::ptr_eq(&h.schema, &message.schema) {
                return Err(FfiError::invalid(format!(
                    "the field \"{}\" was resolved against another schema than the message's",
                    h.field.path()
                )));
            }
            Cow::Borrowed(&h.field)
        }
    };
    let view = message.view()?;
    get(&view, &resolved).map_err(|e| FfiError::core(&e, Ctx::Read))
}

/// The error for a blank field read as a value, with the field's place in the telegram.
fn null_value(message: &MessageHandle, field: &FieldArg<'_>) -> FfiError {
    // The raw bytes are a slice of the handle's telegram: their place in it is exact.
    let (offset, length) = read(message, field, |v, f| v.raw(f)).map_or((0, 0), |raw| {
        (
            raw.as_ptr() as usize - message.telegram.as_ptr() as usize,
            raw.len(),
        )
    });
    FfiError::null_value(message.name(), field.path(), offset, length)
}

fn get_str(
    message: &MessageHandle,
    field: &FieldArg<'_>,
    out: crate::boundary::OutBuf,
) -> Result<(), FfiError> {
    // A view reads single fields only: a scalar, whose text is the JSON's without quotes.
    let value = read(message, field, |v, f| v.value(f))?;
    match value.to_text() {
        Some(text) => out.put_text(&text),
        None => Err(null_value(message, field)),
    }
}

fn get_int(message: &MessageHandle, field: &FieldArg<'_>, out: Out<i64>) -> Result<(), FfiError> {
    match read(message, field, |v, f| v.int(f))? {
        Some(i) => {
            out.put(i);
            Ok(())
        }
        None => Err(null_value(message, field)),
    }
}

fn get_decimal(
    message: &MessageHandle,
    field: &FieldArg<'_>,
    out: crate::boundary::OutBuf,
) -> Result<(), FfiError> {
    match read(message, field, |v, f| v.decimal(f))? {
        Some(d) => out.put_text(&d.to_string()),
        None => Err(null_value(message, field)),
    }
}

fn get_raw(
    message: &MessageHandle,
    field: &FieldArg<'_>,
    out_ptr: Out<*const u8>,
    out_len: Out<usize>,
) -> Result<(), FfiError> {
    let raw = read(message, field, |v, f| v.raw(f))?;
    out_ptr.put(raw.as_ptr());
    out_len.put(raw.len());
    Ok(())
}

fn is_null(message: &MessageHandle, field: &FieldArg<'_>, out: Out<bool>) -> Result<(), FfiError> {
    let value = read(message, field, |v, f| v.value(f))?;
    out.put(value.is_null());
    Ok(())
}

/// Reads a field as UTF-8 text, by path (`amount`, `header.seq_no`, `items[2].amount`).
///
/// Text fields give their text without the pad; numbers their exact decimal text; dates
/// and times their ISO form (`2024-03-15`, `09:30:15`); raw bytes their hex: the text the
/// JSON shows. `mask` and `secret` fields give their real value (this is programmatic
/// access). The text is written to `buf` with a terminating NUL and `*out_len` receives its
/// length without the NUL. When `buf_len` is too small (pass NULL and 0 to ask), the call
/// fails with `FEP_RESULT_INSUFFICIENT_SIZE` and `*out_len` receives the size needed, NUL
/// included.
///
/// Fails with `FEP_RESULT_UNKNOWN_FIELD` (no such field in this message),
/// `FEP_RESULT_NULL_VALUE` (a blank number or date) or `FEP_RESULT_DATA` (the field's bytes
/// are wrong). Resolving the path costs a lookup per call; for a hot loop resolve it once
/// with `fep_schema_field` and use `fep_message_field_str`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_get_str(
    message: *const fep_message,
    path: *const c_char,
    path_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles, valid strings and writable slots, or NULL
        // (each checked).
        let (m, f, out) = unsafe {
            (
                message_arg(message)?,
                path_field(path, path_len)?,
                out_buf(buf.cast(), buf_len, out_len, "buf")?,
            )
        };
        get_str(m, &f, out)
    })
}

/// As `fep_message_get_str`, through a field resolved with `fep_schema_field` (of the same
/// schema as the message, else `FEP_RESULT_INVALID_PARAMETER`).
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_field_str(
    message: *const fep_message,
    field: *const fep_field,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles and writable slots, or NULL (each checked).
        let (m, f, out) = unsafe {
            (
                message_arg(message)?,
                handle_field(field)?,
                out_buf(buf.cast(), buf_len, out_len, "buf")?,
            )
        };
        get_str(m, &f, out)
    })
}

/// Reads an integer field (up to 18 digits, no scale) by path into `*out_value`.
///
/// Fails with `FEP_RESULT_NULL_VALUE` when the field is blank, `FEP_RESULT_WRONG_TYPE` when
/// it is not an integer that fits `int64_t` (use `fep_message_get_decimal`),
/// `FEP_RESULT_UNKNOWN_FIELD` or `FEP_RESULT_DATA`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_get_int(
    message: *const fep_message,
    path: *const c_char,
    path_len: usize,
    out_value: *mut i64,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles, valid strings and writable slots, or NULL
        // (each checked).
        let (m, f, out) = unsafe {
            (
                message_arg(message)?,
                path_field(path, path_len)?,
                out_arg(out_value, "out_value")?,
            )
        };
        get_int(m, &f, out)
    })
}

/// As `fep_message_get_int`, through a field resolved with `fep_schema_field`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_field_int(
    message: *const fep_message,
    field: *const fep_field,
    out_value: *mut i64,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles and writable slots, or NULL (each checked).
        let (m, f, out) = unsafe {
            (
                message_arg(message)?,
                handle_field(field)?,
                out_arg(out_value, "out_value")?,
            )
        };
        get_int(m, &f, out)
    })
}

/// Reads a numeric field by path as exact decimal text: `-35000`, `12500.750` (the field's
/// scale, never a float). Written to `buf` as `fep_message_get_str` does.
///
/// Fails with `FEP_RESULT_NULL_VALUE` when the field is blank, `FEP_RESULT_WRONG_TYPE` when
/// it is not numeric, `FEP_RESULT_UNKNOWN_FIELD`, `FEP_RESULT_DATA` or
/// `FEP_RESULT_INSUFFICIENT_SIZE`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_get_decimal(
    message: *const fep_message,
    path: *const c_char,
    path_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles, valid strings and writable slots, or NULL
        // (each checked).
        let (m, f, out) = unsafe {
            (
                message_arg(message)?,
                path_field(path, path_len)?,
                out_buf(buf.cast(), buf_len, out_len, "buf")?,
            )
        };
        get_decimal(m, &f, out)
    })
}

/// As `fep_message_get_decimal`, through a field resolved with `fep_schema_field`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_field_decimal(
    message: *const fep_message,
    field: *const fep_field,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles and writable slots, or NULL (each checked).
        let (m, f, out) = unsafe {
            (
                message_arg(message)?,
                handle_field(field)?,
                out_buf(buf.cast(), buf_len, out_len, "buf")?,
            )
        };
        get_decimal(m, &f, out)
    })
}

/// Reads a field's raw bytes by path, as they stand in the telegram (pad and all, in the
/// layout's encoding). `*out_bytes` points into the message's copy of the telegram and is
/// valid until `fep_message_free`; `*out_len` receives the length. Not NUL-terminated.
///
/// Fails with `FEP_RESULT_UNKNOWN_FIELD` or `FEP_RESULT_DATA`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_get_raw(
    message: *const fep_message,
    path: *const c_char,
    path_len: usize,
    out_bytes: *mut *const u8,
    out_len: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles, valid strings and writable slots, or NULL
        // (each checked).
        let (m, f, out_bytes, out_len) = unsafe {
            (
                message_arg(message)?,
                path_field(path, path_len)?,
                out_arg(out_bytes, "out_bytes")?,
                out_arg(out_len, "out_len")?,
            )
        };
        get_raw(m, &f, out_bytes, out_len)
    })
}

/// As `fep_message_get_raw`, through a field resolved with `fep_schema_field`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_field_raw(
    message: *const fep_message,
    field: *const fep_field,
    out_bytes: *mut *const u8,
    out_len: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles and writable slots, or NULL (each checked).
        let (m, f, out_bytes, out_len) = unsafe {
            (
                message_arg(message)?,
                handle_field(field)?,
                out_arg(out_bytes, "out_bytes")?,
                out_arg(out_len, "out_len")?,
            )
        };
        get_raw(m, &f, out_bytes, out_len)
    })
}

/// Whether a field is blank (a numeric, date or time field of spaces), by path:
/// `*out_is_null` receives true or false. Text fields are never null (blank text is "").
///
/// Fails with `FEP_RESULT_UNKNOWN_FIELD` or `FEP_RESULT_DATA`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_get_is_null(
    message: *const fep_message,
    path: *const c_char,
    path_len: usize,
    out_is_null: *mut bool,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles, valid strings and writable slots, or NULL
        // (each checked).
        let (m, f, out) = unsafe {
            (
                message_arg(message)?,
                path_field(path, path_len)?,
                out_arg(out_is_null, "out_is_null")?,
            )
        };
        is_null(m, &f, out)
    })
}

/// As `fep_message_get_is_null`, through a field resolved with `fep_schema_field`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_message_field_is_null(
    message: *const fep_message,
    field: *const fep_field,
    out_is_null: *mut bool,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes live handles and writable slots, or NULL (each checked).
        let (m, f, out) = unsafe {
            (
                message_arg(message)?,
                handle_field(field)?,
                out_arg(out_is_null, "out_is_null")?,
            )
        };
        is_null(m, &f, out)
    })
}
