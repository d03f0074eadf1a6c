//! `fep_checker`: the layout's `check` statements (batch files: a trailer's count and
//! total, sequence numbers, header copies) run over the records of a file, one at a time,
//! in constant memory: the core's `BatchChecker`.
//!
//! The caller frames and decodes the file (`fep_framer`, `fep_schema_decode`) and hands
//! each record to `fep_checker_record` in file order, each record that did not decode to
//! `fep_checker_unreadable`, then calls `fep_checker_finish`. A failure is a
//! `FEP_RESULT_CHECK_FAILED` error naming the record's number and byte offset, the field,
//! and the expected and the found value: the same text `fep check -l` prints.

use std::collections::VecDeque;

use fep_core::BatchChecker;

use crate::boundary::{boundary, guard, out_arg};
use crate::error::{Ctx, FfiError, fep_error, fep_result};
use crate::message::{fep_message, message_arg};
use crate::schema::{fep_schema, schema_arg};

/// The checks of one file being read: feed its records in order.
///
/// Created by `fep_checker_new`, freed with `fep_checker_free`. One checker per file, used
/// by one thread at a time.
#[derive(Debug)]
pub struct fep_checker {
    _private: [u8; 0],
}

/// What a `fep_checker *` points to.
#[derive(Debug)]
struct CheckerHandle {
    /// `None` when the layout has no checks: every record passes.
    checker: Option<BatchChecker>,
    /// Failures not yet handed out (of the last record, or of the end of the file).
    pending: VecDeque<fep_core::Error>,
}

/// # Safety
/// `checker` is NULL or a live checker handle that no other thread uses.
unsafe fn checker_mut<'a>(checker: *mut fep_checker) -> Result<&'a mut CheckerHandle, FfiError> {
    // SAFETY: a non-NULL `fep_checker *` comes from `Box::into_raw(Box<CheckerHandle>)` and
    // is live and unshared per this function's contract.
    unsafe { checker.cast::<CheckerHandle>().as_mut() }.ok_or_else(|| FfiError::null("checker"))
}

impl CheckerHandle {
    /// Keeps `failures`; the first one is the error of this call.
    fn report(&mut self, failures: Vec<fep_core::Error>) -> Result<(), FfiError> {
        self.pending.clear();
        self.pending.extend(failures);
        match self.pending.pop_front() {
            Some(e) => Err(FfiError::core(&e, Ctx::Decode)),
            None => Ok(()),
        }
    }
}

/// Creates a checker for the schema's `check` statements (one that passes every record
/// when the layout has none). On success `*out_checker` receives a new checker that the
/// caller frees with `fep_checker_free`.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_checker_new(
    schema: *const fep_schema,
    out_checker: *mut *mut fep_checker,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live schema and a writable slot, or NULL (checked).
        let (schema, out) = unsafe { (schema_arg(schema)?, out_arg(out_checker, "out_checker")?) };
        let handle = CheckerHandle {
            checker: BatchChecker::new(schema),
            pending: VecDeque::new(),
        };
        out.put(Box::into_raw(Box::new(handle)).cast());
        Ok(())
    })
}

/// Checks one decoded record, `offset` bytes into the file, and takes it into its batch.
///
/// `FEP_RESULT_OK` when it passes every check; `FEP_RESULT_CHECK_FAILED` with the first
/// failure in `*out_err` when it does not (a trailer can fail several checks: take the
/// others with `fep_checker_next_failure`). The record counts in its batch either way.
///
/// # Safety
/// `checker` is NULL or a live checker that no other thread uses; `message` is NULL or a
/// live message; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_checker_record(
    checker: *mut fep_checker,
    message: *const fep_message,
    offset: u64,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live, unshared checker and a live message, or NULL
        // (checked).
        let (h, m) = unsafe { (checker_mut(checker)?, message_arg(message)?) };
        let failures = match &mut h.checker {
            Some(c) => c.record(offset, m.decoded()?),
            None => Vec::new(),
        };
        h.report(failures)
    })
}

/// The next failure of the last record (or of `fep_checker_finish`):
/// `FEP_RESULT_CHECK_FAILED` with it in `*out_err`, or `FEP_RESULT_OK` when none is left.
///
/// # Safety
/// `checker` is NULL or a live checker that no other thread uses; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_checker_next_failure(
    checker: *mut fep_checker,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live, unshared checker or NULL (checked).
        let h = unsafe { checker_mut(checker) }?;
        match h.pending.pop_front() {
            Some(e) => Err(FfiError::core(&e, Ctx::Decode)),
            None => Ok(()),
        }
    })
}

/// A record at `offset` that could not be framed or decoded: it takes its place in the
/// numbering, and a trailer of its batch whose count or total then disagrees says so.
///
/// # Safety
/// `checker` is NULL or a live checker that no other thread uses; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_checker_unreadable(
    checker: *mut fep_checker,
    offset: u64,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live, unshared checker or NULL (checked).
        let h = unsafe { checker_mut(checker) }?;
        h.pending.clear();
        if let Some(c) = &mut h.checker {
            c.unreadable(offset);
        }
        Ok(())
    })
}

/// At the end of the file: `FEP_RESULT_CHECK_FAILED` when a batch is left without its
/// trailer (records after the last one), else `FEP_RESULT_OK`.
///
/// # Safety
/// `checker` is NULL or a live checker that no other thread uses; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_checker_finish(
    checker: *mut fep_checker,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live, unshared checker or NULL (checked).
        let h = unsafe { checker_mut(checker) }?;
        let failures = match &mut h.checker {
            Some(c) => c.finish(),
            None => Vec::new(),
        };
        h.report(failures)
    })
}

/// Frees a checker. NULL is a no-op.
///
/// # Safety
/// `checker` is NULL or a checker from this library, freed exactly once, that no other
/// thread uses.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_checker_free(checker: *mut fep_checker) {
    guard((), || {
        if !checker.is_null() {
            // SAFETY: a non-NULL `fep_checker *` comes from `Box::into_raw(Box<CheckerHandle>)`
            // and is freed once per this function's contract.
            drop(unsafe { Box::from_raw(checker.cast::<CheckerHandle>()) });
        }
    })
}
