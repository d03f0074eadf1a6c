//! Reading fields of a message through the C functions: by path, through resolved field
//! handles, with counted or NUL-terminated strings; handles outliving their schema and
//! shared between threads.

// These tests call the C ABI through raw pointers, as a C program would; every `unsafe`
// block says why it is sound.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use fep::*;

mod common;
use common::*;

#[test]
fn reads_fields_by_path() {
    let (_schema, msg, t) = transfer();
    assert_eq!(text(unsafe_name(&msg)), "transfer");
    assert_eq!(get_str(&msg, "memo").ok().expect("memo"), "급여");
    assert_eq!(
        get_str(&msg, "debit_acct").ok().expect("real value"),
        "1002003004005"
    );
    assert_eq!(
        get_str(&msg, "header.send_date").ok().expect("date"),
        "2024-03-15"
    );
    assert_eq!(
        get_str(&msg, "amount").ok().expect("number as text"),
        "10000"
    );
    assert_eq!(get_int(&msg, "amount").ok().expect("amount"), 10000);
    assert_eq!(get_int(&msg, "header.seq_no").ok().expect("seq"), 123);

    let e = get_int(&msg, "fee").expect_err("blank");
    assert_eq!(e.code(), fep_result::NullValue);
    assert_eq!(e.path(), "fee");
    assert_eq!(e.offset(), 174);
    assert!(
        e.message().starts_with("transfer.fee (bytes 174..183)"),
        "{}",
        e.message()
    );
    let e = get_str(&msg, "fee").expect_err("blank");
    assert_eq!(e.code(), fep_result::NullValue);
    let e = get_int(&msg, "memo").expect_err("text");
    assert_eq!(e.code(), fep_result::WrongType);
    assert_eq!(e.category(), fep_category::Data);
    let e = get_int(&msg, "no_such").expect_err("unknown");
    assert_eq!(e.code(), fep_result::UnknownField);
    let e = get_int(&msg, "items[0].amount").expect_err("other message's field");
    assert_eq!(e.code(), fep_result::UnknownField);

    let mut buf = [0u8; 32];
    let mut len = 0;
    let mut is_null = false;
    let (mut raw, mut raw_len) = (null(), 0);
    // SAFETY: a live message, valid strings, writable buffers of their sizes.
    unsafe {
        let r = fep_message_get_decimal(
            msg.0,
            c"balance".as_ptr(),
            NUL,
            buf.as_mut_ptr().cast(),
            32,
            &mut len,
            null_mut(),
        );
        assert_eq!(r, fep_result::NullValue);
        let r = fep_message_get_decimal(
            msg.0,
            c"amount".as_ptr(),
            NUL,
            buf.as_mut_ptr().cast(),
            32,
            &mut len,
            null_mut(),
        );
        assert_eq!((r, &buf[..len]), (fep_result::Ok, &b"10000"[..]));
        let r = fep_message_get_is_null(msg.0, c"fee".as_ptr(), NUL, &mut is_null, null_mut());
        assert_eq!((r, is_null), (fep_result::Ok, true));
        let r = fep_message_get_is_null(msg.0, c"amount".as_ptr(), NUL, &mut is_null, null_mut());
        assert_eq!((r, is_null), (fep_result::Ok, false));
        let r = fep_message_get_raw(
            msg.0,
            c"amount".as_ptr(),
            NUL,
            &mut raw,
            &mut raw_len,
            null_mut(),
        );
        assert_eq!(r, fep_result::Ok);
        assert_eq!(std::slice::from_raw_parts(raw, raw_len), b"0000000010000");
        // The raw bytes are the message's own copy of the telegram.
        assert_ne!(raw, t.as_ptr().wrapping_add(129));
    }
}

fn unsafe_name(msg: &Msg) -> *const c_char {
    // SAFETY: a live message.
    unsafe { fep_message_name(msg.0) }
}

