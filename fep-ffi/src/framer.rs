//! `fep_framer`: cuts whole telegrams out of a byte stream (the layout's framing: length
//! prefixes, lines, fixed lengths) and frames telegrams for sending.
//!
//! The caller feeds whatever bytes its socket or file gave; the framer keeps the partial
//! telegram at the end until the rest arrives. One framer per stream, used by one thread at
//! a time.

use bytes::{Bytes, BytesMut};
use fep_core::{Framer, LineEnding};

use crate::boundary::{boundary, bytes_arg, guard, opt_out_arg, out_arg, out_buf};
use crate::buffer::{fep_buffer, into_handle};
use crate::error::{Ctx, FfiError, fep_error, fep_result};
use crate::schema::{fep_schema, schema_arg};

/// Line ending written by `fep_framer_frame` for `framing lines`: `\r\n` (the default, usual
/// in Korean batch files).
pub const FEP_LINE_ENDING_CRLF: u32 = 0;

/// Line ending written by `fep_framer_frame` for `framing lines`: `\n`.
pub const FEP_LINE_ENDING_LF: u32 = 1;

/// A framer for one byte stream: feed bytes, take whole telegrams; frame telegrams to send.
///
/// Created by `fep_framer_new`, freed with `fep_framer_free`. It keeps its schema alive.
/// Not for concurrent use: one framer per stream, one thread at a time (the functions that
/// take a `const fep_framer *` may run concurrently with each other).
#[derive(Debug)]
pub struct fep_framer {
    _private: [u8; 0],
}

/// What a `fep_framer *` points to.
#[derive(Debug)]
struct FramerHandle {
    framer: Framer,
    buf: BytesMut,
    /// The telegram last handed out, kept alive until the next take.
    last: Option<Bytes>,
}

/// # Safety
/// `framer` is NULL or a live framer handle that no other thread uses.
unsafe fn framer_mut<'a>(framer: *mut fep_framer) -> Result<&'a mut FramerHandle, FfiError> {
    // SAFETY: a non-NULL `fep_framer *` comes from `Box::into_raw(Box<FramerHandle>)` and is
    // live and unshared per this function's contract.
    unsafe { framer.cast::<FramerHandle>().as_mut() }.ok_or_else(|| FfiError::null("framer"))
}

/// # Safety
/// `framer` is NULL or a live framer handle.
unsafe fn framer_ref<'a>(framer: *const fep_framer) -> Result<&'a FramerHandle, FfiError> {
    // SAFETY: as `framer_mut`, shared.
    unsafe { framer.cast::<FramerHandle>().as_ref() }.ok_or_else(|| FfiError::null("framer"))
}

/// Creates a framer for the schema's framing, with the default largest telegram (64 KiB)
/// and CRLF line endings. On success `*out_framer` receives a new framer that the caller
/// frees with `fep_framer_free`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_new(
    schema: *const fep_schema,
    out_framer: *mut *mut fep_framer,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live schema and a writable slot, or NULL (checked).
        let (schema, out) = unsafe { (schema_arg(schema)?, out_arg(out_framer, "out_framer")?) };
        let handle = FramerHandle {
            framer: Framer::new(schema),
            buf: BytesMut::new(),
            last: None,
        };
        out.put(Box::into_raw(Box::new(handle)).cast());
        Ok(())
    })
}

/// Sets the largest telegram the framer accepts (64 KiB by default). A length prefix that
/// announces more is a `FEP_RESULT_FRAME_TOO_LONG` error, never an allocation.
///
/// # Safety
/// `framer` is NULL or a live framer that no other thread uses; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_set_max_length(
    framer: *mut fep_framer,
    max_length: usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live, unshared framer or NULL (checked).
        let h = unsafe { framer_mut(framer) }?;
        h.framer = h.framer.clone().max_length(max_length);
        Ok(())
    })
}

