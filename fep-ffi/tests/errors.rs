//! Failures of the C functions: where decode and layout errors point, NULL arguments,
//! buffers too small, schemas without a key.

// These tests call the C ABI through raw pointers, as a C program would; every `unsafe`
// block says why it is sound.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ptr::{null, null_mut};

use fep::*;

mod common;
use common::*;

#[test]
fn decode_errors_say_where() {
    let (schema, _, t) = transfer();
    let mut bad = t.clone();
    bad[134] = b'O';
    let e = decode(&schema, &bad, false).err().expect("bad digit");
    assert_eq!(e.code(), fep_result::Data);
    assert_eq!(e.category(), fep_category::Data);
    assert_eq!(e.path(), "amount");
    assert_eq!(e.offset(), 129);
    // SAFETY: a live error.
    unsafe {
        assert_eq!(fep_error_length(e.0), 13);
        assert_eq!(text(fep_error_message_name(e.0)), "transfer");
    }
    assert_eq!(
        e.message(),
        r#"transfer.amount (bytes 129..142): expected digits, found "00000O0010000" (byte 5 of the field, 'O')"#
    );
    // A view accepts it; the field read finds it.
    let view = decode(&schema, &bad, true)
        .ok()
        .expect("view checks only the length");
    let e = get_int(&view, "amount").expect_err("bad digit");
    assert_eq!((e.code(), e.offset()), (fep_result::Data, 129));
    assert_eq!(
        json(&view, 0).expect_err("whole decode").code(),
        fep_result::Data
    );

    let e = decode(&schema, &t[..299], false).err().expect("short");
    assert!(e.message().contains("too short"), "{}", e.message());
    let e = decode(&schema, b"nonsense", true)
        .err()
        .expect("no message");
    assert!(
        e.message().contains("no message matches"),
        "{}",
        e.message()
    );

    // A secret field's bytes never show.
    let mut bad = t.clone();
    bad[115..123].copy_from_slice(&[0xFF; 8]);
    let e = decode(&schema, &bad, false)
        .err()
        .expect("bad password bytes");
    assert_eq!(e.path(), "password");
    assert!(!e.message().contains("FF"), "{}", e.message());
}

#[test]
fn layout_errors_carry_line_and_column() {
    let e = parse("message m {\n  f Q(3)\n}\n").err().expect("bad type");
    assert_eq!(e.code(), fep_result::Layout);
    assert_eq!(e.category(), fep_category::Layout);
    // SAFETY: a live error.
    unsafe {
        assert_eq!((fep_error_line(e.0), fep_error_column(e.0)), (2, 5));
        assert_eq!(fep_error_offset(e.0), -1);
    }
    let mut schema = null();
    let mut err = ErrOut::new();
    // SAFETY: valid strings, writable out-parameters.
    unsafe {
        let r = fep_schema_load(
            c"/nonexistent/x.layout".as_ptr(),
            NUL,
            &mut schema,
            err.out(),
        );
        assert_eq!(r, fep_result::Io);
        assert!(schema.is_null());
        assert_eq!(err.category(), fep_category::Io);
        assert!(
            err.message().contains("/nonexistent/x.layout"),
            "{}",
            err.message()
        );
        let r = fep_schema_parse(b"\xFF".as_ptr().cast(), 1, &mut schema, err.out());
        assert_eq!(r, fep_result::InvalidParameter);
        assert!(err.message().contains("not UTF-8"), "{}", err.message());
    }
}

