//! `fep_correlator`: responses matched to their requests by the layout's correlation key,
//! each request's token (a `uint64_t` of the caller's: an index, a pointer, an id) given
//! back with its response, on expiry, on cancel or on drain.
//!
//! The caller passes no time: every function reads the library's monotonic clock (Rust's
//! `Instant::now`, `CLOCK_MONOTONIC` on Linux) when it is called, so a deadline is "so many
//! milliseconds after the insert", whatever the wall clock does.
//!
//! Every request taken in leaves exactly once. Expired and drained tokens that do not fit
//! the caller's array wait in the handle for the next `fep_correlator_expire` or
//! `fep_correlator_drain`, so none is lost.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use fep_core::{Correlator, Expired};

use crate::boundary::{boundary, bytes_arg, guard, opt_out_arg, out_arg};
use crate::error::{Ctx, FfiError, fep_error, fep_result};
use crate::schema::{fep_schema, schema_arg};

/// A table of pending requests, matched with their responses by the layout's correlation
/// key (its `key` directive). Each request carries a `uint64_t` token of the caller's.
///
/// Created by `fep_correlator_new`, freed with `fep_correlator_free`. Thread-safe: any
/// number of threads may insert, complete, cancel, expire and drain on one correlator at
/// once (it locks internally, briefly); only `fep_correlator_free` needs the other threads
/// to be done. Deadlines and elapsed times are read from the library's monotonic clock.
#[derive(Debug)]
pub struct fep_correlator {
    _private: [u8; 0],
}

/// What a `fep_correlator *` points to.
#[derive(Debug)]
struct CorrelatorHandle {
    correlator: Correlator<u64>,
    /// Requests that left the table (expired or drained) whose tokens the caller has not
    /// been given yet, oldest deadline first, and a scratch vector for taking them out.
    owed: Mutex<Owed>,
}

#[derive(Debug, Default)]
struct Owed {
    tokens: VecDeque<u64>,
    scratch: Vec<Expired<u64>>,
}

impl CorrelatorHandle {
    fn owed(&self) -> MutexGuard<'_, Owed> {
        // A panic while the lock was held leaves a queue of whole tokens: go on with it.
        self.owed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// # Safety
/// `correlator` is NULL or a live correlator handle.
unsafe fn correlator_arg<'a>(
    correlator: *const fep_correlator,
) -> Result<&'a CorrelatorHandle, FfiError> {
    // SAFETY: a non-NULL `fep_correlator *` comes from `Box::into_raw(Box<CorrelatorHandle>)`
    // and is live per this function's contract. Only shared references are made: the handle
    // changes through its own locks, so threads may use it at once.
    unsafe { correlator.cast::<CorrelatorHandle>().as_ref() }
        .ok_or_else(|| FfiError::null("correlator"))
}

/// The deadline `timeout` from `now`, when the clock can represent it.
fn deadline(now: Instant, timeout: Duration, what: &str) -> Result<Instant, FfiError> {
    now.checked_add(timeout).ok_or_else(|| {
        FfiError::invalid(format!(
            "`{what}` is {} ms, beyond the clock's range",
            timeout.as_millis()
        ))
    })
}

/// Creates a correlator for the schema's telegrams, holding at most `capacity` pending
/// requests, each given `timeout_ms` milliseconds to be answered unless its insert says
/// otherwise. On success `*out_correlator` receives a new correlator that the caller frees
/// with `fep_correlator_free`. It keeps the schema alive.
///
/// The schema needs a `key` directive (the fields a request and its response share); its
/// absence shows at the first insert, as `FEP_RESULT_NO_KEY`. Fails with
/// `FEP_RESULT_INVALID_PARAMETER` when `capacity` or `timeout_ms` is 0.
///
/// # Safety
/// Every pointer is NULL or valid as described; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_correlator_new(
    schema: *const fep_schema,
    capacity: usize,
    timeout_ms: u64,
    out_correlator: *mut *mut fep_correlator,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live schema and a writable slot, or NULL (checked).
        let (schema, out) = unsafe {
            (
                schema_arg(schema)?,
                out_arg(out_correlator, "out_correlator")?,
            )
        };
        if capacity == 0 {
            return Err(FfiError::invalid(
                "`capacity` is 0: every insert would be refused".into(),
            ));
        }
        if timeout_ms == 0 {
            return Err(FfiError::invalid(
                "`timeout_ms` is 0: every request would expire at once".into(),
            ));
        }
        let timeout = Duration::from_millis(timeout_ms);
        deadline(Instant::now(), timeout, "timeout_ms")?;
        let handle = CorrelatorHandle {
            correlator: Correlator::new(schema, capacity, timeout),
            owed: Mutex::new(Owed::default()),
        };
        out.put(Box::into_raw(Box::new(handle)).cast());
        Ok(())
    })
}

