//! `fep_schema` (a compiled layout: load, parse, free), `fep_field` (a field path resolved
//! once against a schema), and the correlation key of a telegram.
//!
//! A schema handle is an `Arc<Schema>`: messages, fields and framers made from it hold a
//! reference of their own, so freeing the schema while they live is safe.

use std::ffi::{CString, c_char};
use std::path::PathBuf;
use std::sync::Arc;

use fep_core::{FieldRef, Schema};

use crate::boundary::{boundary, guard, out_arg, out_buf, str_arg, text_bytes_arg};
use crate::error::{Ctx, FfiError, fep_error, fep_result};

/// A compiled layout.
///
/// Created by `fep_schema_load` or `fep_schema_parse`, freed with `fep_schema_free`.
/// Immutable and thread-safe: any number of threads may use one schema at once, without
/// locking. Messages, field handles and framers made from a schema keep it alive, so it may
/// be freed before them.
#[derive(Debug)]
pub struct fep_schema {
    _private: [u8; 0],
}

/// A field path resolved once against a schema, for reading the field from many messages
/// without looking the path up each time.
///
/// Created by `fep_schema_field`, freed with `fep_field_free`. Immutable and thread-safe.
/// Valid only with messages of the schema it was resolved against.
#[derive(Debug)]
pub struct fep_field {
    _private: [u8; 0],
}

/// What a `fep_field *` points to.
#[derive(Debug)]
pub(crate) struct FieldHandle {
    pub(crate) schema: Arc<Schema>,
    pub(crate) field: FieldRef,
    path: CString,
}

/// Hands a schema to the caller.
fn schema_into_handle(schema: Schema) -> *const fep_schema {
    Arc::into_raw(Arc::new(schema)).cast()
}

/// Borrows the schema of a handle.
///
/// # Safety
/// `schema` is NULL or a live schema handle.
pub(crate) unsafe fn schema_arg<'a>(schema: *const fep_schema) -> Result<&'a Schema, FfiError> {
    // SAFETY: a non-NULL `fep_schema *` comes from `Arc::into_raw(Arc<Schema>)` and is live
    // per this function's contract.
    unsafe { schema.cast::<Schema>().as_ref() }.ok_or_else(|| FfiError::null("schema"))
}

/// A new reference to the schema of a handle, for a handle that keeps the schema alive.
///
/// # Safety
/// `schema` is NULL or a live schema handle.
pub(crate) unsafe fn schema_arc(schema: *const fep_schema) -> Result<Arc<Schema>, FfiError> {
    if schema.is_null() {
        return Err(FfiError::null("schema"));
    }
    let ptr = schema.cast::<Schema>();
    // SAFETY: `ptr` comes from `Arc::into_raw` and its count is at least one while the
    // handle lives (this function's contract); the increment is balanced by the `Arc`
    // returned, which is dropped with the handle that takes it.
    unsafe {
        Arc::increment_strong_count(ptr);
        Ok(Arc::from_raw(ptr))
    }
}

/// Borrows the field of a handle.
///
/// # Safety
/// `field` is NULL or a live field handle.
pub(crate) unsafe fn field_arg<'a>(field: *const fep_field) -> Result<&'a FieldHandle, FfiError> {
    // SAFETY: a non-NULL `fep_field *` comes from `Box::into_raw(Box<FieldHandle>)` and is
    // live per this function's contract.
    unsafe { field.cast::<FieldHandle>().as_ref() }.ok_or_else(|| FfiError::null("field"))
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> Result<PathBuf, FfiError> {
    use std::os::unix::ffi::OsStrExt;
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> Result<PathBuf, FfiError> {
    std::str::from_utf8(bytes)
        .map(PathBuf::from)
        .map_err(|_| FfiError::invalid("`path` is not UTF-8".into()))
}

/// Reads and compiles a layout file.
///
/// `path` is `path_len` bytes (any bytes on Unix, UTF-8 elsewhere), or NUL-terminated when
/// `path_len` is `FEP_NUL_TERMINATED`. On success `*out_schema` receives a new schema that
/// the caller frees with `fep_schema_free`.
///
/// Fails with `FEP_RESULT_IO` when the file cannot be read and `FEP_RESULT_LAYOUT` when the
/// layout is wrong (the error names the file, line and column).
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_schema_load(
    path: *const c_char,
    path_len: usize,
    out_schema: *mut *const fep_schema,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a valid string or NULL (checked).
        let path = unsafe { text_bytes_arg(path, path_len, "path") }?;
        // SAFETY: the caller passes a writable slot or NULL (checked).
        let out = unsafe { out_arg(out_schema, "out_schema") }?;
        let schema =
            Schema::load(path_from_bytes(path)?).map_err(|e| FfiError::core(&e, Ctx::Layout))?;
        out.put(schema_into_handle(schema));
        Ok(())
    })
}

