//! The panic boundary every exported function runs inside, and the checks every argument
//! goes through on its way in (NULL, length, UTF-8) and out (written only on success).
//!
//! Raw pointers are turned into references, slices and [`Out`] slots here and nowhere else,
//! so the rest of the crate is ordinary safe Rust over a `Result<_, FfiError>`.

use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;

use crate::error::{FfiError, fep_error, fep_result};

/// What a body returns when it succeeds: `()` is `FEP_RESULT_OK`; the framer also returns
/// `FEP_RESULT_NO_TELEGRAM`, which is not a failure.
pub(crate) trait Code {
    fn code(self) -> fep_result;
}

impl Code for () {
    fn code(self) -> fep_result {
        fep_result::Ok
    }
}

impl Code for fep_result {
    fn code(self) -> fep_result {
        self
    }
}

/// Runs the body of a fallible function: a panic becomes `FEP_RESULT_PANIC`, a failure is
/// stored in `*out_err` (when `out_err` is not NULL) and its code returned.
pub(crate) fn boundary<R: Code>(
    out_err: *mut *mut fep_error,
    body: impl FnOnce() -> Result<R, FfiError>,
) -> fep_result {
    let result = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(payload) => Err(FfiError::panic(payload.as_ref())),
    };
    match result {
        Ok(r) => r.code(),
        Err(e) => {
            let code = e.code();
            if !out_err.is_null() {
                let err = Box::into_raw(Box::new(e)).cast::<fep_error>();
                // SAFETY: `out_err` is not NULL, and the caller passes either NULL or the
                // address of a writable `fep_error *` (documented on every function).
                unsafe { out_err.write(err) };
            }
            code
        }
    }
}

/// Runs the body of an infallible function (a getter, a free): a panic returns `default`.
pub(crate) fn guard<T>(default: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(default)
}

/// The largest length a slice may have (`slice::from_raw_parts` requires it).
const MAX_LEN: usize = isize::MAX as usize;

/// A byte-buffer argument: `len` bytes at `ptr`.
///
/// # Safety
/// `ptr` is NULL or valid for reads of `len` bytes that nothing writes to during `'a`.
pub(crate) unsafe fn bytes_arg<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a [u8], FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    if len > MAX_LEN {
        return Err(FfiError::invalid(format!(
            "`{name}_len` is {len}, larger than any buffer"
        )));
    }
    // SAFETY: not NULL, at most isize::MAX bytes, valid for reads per this function's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A string argument as bytes: `len` bytes, or up to the NUL when `len` is
/// `FEP_NUL_TERMINATED`.
///
/// # Safety
/// `ptr` is NULL, or valid for reads of `len` bytes, or (with `FEP_NUL_TERMINATED`) points to
/// a NUL-terminated string; nothing writes to it during `'a`.
pub(crate) unsafe fn text_bytes_arg<'a>(
    ptr: *const c_char,
    len: usize,
    name: &'static str,
) -> Result<&'a [u8], FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    if len == crate::FEP_NUL_TERMINATED {
        // SAFETY: not NULL, and the caller promises a NUL-terminated string with this length.
        return Ok(unsafe { CStr::from_ptr(ptr) }.to_bytes());
    }
    // SAFETY: the same contract as `bytes_arg`, which checks NULL and the length.
    unsafe { bytes_arg(ptr.cast::<u8>(), len, name) }
}

/// A UTF-8 string argument.
///
/// # Safety
/// As [`text_bytes_arg`].
pub(crate) unsafe fn str_arg<'a>(
    ptr: *const c_char,
    len: usize,
    name: &'static str,
) -> Result<&'a str, FfiError> {
    // SAFETY: this function's contract is that of `text_bytes_arg`.
    let bytes = unsafe { text_bytes_arg(ptr, len, name) }?;
    std::str::from_utf8(bytes)
        .map_err(|e| FfiError::invalid(format!("`{name}` is not UTF-8 (byte {})", e.valid_up_to())))
}