/// Sets the line ending `fep_framer_frame` writes for `framing lines`:
/// `FEP_LINE_ENDING_CRLF` (the default) or `FEP_LINE_ENDING_LF`; any other value gives
/// `FEP_RESULT_INVALID_PARAMETER`. Reading accepts both always.
///
/// # Safety
/// `framer` is NULL or a live framer that no other thread uses; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_set_line_ending(
    framer: *mut fep_framer,
    line_ending: u32,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live, unshared framer or NULL (checked).
        let h = unsafe { framer_mut(framer) }?;
        let ending = match line_ending {
            FEP_LINE_ENDING_CRLF => LineEnding::CrLf,
            FEP_LINE_ENDING_LF => LineEnding::Lf,
            n => return Err(FfiError::invalid(format!("unknown line ending {n}"))),
        };
        h.framer = h.framer.clone().line_ending(ending);
        Ok(())
    })
}

/// Appends bytes read from the stream (any amount, split anywhere). The bytes are copied.
///
/// # Safety
/// `framer` is NULL or a live framer that no other thread uses; `data` is NULL or valid
/// for `data_len` bytes; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_feed(
    framer: *mut fep_framer,
    data: *const u8,
    data_len: usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live, unshared framer and readable bytes, or NULL
        // (checked).
        let (h, data) = unsafe { (framer_mut(framer)?, bytes_arg(data, data_len, "data")?) };
        h.buf.extend_from_slice(data);
        Ok(())
    })
}

/// Takes a telegram from the stream, or reports the end; shared by `next` and `finish`.
///
/// # Safety
/// The pointers are NULL or valid as `fep_framer_next` describes.
unsafe fn take(
    framer: *mut fep_framer,
    out_telegram: *mut *const u8,
    out_len: *mut usize,
    out_offset: *mut u64,
    out_err: *mut *mut fep_error,
    at_end: bool,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live, unshared framer and writable slots, or NULL
        // (checked; `out_offset` may be NULL).
        let (h, out_telegram, out_len, out_offset) = unsafe {
            (
                framer_mut(framer)?,
                out_arg(out_telegram, "out_telegram")?,
                out_arg(out_len, "out_len")?,
                opt_out_arg(out_offset),
            )
        };
        h.last = None;
        let frame = if at_end {
            h.framer.finish(&mut h.buf)
        } else {
            h.framer.next_frame(&mut h.buf)
        }
        .map_err(|e| FfiError::core(&e, Ctx::Frame))?;
        let Some(frame) = frame else {
            return Ok(fep_result::NoTelegram);
        };
        out_telegram.put(frame.telegram.as_ptr());
        out_len.put(frame.telegram.len());
        if let Some(o) = out_offset {
            o.put(frame.offset);
        }
        h.last = Some(frame.telegram);
        Ok(fep_result::Ok)
    })
}

/// Takes the next whole telegram (without its frame) from the bytes fed so far.
///
/// Returns `FEP_RESULT_OK` with `*out_telegram` and `*out_len` set to the telegram, which
/// stays valid until the next `fep_framer_next`, `fep_framer_finish` or `fep_framer_free`
/// on this framer; `*out_offset` (when not NULL) receives the stream offset of its frame.
/// Returns `FEP_RESULT_NO_TELEGRAM`, which is not a failure and stores no error, when more
/// bytes are needed.
///
/// Fails with `FEP_RESULT_FRAMING` (a length prefix that is not digits),
/// `FEP_RESULT_FRAME_TOO_LONG` (an oversize frame) or `FEP_RESULT_FRAME_LENGTH_MISMATCH` (a
/// length the message disagrees with); the error's offset is the frame's, in the stream. After
/// a frame whose end is known (a length mismatch) the framer has skipped it and goes on; after
/// a bad prefix the stream cannot be followed further: drop the connection.
///
/// # Safety
/// `framer` is NULL or a live framer that no other thread uses; the out pointers are NULL
/// or writable; `out_offset` and `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_next(
    framer: *mut fep_framer,
    out_telegram: *mut *const u8,
    out_len: *mut usize,
    out_offset: *mut u64,
    out_err: *mut *mut fep_error,
) -> fep_result {
    // SAFETY: this function's contract is `take`'s.
    unsafe { take(framer, out_telegram, out_len, out_offset, out_err, false) }
}