/// Compiles a layout from its text (UTF-8, `text_len` bytes or NUL-terminated with
/// `FEP_NUL_TERMINATED`). On success `*out_schema` receives a new schema that the caller
/// frees with `fep_schema_free`.
///
/// Fails with `FEP_RESULT_LAYOUT` when the layout is wrong (line and column in the error).
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_schema_parse(
    text: *const c_char,
    text_len: usize,
    out_schema: *mut *const fep_schema,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a valid string or NULL (checked).
        let text = unsafe { str_arg(text, text_len, "text") }?;
        // SAFETY: the caller passes a writable slot or NULL (checked).
        let out = unsafe { out_arg(out_schema, "out_schema") }?;
        let schema = Schema::parse(text).map_err(|e| FfiError::core(&e, Ctx::Layout))?;
        out.put(schema_into_handle(schema));
        Ok(())
    })
}

/// Releases the caller's reference to a schema. NULL is a no-op. Messages, field handles
/// and framers made from it stay valid: they hold references of their own.
///
/// # Safety
/// `schema` is NULL or a schema from this library, freed exactly once, and no other thread
/// is using this handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_schema_free(schema: *const fep_schema) {
    guard((), || {
        if !schema.is_null() {
            // SAFETY: a non-NULL `fep_schema *` comes from `Arc::into_raw(Arc<Schema>)`;
            // this releases the reference it stands for, once per this function's contract.
            drop(unsafe { Arc::from_raw(schema.cast::<Schema>()) });
        }
    })
}

/// Resolves a field path once, for `fep_message_field_*`: `amount`, `header.seq_no`,
/// `items[2].amount`, `addr[0]`. The path must name a single (not record) field of at least
/// one message of the layout.
///
/// On success `*out_field` receives a new handle that the caller frees with
/// `fep_field_free`. Fails with `FEP_RESULT_UNKNOWN_FIELD` when no message has the field
/// (or the index is beyond the repeat's bound).
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_schema_field(
    schema: *const fep_schema,
    path: *const c_char,
    path_len: usize,
    out_field: *mut *const fep_field,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live schema or NULL (checked).
        let schema = unsafe { schema_arc(schema) }?;
        // SAFETY: the caller passes a valid string or NULL (checked).
        let path = unsafe { str_arg(path, path_len, "path") }?;
        // SAFETY: the caller passes a writable slot or NULL (checked).
        let out = unsafe { out_arg(out_field, "out_field") }?;
        let field = schema
            .field(path)
            .map_err(|e| FfiError::core(&e, Ctx::Read))?;
        let handle = FieldHandle {
            schema,
            field,
            path: CString::new(path).map_err(|_| FfiError::invalid("`path` holds a NUL".into()))?,
        };
        out.put(Box::into_raw(Box::new(handle)).cast());
        Ok(())
    })
}

/// The path a field handle was resolved from, NUL-terminated; valid until
/// `fep_field_free`. An empty string (never NULL) for a NULL field.
///
/// # Safety
/// `field` is NULL or a field from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_field_path(field: *const fep_field) -> *const c_char {
    guard(c"".as_ptr(), || {
        // SAFETY: per this function's contract.
        unsafe { field_arg(field) }.map_or(c"".as_ptr(), |f| f.path.as_ptr())
    })
}

/// Frees a field handle. NULL is a no-op.
///
/// # Safety
/// `field` is NULL or a field from this library, freed exactly once, and no other thread is
/// using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_field_free(field: *const fep_field) {
    guard((), || {
        if !field.is_null() {
            // SAFETY: a non-NULL `fep_field *` comes from `Box::into_raw(Box<FieldHandle>)`
            // and is freed once per this function's contract.
            drop(unsafe { Box::from_raw(field.cast::<FieldHandle>().cast_mut()) });
        }
    })
}

/// The correlation key of a telegram (the layout's `key` directive), read straight from
/// the bytes without decoding the telegram: the key fields' text, trailing spaces removed,
/// joined with `|`, such as `20240315|004|TESTCO0001|000123`.
///
/// The key is written to `buf` as UTF-8 with a terminating NUL; `*out_len` receives its
/// length without the NUL. When `buf_len` is too small (pass NULL and 0 to ask), the call
/// fails with `FEP_RESULT_INSUFFICIENT_SIZE` and `*out_len` receives the size needed, NUL
/// included.
///
/// Fails with `FEP_RESULT_NO_KEY` when the layout has no `key` directive or the message
/// lacks a key field, and `FEP_RESULT_DATA` when no message matches or a key field is not
/// text.
///
/// # Safety
/// Every pointer is NULL or valid as described (`buf` for `buf_len` bytes); `out_err` may
/// be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_schema_key(
    schema: *const fep_schema,
    telegram: *const u8,
    telegram_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live schema or NULL (checked).
        let schema = unsafe { schema_arg(schema) }?;
        // SAFETY: the caller passes a readable buffer or NULL (checked).
        let telegram = unsafe { crate::boundary::bytes_arg(telegram, telegram_len, "telegram") }?;
        // SAFETY: the caller passes a writable buffer and slot, or NULL (checked).
        let out = unsafe { out_buf(buf.cast(), buf_len, out_len, "buf") }?;
        let key = schema
            .key(telegram)
            .map_err(|e| FfiError::core(&e, Ctx::Key))?;
        out.put_text(&key)
    })
}