#[test]
fn reads_fields_through_resolved_handles() {
    let (schema, msg, _) = transfer();
    let other = load("firmbanking.layout");
    let mut field = null();
    let mut other_field = null();
    let mut err = ErrOut::new();
    let mut v = 0i64;
    let mut buf = [0u8; 32];
    let mut len = 0;
    let mut is_null = true;
    let (mut raw, mut raw_len) = (null(), 0);
    // SAFETY: live handles, valid strings, writable buffers of their sizes; each handle is
    // freed once.
    unsafe {
        assert_eq!(
            fep_schema_field(schema.0, c"amount".as_ptr(), NUL, &mut field, err.out()),
            fep_result::Ok
        );
        assert_eq!(text(fep_field_path(field)), "amount");
        assert_eq!(
            fep_message_field_int(msg.0, field, &mut v, err.out()),
            fep_result::Ok
        );
        assert_eq!(v, 10000);
        assert_eq!(
            fep_message_field_decimal(
                msg.0,
                field,
                buf.as_mut_ptr().cast(),
                32,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&buf[..len], b"10000");
        assert_eq!(
            fep_message_field_str(
                msg.0,
                field,
                buf.as_mut_ptr().cast(),
                32,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&buf[..len], b"10000");
        assert_eq!(
            fep_message_field_is_null(msg.0, field, &mut is_null, err.out()),
            fep_result::Ok
        );
        assert!(!is_null);
        assert_eq!(
            fep_message_field_raw(msg.0, field, &mut raw, &mut raw_len, err.out()),
            fep_result::Ok
        );
        assert_eq!(raw_len, 13);

        // A field of another schema (even of the same layout) is refused, not misread.
        assert_eq!(
            fep_schema_field(
                other.0,
                c"amount".as_ptr(),
                NUL,
                &mut other_field,
                null_mut()
            ),
            fep_result::Ok
        );
        assert_eq!(
            fep_message_field_int(msg.0, other_field, &mut v, err.out()),
            fep_result::InvalidParameter
        );
        assert!(
            err.message().contains("another schema"),
            "{}",
            err.message()
        );

        let mut none = null();
        assert_eq!(
            fep_schema_field(schema.0, c"nope".as_ptr(), NUL, &mut none, err.out()),
            fep_result::UnknownField
        );
        assert!(none.is_null());
        assert_eq!(
            fep_schema_field(
                schema.0,
                c"items[10].amount".as_ptr(),
                NUL,
                &mut none,
                err.out()
            ),
            fep_result::UnknownField
        );
        assert!(
            err.message().contains("at most 10 entries"),
            "{}",
            err.message()
        );
        assert_eq!(
            fep_schema_field(schema.0, c"header".as_ptr(), NUL, &mut none, err.out()),
            fep_result::UnknownField
        );

        fep_field_free(field);
        fep_field_free(other_field);
        fep_field_free(null());
        assert_eq!(text(fep_field_path(null())), "");
    }
}

#[test]
fn handles_outlive_their_schema() {
    let (schema, msg, _) = transfer();
    let mut field = null();
    // SAFETY: live handles; the schema is freed first, then the rest, each once.
    unsafe {
        assert_eq!(
            fep_schema_field(schema.0, c"amount".as_ptr(), NUL, &mut field, null_mut()),
            fep_result::Ok
        );
        drop(schema);
        let mut v = 0;
        assert_eq!(
            fep_message_field_int(msg.0, field, &mut v, null_mut()),
            fep_result::Ok
        );
        assert_eq!(v, 10000);
        fep_field_free(field);
    }
}

#[test]
fn strings_may_be_counted_or_nul_terminated_and_must_be_utf8() {
    let (_, msg, _) = transfer();
    let mut v = 0;
    let mut err = ErrOut::new();
    // SAFETY: a live message; each string is valid for the length given.
    unsafe {
        // Counted: only the first 6 bytes of "amountXYZ" are the path.
        assert_eq!(
            fep_message_get_int(msg.0, c"amountXYZ".as_ptr(), 6, &mut v, err.out()),
            fep_result::Ok
        );
        assert_eq!(v, 10000);
        assert_eq!(
            fep_message_get_int(msg.0, c"amount".as_ptr(), NUL, &mut v, err.out()),
            fep_result::Ok
        );
        let r = fep_message_get_int(msg.0, b"am\xFFount".as_ptr().cast(), 7, &mut v, err.out());
        assert_eq!(r, fep_result::InvalidParameter);
        assert_eq!(err.message(), "`path` is not UTF-8 (byte 2)");
        let r = fep_message_get_int(msg.0, c"amount".as_ptr(), usize::MAX - 1, &mut v, err.out());
        assert_eq!(r, fep_result::InvalidParameter);
    }
}

#[test]
fn handles_are_shared_between_threads() {
    let (schema, msg, t) = transfer();
    struct Shared(*const fep_schema, *const fep_message);
    // SAFETY: schemas and messages are immutable and Sync; the test frees them after the
    // threads are joined.
    unsafe impl Sync for Shared {}
    let shared = Shared(schema.0, msg.0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let shared = &shared;
                for _ in 0..50 {
                    let mut m = null();
                    let mut v = 0;
                    // SAFETY: live handles shared read-only; the new message is freed once.
                    unsafe {
                        assert_eq!(
                            fep_schema_decode(shared.0, t.as_ptr(), t.len(), &mut m, null_mut()),
                            fep_result::Ok
                        );
                        assert_eq!(
                            fep_message_get_int(m, c"amount".as_ptr(), NUL, &mut v, null_mut()),
                            fep_result::Ok
                        );
                        assert_eq!(v, 10000);
                        let mut j = null_mut();
                        assert_eq!(
                            fep_message_to_json(shared.1, 0, &mut j, null_mut()),
                            fep_result::Ok
                        );
                        fep_buffer_free(j);
                        fep_message_free(m);
                    }
                }
            });
        }
    });
}