/// At the end of the stream: takes the last telegram when the framing allows one without
/// its terminator (a last line without a newline), as `fep_framer_next` does. Returns
/// `FEP_RESULT_NO_TELEGRAM` when nothing is left, and fails with
/// `FEP_RESULT_FRAME_TRUNCATED` when bytes are left over that make no telegram (they are
/// dropped; the error says what the frame's prefix promised and how many bytes came).
///
/// # Safety
/// As `fep_framer_next`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_finish(
    framer: *mut fep_framer,
    out_telegram: *mut *const u8,
    out_len: *mut usize,
    out_offset: *mut u64,
    out_err: *mut *mut fep_error,
) -> fep_result {
    // SAFETY: this function's contract is `take`'s.
    unsafe { take(framer, out_telegram, out_len, out_offset, out_err, true) }
}

/// The number of bytes fed but not yet taken as telegrams. 0 for a NULL framer.
///
/// # Safety
/// `framer` is NULL or a live framer that no other thread is changing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_buffered(framer: *const fep_framer) -> usize {
    guard(0, || {
        // SAFETY: per this function's contract.
        unsafe { framer_ref(framer) }.map_or(0, |h| h.buf.len())
    })
}

/// Frames a telegram for sending: its length prefix, or its line ending, as the layout
/// says. The result is written to `buf` and `*out_len` receives its length; when `buf_len`
/// is too small (pass NULL and 0 to ask), the call fails with
/// `FEP_RESULT_INSUFFICIENT_SIZE` and `*out_len` receives the size needed.
///
/// Fails with `FEP_RESULT_ENCODING` when the telegram is too long for the prefix or over the
/// framer's maximum.
///
/// # Safety
/// `framer` is NULL or a live framer not being changed by another thread; `telegram` is
/// NULL or valid for `telegram_len` bytes; `buf` for `buf_len` bytes; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_frame(
    framer: *const fep_framer,
    telegram: *const u8,
    telegram_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live framer, readable bytes and writable slots, or NULL
        // (each checked).
        let (h, telegram, out) = unsafe {
            (
                framer_ref(framer)?,
                bytes_arg(telegram, telegram_len, "telegram")?,
                out_buf(buf, buf_len, out_len, "buf")?,
            )
        };
        let framed = h
            .framer
            .frame(telegram)
            .map_err(|e| FfiError::core(&e, Ctx::Frame))?;
        out.put_bytes(&framed)
    })
}

/// As `fep_framer_frame`, into a new buffer: on success `*out_framed` receives a buffer that
/// the caller frees with `fep_buffer_free`.
///
/// # Safety
/// As `fep_framer_frame`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_frame_alloc(
    framer: *const fep_framer,
    telegram: *const u8,
    telegram_len: usize,
    out_framed: *mut *mut fep_buffer,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live framer, readable bytes and a writable slot, or
        // NULL (each checked).
        let (h, telegram, out) = unsafe {
            (
                framer_ref(framer)?,
                bytes_arg(telegram, telegram_len, "telegram")?,
                out_arg(out_framed, "out_framed")?,
            )
        };
        let framed = h
            .framer
            .frame(telegram)
            .map_err(|e| FfiError::core(&e, Ctx::Frame))?;
        out.put(into_handle(framed));
        Ok(())
    })
}

/// Frees a framer, the bytes it holds and the last telegram it handed out. NULL is a no-op.
///
/// # Safety
/// `framer` is NULL or a framer from this library, freed exactly once, that no other thread
/// uses.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_framer_free(framer: *mut fep_framer) {
    guard((), || {
        if !framer.is_null() {
            // SAFETY: a non-NULL `fep_framer *` comes from `Box::into_raw(Box<FramerHandle>)`
            // and is freed once per this function's contract.
            drop(unsafe { Box::from_raw(framer.cast::<FramerHandle>()) });
        }
    })
}