/// Files a request telegram (without its frame) under its correlation key, with the
/// caller's `token`, as sent now. It expires `timeout_ms` milliseconds from now, or after
/// the correlator's timeout when `timeout_ms` is 0. The telegram is not kept: only its key.
///
/// Fails with `FEP_RESULT_DUPLICATE_KEY` when a request with the same key is pending (that
/// one stays), `FEP_RESULT_CORRELATOR_FULL` at capacity, `FEP_RESULT_NO_KEY` when the
/// layout or the request's message has no key, and `FEP_RESULT_DATA` when no message
/// matches or the telegram is too short for its key. On failure nothing is filed.
///
/// # Safety
/// `correlator` is NULL or a live correlator; `telegram` is NULL or valid for
/// `telegram_len` bytes; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_correlator_insert(
    correlator: *mut fep_correlator,
    telegram: *const u8,
    telegram_len: usize,
    token: u64,
    timeout_ms: u64,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live correlator and readable bytes, or NULL (checked).
        let (h, telegram) = unsafe {
            (
                correlator_arg(correlator)?,
                bytes_arg(telegram, telegram_len, "telegram")?,
            )
        };
        let timeout = match timeout_ms {
            0 => h.correlator.timeout(),
            ms => Duration::from_millis(ms),
        };
        let now = Instant::now();
        let deadline = deadline(now, timeout, "timeout_ms")?;
        h.correlator
            .insert_at(telegram, token, now, deadline)
            .map_err(|r| FfiError::core(&r.error, Ctx::Key))?;
        Ok(())
    })
}

/// Matches a response telegram (without its frame) with its pending request, which leaves
/// the correlator. On success `*out_token` receives the request's token and, when
/// `out_elapsed_us` is not NULL, `*out_elapsed_us` the microseconds from its insert to now.
///
/// Fails with `FEP_RESULT_UNMATCHED` when no pending request has the response's key (a late
/// response to an expired request, a duplicate, a wrong key): the error names the key and
/// the nearest pending request, if one shares a key part. Also `FEP_RESULT_NO_KEY` and
/// `FEP_RESULT_DATA`, as `fep_correlator_insert`.
///
/// # Safety
/// `correlator` is NULL or a live correlator; `telegram` is NULL or valid for
/// `telegram_len` bytes; the outputs are NULL or writable; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_correlator_complete(
    correlator: *mut fep_correlator,
    telegram: *const u8,
    telegram_len: usize,
    out_token: *mut u64,
    out_elapsed_us: *mut u64,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live correlator, readable bytes and writable slots, or
        // NULL (checked; `out_elapsed_us` may be NULL).
        let (h, telegram, out_token, out_elapsed) = unsafe {
            (
                correlator_arg(correlator)?,
                bytes_arg(telegram, telegram_len, "telegram")?,
                out_arg(out_token, "out_token")?,
                opt_out_arg(out_elapsed_us),
            )
        };
        let matched = h
            .correlator
            .complete(telegram)
            .map_err(|e| FfiError::core(&e, Ctx::Key))?;
        out_token.put(matched.token);
        if let Some(o) = out_elapsed {
            o.put(u64::try_from(matched.elapsed.as_micros()).unwrap_or(u64::MAX));
        }
        Ok(())
    })
}

/// Takes back the pending request of a request telegram (its key read again), without a
/// response: the caller gave up on it. On success `*out_found` receives whether one was
/// pending and, when it was, `*out_token` its token (left as it was otherwise).
///
/// Fails with `FEP_RESULT_NO_KEY` or `FEP_RESULT_DATA` when the key cannot be read.
///
/// # Safety
/// `correlator` is NULL or a live correlator; `telegram` is NULL or valid for
/// `telegram_len` bytes; the outputs are NULL or writable; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_correlator_cancel(
    correlator: *mut fep_correlator,
    telegram: *const u8,
    telegram_len: usize,
    out_token: *mut u64,
    out_found: *mut bool,
    out_err: *mut *mut fep_error,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live correlator, readable bytes and writable slots, or
        // NULL (checked).
        let (h, telegram, out_token, out_found) = unsafe {
            (
                correlator_arg(correlator)?,
                bytes_arg(telegram, telegram_len, "telegram")?,
                out_arg(out_token, "out_token")?,
                out_arg(out_found, "out_found")?,
            )
        };
        let cancelled = h
            .correlator
            .cancel_request(telegram)
            .map_err(|e| FfiError::core(&e, Ctx::Key))?;
        match cancelled {
            Some(e) => {
                out_token.put(e.token);
                out_found.put(true);
            }
            None => out_found.put(false),
        }
        Ok(())
    })
}

