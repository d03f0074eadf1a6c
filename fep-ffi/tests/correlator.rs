//! The correlator through the C functions: responses matched to requests by key, tokens
//! given back, refusals with their codes, expired tokens handed out in pieces with none
//! lost, and threads sharing one correlator.

// These tests call the C ABI through raw pointers, as a C program would; every `unsafe`
// block says why it is sound.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::collections::BTreeSet;
use std::ptr::{null, null_mut};
use std::time::Duration;

use fep::*;

mod common;
use common::*;

/// A correlator handle that frees itself.
struct Corr(*mut fep_correlator);

// SAFETY: a correlator is thread-safe (its functions lock internally); the handle is freed
// only when the owner drops it, after the threads that borrow it are joined.
unsafe impl Sync for Corr {}

impl Drop for Corr {
    fn drop(&mut self) {
        // SAFETY: NULL or a correlator from the library, freed once.
        unsafe { fep_correlator_free(self.0) }
    }
}

fn unframe(name: &str) -> Vec<u8> {
    let b = std::fs::read(layouts().join("firmbanking").join(name)).expect("sample");
    b[4..].to_vec()
}

/// The request and response samples of a transfer, without their length prefix.
fn samples() -> (Schema, Vec<u8>, Vec<u8>) {
    (
        load("firmbanking.layout"),
        unframe("transfer-request.bin"),
        unframe("transfer-response.bin"),
    )
}

/// The telegram with its telegram number (`header.seq_no`, bytes 32..38) set to `n`.
fn numbered(t: &[u8], n: u64) -> Vec<u8> {
    let mut t = t.to_vec();
    t[32..38].copy_from_slice(format!("{n:06}").as_bytes());
    t
}

fn new(schema: &Schema, capacity: usize, timeout_ms: u64) -> Result<Corr, ErrOut> {
    let mut c = null_mut();
    let mut err = ErrOut::new();
    // SAFETY: a live schema, writable out-parameters.
    let r = unsafe { fep_correlator_new(schema.0, capacity, timeout_ms, &mut c, err.out()) };
    if r == fep_result::Ok {
        Ok(Corr(c))
    } else {
        assert!(c.is_null(), "output written on failure");
        assert_eq!(err.code(), r);
        Err(err)
    }
}

fn insert(c: &Corr, t: &[u8], token: u64, timeout_ms: u64) -> Result<(), ErrOut> {
    let mut err = ErrOut::new();
    // SAFETY: a live correlator, a valid buffer, a writable error slot.
    let r =
        unsafe { fep_correlator_insert(c.0, t.as_ptr(), t.len(), token, timeout_ms, err.out()) };
    if r == fep_result::Ok {
        assert!(err.0.is_null());
        Ok(())
    } else {
        assert_eq!(err.code(), r);
        Err(err)
    }
}

fn complete(c: &Corr, t: &[u8]) -> Result<(u64, u64), ErrOut> {
    let (mut token, mut us) = (u64::MAX, u64::MAX);
    let mut err = ErrOut::new();
    // SAFETY: a live correlator, a valid buffer, writable out-parameters.
    let r = unsafe {
        fep_correlator_complete(c.0, t.as_ptr(), t.len(), &mut token, &mut us, err.out())
    };
    if r == fep_result::Ok {
        Ok((token, us))
    } else {
        assert_eq!(
            (token, us),
            (u64::MAX, u64::MAX),
            "output written on failure"
        );
        assert_eq!(err.code(), r);
        Err(err)
    }
}

fn len(c: &Corr) -> usize {
    // SAFETY: a live correlator.
    unsafe { fep_correlator_len(c.0) }
}

/// Every token expire (or drain) hands out, `cap` at a time, and how many calls it took.
fn take_all(c: &Corr, cap: usize, drain: bool) -> (Vec<u64>, usize) {
    let mut all = Vec::new();
    let mut calls = 0;
    loop {
        let mut buf = vec![0u64; cap];
        let mut n = usize::MAX;
        let f = if drain {
            fep_correlator_drain
        } else {
            fep_correlator_expire
        };
        // SAFETY: a live correlator, an array of `cap` tokens, writable out-parameters.
        let r = unsafe { f(c.0, buf.as_mut_ptr(), cap, &mut n, null_mut()) };
        assert_eq!(r, fep_result::Ok);
        assert!(n <= cap);
        calls += 1;
        all.extend_from_slice(&buf[..n]);
        if n < cap {
            return (all, calls);
        }
    }
}