#[test]
fn null_arguments_are_errors_not_crashes() {
    let (schema, msg, t) = transfer();
    let mut err = ErrOut::new();
    let mut out_schema = null();
    let mut out_msg = null();
    let mut v = 0i64;
    let mut len = 0usize;
    let mut buf = [0u8; 8];
    // SAFETY: every pointer is NULL or valid; the library checks the NULLs.
    unsafe {
        assert_eq!(
            fep_schema_load(null(), 0, &mut out_schema, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(err.message(), "`path` is NULL");
        assert_eq!(err.category(), fep_category::Usage);
        assert_eq!(
            fep_schema_load(c"x".as_ptr(), NUL, null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_parse(null(), NUL, &mut out_schema, null_mut()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_decode(null(), t.as_ptr(), t.len(), &mut out_msg, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_decode(schema.0, null(), 0, &mut out_msg, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_view(schema.0, t.as_ptr(), t.len(), null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_int(null(), c"amount".as_ptr(), NUL, &mut v, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_int(msg.0, null(), NUL, &mut v, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_int(msg.0, c"amount".as_ptr(), NUL, null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_field_int(msg.0, null(), &mut v, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_str(
                msg.0,
                c"memo".as_ptr(),
                NUL,
                buf.as_mut_ptr().cast(),
                8,
                null_mut(),
                err.out()
            ),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_str(
                msg.0,
                c"memo".as_ptr(),
                NUL,
                null_mut(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_to_json(msg.0, 0, null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_key(
                schema.0,
                t.as_ptr(),
                t.len(),
                buf.as_mut_ptr().cast(),
                8,
                null_mut(),
                err.out()
            ),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_encode_json(
                schema.0,
                null(),
                0,
                null(),
                0,
                buf.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_framer_new(null(), &mut null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_framer_feed(null_mut(), t.as_ptr(), 1, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_framer_set_max_length(null_mut(), 1, err.out()),
            fep_result::NullParameter
        );
        // Getters and frees accept NULL.
        assert_eq!(text(fep_message_name(null())), "");
        assert_eq!(fep_buffer_len(null()), 0);
        assert_eq!(*fep_buffer_data(null()), 0);
        assert_eq!(fep_framer_buffered(null()), 0);
        assert_eq!(fep_error_code(null()), fep_result::Ok);
        assert_eq!(fep_error_category(null()), fep_category::None);
        assert_eq!(text(fep_error_message(null())), "");
        assert_eq!(text(fep_error_path(null())), "");
        assert_eq!(text(fep_error_message_name(null())), "");
        assert_eq!(
            (fep_error_offset(null()), fep_error_length(null())),
            (-1, -1)
        );
        assert_eq!((fep_error_line(null()), fep_error_column(null())), (0, 0));
        fep_schema_free(null());
        fep_message_free(null());
        fep_buffer_free(null_mut());
        fep_framer_free(null_mut());
        fep_error_free(null_mut());
    }
    assert!(out_schema.is_null() && out_msg.is_null());
}

#[test]
fn small_buffers_report_the_size_needed_and_stay_untouched() {
    let (schema, msg, t) = transfer();
    let mut err = ErrOut::new();
    let mut buf = [b'#'; 8];
    let mut len = 0usize;
    // SAFETY: live handles, valid strings, writable buffers of the sizes given.
    unsafe {
        // "홍길동" is 9 bytes of UTF-8, 10 with the NUL.
        let r = fep_message_get_str(
            msg.0,
            c"holder_name".as_ptr(),
            NUL,
            buf.as_mut_ptr().cast(),
            8,
            &mut len,
            err.out(),
        );
        assert_eq!((r, len), (fep_result::InsufficientSize, 10));
        assert_eq!(buf, [b'#'; 8]);
        assert_eq!(err.category(), fep_category::Usage);
        // The size query: NULL and 0.
        let r = fep_message_get_str(
            msg.0,
            c"holder_name".as_ptr(),
            NUL,
            null_mut(),
            0,
            &mut len,
            null_mut(),
        );
        assert_eq!((r, len), (fep_result::InsufficientSize, 10));
        let mut exact = [0u8; 10];
        let r = fep_message_get_str(
            msg.0,
            c"holder_name".as_ptr(),
            NUL,
            exact.as_mut_ptr().cast(),
            10,
            &mut len,
            null_mut(),
        );
        assert_eq!((r, len), (fep_result::Ok, 9));
        assert_eq!(&exact, "홍길동\0".as_bytes());

        let r = fep_schema_key(
            schema.0,
            t.as_ptr(),
            t.len(),
            null_mut(),
            0,
            &mut len,
            null_mut(),
        );
        assert_eq!((r, len), (fep_result::InsufficientSize, 31));
        let mut key = [0u8; 32];
        let r = fep_schema_key(
            schema.0,
            t.as_ptr(),
            t.len(),
            key.as_mut_ptr().cast(),
            32,
            &mut len,
            null_mut(),
        );
        assert_eq!(
            (r, &key[..len]),
            (fep_result::Ok, &b"20240315|004|TESTCO0001|000123"[..])
        );

        let j = json(&msg, 0).ok().expect("json");
        let r = fep_schema_encode_json(
            schema.0,
            null(),
            0,
            j.as_ptr().cast(),
            j.len(),
            buf.as_mut_ptr(),
            8,
            &mut len,
            err.out(),
        );
        assert_eq!((r, len), (fep_result::InsufficientSize, 300));
        assert_eq!(buf, [b'#'; 8]);
        let mut out = vec![0u8; 300];
        let r = fep_schema_encode_json(
            schema.0,
            null(),
            0,
            j.as_ptr().cast(),
            j.len(),
            out.as_mut_ptr(),
            300,
            &mut len,
            err.out(),
        );
        assert_eq!((r, len), (fep_result::Ok, 300));
        assert_eq!(out, t);
    }
}

#[test]
fn key_errors() {
    let (schema, _, t) = transfer();
    let nokey = parse("encoding ascii\nmessage m 3 {\n a X(3)\n}\n")
        .ok()
        .expect("layout");
    let mut err = ErrOut::new();
    let mut buf = [0u8; 64];
    let mut len = 0;
    // SAFETY: live handles, valid buffers, writable out-parameters.
    unsafe {
        let r = fep_schema_key(
            nokey.0,
            b"abc".as_ptr(),
            3,
            buf.as_mut_ptr().cast(),
            64,
            &mut len,
            err.out(),
        );
        assert_eq!(r, fep_result::NoKey);
        assert_eq!(err.category(), fep_category::Layout);
        let r = fep_schema_key(
            schema.0,
            b"zz".as_ptr(),
            2,
            buf.as_mut_ptr().cast(),
            64,
            &mut len,
            err.out(),
        );
        assert_eq!(r, fep_result::Data);
        let r = fep_schema_key(
            schema.0,
            t.as_ptr(),
            t.len(),
            buf.as_mut_ptr().cast(),
            64,
            &mut len,
            err.out(),
        );
        assert_eq!(r, fep_result::Ok);
    }
}