/// Moves the requests `take` selects out of the table into the owed queue, then hands out
/// as many owed tokens as fit.
///
/// # Safety
/// As `fep_correlator_expire`.
unsafe fn give_back(
    correlator: *mut fep_correlator,
    out_tokens: *mut u64,
    tokens_len: usize,
    out_n: *mut usize,
    out_err: *mut *mut fep_error,
    drain: bool,
) -> fep_result {
    boundary(out_err, || {
        // SAFETY: the caller passes a live correlator and a writable slot, or NULL (checked).
        let (h, out_n) = unsafe { (correlator_arg(correlator)?, out_arg(out_n, "out_n")?) };
        if out_tokens.is_null() && tokens_len != 0 {
            return Err(FfiError::null("out_tokens"));
        }
        if tokens_len > isize::MAX as usize / size_of::<u64>() {
            return Err(FfiError::invalid(format!(
                "`tokens_len` is {tokens_len}, larger than any array"
            )));
        }
        // One caller at a time takes tokens out, so each is handed out once, in order.
        let mut owed = h.owed();
        let owed = &mut *owed;
        owed.scratch.clear();
        if drain {
            owed.scratch.extend(h.correlator.drain());
        } else {
            h.correlator.expire_into(Instant::now(), &mut owed.scratch);
        }
        owed.scratch.sort_by_key(|e| (e.deadline, e.sent));
        owed.tokens.extend(owed.scratch.drain(..).map(|e| e.token));
        let n = tokens_len.min(owed.tokens.len());
        if n > 0 {
            // SAFETY: `out_tokens` is not NULL (n > 0 implies tokens_len > 0), valid for
            // writes of `tokens_len >= n` tokens per the caller's contract, and not ours.
            let out = unsafe { std::slice::from_raw_parts_mut(out_tokens, n) };
            for (slot, token) in out.iter_mut().zip(owed.tokens.drain(..n)) {
                *slot = token;
            }
        }
        out_n.put(n);
        Ok(())
    })
}

/// Gives back the tokens of the requests whose deadline has passed (as of now, by the
/// library's monotonic clock), which leave the correlator: at most `tokens_len` of them
/// into `out_tokens`, earliest deadline first, and their number into `*out_n`.
///
/// Nothing is lost when more expired than the array holds: the rest wait in the correlator
/// and come first at the next `fep_correlator_expire` or `fep_correlator_drain`: call again
/// while `*out_n == tokens_len` (with `tokens_len` > 0). `out_tokens` may be NULL when `tokens_len` is 0 (the
/// expired requests are then only set aside).
///
/// # Safety
/// `correlator` is NULL or a live correlator; `out_tokens` is NULL or valid for writes of
/// `tokens_len` tokens; `out_n` is NULL or writable; `out_err` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_correlator_expire(
    correlator: *mut fep_correlator,
    out_tokens: *mut u64,
    tokens_len: usize,
    out_n: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    // SAFETY: this function's contract is that of `give_back`.
    unsafe { give_back(correlator, out_tokens, tokens_len, out_n, out_err, false) }
}

/// Gives back the tokens of every pending request (a session closed: fail them all), which
/// leave the correlator, as `fep_correlator_expire` does: at most `tokens_len` into
/// `out_tokens`, the rest kept for the next call. Call again while `*out_n == tokens_len`.
///
/// # Safety
/// As `fep_correlator_expire`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_correlator_drain(
    correlator: *mut fep_correlator,
    out_tokens: *mut u64,
    tokens_len: usize,
    out_n: *mut usize,
    out_err: *mut *mut fep_error,
) -> fep_result {
    // SAFETY: this function's contract is that of `give_back`.
    unsafe { give_back(correlator, out_tokens, tokens_len, out_n, out_err, true) }
}

/// The number of pending requests (not counting expired tokens not yet handed out). 0 for
/// a NULL correlator.
///
/// # Safety
/// `correlator` is NULL or a live correlator.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_correlator_len(correlator: *const fep_correlator) -> usize {
    guard(0, || {
        // SAFETY: per this function's contract.
        unsafe { correlator_arg(correlator) }.map_or(0, |h| h.correlator.len())
    })
}

/// Frees a correlator. The tokens of its pending requests, and of expired ones not yet
/// handed out, are dropped: drain it first when they stand for something to release. NULL
/// is a no-op.
///
/// # Safety
/// `correlator` is NULL or a correlator from this library, freed exactly once, that no
/// other thread uses.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fep_correlator_free(correlator: *mut fep_correlator) {
    guard((), || {
        if !correlator.is_null() {
            // SAFETY: a non-NULL `fep_correlator *` comes from
            // `Box::into_raw(Box<CorrelatorHandle>)` and is freed once per this function's
            // contract.
            drop(unsafe { Box::from_raw(correlator.cast::<CorrelatorHandle>()) });
        }
    })
}