#[test]
fn a_response_gives_back_its_requests_token() {
    let (schema, req, res) = samples();
    let c = new(&schema, 100, 30_000).ok().expect("correlator");
    insert(&c, &req, 42, 0).ok().expect("filed");
    assert_eq!(len(&c), 1);
    let (token, us) = complete(&c, &res).ok().expect("matched");
    assert_eq!(token, 42);
    assert!(us < 10_000_000, "elapsed {us} us");
    assert_eq!(len(&c), 0);

    // The elapsed time is optional.
    insert(&c, &req, 7, 0).ok().expect("filed");
    let mut token = 0;
    // SAFETY: a live correlator, a valid buffer, a writable token; no elapsed slot.
    let r = unsafe {
        fep_correlator_complete(
            c.0,
            res.as_ptr(),
            res.len(),
            &mut token,
            null_mut(),
            null_mut(),
        )
    };
    assert_eq!((r, token), (fep_result::Ok, 7));
}

#[test]
fn refusals_have_their_codes() {
    let (schema, req, res) = samples();
    let c = new(&schema, 2, 30_000).ok().expect("correlator");
    insert(&c, &req, 1, 0).ok().expect("filed");

    let e = insert(&c, &req, 2, 0).expect_err("same key");
    assert_eq!(e.code(), fep_result::DuplicateKey);
    assert_eq!(e.category(), fep_category::Data);
    assert!(
        e.message().contains("20240315|004|TESTCO0001|000123"),
        "{}",
        e.message()
    );

    insert(&c, &numbered(&req, 7), 3, 0).ok().expect("filed");
    let e = insert(&c, &numbered(&req, 8), 4, 0).expect_err("full");
    assert_eq!(e.code(), fep_result::CorrelatorFull);
    assert!(e.message().contains("full (2 pending"), "{}", e.message());
    assert_eq!(len(&c), 2);

    // A response nobody waits for names its key and the nearest pending request.
    let e = complete(&c, &numbered(&res, 9)).expect_err("unmatched");
    assert_eq!(e.code(), fep_result::Unmatched);
    assert!(
        e.message().contains("20240315|004|TESTCO0001|000009"),
        "{}",
        e.message()
    );
    assert!(e.message().contains("header.seq_no"), "{}", e.message());
    // The pending ones stay.
    assert_eq!(complete(&c, &res).ok().expect("matched").0, 1);
    assert_eq!(complete(&c, &numbered(&res, 7)).ok().expect("matched").0, 3);

    // Telegrams without a key, or of no message.
    let e = insert(&c, b"nonsense", 5, 0).expect_err("no message");
    assert_eq!(e.code(), fep_result::Data);
    let nokey = parse("encoding ascii\nmessage m 3 {\n  a X(3)\n}\n")
        .ok()
        .expect("layout");
    let k = new(&nokey, 10, 1000).ok().expect("correlator");
    assert_eq!(
        insert(&k, b"abc", 1, 0).expect_err("no key").code(),
        fep_result::NoKey
    );
    assert_eq!(
        complete(&k, b"abc").expect_err("no key").code(),
        fep_result::NoKey
    );
}

#[test]
fn arguments_are_checked() {
    let (schema, req, res) = samples();
    for (cap, ms) in [(0, 1000), (10, 0)] {
        let e = new(&schema, cap, ms).err().expect("invalid");
        assert_eq!(e.code(), fep_result::InvalidParameter, "{}", e.message());
    }
    let e = new(&Schema(null()), 10, 1000).err().expect("NULL schema");
    assert_eq!(e.code(), fep_result::NullParameter);
    let c = new(&schema, 10, 1000).ok().expect("correlator");
    // The longest timeout is accepted (the clock reaches that far).
    insert(&c, &req, 1, u64::MAX).ok().expect("filed");
    assert_eq!(len(&c), 1);

    let mut err = ErrOut::new();
    let (mut token, mut found, mut n) = (0u64, false, 0usize);
    // SAFETY: NULLs where the library checks for them; every other pointer is valid.
    unsafe {
        let r = fep_correlator_insert(null_mut(), req.as_ptr(), req.len(), 1, 0, err.out());
        assert_eq!(r, fep_result::NullParameter);
        assert!(err.message().contains("correlator"), "{}", err.message());
        let r = fep_correlator_insert(c.0, null(), 3, 1, 0, err.out());
        assert_eq!(r, fep_result::NullParameter);
        let r = fep_correlator_complete(
            c.0,
            res.as_ptr(),
            res.len(),
            null_mut(),
            null_mut(),
            err.out(),
        );
        assert_eq!(r, fep_result::NullParameter);
        assert!(err.message().contains("out_token"), "{}", err.message());
        let r = fep_correlator_cancel(
            c.0,
            req.as_ptr(),
            req.len(),
            &mut token,
            null_mut(),
            err.out(),
        );
        assert_eq!(r, fep_result::NullParameter);
        let r = fep_correlator_expire(c.0, null_mut(), 4, &mut n, err.out());
        assert_eq!(r, fep_result::NullParameter);
        let r = fep_correlator_drain(c.0, null_mut(), 0, null_mut(), err.out());
        assert_eq!(r, fep_result::NullParameter);
        let r = fep_correlator_cancel(
            null_mut(),
            req.as_ptr(),
            req.len(),
            &mut token,
            &mut found,
            null_mut(),
        );
        assert_eq!(r, fep_result::NullParameter);
        assert_eq!(fep_correlator_len(null()), 0);
        fep_correlator_free(null_mut());
    }
}

