//! Building telegrams to send through the C functions: encoding JSON into a named message,
//! framing for sending, and the framer's errors.

// These tests call the C ABI through raw pointers, as a C program would; every `unsafe`
// block says why it is sound.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ptr::{null, null_mut};

use fep::*;

mod common;
use common::*;

#[test]
fn encodes_fields_of_a_named_message() {
    let (schema, _, t) = transfer();
    let whole: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(layouts().join("firmbanking/transfer-request.json"))
            .expect("json"),
    )
    .expect("JSON");
    let fields = whole["fields"].to_string();
    assert_eq!(
        encode(&schema, Some("transfer"), &fields)
            .ok()
            .expect("encodes"),
        t
    );

    let e = encode(&schema, Some("nope"), &fields).expect_err("unknown message");
    assert_eq!(e.code(), fep_result::UnknownMessage);
    let e = encode(
        &schema,
        None,
        r#"{"message":"transfer","fields":{"amount":"12x"}}"#,
    )
    .expect_err("bad amount");
    assert_eq!(
        (e.code(), e.path()),
        (fep_result::Encoding, "amount".into())
    );
    assert_eq!(e.category(), fep_category::Encoding);
    let e = encode(
        &schema,
        None,
        r#"{"message":"transfer","fields":{"amount":1.5}}"#,
    )
    .expect_err("float");
    assert_eq!(e.code(), fep_result::Json);
    // SAFETY: a live error.
    assert_eq!(unsafe { fep_error_column(e.0) }, 44);
    let e = encode(&schema, None, "{").expect_err("truncated");
    assert_eq!(e.code(), fep_result::Json);
    let e = encode(
        &schema,
        None,
        r#"{"message":"transfer","fields":{"zzz":1}}"#,
    )
    .expect_err("unknown field");
    assert_eq!(e.code(), fep_result::UnknownField);
}

#[test]
fn framer_errors_and_framing_for_sending() {
    let schema = load("firmbanking.layout");
    let mut framer = null_mut();
    let mut err = ErrOut::new();
    let (mut t, mut n, mut off) = (null(), 0usize, 0u64);
    let mut out = [0u8; 8];
    let mut len = 0;
    // SAFETY: live handles, valid buffers, writable out-parameters.
    unsafe {
        assert_eq!(
            fep_framer_new(schema.0, &mut framer, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_feed(framer, b"0003".as_ptr(), 4, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_next(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::NoTelegram
        );
        assert!(err.0.is_null(), "no error for NO_TELEGRAM");
        assert_eq!(fep_framer_buffered(framer), 4);
        assert_eq!(
            fep_framer_feed(framer, b"abc".as_ptr(), 3, err.out()),
            fep_result::Ok
        );
        // A three-byte frame matches no message: handed out, for decode to judge.
        assert_eq!(
            fep_framer_next(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::Ok
        );
        assert_eq!((std::slice::from_raw_parts(t, n), off), (&b"abc"[..], 0));
        assert_eq!(
            fep_framer_feed(framer, b"00x1".as_ptr(), 4, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_next(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::Framing
        );
        assert_eq!((err.offset(), err.category()), (7, fep_category::Data));
        assert!(err.message().contains("not digits"), "{}", err.message());
        // At the end, the bad prefix is still there: reported once, then the stream is done.
        assert_eq!(
            fep_framer_finish(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::Framing
        );
        assert_eq!(
            err.message(),
            "frame at byte 7: the length prefix is not digits, found \"00x1\""
        );
        assert_eq!(
            fep_framer_finish(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::NoTelegram
        );

        assert_eq!(
            fep_framer_set_max_length(framer, 2, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_feed(framer, b"0300".as_ptr(), 4, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_next(framer, &mut t, &mut n, null_mut(), err.out()),
            fep_result::FrameTooLong
        );
        assert!(
            err.message().contains("more than the maximum of 2"),
            "{}",
            err.message()
        );

        assert_eq!(
            fep_framer_frame(
                framer,
                b"ab".as_ptr(),
                2,
                out.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&out[..len], b"0002ab");
        assert_eq!(
            fep_framer_frame(
                framer,
                b"ab".as_ptr(),
                2,
                out.as_mut_ptr(),
                5,
                &mut len,
                err.out()
            ),
            fep_result::InsufficientSize
        );
        assert_eq!(len, 6);
        assert_eq!(
            fep_framer_frame(
                framer,
                b"abc".as_ptr(),
                3,
                out.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::Encoding
        );
        let mut framed = null_mut();
        assert_eq!(
            fep_framer_frame_alloc(framer, b"ab".as_ptr(), 2, &mut framed, err.out()),
            fep_result::Ok
        );
        assert_eq!(take_buffer(framed), b"0002ab");
        assert_eq!(
            fep_framer_set_line_ending(framer, 7, err.out()),
            fep_result::InvalidParameter
        );
        assert_eq!(
            fep_framer_set_line_ending(framer, FEP_LINE_ENDING_LF, err.out()),
            fep_result::Ok
        );
        fep_framer_free(framer);
    }

    let lines = load("cms-batch.layout");
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            fep_framer_new(lines.0, &mut framer, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_frame(
                framer,
                b"ab".as_ptr(),
                2,
                out.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&out[..len], b"ab\r\n");
        assert_eq!(
            fep_framer_set_line_ending(framer, FEP_LINE_ENDING_LF, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_frame(
                framer,
                b"ab".as_ptr(),
                2,
                out.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&out[..len], b"ab\n");
        fep_framer_free(framer);
    }
}