/// An optional UTF-8 string argument: `None` when `ptr` is NULL.
///
/// # Safety
/// As [`text_bytes_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(
    ptr: *const c_char,
    len: usize,
    name: &'static str,
) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: this function's contract is that of `str_arg`.
    unsafe { str_arg(ptr, len, name) }.map(Some)
}

/// An output slot, checked for NULL before any work is done, written only on success.
pub(crate) struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    /// Stores the output.
    pub(crate) fn put(self, value: T) {
        // SAFETY: `out_arg` checked that the pointer is not NULL, and its caller promised
        // that it is valid for a write of `T`.
        unsafe { self.0.as_ptr().write(value) }
    }
}

/// An output argument.
///
/// # Safety
/// `ptr` is NULL or valid for a write of `T` (it need not be initialized).
pub(crate) unsafe fn out_arg<T>(ptr: *mut T, name: &'static str) -> Result<Out<T>, FfiError> {
    NonNull::new(ptr)
        .map(Out)
        .ok_or_else(|| FfiError::null(name))
}

/// An optional output argument: `None` when `ptr` is NULL.
///
/// # Safety
/// As [`out_arg`].
pub(crate) unsafe fn opt_out_arg<T>(ptr: *mut T) -> Option<Out<T>> {
    NonNull::new(ptr).map(Out)
}

/// A caller's output buffer and the slot for the length written (or needed).
///
/// `buf` may be NULL when `buf_len` is 0: the call then only reports the size needed, with
/// `FEP_RESULT_INSUFFICIENT_SIZE`.
pub(crate) struct OutBuf {
    buf: *mut u8,
    cap: usize,
    out_len: Out<usize>,
    name: &'static str,
}

/// Checks an output buffer argument.
///
/// # Safety
/// `buf` is NULL or valid for writes of `buf_len` bytes; `out_len` is NULL or valid for a
/// write of `size_t`.
pub(crate) unsafe fn out_buf(
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    name: &'static str,
) -> Result<OutBuf, FfiError> {
    if buf.is_null() && buf_len != 0 {
        return Err(FfiError::null(name));
    }
    if buf_len > MAX_LEN {
        return Err(FfiError::invalid(format!(
            "`{name}_len` is {buf_len}, larger than any buffer"
        )));
    }
    // SAFETY: the caller's contract covers `out_len`.
    let out_len = unsafe { out_arg(out_len, "out_len") }?;
    Ok(OutBuf {
        buf,
        cap: buf_len,
        out_len,
        name,
    })
}

impl OutBuf {
    /// Copies `data` into the buffer and stores its length; when it does not fit, stores the
    /// length needed and fails with `FEP_RESULT_INSUFFICIENT_SIZE`, leaving the buffer as is.
    pub(crate) fn put_bytes(self, data: &[u8]) -> Result<(), FfiError> {
        self.put(data, false)
    }

    /// Copies `text` and a terminating NUL into the buffer and stores the text's length
    /// (without the NUL); when it does not fit, stores the size needed (with the NUL).
    pub(crate) fn put_text(self, text: &str) -> Result<(), FfiError> {
        self.put(text.as_bytes(), true)
    }

    fn put(self, data: &[u8], nul: bool) -> Result<(), FfiError> {
        let needed = data.len() + usize::from(nul);
        if needed > self.cap {
            self.out_len.put(needed);
            return Err(FfiError::insufficient(self.name, self.cap, needed));
        }
        // SAFETY: `buf` is not NULL here (cap >= needed > 0, or needed == 0 and nothing is
        // copied), it holds `cap >= needed` bytes per `out_buf`'s contract, and `data` is
        // ours, so the two do not overlap.
        unsafe {
            if !data.is_empty() {
                std::ptr::copy_nonoverlapping(data.as_ptr(), self.buf, data.len());
            }
            if nul {
                self.buf.add(data.len()).write(0);
            }
        }
        self.out_len.put(data.len());
        Ok(())
    }
}