#[test]
fn cancel_takes_a_request_back() {
    let (schema, req, res) = samples();
    let c = new(&schema, 10, 30_000).ok().expect("correlator");
    insert(&c, &req, 11, 0).ok().expect("filed");
    let (mut token, mut found) = (0u64, false);
    // SAFETY: a live correlator, a valid buffer, writable out-parameters.
    let r = unsafe {
        fep_correlator_cancel(
            c.0,
            req.as_ptr(),
            req.len(),
            &mut token,
            &mut found,
            null_mut(),
        )
    };
    assert_eq!((r, token, found), (fep_result::Ok, 11, true));
    assert_eq!(len(&c), 0);
    token = 99;
    // SAFETY: as above.
    let r = unsafe {
        fep_correlator_cancel(
            c.0,
            req.as_ptr(),
            req.len(),
            &mut token,
            &mut found,
            null_mut(),
        )
    };
    assert_eq!(
        (r, token, found),
        (fep_result::Ok, 99, false),
        "token untouched"
    );
    assert_eq!(
        complete(&c, &res).expect_err("cancelled").code(),
        fep_result::Unmatched
    );
}

#[test]
fn expired_tokens_come_out_in_pieces_and_none_is_lost() {
    let (schema, req, _) = samples();
    let c = new(&schema, 100, 60_000).ok().expect("correlator");
    // 23 requests that expire at once, 5 that do not.
    for n in 0..23 {
        insert(&c, &numbered(&req, n), 1000 + n, 1)
            .ok()
            .expect("filed");
    }
    for n in 100..105 {
        insert(&c, &numbered(&req, n), n, 0).ok().expect("filed");
    }
    std::thread::sleep(Duration::from_millis(20));

    // Nothing handed out, only set aside.
    let mut n = usize::MAX;
    // SAFETY: a live correlator, no array (0 tokens), a writable count.
    let r = unsafe { fep_correlator_expire(c.0, null_mut(), 0, &mut n, null_mut()) };
    assert_eq!((r, n), (fep_result::Ok, 0));
    assert_eq!(len(&c), 5);

    let (expired, calls) = take_all(&c, 4, false);
    assert_eq!(calls, 6, "23 tokens, 4 at a time");
    let got: BTreeSet<u64> = expired.iter().copied().collect();
    assert_eq!(got, (1000..1023).collect(), "each once");
    assert_eq!(expired.len(), 23);
    assert_eq!(len(&c), 5);

    // Drain: the rest, in pieces too; afterwards nothing.
    let (drained, _) = take_all(&c, 2, true);
    assert_eq!(
        drained.iter().copied().collect::<BTreeSet<_>>(),
        (100..105).collect()
    );
    assert_eq!(drained.len(), 5);
    assert_eq!(len(&c), 0);
    assert_eq!(take_all(&c, 8, true).0, Vec::<u64>::new());
    assert_eq!(take_all(&c, 8, false).0, Vec::<u64>::new());
}

#[test]
fn threads_share_one_correlator() {
    let (schema, req, res) = samples();
    let c = new(&schema, 10_000, 60_000).ok().expect("correlator");
    std::thread::scope(|s| {
        for t in 0..8u64 {
            let (c, req, res) = (&c, &req, &res);
            s.spawn(move || {
                for i in 0..200 {
                    let n = t * 1000 + i;
                    insert(c, &numbered(req, n), n, 0).ok().expect("filed");
                    assert_eq!(complete(c, &numbered(res, n)).ok().expect("matched").0, n);
                }
            });
        }
    });
    assert_eq!(len(&c), 0);
}
