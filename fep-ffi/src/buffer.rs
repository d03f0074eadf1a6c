//! `fep_buffer`: bytes the library allocated for the caller (an encoded telegram, a framed
//! telegram, JSON text), read with `fep_buffer_data` / `fep_buffer_len` and freed with
//! `fep_buffer_free`.

use crate::boundary::guard;

/// Bytes owned by the library: an encoded or framed telegram, or JSON text.
///
/// Created by the `*_alloc` functions and `fep_message_to_json`; freed by the caller with
/// `fep_buffer_free`. A NUL byte follows the data (not counted in the length), so JSON text
/// can be used as a C string. Immutable: any thread may read it.
#[derive(Debug)]
pub struct fep_buffer {
    _private: [u8; 0],
}

/// What a `fep_buffer *` points to: the data and a NUL after it.
#[derive(Debug)]
pub(crate) struct Buffer {
    bytes: Vec<u8>,
}

/// Hands `bytes` to the caller as a new `fep_buffer`.
pub(crate) fn into_handle(mut bytes: Vec<u8>) -> *mut fep_buffer {
    bytes.push(0);
    Box::into_raw(Box::new(Buffer { bytes })).cast()
}

/// # Safety
/// `buffer` is NULL or a live buffer from this library.
unsafe fn buffer_ref<'a>(buffer: *const fep_buffer) -> Option<&'a Buffer> {
    // SAFETY: a non-NULL `fep_buffer *` comes from `into_handle` and is live per this
    // function's contract.
    unsafe { buffer.cast::<Buffer>().as_ref() }
}

/// The buffer's bytes, followed by a NUL that `fep_buffer_len` does not count. Valid until
/// `fep_buffer_free`. For a NULL buffer, a pointer to an empty string (never NULL).
///
/// # Safety
/// `buffer` is NULL or a buffer from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_buffer_data(buffer: *const fep_buffer) -> *const u8 {
    static EMPTY: u8 = 0;
    guard(&EMPTY as *const u8, || {
        // SAFETY: per this function's contract.
        unsafe { buffer_ref(buffer) }.map_or(&EMPTY as *const u8, |b| b.bytes.as_ptr())
    })
}

/// The number of bytes in the buffer, without the trailing NUL. 0 for a NULL buffer.
///
/// # Safety
/// `buffer` is NULL or a buffer from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_buffer_len(buffer: *const fep_buffer) -> usize {
    guard(0, || {
        // SAFETY: per this function's contract.
        unsafe { buffer_ref(buffer) }.map_or(0, |b| b.bytes.len() - 1)
    })
}

/// Frees a buffer. NULL is a no-op.
///
/// # Safety
/// `buffer` is NULL or a buffer from this library, freed exactly once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_buffer_free(buffer: *mut fep_buffer) {
    guard((), || {
        if !buffer.is_null() {
            // SAFETY: a non-NULL `fep_buffer *` comes from `into_handle` (a boxed `Buffer`)
            // and is freed once per this function's contract.
            drop(unsafe { Box::from_raw(buffer.cast::<Buffer>()) });
        }
    })
}
